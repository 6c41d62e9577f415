"""A real browser walks the main story: log in, the dashboard with its map, the station list, a station.

Runs Debian's Chromium through Playwright (`playwright install` cannot download browsers here). Without
/usr/bin/chromium the test is skipped, unless XIANGCUN_REQUIRE_BROWSER=1 (CI), where it fails.
Screenshots go to var/screenshots/ (their paths are printed).
"""

import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from xiangcun.core.testing import make_county, make_station, make_user
from xiangcun.network import services as network_services

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "pw-Secret-123"

# Draws two different Chinese characters in the page's font and compares the pixels: a missing CJK
# font renders both as the same empty box ("tofu").
TOFU_CHECK = """() => {
  const font = getComputedStyle(document.body).fontFamily;
  const draw = (ch) => {
    const c = document.createElement('canvas'); c.width = 40; c.height = 40;
    const g = c.getContext('2d'); g.fillStyle = '#fff'; g.fillRect(0, 0, 40, 40);
    g.fillStyle = '#000'; g.font = '32px ' + font; g.fillText(ch, 2, 34);
    return Array.from(g.getImageData(0, 0, 40, 40).data).join(',');
  };
  return {font: font, same: draw('县') === draw('镇'), blank: draw('县') === draw(' ')};
}"""


def _require_chromium():
    if Path(CHROMIUM).exists():
        return
    reason = f"{CHROMIUM} is missing (install Debian's chromium and fonts-wqy-microhei)"
    if os.environ.get("XIANGCUN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"XIANGCUN_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def _small_county():
    """Two townships, five stations (four with coordinates), a county center, a bureau user."""
    county = make_county("130425", "大名县")
    county.outline = {
        "type": "Polygon",
        "coordinates": [
            [[115.05, 36.25], [115.20, 36.25], [115.20, 36.40], [115.05, 36.40], [115.05, 36.25]]
        ],
    }
    county.save()
    root = make_user(None, None, username="root")
    villages = list(county.villages.order_by("code"))
    placed = [
        (villages[0], "operating", "36.31", "115.09"),
        (villages[1], "operating", "36.33", "115.12"),
        (villages[2], "building", "36.29", "115.14"),
        (villages[3], "planned", "36.35", "115.16"),
    ]
    stations = [
        make_station(v, actor=root, status=status, latitude=Decimal(lat), longitude=Decimal(lng))
        for v, status, lat, lng in placed
    ]
    stations.append(make_station(villages[4], actor=root, status="suspended"))  # no coordinates
    network_services.facility_create(
        actor=root,
        county=county,
        kind="county_center",
        code="CC-01",
        name="大名县电子商务公共服务中心",
        latitude=Decimal("36.285"),
        longitude=Decimal("115.147"),
    )
    make_user("bureau_admin", county, username="bureau")
    return stations


@pytest.fixture
def project_static(settings):
    """Serve src/xiangcun/static (css, js, vendor) from the live server: it is not an app's static
    folder, so the finders need it in STATICFILES_DIRS (harmless once the settings list it)."""
    folder = Path(settings.PACKAGE_DIR) / "static"
    dirs = [Path(d) for d in getattr(settings, "STATICFILES_DIRS", [])]
    if folder not in dirs:
        settings.STATICFILES_DIRS = [*dirs, folder]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_login_dashboard_map_station_list_and_station(live_server, project_static, capsys):
    _require_chromium()
    from playwright.sync_api import sync_playwright

    stations = _small_county()
    first = stations[0]
    shots = Path(settings.VAR_DIR) / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    saved = []

    # Everything below talks to the live server only (no ORM while Playwright's loop runs).
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # zh-CN: the default language of the platform, so Chinese text is what gets rendered.
            context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

            page.goto(f"{live_server.url}/")
            assert "/accounts/login/" in page.url
            page.fill("input[name=username]", "bureau")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")
            assert page.locator("html").get_attribute("lang") == "zh-hans"

            # The map: drawn from the scoped map data, one circle per station with coordinates.
            page.wait_for_selector("#county-map[data-ready='1']", timeout=15000)
            assert page.get_attribute("#county-map", "data-station-markers") == "4"
            assert page.locator("#county-map path.station-marker").count() == 4
            assert page.locator("#county-map path.station-marker.status-operating").count() == 2
            assert page.locator("#county-map .township-marker").count() == 2
            assert page.locator("#county-map .facility-marker").count() == 1
            assert "1" in page.locator("#county-map .map-legend .off-map").inner_text()
            assert page.locator("#status-chart svg").count() == 1
            figure = page.locator("[data-figure=stations_operating] .value")
            assert figure.inner_text() == "2"
            tofu = page.evaluate(TOFU_CHECK)
            assert "WenQuanYi Micro Hei" in tofu["font"]
            assert not tofu["same"] and not tofu["blank"], f"Chinese renders as boxes: {tofu}"
            page.screenshot(path=str(shots / "dashboard.png"), full_page=True)
            saved.append(shots / "dashboard.png")

            # A popup links a station to its page.
            page.locator("#county-map path.station-marker").first.click(force=True)
            assert (
                page.locator(".leaflet-popup-content a")
                .first.get_attribute("href")
                .startswith("/network/stations/")
            )

            page.click("nav.mainnav a[href='/network/stations/']")
            page.wait_for_url(f"{live_server.url}/network/stations/")
            assert page.locator("#register tbody tr[data-row]").count() == 5
            page.select_option("select[name=status]", "operating")  # htmx refreshes the table
            page.wait_for_function("document.querySelectorAll('#register tbody tr[data-row]').length === 2")
            assert "status=operating" in page.url
            page.screenshot(path=str(shots / "station-list.png"), full_page=True)
            saved.append(shots / "station-list.png")

            page.click(f"#register a[href='/network/stations/{first.code}/']")
            page.wait_for_url(f"{live_server.url}/network/stations/{first.code}/")
            assert page.locator("h1 code").inner_text() == first.code
            page.wait_for_selector(".minimap[data-ready='1']")
            assert page.locator("[data-compliant=true]").count() == 1
            page.screenshot(path=str(shots / "station.png"), full_page=True)
            saved.append(shots / "station.png")

            # The editor: fields and the checklist of the construction standard.
            page.click(f"a[href='/network/stations/{first.code}/edit/']")
            page.wait_for_url(f"{live_server.url}/network/stations/{first.code}/edit/")
            assert page.locator("fieldset.equipment input[type=checkbox]").count() == 10
            page.screenshot(path=str(shots / "station-edit.png"), full_page=True)
            saved.append(shots / "station-edit.png")

            # A station manager's phone: the same page on a narrow screen, nothing wider than the screen.
            phone = browser.new_context(
                locale="zh-CN", viewport={"width": 375, "height": 740}, is_mobile=True
            )
            phone.add_cookies(context.cookies())
            mobile = phone.new_page()
            mobile.goto(f"{live_server.url}/network/stations/")
            overflow = mobile.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"the page is {overflow}px wider than a phone screen"
            mobile.screenshot(path=str(shots / "station-list-phone.png"), full_page=True)
            saved.append(shots / "station-list-phone.png")
            assert errors == [], errors
        except Exception:
            # Keep what the browser showed when it failed, and the page's own errors.
            page.screenshot(path=str(shots / "failure.png"), full_page=True)
            with capsys.disabled():
                print(f"\nscreenshot of the failure: {shots / 'failure.png'}; page errors: {errors}")
            raise
        finally:
            browser.close()

    with capsys.disabled():
        for path in saved:
            print(f"\nscreenshot: {path}")

"""A real browser opens the demo county's layout and siting plans: the map draws every village, the
planned and the built centers, and the pages are screenshotted to var/screenshots/ (paths printed).

Runs Debian's Chromium through Playwright, as `core/tests/test_browser.py` does (skipped without it,
unless XIANGCUN_REQUIRE_BROWSER=1).
"""

from pathlib import Path

import pytest
from django.conf import settings

from xiangcun.core.testing import make_user
from xiangcun.core.tests.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    _require_chromium,
    project_static,  # noqa: F401 (fixture)
)
from xiangcun.planning import services
from xiangcun.planning.tests.demo import load_demo_geography


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_plan_pages_draw_the_map(live_server, project_static, capsys):  # noqa: F811
    _require_chromium()
    from playwright.sync_api import sync_playwright

    county = load_demo_geography()
    bureau = make_user("bureau_admin", county, username="bureau")
    layout = services.layout_plan_create(actor=bureau, county=county, p=5, name="乡镇配送中心布局 p=5")
    siting = services.siting_plan_create(actor=bureau, county=county, name="村级服务站选址")
    shots = Path(settings.VAR_DIR) / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    saved = []

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("input[name=username]", "bureau")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")

            page.goto(f"{live_server.url}/planning/{layout.pk}/")
            page.wait_for_selector("#plan-map[data-ready='1']", timeout=15000)
            assert page.get_attribute("#plan-map", "data-village-markers") == "651"
            assert page.locator("#plan-map path.village-marker").count() == 651
            assert page.locator("#plan-map .plan-center-marker").count() == 5
            assert page.locator("#plan-map path.built-marker").count() == 5
            assert page.locator("#comparison").count() == 1
            path = shots / "planning-layout.png"
            page.screenshot(path=str(path), full_page=False)
            saved.append(path)

            page.goto(f"{live_server.url}/planning/{siting.pk}/")
            page.wait_for_selector("#plan-map[data-ready='1']", timeout=15000)
            assert page.locator("#plan-map path.village-marker").count() == 651
            path = shots / "planning-siting.png"
            page.screenshot(path=str(path), full_page=False)
            saved.append(path)

            page.goto(f"{live_server.url}/planning/new/layout/")
            path = shots / "planning-form.png"
            page.screenshot(path=str(path), full_page=False)
            saved.append(path)
            assert errors == []
        finally:
            browser.close()
    with capsys.disabled():
        for path in saved:
            print(f"\nscreenshot: {path}")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_route_page_draws_each_vehicle(live_server, project_static, rw, bureau):  # noqa: F811
    """The route map draws one line per vehicle and a numbered marker per stop; the driver's sheet
    renders; no script errors."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    from .routes_world import DAY, parcel

    for s in (rw.s1, rw.s2, rw.s3, rw.s4):
        parcel(rw, s)
    plan = services.route_plan_create(actor=bureau, center=rw.center, service_date=DAY, capacity_parcels=2)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(locale="zh-CN", viewport={"width": 1300, "height": 900}).new_page()
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("input[name=username]", "bureau")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")
            page.goto(f"{live_server.url}/planning/{plan.pk}/")
            page.wait_for_selector("#route-map[data-ready='1']", timeout=15000)
            assert page.get_attribute("#route-map", "data-route-lines") == "2"
            assert page.get_attribute("#route-map", "data-stop-markers") == "4"
            assert page.locator("#route-map path.route-line").count() == 2
            assert page.locator("#route-map .route-stop").count() == 4
            page.goto(f"{live_server.url}/planning/{plan.pk}/sheet/")
            assert page.locator(".sheet-vehicle").count() == 2
            assert errors == []
        finally:
            browser.close()

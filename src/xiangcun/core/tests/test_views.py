"""The dashboard, its map data, the site's error pages and the navigation."""

import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.template.loader import render_to_string
from django.test import Client

from xiangcun.core.testing import make_station, make_user
from xiangcun.network import services as network_services
from xiangcun.regions.models import Township

OUTLINE = {"type": "Polygon", "coordinates": [[[115.0, 36.2], [115.3, 36.2], [115.3, 36.5], [115.0, 36.2]]]}


def browser(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def village(county, code):
    return county.villages.get(code=code)


@pytest.fixture
def network(county, bureau):
    """Stations: 甲1 (poor) operating, 甲2 operating ×2 (one not funded), 乙1 (poor) building,
    乙3 suspended; a county center operating and a township center planned; 甲镇 has an express outlet."""
    at = {"latitude": Decimal("36.31"), "longitude": Decimal("115.11")}
    stations = [
        make_station(village(county, "130425100201"), status="operating", **at),
        make_station(village(county, "130425100202"), status="operating", **at),
        make_station(village(county, "130425100202"), status="operating", funded=False),
        make_station(village(county, "130425201201"), status="building", **at, equipment={}),
        make_station(village(county, "130425201203"), status="suspended"),
    ]
    center = network_services.facility_create(
        actor=bureau, county=county, kind="county_center", code="CC-01", name="中心", **at
    )
    network_services.facility_transition(actor=bureau, facility=center, to_status="building")
    network_services.facility_transition(actor=bureau, facility=center, to_status="operating")
    network_services.facility_create(
        actor=bureau,
        county=county,
        kind="township_center",
        code="TC-01",
        name="乙乡配送中心",
        township=county.townships.get(code="130425201000"),
    )
    Township.objects.filter(code="130425100000").update(has_express_outlet=True)
    county.outline = OUTLINE
    county.save()
    return stations


def figures(response) -> dict[str, tuple[str, int, str]]:
    """key → (value shown, count behind the link, link) of every key figure on the dashboard."""
    found = {}
    for key, count, body in re.findall(
        r'data-figure="([a-z_]+)" data-count="(\d+)">(.*?)</article>', response.content.decode(), re.S
    ):
        value = re.search(r'<p class="value"><a href="([^"]+)">([^<]+)</a>', body)
        found[key] = (value.group(2), int(count), value.group(1).replace("&amp;", "&"))
    return found


# --- dashboard ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_dashboard_and_map_data_need_login(county):
    for url in ["/", "/map-data/"]:
        response = browser().get(url)
        assert response.status_code == 302 and response.url == f"/accounts/login/?next={url}"


@pytest.mark.django_db
def test_dashboard_key_figures(county, network, bureau):
    response = browser(bureau).get("/")
    assert response.status_code == 200
    shown = {key: value for key, (value, _, _) in figures(response).items()}
    assert shown == {
        "stations_operating": "3",
        "village_coverage": "33.3%",  # 2 of 6 villages
        "poor_village_coverage": "50.0%",  # 1 of 2 poor villages
        "broadband": "66.7%",  # 4 of 6
        "facilities_county_center": "1 / 1",
        "facilities_county_warehouse": "0 / 1",
        "facilities_township_center": "0 / 5",
        "express_outlets": "50.0%",  # 1 of 2 townships
        "stations_compliant": "80.0%",  # 4 of 5: the building one has no equipment
    }
    html = response.content.decode()
    assert "大名县" in html
    assert 'data-map="county"' in html and 'data-src="/map-data/"' in html
    assert "2 stations are not on the map (no coordinates)." in html


@pytest.mark.django_db
def test_every_key_figure_links_to_exactly_the_rows_it_counts(county, network, bureau):
    client = browser(bureau)
    for key, (_, count, url) in figures(client.get("/")).items():
        register = client.get(url)
        assert register.status_code == 200, key
        assert register.context["register"].count == count, (key, url)


@pytest.mark.django_db
def test_dashboard_status_counts_link_to_the_station_register(county, network, bureau):
    response = browser(bureau).get("/")
    statuses = {s["status"]: s["count"] for s in response.context["statuses"]}
    assert statuses == {"planned": 0, "building": 1, "operating": 3, "suspended": 1, "closed": 0}
    assert (
        '<a href="/network/stations/?status=suspended" data-status="suspended">1</a>'
        in response.content.decode()
    )


@pytest.mark.django_db
def test_dashboard_of_another_county_shows_none_of_these_rows(county, other_county, network, other_bureau):
    response = browser(other_bureau).get("/")
    assert response.context["county"] == other_county
    shown = {key: value for key, (value, _, _) in figures(response).items()}
    assert shown["stations_operating"] == "0" and shown["facilities_county_center"] == "0 / 1"
    assert sum(s["count"] for s in response.context["statuses"]) == 0


@pytest.mark.django_db
def test_township_users_see_figures_for_their_township(county, network):
    user = make_user("contractor", county, township=county.townships.get(code="130425201000"))
    client = browser(user)
    found = figures(client.get("/"))
    shown = {key: value for key, (value, _, _) in found.items()}
    assert shown["stations_operating"] == "0"
    assert shown["village_coverage"] == "0.0%"
    assert shown["broadband"] == "66.7%"  # 乙1, 乙2 of 3
    assert shown["express_outlets"] == "0.0%"
    assert shown["facilities_county_center"] == "1 / 1"  # county-level facilities stay visible
    for key, (_, count, url) in found.items():
        assert client.get(url).context["register"].count == count, key


@pytest.mark.django_db
def test_station_manager_dashboard_shows_their_station_only(county, network):
    own = network[3]
    manager = make_user("station_manager", county, station=own)
    client = browser(manager)
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["station"] == own
    assert figures(response) == {}
    html = response.content.decode()
    assert f"/network/stations/{own.code}/" in html
    assert "10 items are missing against the construction standard." in html
    data = client.get("/map-data/").json()
    assert [s["code"] for s in data["stations"]] == [own.code]
    assert [t["name"] for t in data["townships"]] == ["乙乡"]


@pytest.mark.django_db
def test_superuser_chooses_the_county(county, other_county, superuser, network):
    client = browser(superuser)
    assert client.get("/").context["county"] == county  # the first by code
    response = client.get("/?county=130426")
    assert response.context["county"] == other_county
    assert 'data-src="/map-data/?county=130426"' in response.content.decode()
    # Links carry the county, so that the registers (all counties for a superuser) count the same rows.
    for key, (_, count, url) in figures(client.get("/?county=130425")).items():
        assert "county=130425" in url
        assert client.get(url).context["register"].count == count, key
    assert client.get("/?county=999999").status_code == 404


@pytest.mark.django_db
def test_user_without_a_county_gets_an_explanation():
    user = make_user("", None, username="nobody")
    response = browser(user).get("/")
    assert response.status_code == 200
    assert "Your account is not assigned to a county." in response.content.decode()
    assert browser(user).get("/map-data/").status_code == 404


# --- map data -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_map_data_has_the_outline_townships_placed_stations_and_facilities(
    county, other_county, network, bureau
):
    make_station(other_county.villages.first(), latitude=Decimal("36.4"), longitude=Decimal("115.2"))
    data = browser(bureau).get("/map-data/").json()
    assert data["county"] == {
        "code": "130425",
        "name": "大名县",
        "outline": OUTLINE,
        "center": {"lat": 36.285, "lng": 115.147},
    }
    assert [(t["name"], t["lat"], t["lng"]) for t in data["townships"]] == [
        ("甲镇", 36.3, 115.1),
        ("乙乡", 36.31, 115.11),
    ]
    assert [(s["code"], s["status"], s["colour"]) for s in data["stations"]] == [
        (network[0].code, "operating", "#27ae60"),
        (network[1].code, "operating", "#27ae60"),
        (network[3].code, "building", "#f39c12"),
    ]
    assert data["stations"][0]["url"] == f"/network/stations/{network[0].code}/"
    assert data["stations"][0]["village"] == "甲1村村"
    assert [(f["code"], f["kind"], f["url"]) for f in data["facilities"]] == [
        ("CC-01", "county_center", "/network/facilities/CC-01/?county=130425")
    ]
    assert data["not_on_map"] == {"stations": 2, "facilities": 1}
    assert {s["status"]: s["count"] for s in data["statuses"]} == {
        "planned": 0,
        "building": 1,
        "operating": 3,
        "suspended": 1,
        "closed": 0,
    }


@pytest.mark.django_db
def test_map_data_of_another_county_is_empty_for_this_countys_rows(
    county, other_county, network, other_bureau
):
    data = browser(other_bureau).get("/map-data/").json()
    assert data["county"]["code"] == "130426"
    assert data["stations"] == [] and data["facilities"] == []


# --- layout, navigation, error pages ------------------------------------------------------------


@pytest.mark.django_db
def test_navigation_links_every_register_and_the_scorecard(county, bureau):
    html = browser(bureau).get("/").content.decode()
    nav = re.search(r'<nav class="mainnav".*?</nav>', html, re.S).group(0)
    assert re.findall(r'href="([^"]+)"', nav) == [
        "/",
        "/regions/townships/",
        "/regions/villages/",
        "/network/facilities/",
        "/network/stations/",
        "/logistics/",
        "/planning/",
        "/reports/",
        "/stations/terminals/",
        "/stations/reconciliation/",
        "/stations/charges/",
        "/stations/companies/",
        "/network/staff/",
        "/evaluation/scorecard/",
    ]
    assert 'href="/" aria-current="page"' in nav


@pytest.mark.django_db
def test_navigation_fits_the_role(county, auditor):
    from xiangcun.core.testing import make_station, make_user
    from xiangcun.regions.models import Village

    station = make_station(Village.objects.filter(county=county).first(), status="operating")
    manager = make_user("station_manager", county, station=station)
    nav = re.search(r'<nav class="mainnav".*?</nav>', browser(manager).get("/").content.decode(), re.S).group(
        0
    )
    assert 'href="/stations/workbench/"' in nav and "/stations/terminals/" not in nav
    assert "/planning/" not in nav  # plans are county-level
    nav = re.search(r'<nav class="mainnav".*?</nav>', browser(auditor).get("/").content.decode(), re.S).group(
        0
    )
    assert "/stations/workbench/" not in nav and "/stations/terminals/" not in nav


@pytest.mark.django_db
def test_chinese_is_the_default_language(county, bureau):
    client = Client()
    client.force_login(bureau)
    html = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in html


@pytest.mark.django_db
def test_404_is_shown_in_the_site_layout(bureau):
    response = browser(bureau).get("/network/stations/130425999999-01/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<header class="topbar">' in html and 'class="mainnav"' in html
    assert "outside the part of the program you may see" in html


@pytest.mark.django_db
def test_403_is_shown_in_the_site_layout(county, auditor):
    response = browser(auditor).get("/network/new-facility/")
    assert response.status_code == 403
    html = response.content.decode()
    assert '<header class="topbar">' in html and "Your role may not do this." in html


def test_500_page_renders_without_a_request():
    html = render_to_string("500.html")
    assert "Server error" in html and "/static/css/app.css" in html


@pytest.mark.django_db
def test_demo_banner_shows_when_the_demo_county_is_loaded(county, bureau):
    assert "demo-banner" not in browser(bureau).get("/").content.decode()
    county.is_demo = True
    county.save()
    assert "demo-banner" in browser(bureau).get("/").content.decode()


@pytest.mark.django_db
def test_healthz_still_answers():
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"


@pytest.mark.django_db
def test_every_register_page_offers_excel_export_and_import(county, bureau):
    client = browser(bureau)
    for register, url in [
        ("townships", "/regions/townships/"),
        ("villages", "/regions/villages/"),
        ("facilities", "/network/facilities/"),
        ("stations", "/network/stations/"),
    ]:
        html = client.get(url).content.decode()
        actions = re.search(
            r'<div class="register-actions" id="register-actions">(.*?)</div>', html, re.S
        ).group(1)
        assert f'href="/excel/{register}/export/"' in actions, url
        assert f'href="/excel/{register}/import/"' in actions, url


@pytest.mark.django_db
def test_sort_links_keep_the_filters(county, bureau):
    html = browser(bureau).get("/network/stations/?status=operating&page=2").content.decode()
    link = re.search(r'<a href="\?([^"]+)">Name</a>', html).group(1).replace("&amp;", "&")
    assert urlsplit(f"/?{link}").query == "status=operating&sort=name"

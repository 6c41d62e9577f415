"""Pages of the facility and station registers: scope, filters, details, editors, status transitions.

Villages of `make_county`: 甲镇 130425100201 (poor), …202 (800 people), …203 (300, no broadband);
乙乡 130425201201 (poor), …202, …203.
"""

import re
from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xiangcun.core.models import AuditEvent
from xiangcun.core.testing import full_equipment, make_county, make_station, make_user
from xiangcun.network import services
from xiangcun.network.models import Facility, Station, StatusChange

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def browser(user=None) -> Client:
    """A test client speaking English (the msgids), logged in as `user`."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def rows(response) -> list[str]:
    return re.findall(r'data-row="([^"]+)"', response.content.decode())


def village(county, code):
    return county.villages.get(code=code)


@pytest.fixture
def stations(county):
    """Five stations in four villages, one per status but closed, one not funded, one incomplete."""
    equipment = full_equipment() | {"tv_42": False, "wifi_sign": False}
    return {
        "a": make_station(village(county, "130425100201"), status="operating", name="甲一站"),
        "b": make_station(village(county, "130425100202"), status="building", name="甲二站"),
        "c": make_station(village(county, "130425100202"), status="planned", funded=False, name="甲二便民点"),
        "d": make_station(
            village(county, "130425201201"), status="suspended", name="乙一站", equipment=equipment
        ),
        "e": make_station(village(county, "130425201203"), status="operating", name="乙三站"),
    }


def facility(county, actor, **fields):
    fields.setdefault("kind", "county_center")
    fields.setdefault("code", "CC-01")
    fields.setdefault("name", "县电子商务公共服务中心")
    return services.facility_create(actor=actor, county=county, **fields)


# --- anonymous ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_network_page_sends_anonymous_users_to_login(county, stations, bureau):
    facility(county, bureau)
    code = stations["a"].code
    for method, url in [
        ("get", "/network/facilities/"),
        ("get", "/network/new-facility/"),
        ("get", "/network/facilities/CC-01/"),
        ("get", "/network/facilities/CC-01/edit/"),
        ("post", "/network/facilities/CC-01/status/"),
        ("get", "/network/stations/"),
        ("get", "/network/stations/new/"),
        ("get", f"/network/stations/{code}/"),
        ("get", f"/network/stations/{code}/edit/"),
        ("post", f"/network/stations/{code}/status/"),
    ]:
        response = getattr(browser(), method)(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/accounts/login/?next="), url
    assert Station.objects.get(code=code).status == "operating"


# --- station register ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_station_list_filters_return_exact_rows(county, stations, bureau):
    s = {k: v.code for k, v in stations.items()}
    t1, t2 = county.townships.order_by("code")
    v202 = village(county, "130425100202")
    cases = {
        "": [s["a"], s["b"], s["c"], s["d"], s["e"]],
        "status=operating": [s["a"], s["e"]],
        f"township={t2.pk}": [s["d"], s["e"]],
        f"village={v202.pk}": [s["b"], s["c"]],
        f"township={t1.pk}&village={v202.pk}&funded=false": [s["c"]],
        "funded=true&status=building": [s["b"]],
        "poor_village=true": [s["a"], s["d"]],
        "poor_village=false": [s["b"], s["c"], s["e"]],
        "compliant=false": [s["d"]],
        "compliant=true&township=" + str(t2.pk): [s["e"]],
        "q=乙": [s["d"], s["e"]],
        "q=100202-02": [s["c"]],
        "status=closed": [],
    }
    client = browser(bureau)
    for query, expected in cases.items():
        response = client.get(f"/network/stations/?{query}")
        assert response.status_code == 200, query
        assert rows(response) == expected, query
        assert response.context["register"].count == len(expected)
        assert response.context["register"].total == 5


@pytest.mark.django_db
def test_station_list_shows_status_and_compliance(county, stations, bureau):
    html = browser(bureau).get("/network/stations/").content.decode()
    row = re.search(rf'data-row="{stations["d"].code}">(.*?)</tr>', html, re.S).group(1)
    assert "status-suspended" in row and "Suspended" in row
    assert 'data-compliant="false"' in row
    assert "Missing equipment: 42-inch TV; Missing signage: WiFi sign" in row
    row = re.search(rf'data-row="{stations["a"].code}">(.*?)</tr>', html, re.S).group(1)
    assert 'data-compliant="true"' in row and "status-operating" in row


@pytest.mark.django_db
def test_station_list_sorts(county, stations, bureau):
    s = {k: v.code for k, v in stations.items()}
    client = browser(bureau)
    assert rows(client.get("/network/stations/?sort=-code")) == [s["e"], s["d"], s["c"], s["b"], s["a"]]
    # building, operating (a, e), planned, suspended — ties by code
    assert rows(client.get("/network/stations/?sort=status")) == [s["b"], s["a"], s["e"], s["c"], s["d"]]


@pytest.mark.django_db
def test_station_list_bad_filters_are_400_with_no_rows(county, other_county, stations, bureau):
    foreign_township = other_county.townships.first()
    client = browser(bureau)
    for query in ["status=open", "funded=maybe", f"township={foreign_township.pk}", "village=abc"]:
        response = client.get(f"/network/stations/?{query}")
        assert response.status_code == 400, query
        assert rows(response) == [], query


@pytest.mark.django_db
def test_station_list_is_scoped(county, other_county, stations, other_bureau):
    assert rows(browser(other_bureau).get("/network/stations/")) == []
    manager = make_user("station_manager", county, station=stations["b"])
    assert rows(browser(manager).get("/network/stations/")) == [stations["b"].code]
    confined = make_user("contractor", county, township=county.townships.order_by("code").last())
    assert rows(browser(confined).get("/network/stations/")) == [stations["d"].code, stations["e"].code]


@pytest.mark.django_db
def test_station_list_pages_by_fifty(bureau):
    county = bureau.county
    villages = list(make_county("130427", "多村县", townships=2, villages=26).villages.order_by("code"))
    # A user of the big county: 52 stations.
    big_bureau = make_user("bureau_admin", villages[0].county, username="big-bureau")
    for v in villages:
        make_station(v, actor=big_bureau)
    client = browser(big_bureau)
    first = client.get("/network/stations/")
    assert len(rows(first)) == 50
    assert "52 rows of 52" in first.content.decode()
    second = client.get("/network/stations/?page=2")
    assert rows(second) == [f"{v.code}-01" for v in villages[50:]]
    assert rows(client.get("/network/stations/?page=99")) == rows(second)  # past the end: the last page
    assert county.code == "130425"


@pytest.mark.django_db
def test_station_list_queries_do_not_grow_with_the_rows(county, bureau, django_assert_max_num_queries):
    """No N+1: the same number of queries for 3 and for 12 stations (villages, townships and the
    standards check are fetched in bulk)."""
    villages = list(county.villages.order_by("code"))
    client = browser(bureau)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/network/stations/").status_code == 200
        return len(ctx.captured_queries)

    for v in villages[:3]:
        make_station(v, status="operating")
    few = count()
    for v in villages:
        make_station(v, funded=False)
    many = count()
    assert len(rows(client.get("/network/stations/"))) == 9
    assert few == many
    with django_assert_max_num_queries(12):
        client.get("/network/stations/?compliant=false&township=" + str(villages[0].township_id))


# --- station page -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_station_detail_shows_checklist_findings_history_and_allowed_transitions(county, stations, bureau):
    station = stations["d"]
    Station.objects.filter(pk=station.pk).update(latitude=Decimal("36.31"), longitude=Decimal("115.12"))
    response = browser(bureau).get(f"/network/stations/{station.code}/")
    assert response.status_code == 200
    html = response.content.decode()
    missing = re.findall(r'<li class="missing" data-requirement="([a-z0-9_]+)"', html)
    assert missing == ["tv_42", "wifi_sign"]
    assert len(re.findall(r'<li class="present" data-requirement=', html)) == 8
    assert re.findall(r'data-finding="([a-z_]+)"', html) == ["missing_equipment", "missing_signage"]
    assert 'data-compliant="false"' in html
    # planned → building → operating → suspended
    assert len(response.context["history"]) == 4
    assert re.findall(r'name="to_status" value="([a-z]+)"', html) == ["operating", "closed"]
    assert f"/network/stations/{station.code}/edit/" in html
    assert 'data-map="site"' in html and 'data-lat="36.310000"' in html


@pytest.mark.django_db
def test_station_detail_warns_when_the_village_population_is_unknown(county, bureau):
    v = village(county, "130425100202")
    station = make_station(v)
    county.villages.filter(pk=v.pk).update(population=None)
    html = browser(bureau).get(f"/network/stations/{station.code}/").content.decode()
    assert re.findall(r'<li class="warning" data-finding="([a-z_]+)"', html) == ["population_unknown"]
    assert 'data-compliant="true"' in html  # a warning does not count against compliance


@pytest.mark.django_db
def test_station_detail_out_of_scope_is_404(county, other_county, stations, other_bureau):
    code = stations["a"].code
    assert browser(other_bureau).get(f"/network/stations/{code}/").status_code == 404
    manager = make_user("station_manager", county, station=stations["b"])
    assert browser(manager).get(f"/network/stations/{code}/").status_code == 404
    assert browser(manager).get(f"/network/stations/{stations['b'].code}/").status_code == 200


@pytest.mark.django_db
def test_read_only_roles_see_no_edit_or_status_buttons(county, stations, auditor):
    html = browser(auditor).get(f"/network/stations/{stations['a'].code}/").content.decode()
    assert "/edit/" not in html and 'name="to_status"' not in html
    html = browser(auditor).get("/network/stations/").content.decode()
    assert "/network/stations/new/" not in html


# --- station editors ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_contractor_edits_all_fields_including_the_checklist(county, stations, contractor):
    station = stations["a"]
    client = browser(contractor)
    form = client.get(f"/network/stations/{station.code}/edit/").context["form"]
    data = {name: value for name, value in form.initial.items() if value not in (None, "")}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False and k != "photo"}
    data.update({f"eq_{code}": "on" for code, present in full_equipment().items() if present})
    data.pop("eq_light_box")
    data.update({"name": "甲一电商服务站", "area_m2": "12.5", "opens_at": "08:00", "closes_at": "18:30"})
    response = client.post(f"/network/stations/{station.code}/edit/", data)
    assert response.status_code == 302 and response.url == f"/network/stations/{station.code}/"
    station.refresh_from_db()
    assert (station.name, station.area_m2) == ("甲一电商服务站", Decimal("12.5"))
    assert (station.opens_at, station.closes_at) == (time(8), time(18, 30))
    assert station.equipment == full_equipment() | {"light_box": False}
    event = AuditEvent.objects.get(action="station.update")
    assert event.actor == contractor
    assert set(event.changes) == {"name", "area_m2", "opens_at", "closes_at", "equipment"}
    assert event.changes["name"] == ["甲一站", "甲一电商服务站"]


@pytest.mark.django_db
def test_station_edit_errors_are_shown_beside_the_fields_and_change_nothing(county, stations, contractor):
    station = stations["a"]
    client = browser(contractor)
    response = client.post(
        f"/network/stations/{station.code}/edit/",
        {"name": "甲一站", "manager_phone": "call me", "funded": "on"},
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"manager_phone"}
    assert "Enter a phone number (digits, +, -)." in response.content.decode()
    # The model's constraint (closing after opening) comes back from the service's full_clean().
    response = client.post(
        f"/network/stations/{station.code}/edit/",
        {"name": "甲一站", "funded": "on", "opens_at": "18:00", "closes_at": "08:00"},
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    station.refresh_from_db()
    assert (station.manager_phone, station.opens_at) == ("", None)
    assert not AuditEvent.objects.filter(action="station.update").exists()


@pytest.mark.django_db
def test_station_managers_form_offers_only_their_fields(county, stations):
    station = stations["a"]
    manager = make_user("station_manager", county, station=station)
    client = browser(manager)
    response = client.get(f"/network/stations/{station.code}/edit/")
    assert response.status_code == 200
    assert list(response.context["form"].fields) == [
        "manager_phone",
        "opens_at",
        "closes_at",
        "photo",
        "notes",
    ]
    photo = SimpleUploadedFile("front.png", PNG, content_type="image/png")
    response = client.post(
        f"/network/stations/{station.code}/edit/",
        {
            "manager_phone": "0310-6512345",
            "opens_at": "08:30",
            "closes_at": "20:00",
            "name": "Hacked",
            "photo": photo,
        },
    )
    assert response.status_code == 302
    station.refresh_from_db()
    assert (station.manager_phone, station.opens_at, station.closes_at) == (
        "0310-6512345",
        time(8, 30),
        time(20),
    )
    assert station.name == "甲一站"  # not a field of their form: ignored
    assert station.photo.name.startswith("photos/") and station.photo.name.endswith(".png")
    event = AuditEvent.objects.get(action="station.update")
    assert (event.actor, set(event.changes)) == (manager, {"manager_phone", "opens_at", "closes_at", "photo"})
    # The photo is shown on the station's page, from the protected media URL.
    html = client.get(f"/network/stations/{station.code}/").content.decode()
    assert f'src="/media/{station.photo.name}"' in html
    assert client.get(f"/media/{station.photo.name}").status_code == 200


@pytest.mark.django_db
def test_station_manager_photo_must_be_an_image_file(county, stations):
    station = stations["a"]
    manager = make_user("station_manager", county, station=station)
    upload = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream")
    response = browser(manager).post(f"/network/stations/{station.code}/edit/", {"photo": upload})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"photo"}
    station.refresh_from_db()
    assert not station.photo


@pytest.mark.django_db
def test_station_manager_cannot_reach_another_station_or_change_status(county, stations):
    manager = make_user("station_manager", county, station=stations["a"])
    client = browser(manager)
    other = stations["e"]
    assert (
        client.post(f"/network/stations/{other.code}/edit/", {"manager_phone": "123456"}).status_code == 404
    )
    response = client.post(f"/network/stations/{stations['a'].code}/status/", {"to_status": "suspended"})
    assert response.status_code == 403
    assert Station.objects.get(pk=stations["a"].pk).status == "operating"
    assert Station.objects.get(pk=other.pk).manager_phone == ""
    html = client.get(f"/network/stations/{stations['a'].code}/").content.decode()
    assert 'name="to_status"' not in html and f"/network/stations/{stations['a'].code}/edit/" in html


@pytest.mark.django_db
def test_forged_station_edit_by_an_auditor_is_403_and_changes_nothing(county, stations, auditor):
    station = stations["a"]
    client = browser(auditor)
    assert client.get(f"/network/stations/{station.code}/edit/").status_code == 403
    assert (
        client.post(f"/network/stations/{station.code}/edit/", {"name": "X", "funded": "on"}).status_code
        == 403
    )
    assert (
        client.post("/network/stations/new/", {"village": village(county, "130425100203").pk}).status_code
        == 403
    )
    station.refresh_from_db()
    assert station.name == "甲一站"
    assert Station.objects.count() == 5
    assert not AuditEvent.objects.filter(action="station.update").exists()
    assert AuditEvent.objects.filter(action="station.create").count() == 5  # the fixture's


@pytest.mark.django_db
def test_contractor_creates_a_station_in_a_village_of_their_scope(county, contractor):
    v = village(county, "130425100203")
    client = browser(contractor)
    form = client.get(f"/network/stations/new/?village={v.pk}")
    assert form.status_code == 200
    assert form.context["form"]["village"].value() == v.pk
    data = {
        "village": str(v.pk),
        "area_m2": "8",
        "funded": "on",
        "eq_computer": "on",
        "manager_phone": "13800000000",
    }
    response = client.post("/network/stations/new/", data)
    station = Station.objects.get()
    assert response.status_code == 302 and response.url == f"/network/stations/{station.code}/"
    assert station.code == "130425100203-01"
    assert (station.name, station.area_m2, station.status) == (
        "甲3村村 e-commerce service station",
        Decimal("8"),
        "planned",
    )
    assert station.equipment == dict.fromkeys(full_equipment(), False) | {"computer": True}
    assert AuditEvent.objects.get(action="station.create").actor == contractor


@pytest.mark.django_db
def test_station_create_refuses_a_village_outside_the_scope(county, other_county, contractor):
    foreign = other_county.villages.first()
    response = browser(contractor).post(
        "/network/stations/new/", {"village": str(foreign.pk), "funded": "on"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "village": [f"Select a valid choice. {foreign.pk} is not one of the available choices."]
    }
    assert Station.objects.count() == 0


@pytest.mark.django_db
def test_station_create_offers_only_villages_in_scope(county, other_county, contractor):
    form = browser(contractor).get("/network/stations/new/").context["form"]
    offered = [pk for _, options in form.fields["village"].choices[1:] for pk, _ in options]
    assert sorted(offered) == sorted(county.villages.values_list("pk", flat=True))


# --- status transitions -------------------------------------------------------------------------


@pytest.mark.django_db
def test_bureau_moves_a_station_along_the_state_machine(county, stations, bureau):
    station = stations["b"]
    # The builder recorded its history just now; move it back so that the change can be back-dated.
    StatusChange.objects.filter(station=station).update(effective_at=timezone.now() - timedelta(days=2))
    when = timezone.localtime() - timedelta(hours=1)
    response = browser(bureau).post(
        f"/network/stations/{station.code}/status/",
        {"to_status": "operating", "effective_at": when.strftime("%Y-%m-%dT%H:%M"), "note": "验收通过"},
    )
    assert response.status_code == 302 and response.url == f"/network/stations/{station.code}/"
    station.refresh_from_db()
    assert (station.status, station.opened_on) == ("operating", when.date())
    change = StatusChange.objects.filter(station=station).latest("effective_at")
    assert (change.from_status, change.to_status, change.actor, change.note) == (
        "building",
        "operating",
        bureau,
        "验收通过",
    )
    assert change.effective_at == when.replace(second=0, microsecond=0)
    assert AuditEvent.objects.filter(action="station.transition", actor=bureau).count() == 1


@pytest.mark.django_db
def test_a_transition_not_allowed_from_the_current_status_is_a_400(county, stations, bureau):
    station = stations["c"]  # planned: only building or closed
    response = browser(bureau).post(f"/network/stations/{station.code}/status/", {"to_status": "operating"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    future = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = browser(bureau).post(
        f"/network/stations/{station.code}/status/", {"to_status": "building", "effective_at": future}
    )
    assert response.status_code == 400
    form = response.context["transition_form"]
    assert form.errors == {
        "__all__": ["A status change cannot be dated in the future."],
        "effective_at": ["In the future."],
    }
    station.refresh_from_db()
    assert station.status == "planned"
    assert StatusChange.objects.filter(station=station).count() == 1


@pytest.mark.django_db
def test_transition_needs_post(county, stations, bureau):
    assert browser(bureau).get(f"/network/stations/{stations['a'].code}/status/").status_code == 405


# --- facilities ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_facility_list_filters_and_scope(county, other_county, bureau, other_bureau):
    t1, t2 = county.townships.order_by("code")
    facility(county, bureau)
    services.facility_create(
        actor=bureau, county=county, kind="township_center", code="TC-01", name="甲", township=t1
    )
    tc2 = services.facility_create(
        actor=bureau, county=county, kind="township_center", code="TC-02", name="乙", township=t2
    )
    services.facility_transition(actor=bureau, facility=tc2, to_status="building")
    facility(other_county, other_bureau)
    client = browser(bureau)
    assert rows(client.get("/network/facilities/")) == ["CC-01", "TC-01", "TC-02"]
    assert rows(client.get("/network/facilities/?kind=township_center")) == ["TC-01", "TC-02"]
    assert rows(client.get("/network/facilities/?status=building")) == ["TC-02"]
    assert rows(client.get(f"/network/facilities/?township={t1.pk}")) == ["TC-01"]
    assert rows(client.get("/network/facilities/?q=乙")) == ["TC-02"]
    assert client.get("/network/facilities/?kind=castle").status_code == 400
    # A user of township 乙乡 sees the county-level facility and their township's center.
    confined = make_user("contractor", county, township=t2)
    assert rows(browser(confined).get("/network/facilities/")) == ["CC-01", "TC-02"]
    assert rows(browser(other_bureau).get("/network/facilities/")) == ["CC-01"]
    assert browser(other_bureau).get("/network/facilities/TC-01/").status_code == 404


@pytest.mark.django_db
def test_facility_codes_repeat_across_counties_and_the_county_parameter_picks_one(
    county, other_county, bureau, other_bureau, superuser
):
    facility(county, bureau, name="大名中心")
    facility(other_county, other_bureau, name="邻县中心")
    client = browser(superuser)
    assert "大名中心" in client.get("/network/facilities/CC-01/?county=130425").content.decode()
    assert "邻县中心" in client.get("/network/facilities/CC-01/?county=130426").content.decode()
    assert "邻县中心" in browser(other_bureau).get("/network/facilities/CC-01/").content.decode()
    assert browser(bureau).get("/network/facilities/CC-01/?county=130426").status_code == 404


@pytest.mark.django_db
def test_facility_detail_shows_its_standard(county, bureau):
    facility(county, bureau, area_m2=Decimal("650"), equipment={"exchange_room": True, "offices": True})
    response = browser(bureau).get("/network/facilities/CC-01/")
    html = response.content.decode()
    assert response.status_code == 200
    assert re.findall(r'<li class="missing" data-requirement="([a-z_]+)"', html) == [
        "e_classroom",
        "meeting_room",
        "rnd_center",
        "program_sign",
    ]
    assert re.findall(r'name="to_status" value="([a-z]+)"', html) == ["building", "closed"]
    assert "/network/facilities/CC-01/edit/?county=130425" in html


@pytest.mark.django_db
def test_bureau_creates_and_edits_a_facility(county, bureau):
    t1 = county.townships.order_by("code").first()
    client = browser(bureau)
    response = client.post(
        "/network/new-facility/",
        {
            "kind": "township_center",
            "code": "TC-07",
            "township": str(t1.pk),
            "name": "甲镇配送中心",
            "area_m2": "120",
        },
    )
    assert response.status_code == 302 and response.url == "/network/facilities/TC-07/?county=130425"
    created = Facility.objects.get(code="TC-07")
    assert (created.kind, created.township, created.status, created.area_m2) == (
        "township_center",
        t1,
        "planned",
        Decimal("120"),
    )
    form = client.get("/network/facilities/TC-07/edit/").context["form"]
    assert "cold_chain_needed" in form.fields and "rnd_center_area_m2" not in form.fields
    assert [f.name for _, group in form.equipment_groups() for f in group] == [
        "eq_packing_table",
        "eq_shelves",
        "eq_computer",
        "eq_scanner",
        "eq_delivery_vehicle",
        "eq_cold_store",
        "eq_fridge",
        "eq_cold_chain_vehicle",
    ]
    response = client.post(
        "/network/facilities/TC-07/edit/?county=130425",
        {"name": "甲镇物流配送中心", "area_m2": "120", "eq_shelves": "on", "eq_scanner": "on"},
    )
    assert response.status_code == 302
    created.refresh_from_db()
    assert created.name == "甲镇物流配送中心"
    assert {k for k, v in created.equipment.items() if v} == {"shelves", "scanner"}
    assert set(AuditEvent.objects.get(action="facility.update").changes) == {"name", "equipment"}


@pytest.mark.django_db
def test_facility_create_errors_are_shown_and_nothing_is_written(county, bureau):
    facility(county, bureau)
    client = browser(bureau)
    response = client.post(
        "/network/new-facility/", {"kind": "township_center", "code": "TC-01", "name": "x"}
    )
    assert response.status_code == 400
    assert "A township delivery center belongs to a township." in response.content.decode()
    response = client.post(
        "/network/new-facility/", {"kind": "county_center", "code": "CC-01", "name": "again"}
    )
    assert response.status_code == 400  # the code is taken in this county
    assert response.context["form"].errors
    assert Facility.objects.count() == 1


@pytest.mark.django_db
def test_forged_facility_writes_by_a_read_only_role_are_403(county, bureau, auditor):
    facility(county, bureau)
    client = browser(auditor)
    assert (
        client.post(
            "/network/new-facility/", {"kind": "county_center", "code": "X-1", "name": "x"}
        ).status_code
        == 403
    )
    assert client.post("/network/facilities/CC-01/edit/", {"name": "Hacked"}).status_code == 403
    assert client.post("/network/facilities/CC-01/status/", {"to_status": "building"}).status_code == 403
    f = Facility.objects.get()
    assert (f.name, f.status, Facility.objects.count()) == ("县电子商务公共服务中心", "planned", 1)
    html = client.get("/network/facilities/CC-01/").content.decode()
    assert "/edit/" not in html and 'name="to_status"' not in html


@pytest.mark.django_db
def test_contractor_moves_a_facility_to_building(county, bureau, contractor):
    facility(county, bureau)
    response = browser(contractor).post(
        "/network/facilities/CC-01/status/?county=130425", {"to_status": "building"}
    )
    assert response.status_code == 302
    assert Facility.objects.get().status == "building"
    assert StatusChange.objects.filter(facility__code="CC-01").count() == 2


@pytest.mark.django_db
def test_register_offers_excel_export_with_its_filters_and_import_only_to_who_may(
    county, contractor, auditor, stations
):
    page = browser(contractor).get("/network/stations/?status=operating&page=1").content.decode()
    assert 'href="/excel/stations/export/?status=operating"' in page
    assert 'href="/excel/stations/import/"' in page
    page = browser(auditor).get("/network/stations/").content.decode()
    assert 'href="/excel/stations/export/"' in page
    assert "/excel/stations/import/" not in page

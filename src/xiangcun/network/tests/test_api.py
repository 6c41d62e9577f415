"""The network API: /api/v1/facilities/ and /api/v1/stations/ with anonymous, wrong-scope and
right-scope users. Every denied write is checked to have changed nothing (rows, audit events, status
changes)."""

from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xiangcun.core.models import AuditEvent
from xiangcun.core.testing import api_client, full_equipment, make_station, make_user
from xiangcun.network import services
from xiangcun.network.models import Facility, Station, StatusChange
from xiangcun.network.standard import requirement_codes
from xiangcun.regions.models import Village

STATIONS = "/api/v1/stations/"
FACILITIES = "/api/v1/facilities/"
S1, S2, S3, S4 = "130425100201-01", "130425100202-01", "130425201201-01", "130426100201-01"


def client(user=None):
    """A token client that asks for English, so messages are the msgids whatever the translations."""
    c = api_client(user)
    c.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return c


def db_state():
    """Everything a denied write must leave alone."""
    return (
        list(Station.objects.order_by("pk").values()),
        list(Facility.objects.order_by("pk").values()),
        list(StatusChange.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


def codes(response):
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


@pytest.fixture
def net(county, other_county, superuser, bureau, contractor, auditor, other_bureau):
    """Three stations in 大名县 (two in 甲镇, one in 乙乡) and one in 邻县, plus users of every scope."""
    v = {village.code: village for village in Village.objects.all()}
    s1 = make_station(v["130425100201"], status="operating", name="甲1村服务站", manager_name="张三")
    # Village 甲2 has 800 residents: the standard asks for 10 m²; 4 m² is a blocking finding.
    s2 = make_station(
        v["130425100202"],
        name="甲2村服务站",
        area_m2=Decimal("4"),
        funded=False,
        effective_at=timezone.now() - timedelta(days=10),
    )
    s3 = make_station(v["130425201201"], status="building", name="乙1村服务站")
    s4 = make_station(v["130426100201"], status="operating", name="邻县服务站")
    t1, t2 = county.townships.order_by("code")
    return SimpleNamespace(
        county=county,
        other_county=other_county,
        villages=v,
        s1=s1,
        s2=s2,
        s3=s3,
        s4=s4,
        t1=t1,
        t2=t2,
        superuser=superuser,
        bureau=bureau,
        contractor=contractor,
        auditor=auditor,
        other_bureau=other_bureau,
        manager1=make_user("station_manager", county, username="manager1", station=s1),
        manager2=make_user("station_manager", county, username="manager2", station=s2),
        # A contractor confined to 乙乡: sees and changes only s3.
        township2=make_user("contractor", county, username="township2", township=t2),
    )


# --- stations: reading -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_station_list_is_scoped_to_the_user(net):
    assert client().get(STATIONS).status_code == 401
    assert codes(client(net.bureau).get(STATIONS)) == [S1, S2, S3]
    assert codes(client(net.auditor).get(STATIONS)) == [S1, S2, S3]
    assert codes(client(net.other_bureau).get(STATIONS)) == [S4]
    assert codes(client(net.manager1).get(STATIONS)) == [S1]
    assert codes(client(net.township2).get(STATIONS)) == [S3]
    assert codes(client(net.superuser).get(STATIONS)) == [S1, S2, S3, S4]


@pytest.mark.django_db
def test_anonymous_gets_401_with_the_error_shape_and_no_data(net):
    response = client().get(f"{STATIONS}{S1}/")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
        "errors": {},
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", [S1, S2, S3]),
        ("status=operating", [S1]),
        ("status=planned", [S2]),
        ("funded=false", [S2]),
        ("funded=true", [S1, S3]),
        ("poor_village=true", [S1, S3]),
        ("poor_village=false", [S2]),
        ("compliant=true", [S1, S3]),
        ("compliant=false", [S2]),
        ("q=乙1村", [S3]),
        ("q=100202", [S2]),
        ("q=  ", [S1, S2, S3]),
        ("ordering=-code", [S3, S2, S1]),
        ("ordering=status,code", [S3, S1, S2]),
    ],
)
def test_station_list_filters(net, query, expected):
    assert codes(client(net.bureau).get(f"{STATIONS}?{query}")) == expected


@pytest.mark.django_db
def test_station_list_filters_by_ids_and_combined(net):
    c = client(net.bureau)
    assert codes(c.get(STATIONS, {"township": net.t1.pk})) == [S1, S2]
    assert codes(c.get(STATIONS, {"township": net.t2.pk})) == [S3]
    assert codes(c.get(STATIONS, {"village": net.s2.village_id})) == [S2]
    assert codes(c.get(STATIONS, {"township": net.t1.pk, "compliant": "true"})) == [S1]
    assert codes(c.get(STATIONS, {"township": net.t1.pk, "poor_village": "false", "status": "planned"})) == [
        S2
    ]
    # Another county's township id filters the user's own rows: nothing, not the other county's rows.
    assert codes(c.get(STATIONS, {"township": net.s4.township_id})) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("funded=maybe", "funded", "Enter true or false."),
        ("compliant=perhaps", "compliant", "Enter true or false."),
        ("poor_village=2", "poor_village", "Enter true or false."),
        ("township=abc", "township", "Enter a whole number."),
        ("village=1.5", "village", "Enter a whole number."),
        ("status=flying", "status", "Select a valid choice. flying is not one of the available choices."),
    ],
)
def test_station_list_rejects_bad_filter_values(net, query, field, message):
    response = client(net.bureau).get(f"{STATIONS}?{query}")
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"{field}: {message}",
        "code": "invalid",
        "errors": {field: [message]},
    }


@pytest.mark.django_db
def test_station_list_pages(net):
    c = client(net.bureau)
    first = c.get(STATIONS, {"page_size": 2}).json()
    assert (first["count"], [r["code"] for r in first["results"]]) == (3, [S1, S2])
    assert first["next"] == "http://testserver/api/v1/stations/?page=2&page_size=2"
    second = c.get(STATIONS, {"page_size": 2, "page": 2}).json()
    assert ([r["code"] for r in second["results"]], second["next"]) == ([S3], None)
    assert c.get(STATIONS, {"page": 9}).status_code == 404


@pytest.mark.django_db
def test_station_list_computes_compliance_in_bulk(net, county, django_assert_max_num_queries):
    c = client(net.bureau)
    # token + user, count, page, the page's stations with villages, funded stations per village
    with django_assert_max_num_queries(5):
        rows = c.get(STATIONS).json()["results"]
    assert [(r["code"], r["compliant"]) for r in rows] == [(S1, True), (S2, False), (S3, True)]
    for village in county.villages.exclude(stations__isnull=False):
        make_station(village)
    with CaptureQueriesContext(connection) as more:
        rows = c.get(STATIONS).json()["results"]
    assert (len(rows), len(more.captured_queries)) == (6, 5)


@pytest.mark.django_db
def test_station_detail(net):
    response = client(net.bureau).get(f"{STATIONS}{S1}/")
    assert response.status_code == 200
    body = response.json()
    assert body.pop("created_at") and body.pop("updated_at")
    assert body == {
        "id": net.s1.pk,
        "code": S1,
        "name": "甲1村服务站",
        "county": "130425",
        "township": net.t1.pk,
        "township_name": "甲镇",
        "village": net.s1.village_id,
        "village_code": "130425100201",
        "village_name": "甲1村村委会",
        "village_is_poor": True,
        "funded": True,
        "status": "operating",
        "address": "",
        "latitude": None,
        "longitude": None,
        "area_m2": "20.0",
        "operator": "",
        "manager_name": "张三",
        "manager_phone": "",
        "opened_on": timezone.localdate().isoformat(),
        "equipment": full_equipment(),
        "photo": None,
        "notes": "",
        "is_demo": False,
        "compliant": True,
        "opens_at": None,
        "closes_at": None,
    }
    assert client(net.bureau).get(f"{STATIONS}{S2}/").json()["compliant"] is False


@pytest.mark.django_db
def test_station_detail_outside_scope_is_404(net):
    assert client().get(f"{STATIONS}{S1}/").status_code == 401
    assert client(net.other_bureau).get(f"{STATIONS}{S1}/").status_code == 404
    assert client(net.manager2).get(f"{STATIONS}{S1}/").status_code == 404
    assert client(net.township2).get(f"{STATIONS}{S1}/").status_code == 404
    assert client(net.manager1).get(f"{STATIONS}{S1}/").status_code == 200
    assert client(net.township2).get(f"{STATIONS}{S3}/").status_code == 200
    assert client(net.bureau).get(f"{STATIONS}130425100201-99/").json() == {
        "detail": "Not found.",
        "code": "not_found",
        "errors": {},
    }


# --- stations: creating ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_station_create(net):
    response = client(net.contractor).post(
        STATIONS,
        {
            "village": "130425100203",
            "area_m2": "12.5",
            "manager_phone": "13800001111",
            "opens_at": "08:00",
            "closes_at": "20:00",
            "equipment": {"computer": True, "door_sign": True},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: body[k] for k in ("code", "village_code", "township", "status", "area_m2", "opens_at")} == {
        "code": "130425100203-01",
        "village_code": "130425100203",
        "township": net.t1.pk,
        "status": "planned",
        "area_m2": "12.5",
        "opens_at": "08:00:00",
    }
    assert body["equipment"] == {
        **dict.fromkeys(full_equipment(), False),
        "computer": True,
        "door_sign": True,
    }
    assert body["compliant"] is False  # most of the checklist is missing
    station = Station.objects.get(code="130425100203-01")
    assert list(StatusChange.objects.filter(station=station).values_list("from_status", "to_status")) == [
        ("", "planned")
    ]
    assert AuditEvent.objects.filter(action="station.create", object_id=str(station.pk)).count() == 1


@pytest.mark.django_db
def test_station_create_is_refused_without_capability_or_outside_scope(net):
    before = db_state()
    payload = {"village": "130425100203", "area_m2": "12"}
    assert client().post(STATIONS, payload, format="json").status_code == 401
    for user in (net.auditor, net.manager1):
        response = client(user).post(STATIONS, payload, format="json")
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    # Another county's bureau: the village code is unknown to them (not "forbidden": no existence leak).
    response = client(net.other_bureau).post(STATIONS, payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"village": ["No village with code 130425100203 in your scope."]}
    # A township-scoped contractor cannot build in another township.
    response = client(net.township2).post(STATIONS, payload, format="json")
    assert response.json()["errors"] == {"village": ["No village with code 130425100203 in your scope."]}
    assert db_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"area_m2": "12"}, {"village": ["This field is required."]}),
        ({"village": 130425100203}, {"village": ["Expected a code (text)."]}),
        ({"village": "130425100203", "area_m2": "big"}, {"area_m2": ["A valid number is required."]}),
        (
            {"village": "130425100203", "area_m2": "-3"},
            {"area_m2": ["Ensure this value is greater than or equal to 0."]},
        ),
        (
            {"village": "130425100203", "opens_at": "25:00"},
            {"opens_at": ["Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]]."]},
        ),
        (
            {"village": "130425100203", "status": "operating"},
            {"status": ["Unknown or read-only field: it cannot be written here."]},
        ),
        (
            {"village": "130425100203", "code": "X"},
            {"code": ["Unknown or read-only field: it cannot be written here."]},
        ),
        (
            {"village": "130425100203", "equipment": {"jacuzzi": True}},
            {"equipment": ["Unknown codes: jacuzzi"]},
        ),
        (
            {"village": "130425100203", "equipment": {"computer": "yes"}},
            {"equipment": ["Not true/false: computer"]},
        ),
        (
            {"village": "130425100203", "equipment": ["computer"]},
            {"equipment": ["Expected an object of requirement code → true/false."]},
        ),
        (
            {"village": "130425100203", "manager_phone": "call me"},
            {"manager_phone": ["Enter a phone number (digits, +, -)."]},
        ),
        (
            {"village": "130425100203", "opens_at": "21:00", "closes_at": "07:00"},
            {"non_field_errors": ["Constraint “station_hours_ordered” is violated."]},
        ),
    ],
)
def test_station_create_rejects_bad_input_and_writes_nothing(net, payload, errors):
    before = db_state()
    response = client(net.contractor).post(STATIONS, payload, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == errors
    assert db_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("body", ['{"village": "130425100203",', "[1, 2]", "null", '"text"'])
def test_malformed_or_non_object_bodies_are_400(net, body):
    before = db_state()
    response = client(net.contractor).generic("POST", STATIONS, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] in {"parse_error", "invalid"}
    assert db_state() == before


# --- stations: changing ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_station_patch_by_bureau(net):
    response = client(net.bureau).patch(
        f"{STATIONS}{S2}/", {"area_m2": "15", "equipment": {"wifi_sign": False}}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["area_m2"], body["compliant"]) == ("15.0", False)
    # PATCH merges the checklist: only wifi_sign changed.
    assert body["equipment"] == {**full_equipment(), "wifi_sign": False}
    event = AuditEvent.objects.get(action="station.update", object_id=str(net.s2.pk))
    assert event.changes == {
        "area_m2": ["4.0", "15.0"],
        "equipment": [full_equipment(), {**full_equipment(), "wifi_sign": False}],
    }


@pytest.mark.django_db
def test_station_put_replaces_the_checklist_and_needs_a_name(net):
    c = client(net.contractor)
    response = c.put(f"{STATIONS}{S2}/", {"area_m2": "15"}, format="json")
    assert (response.status_code, response.json()["errors"]) == (400, {"name": ["This field is required."]})
    response = c.put(f"{STATIONS}{S2}/", {"name": "甲2村站", "equipment": {"computer": True}}, format="json")
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["equipment"]) == (
        "甲2村站",
        {**dict.fromkeys(full_equipment(), False), "computer": True},
    )


@pytest.mark.django_db
def test_station_manager_changes_own_contact_fields_only(net):
    c = client(net.manager1)
    response = c.patch(
        f"{STATIONS}{S1}/",
        {"manager_phone": "13800001111", "opens_at": "08:00", "closes_at": "20:00"},
        format="json",
    )
    assert response.status_code == 200
    assert [response.json()[k] for k in ("manager_phone", "opens_at", "closes_at")] == [
        "13800001111",
        "08:00:00",
        "20:00:00",
    ]
    before = db_state()
    response = c.patch(f"{STATIONS}{S1}/", {"area_m2": "99"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "These fields cannot be changed here: area_m2",
        "code": "read_only_field",
        "errors": {"area_m2": ["You may not change this field."]},
    }
    assert db_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["patch", "put"])
def test_station_change_is_refused_without_capability_or_outside_scope(net, method):
    payload = {"name": "改名", "manager_phone": "13900000000"}
    before = db_state()
    assert getattr(client(), method)(f"{STATIONS}{S1}/", payload, format="json").status_code == 401
    assert getattr(client(net.auditor), method)(f"{STATIONS}{S1}/", payload, format="json").status_code == 403
    for user in (net.other_bureau, net.manager2, net.township2):
        response = getattr(client(user), method)(f"{STATIONS}{S1}/", payload, format="json")
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), user.username
    assert db_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({}, {"non_field_errors": ["Nothing to change: the request names no field."]}),
        ({"status": "closed"}, {"status": ["Unknown or read-only field: it cannot be written here."]}),
        (
            {"village": "130425100203"},
            {"village": ["Unknown or read-only field: it cannot be written here."]},
        ),
        ({"funded": "sometimes"}, {"funded": ["Must be a valid boolean."]}),
        ({"latitude": "36.1234567"}, {"latitude": ["Ensure that there are no more than 6 decimal places."]}),
        ({"name": ""}, {"name": ["This field may not be blank."]}),
    ],
)
def test_station_patch_rejects_bad_input(net, payload, errors):
    before = db_state()
    response = client(net.bureau).patch(f"{STATIONS}{S1}/", payload, format="json")
    assert (response.status_code, response.json()["errors"]) == (400, errors)
    assert db_state() == before


# --- stations: transitions, check, history ---------------------------------------------------------


@pytest.mark.django_db
def test_station_transition_and_history(net):
    c = client(net.contractor)
    effective = timezone.now() - timedelta(days=1)
    response = c.post(
        f"{STATIONS}{S2}/transition/",
        {"to_status": "building", "effective_at": effective.isoformat(), "note": "开工"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "building"
    assert Station.objects.get(pk=net.s2.pk).status == "building"
    history = c.get(f"{STATIONS}{S2}/history/")
    assert history.status_code == 200
    rows = [(r["from_status"], r["to_status"], r["actor"], r["note"]) for r in history.json()]
    assert rows == [(None, "planned", "root", ""), ("planned", "building", "contractor", "开工")]
    assert datetime.fromisoformat(history.json()[1]["effective_at"]) == effective
    assert AuditEvent.objects.filter(action="station.transition", object_id=str(net.s2.pk)).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "code", "errors"),
    [
        ({"to_status": "operating"}, "invalid_transition", {"to_status": ["Allowed: building, closed"]}),
        ({"to_status": "teleported"}, "invalid", {"to_status": ['"teleported" is not a valid choice.']}),
        ({}, "invalid", {"to_status": ["This field is required."]}),
        (
            {"to_status": "building", "effective_at": "yesterday"},
            "invalid",
            {
                "effective_at": [
                    "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
                ]
            },
        ),
        (
            {"to_status": "building", "effective_at": "2099-01-01T00:00:00+08:00"},
            "invalid",
            {"effective_at": ["In the future."]},
        ),
        (
            {"to_status": "building", "note": "x" * 201},
            "invalid",
            {"note": ["Ensure this field has no more than 200 characters."]},
        ),
        (
            {"to_status": "building", "colour": "red"},
            "invalid",
            {"colour": ["Unknown or read-only field: it cannot be written here."]},
        ),
    ],
)
def test_station_transition_rejects_bad_input(net, payload, code, errors):
    before = db_state()
    response = client(net.bureau).post(f"{STATIONS}{S2}/transition/", payload, format="json")
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["errors"]) == (code, errors)
    assert db_state() == before


@pytest.mark.django_db
def test_station_transition_is_refused_without_capability_or_outside_scope(net):
    before = db_state()
    url = f"{STATIONS}{S1}/transition/"
    assert client().post(url, {"to_status": "suspended"}, format="json").status_code == 401
    for user in (net.auditor, net.manager1):  # a station manager may not change even their own status
        assert client(user).post(url, {"to_status": "suspended"}, format="json").status_code == 403
    for user in (net.other_bureau, net.township2):
        assert client(user).post(url, {"to_status": "suspended"}, format="json").status_code == 404
    assert db_state() == before


@pytest.mark.django_db
def test_station_check(net):
    response = client(net.auditor).get(f"{STATIONS}{S2}/check/")
    assert response.status_code == 200
    assert response.json() == {
        "code": S2,
        "compliant": False,
        "findings": [
            {
                "code": "area_below_min",
                "requirement": "",
                "ref": "R1.4",
                "message": "Area 4.0 m² is below the required 10 m².",
                "blocking": True,
            }
        ],
    }
    assert client(net.manager1).get(f"{STATIONS}{S1}/check/").json() == {
        "code": S1,
        "compliant": True,
        "findings": [],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["check/", "history/"])
def test_station_check_and_history_are_scoped(net, suffix):
    assert client().get(f"{STATIONS}{S1}/{suffix}").status_code == 401
    for user in (net.other_bureau, net.manager2, net.township2):
        assert client(user).get(f"{STATIONS}{S1}/{suffix}").status_code == 404
    assert client(net.manager1).get(f"{STATIONS}{S1}/{suffix}").status_code == 200


# --- facilities ------------------------------------------------------------------------------------


@pytest.fixture
def fac(net):
    """The county center and a delivery center in each township of 大名县; a center in 邻县 with a
    code that 大名县 also uses."""
    root = net.superuser
    center = services.facility_create(
        actor=root,
        county=net.county,
        kind="county_center",
        code="CC-01",
        name="县服务中心",
        area_m2=Decimal("650"),
    )
    tc1 = services.facility_create(
        actor=root,
        county=net.county,
        kind="township_center",
        code="TC-01",
        township=net.t1,
        name="甲镇配送中心",
    )
    tc2 = services.facility_create(
        actor=root,
        county=net.county,
        kind="township_center",
        code="TC-02",
        township=net.t2,
        name="乙乡配送中心",
    )
    services.facility_transition(actor=root, facility=tc1, to_status="building")
    other = services.facility_create(
        actor=root,
        county=net.other_county,
        kind="township_center",
        code="TC-01",
        township=net.other_county.townships.first(),
        name="邻县配送中心",
    )
    return SimpleNamespace(center=center, tc1=tc1, tc2=tc2, other=other)


@pytest.mark.django_db
def test_facility_list_is_scoped_and_filtered(net, fac):
    assert client().get(FACILITIES).status_code == 401
    assert codes(client(net.bureau).get(FACILITIES)) == ["CC-01", "TC-01", "TC-02"]
    assert codes(client(net.other_bureau).get(FACILITIES)) == ["TC-01"]
    # County-level facilities stay visible to township-scoped users; other townships' centers do not.
    assert codes(client(net.township2).get(FACILITIES)) == ["CC-01", "TC-02"]
    assert codes(client(net.manager1).get(FACILITIES)) == ["CC-01", "TC-01"]
    c = client(net.bureau)
    assert codes(c.get(FACILITIES, {"kind": "township_center"})) == ["TC-01", "TC-02"]
    assert codes(c.get(FACILITIES, {"status": "building"})) == ["TC-01"]
    assert codes(c.get(FACILITIES, {"township": net.t2.pk})) == ["TC-02"]
    assert codes(c.get(FACILITIES, {"ordering": "-code"})) == ["TC-02", "TC-01", "CC-01"]
    response = c.get(FACILITIES, {"kind": "shop"})
    assert (response.status_code, list(response.json()["errors"])) == (400, ["kind"])


@pytest.mark.django_db
def test_facility_detail_and_ambiguous_codes(net, fac):
    body = client(net.bureau).get(f"{FACILITIES}TC-01/").json()
    assert [
        body[k] for k in ("name", "county", "kind", "township", "township_name", "status", "compliant")
    ] == [
        "甲镇配送中心",
        "130425",
        "township_center",
        net.t1.pk,
        "甲镇",
        "building",
        False,
    ]
    assert client(net.other_bureau).get(f"{FACILITIES}TC-01/").json()["name"] == "邻县配送中心"
    assert client(net.other_bureau).get(f"{FACILITIES}CC-01/").status_code == 404
    assert client(net.township2).get(f"{FACILITIES}TC-01/").status_code == 404
    # A superuser sees both counties' TC-01 and must say which one is meant.
    su = client(net.superuser)
    response = su.get(f"{FACILITIES}TC-01/")
    assert (response.status_code, response.json()["code"]) == (400, "ambiguous_code")
    assert response.json()["errors"] == {"county": ["Required: several counties use this code."]}
    assert su.get(f"{FACILITIES}TC-01/", {"county": "130426"}).json()["name"] == "邻县配送中心"


@pytest.mark.django_db
def test_facility_create(net, fac):
    response = client(net.contractor).post(
        FACILITIES,
        {"kind": "county_warehouse", "code": "WH-01", "name": "县仓储中心", "area_m2": "900"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [body[k] for k in ("code", "county", "kind", "township", "status", "area_m2")] == [
        "WH-01",
        "130425",
        "county_warehouse",
        None,
        "planned",
        "900.0",
    ]
    assert body["equipment"] == dict.fromkeys(
        ["packing_tables", "shelves", "scanners", "delivery_vehicles"], False
    )
    # The superuser names the county; the township id must be one they can see in that county.
    response = client(net.superuser).post(
        FACILITIES,
        {
            "county": "130426",
            "kind": "township_center",
            "code": "TC-09",
            "township": net.other_county.townships.last().pk,
            "name": "邻县二号",
        },
        format="json",
    )
    assert (response.status_code, response.json()["county"]) == (201, "130426")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        (
            {"kind": "township_center", "code": "TC-03", "name": "x"},
            {"non_field_errors": ["Constraint “facility_township_center_has_township” is violated."]},
        ),
        (
            {"kind": "county_center", "code": "TC-01", "name": "x"},
            {"non_field_errors": ["Facility with this County and Code already exists."]},
        ),
        ({"kind": "shop", "code": "S-1", "name": "x"}, {"kind": ['"shop" is not a valid choice.']}),
        ({"kind": "county_center", "code": "C C", "name": "x"}, {"code": ["Enter a valid value."]}),
        (
            {"kind": "county_center", "code": "C-2", "name": "x", "county": "130426"},
            {"county": ["No county with code 130426 in your scope."]},
        ),
        (
            {"kind": "county_center", "code": "C-2", "name": "x", "status": "operating"},
            {"status": ["Unknown or read-only field: it cannot be written here."]},
        ),
    ],
)
def test_facility_create_rejects_bad_input(net, fac, payload, errors):
    before = db_state()
    response = client(net.bureau).post(FACILITIES, payload, format="json")
    assert (response.status_code, response.json()["errors"]) == (400, errors)
    assert db_state() == before


@pytest.mark.django_db
def test_facility_create_township_outside_scope_is_a_field_error(net, fac):
    before = db_state()
    response = client(net.township2).post(
        FACILITIES,
        {"kind": "township_center", "code": "TC-07", "township": net.t1.pk, "name": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"township": [f'Invalid pk "{net.t1.pk}" - object does not exist.']}
    assert client(net.auditor).post(FACILITIES, {"kind": "county_center"}, format="json").status_code == 403
    assert client().post(FACILITIES, {"kind": "county_center"}, format="json").status_code == 401
    assert db_state() == before


@pytest.mark.django_db
def test_facility_patch_transition_check_history(net, fac):
    c = client(net.bureau)
    response = c.patch(
        f"{FACILITIES}CC-01/",
        {"equipment": dict.fromkeys(requirement_codes("county_center"), True), "rnd_center_area_m2": "150"},
        format="json",
    )
    assert (response.status_code, response.json()["compliant"]) == (200, True)
    response = c.post(
        f"{FACILITIES}CC-01/transition/", {"to_status": "building", "note": "动工"}, format="json"
    )
    assert (response.status_code, response.json()["status"]) == (200, "building")
    assert [
        (r["from_status"], r["to_status"], r["actor"]) for r in c.get(f"{FACILITIES}CC-01/history/").json()
    ] == [
        (None, "planned", "root"),
        ("planned", "building", "bureau"),
    ]
    check = c.get(f"{FACILITIES}TC-02/check/").json()
    assert (check["code"], check["compliant"]) == ("TC-02", False)
    assert [(f["code"], f["requirement"]) for f in check["findings"]] == [
        ("area_unknown", ""),
        ("missing_equipment", "packing_table"),
        ("missing_equipment", "shelves"),
        ("missing_equipment", "computer"),
        ("missing_equipment", "scanner"),
        ("missing_equipment", "delivery_vehicle"),
    ]
    response = c.post(f"{FACILITIES}CC-01/transition/", {"to_status": "planned"}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_transition")
    response = c.patch(f"{FACILITIES}CC-01/", {"kind": "county_warehouse"}, format="json")
    assert response.json()["errors"] == {"kind": ["Unknown or read-only field: it cannot be written here."]}


@pytest.mark.django_db
def test_facility_writes_are_refused_without_capability_or_outside_scope(net, fac):
    before = db_state()
    url = f"{FACILITIES}TC-01/"
    for user, expected in (
        (None, 401),
        (net.auditor, 403),
        (net.manager1, 403),  # sees TC-01 (own township) but may not change it
        (net.township2, 404),  # another township's center
    ):
        c = client(user)
        assert c.patch(url, {"name": "改"}, format="json").status_code == expected
        assert c.put(url, {"name": "改"}, format="json").status_code == expected
        assert c.post(f"{url}transition/", {"to_status": "operating"}, format="json").status_code == expected
    assert db_state() == before
    # 邻县's bureau reaches its own TC-01, never 大名县's: the write lands on their row only.
    response = client(net.other_bureau).patch(url, {"name": "邻县中心(改)"}, format="json")
    assert response.status_code == 200
    assert Facility.objects.get(pk=fac.tc1.pk).name == "甲镇配送中心"
    assert Facility.objects.get(pk=fac.other.pk).name == "邻县中心(改)"
    response = client(net.other_bureau).patch(f"{FACILITIES}CC-01/", {"name": "改"}, format="json")
    assert response.status_code == 404
    assert Facility.objects.get(pk=fac.center.pk).name == "县服务中心"


@pytest.mark.django_db
def test_form_encoded_bodies_are_refused_with_415(net):
    before = db_state()
    response = client(net.contractor).post(
        STATIONS, "village=130425100203&area_m2=12", content_type="application/x-www-form-urlencoded"
    )
    assert (response.status_code, response.json()["code"]) == (415, "unsupported_media_type")
    assert db_state() == before

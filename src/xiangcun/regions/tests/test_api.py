"""The regions API: /api/v1/counties/, townships/ and villages/ with anonymous, wrong-scope and
right-scope users. Every denied write is checked to have changed nothing."""

from types import SimpleNamespace

import pytest

from xiangcun.core.models import AuditEvent
from xiangcun.core.testing import api_client, make_station, make_user
from xiangcun.regions.models import County, Township, Village

COUNTIES = "/api/v1/counties/"
TOWNSHIPS = "/api/v1/townships/"
VILLAGES = "/api/v1/villages/"
OUTLINE = {"type": "Polygon", "coordinates": [[[115.0, 36.2], [115.3, 36.2], [115.3, 36.4], [115.0, 36.2]]]}


def client(user=None):
    """A token client that asks for English, so messages are the msgids whatever the translations."""
    c = api_client(user)
    c.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return c


def db_state():
    """Everything a denied write must leave alone."""
    return (
        list(County.objects.order_by("pk").values()),
        list(Township.objects.order_by("pk").values()),
        list(Village.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


def results(response, key="code"):
    assert response.status_code == 200, response.content
    return [row[key] for row in response.json()["results"]]


@pytest.fixture
def reg(county, other_county, superuser, bureau, auditor, other_bureau):
    County.objects.filter(pk=county.pk).update(outline=OUTLINE)
    v = {village.code: village for village in Village.objects.all()}
    t1, t2 = county.townships.order_by("code")
    make_station(v["130425100201"], status="operating")
    managed = make_station(v["130425100202"])
    return SimpleNamespace(
        county=county,
        other_county=other_county,
        v=v,
        t1=t1,
        t2=t2,
        superuser=superuser,
        bureau=bureau,
        auditor=auditor,
        other_bureau=other_bureau,
        poverty=make_user("poverty_office", county, username="poverty"),
        manager=make_user("station_manager", county, username="manager", station=managed),
        # Users confined to 乙乡: a bureau officer (may write) and a contractor (may not write regions).
        bureau_t2=make_user("bureau_admin", county, username="bureau-t2", township=t2),
        contractor_t2=make_user("contractor", county, username="contractor-t2", township=t2),
    )


# --- counties --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_county_list_and_detail(reg):
    assert client().get(COUNTIES).status_code == 401
    assert client().get(f"{COUNTIES}130425/").status_code == 401
    response = client(reg.bureau).get(COUNTIES)
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": reg.county.pk,
            "code": "130425",
            "division_code": "130425000000",
            "name": "大名县",
            "province": "",
            "city": "",
            "latitude": "36.285000",
            "longitude": "115.147000",
            "program_year": 2017,
            "is_demo": False,
            "data_source": "",
        }
    ]  # no outline in the list
    detail = client(reg.bureau).get(f"{COUNTIES}130425/").json()
    assert (detail["code"], detail["outline"]) == ("130425", OUTLINE)
    assert results(client(reg.other_bureau).get(COUNTIES)) == ["130426"]
    assert results(client(reg.superuser).get(COUNTIES)) == ["130425", "130426"]
    assert client(reg.manager).get(f"{COUNTIES}130425/").status_code == 200


@pytest.mark.django_db
def test_county_outside_scope_is_404_and_counties_are_read_only(reg):
    assert client(reg.bureau).get(f"{COUNTIES}130426/").status_code == 404
    assert client(reg.other_bureau).get(f"{COUNTIES}130425/").status_code == 404
    before = db_state()
    for user in (reg.bureau, reg.superuser):
        c = client(user)
        assert c.post(COUNTIES, {"code": "130427", "name": "x"}, format="json").status_code == 405
        assert c.patch(f"{COUNTIES}130425/", {"name": "改"}, format="json").status_code == 405
        assert c.put(f"{COUNTIES}130425/", {"name": "改"}, format="json").status_code == 405
        assert c.delete(f"{COUNTIES}130425/").status_code == 405
    assert client().patch(f"{COUNTIES}130425/", {"name": "改"}, format="json").status_code == 401
    assert db_state() == before


# --- townships -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_township_list_with_counts(reg):
    assert client().get(TOWNSHIPS).status_code == 401
    rows = client(reg.bureau).get(TOWNSHIPS).json()["results"]
    assert rows[0] == {
        "id": reg.t1.pk,
        "code": "130425100000",
        "name": "甲镇",
        "kind": "town",
        "county": "130425",
        "code_valid_from": "2016-01-01",
        "code_valid_to": None,
        "latitude": "36.300000",
        "longitude": "115.100000",
        "has_express_outlet": None,
        "express_outlet_source": "unknown",
        "village_count": 3,
        "poor_village_count": 1,
        "station_count": 2,
        "operating_station_count": 1,
    }
    assert [(r["name"], r["village_count"], r["station_count"]) for r in rows] == [
        ("甲镇", 3, 2),
        ("乙乡", 3, 0),
    ]


@pytest.mark.django_db
def test_township_list_and_detail_are_scoped(reg):
    assert results(client(reg.contractor_t2).get(TOWNSHIPS), "name") == ["乙乡"]
    assert results(client(reg.manager).get(TOWNSHIPS), "name") == ["甲镇"]  # the station's township
    assert results(client(reg.other_bureau).get(TOWNSHIPS), "code") == ["130426100000", "130426201000"]
    assert results(client(reg.superuser).get(TOWNSHIPS), "county") == ["130425", "130425", "130426", "130426"]
    assert client(reg.bureau).get(f"{TOWNSHIPS}{reg.t2.pk}/").json()["name"] == "乙乡"
    assert client().get(f"{TOWNSHIPS}{reg.t2.pk}/").status_code == 401
    assert client(reg.other_bureau).get(f"{TOWNSHIPS}{reg.t1.pk}/").status_code == 404
    assert client(reg.contractor_t2).get(f"{TOWNSHIPS}{reg.t1.pk}/").status_code == 404
    assert client(reg.manager).get(f"{TOWNSHIPS}{reg.t2.pk}/").status_code == 404


@pytest.mark.django_db
def test_township_filters_and_ordering(reg):
    c = client(reg.bureau)
    assert c.patch(f"{TOWNSHIPS}{reg.t1.pk}/", {"has_express_outlet": True}, format="json").status_code == 200
    assert (
        c.patch(f"{TOWNSHIPS}{reg.t2.pk}/", {"has_express_outlet": False}, format="json").status_code == 200
    )
    assert results(c.get(TOWNSHIPS, {"has_express_outlet": "true"}), "name") == ["甲镇"]
    assert results(c.get(TOWNSHIPS, {"has_express_outlet": "false"}), "name") == ["乙乡"]
    assert results(c.get(TOWNSHIPS, {"ordering": "operating_station_count"}), "name") == ["乙乡", "甲镇"]
    assert results(c.get(TOWNSHIPS, {"ordering": "-code"}), "name") == ["乙乡", "甲镇"]
    response = c.get(TOWNSHIPS, {"has_express_outlet": "unknown"})
    assert (response.status_code, response.json()["errors"]) == (
        400,
        {"has_express_outlet": ["Enter true or false."]},
    )


@pytest.mark.django_db
def test_township_patch_records_the_express_outlet(reg):
    c = client(reg.bureau)
    response = c.patch(f"{TOWNSHIPS}{reg.t1.pk}/", {"has_express_outlet": True}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["has_express_outlet"], body["express_outlet_source"], body["village_count"]) == (
        True,
        "recorded",
        3,
    )
    event = AuditEvent.objects.get(action="township.update")
    assert (event.actor, event.object_id, event.changes) == (
        reg.bureau,
        str(reg.t1.pk),
        {"has_express_outlet": [None, True]},
    )
    response = c.patch(f"{TOWNSHIPS}{reg.t1.pk}/", {"has_express_outlet": None}, format="json")
    assert (response.json()["has_express_outlet"], response.json()["express_outlet_source"]) == (
        None,
        "unknown",
    )
    # A bureau officer confined to 乙乡 records 乙乡's outlet.
    response = client(reg.bureau_t2).patch(
        f"{TOWNSHIPS}{reg.t2.pk}/", {"has_express_outlet": False}, format="json"
    )
    assert (response.status_code, Township.objects.get(pk=reg.t2.pk).has_express_outlet) == (200, False)


@pytest.mark.django_db
def test_township_patch_is_refused_without_capability_or_outside_scope(reg):
    url = f"{TOWNSHIPS}{reg.t1.pk}/"
    payload = {"has_express_outlet": True}
    before = db_state()
    assert client().patch(url, payload, format="json").status_code == 401
    for user in (reg.auditor, reg.poverty, reg.manager, reg.contractor_t2):
        response = client(user).patch(url, payload, format="json")
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied"), user.username
    for user in (reg.other_bureau, reg.bureau_t2):
        response = client(user).patch(url, payload, format="json")
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), user.username
    assert db_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({}, {"has_express_outlet": ["This field is required."]}),
        ({"has_express_outlet": "sometimes"}, {"has_express_outlet": ["Must be a valid boolean."]}),
        (
            {"has_express_outlet": True, "name": "改"},
            {"name": ["Unknown or read-only field: it cannot be written here."]},
        ),
    ],
)
def test_township_patch_rejects_bad_input(reg, payload, errors):
    before = db_state()
    response = client(reg.bureau).patch(f"{TOWNSHIPS}{reg.t1.pk}/", payload, format="json")
    assert (response.status_code, response.json()["errors"]) == (400, errors)
    assert (
        client(reg.bureau)
        .put(f"{TOWNSHIPS}{reg.t1.pk}/", {"has_express_outlet": True}, format="json")
        .status_code
        == 405
    )
    assert db_state() == before


# --- villages --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_village_detail(reg):
    Village.objects.filter(code="130425100201").update(facts_source="demo")
    response = client(reg.bureau).get(f"{VILLAGES}130425100201/")
    assert response.status_code == 200
    assert response.json() == {
        "id": reg.v["130425100201"].pk,
        "code": "130425100201",
        "name": "甲1村村委会",
        "short_name": "甲1村村",
        "kind": "villagers",
        "urban_rural_code": "220",
        "county": "130425",
        "township": reg.t1.pk,
        "township_name": "甲镇",
        "code_valid_from": "2016-01-01",
        "code_valid_to": None,
        "population": 450,
        "is_poor": True,
        "has_broadband": True,
        "latitude": None,
        "longitude": None,
        "facts_source": "demo",
        "is_large": False,
        "has_station": True,
    }


@pytest.mark.django_db
def test_village_list_and_detail_are_scoped(reg):
    assert client().get(VILLAGES).status_code == 401
    assert client().get(f"{VILLAGES}130425100201/").status_code == 401
    assert results(client(reg.bureau).get(VILLAGES)) == [
        "130425100201",
        "130425100202",
        "130425100203",
        "130425201201",
        "130425201202",
        "130425201203",
    ]
    assert results(client(reg.contractor_t2).get(VILLAGES)) == [
        "130425201201",
        "130425201202",
        "130425201203",
    ]
    assert results(client(reg.manager).get(VILLAGES)) == ["130425100202"]  # the station's own village
    assert results(client(reg.other_bureau).get(VILLAGES)) == [
        "130426100201",
        "130426100202",
        "130426100203",
        "130426201201",
        "130426201202",
        "130426201203",
    ]
    assert client(reg.other_bureau).get(f"{VILLAGES}130425100201/").status_code == 404
    assert client(reg.contractor_t2).get(f"{VILLAGES}130425100201/").status_code == 404
    assert client(reg.manager).get(f"{VILLAGES}130425100201/").status_code == 404
    assert client(reg.manager).get(f"{VILLAGES}130425100202/").status_code == 200
    assert client(reg.bureau).get(f"{VILLAGES}999999999999/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "kind=villagers",
            ["130425100201", "130425100202", "130425100203", "130425201201", "130425201202", "130425201203"],
        ),
        ("kind=residents", []),
        ("is_poor=true", ["130425100201", "130425201201"]),
        ("has_broadband=false", ["130425100203", "130425201203"]),
        ("has_station=true", ["130425100201"]),  # 100202's station is only planned
        (
            "has_station=false",
            ["130425100202", "130425100203", "130425201201", "130425201202", "130425201203"],
        ),
        ("q=甲2", ["130425100202"]),
        ("q=201202", ["130425201202"]),
        ("is_poor=true&has_station=false", ["130425201201"]),
        (
            "ordering=-population,code",
            ["130425100202", "130425201202", "130425100201", "130425201201", "130425100203", "130425201203"],
        ),
    ],
)
def test_village_filters(reg, query, expected):
    assert results(client(reg.bureau).get(f"{VILLAGES}?{query}")) == expected


@pytest.mark.django_db
def test_village_filter_by_township_and_bad_values(reg):
    c = client(reg.bureau)
    assert results(c.get(VILLAGES, {"township": reg.t2.pk})) == [
        "130425201201",
        "130425201202",
        "130425201203",
    ]
    for query, field in (
        ("is_poor=x", "is_poor"),
        ("has_station=2", "has_station"),
        ("kind=hamlet", "kind"),
        ("township=t", "township"),
    ):
        response = c.get(f"{VILLAGES}?{query}")
        assert (response.status_code, list(response.json()["errors"])) == (400, [field]), query


@pytest.mark.django_db
def test_village_patch_records_facts(reg):
    response = client(reg.bureau).patch(
        f"{VILLAGES}130425100203/",
        {"population": 1200, "has_broadband": True, "latitude": "36.31", "longitude": "115.15"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [
        body[k] for k in ("population", "has_broadband", "latitude", "longitude", "facts_source", "is_large")
    ] == [
        1200,
        True,
        "36.310000",
        "115.150000",
        "recorded",
        True,
    ]
    event = AuditEvent.objects.get(action="village.update")
    assert event.changes == {
        "population": [300, 1200],
        "has_broadband": [False, True],
        "latitude": [None, "36.310000"],
        "longitude": [None, "115.150000"],
    }
    # The poverty office may change the poor-village flag, and only that.
    response = client(reg.poverty).patch(f"{VILLAGES}130425100203/", {"is_poor": True}, format="json")
    assert (response.status_code, response.json()["is_poor"]) == (200, True)
    before = db_state()
    response = client(reg.poverty).patch(f"{VILLAGES}130425100203/", {"population": 5}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert db_state() == before


@pytest.mark.django_db
def test_village_patch_is_refused_without_capability_or_outside_scope(reg):
    url = f"{VILLAGES}130425100201/"
    payload = {"population": 999}
    before = db_state()
    assert client().patch(url, payload, format="json").status_code == 401
    for user in (reg.auditor, reg.manager, reg.contractor_t2):
        assert client(user).patch(url, payload, format="json").status_code == 403, user.username
    for user in (reg.other_bureau, reg.bureau_t2):
        assert client(user).patch(url, payload, format="json").status_code == 404, user.username
    assert client(reg.bureau).put(url, payload, format="json").status_code == 405
    assert client(reg.bureau).post(VILLAGES, {"code": "130425100299"}, format="json").status_code == 405
    assert db_state() == before
    assert Village.objects.get(code="130425100201").population == 450


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({}, {"non_field_errors": ["Nothing to change: the request names no field."]}),
        ({"population": -5}, {"population": ["Ensure this value is greater than or equal to 0."]}),
        ({"population": "many"}, {"population": ["A valid integer is required."]}),
        ({"latitude": "36.1234567"}, {"latitude": ["Ensure that there are no more than 6 decimal places."]}),
        ({"is_poor": "perhaps"}, {"is_poor": ["Must be a valid boolean."]}),
        ({"name": "新村"}, {"name": ["Unknown or read-only field: it cannot be written here."]}),
        (
            {"facts_source": "imported"},
            {"facts_source": ["Unknown or read-only field: it cannot be written here."]},
        ),
    ],
)
def test_village_patch_rejects_bad_input(reg, payload, errors):
    before = db_state()
    response = client(reg.bureau).patch(f"{VILLAGES}130425100201/", payload, format="json")
    assert (response.status_code, response.json()["errors"]) == (400, errors)
    assert db_state() == before


@pytest.mark.django_db
def test_village_list_does_not_query_per_row(reg, django_assert_max_num_queries):
    c = client(reg.bureau)
    # token + user, count, page (with township, county and has_station in the same query)
    with django_assert_max_num_queries(3):
        rows = c.get(VILLAGES).json()["results"]
    assert [(r["township_name"], r["has_station"]) for r in rows] == [
        ("甲镇", True),
        ("甲镇", False),
        ("甲镇", False),
        ("乙乡", False),
        ("乙乡", False),
        ("乙乡", False),
    ]

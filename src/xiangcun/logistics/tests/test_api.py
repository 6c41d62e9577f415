"""The logistics API: carriers, shipments, scans — anonymous / wrong-scope / right-scope callers, the
error shape, and denied calls changing nothing."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from xiangcun.core.models import AuditEvent
from xiangcun.core.testing import api_client

from ..models import Carrier, Scan, Shipment
from ..scanning import scan_item
from .world import T0, book, deliver

pytestmark = pytest.mark.django_db

CARRIERS = "/api/v1/logistics/carriers/"
SHIPMENTS = "/api/v1/logistics/shipments/"
SCANS = "/api/v1/logistics/scans"


def waybills(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return sorted(row["waybill_no"] for row in response.json()["results"])


@pytest.fixture
def parcels(w):
    """p1: to station 1 by A; p2: to station 2 by B; up: from station 1 by B; p3: in 邻县 by C."""
    p1 = book(w, "P001")
    p2 = book(w, "P002", station=w.s2, carrier=w.b, booked_at=T0 + timedelta(days=1))
    up = book(w, "U001", station=w.s1, carrier=w.b, direction="upstream", booked_at=T0 + timedelta(days=2))
    p3 = book(w, "P003", station=w.s3, carrier=w.c)
    return {"p1": p1, "p2": p2, "up": up, "p3": p3}


# --- carriers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "names"),
    [
        ("bureau", ["乙邮政", "甲快递"]),
        ("manager1", ["乙邮政", "甲快递"]),
        ("carrier_a", ["乙邮政", "甲快递"]),
        ("other_bureau", ["丙物流"]),
        ("superuser", ["丙物流", "乙邮政", "甲快递"]),
    ],
)
def test_carriers_are_listed_per_county(w, who, names):
    response = api_client(getattr(w, who)).get(CARRIERS)
    assert sorted(row["name"] for row in response.json()["results"]) == sorted(names)


def test_carrier_shape_and_the_funded_route_conflict(w):
    client = api_client(w.bureau)
    row = client.get(f"{CARRIERS}{w.a.pk}/").json()
    assert row == {
        "id": w.a.pk,
        "county": "130425",
        "name": "甲快递",
        "kind": "express",
        "contact_name": "",
        "contact_phone": "",
        "funded": True,
        "funded_route": "县城—甲镇",
        "route_conflict": False,
        "is_active": True,
        "notes": "",
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }
    response = client.patch(
        f"{CARRIERS}{w.b.pk}/", {"funded": True, "funded_route": " 县城—甲镇 "}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["route_conflict"] is True
    assert client.get(f"{CARRIERS}{w.a.pk}/").json()["route_conflict"] is True
    assert AuditEvent.objects.filter(action="carrier.update", object_id=str(w.b.pk)).count() == 1


def test_the_bureau_registers_a_carrier(w):
    response = api_client(w.bureau).post(
        CARRIERS, {"name": "丁快运", "kind": "logistics", "contact_phone": "0310-1234567"}, format="json"
    )
    assert response.status_code == 201, response.json()
    carrier = Carrier.objects.get(county=w.county, name="丁快运")
    assert (carrier.kind, carrier.contact_phone, carrier.funded) == ("logistics", "0310-1234567", False)
    assert AuditEvent.objects.filter(action="carrier.create", object_id=str(carrier.pk)).exists()


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"name": "甲快递", "kind": "express"},
            {"name": ["This county already has a carrier with this name."]},
        ),
        ({"name": "X", "kind": "drone"}, {"kind": ['"drone" is not a valid choice.']}),
        (
            {"name": "X", "kind": "express", "funded": True},
            {"funded_route": ["Say which logistics route the funds support."]},
        ),
        (
            {"name": "X", "kind": "express", "speed": 3},
            {"speed": ["Unknown or read-only field: it cannot be written here."]},
        ),
        (
            {"name": "X", "kind": "express", "contact_phone": "call me"},
            {"contact_phone": ["Enter a phone number (digits, +, -)."]},
        ),
    ],
)
def test_bad_carrier_input_is_400_and_writes_nothing(w, body, errors):
    before = Carrier.objects.count()
    response = api_client(w.bureau).post(CARRIERS, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["errors"] == errors
    assert Carrier.objects.count() == before


@pytest.mark.parametrize(
    ("who", "code"), [(None, 401), ("manager1", 403), ("carrier_a", 403), ("auditor", 403)]
)
def test_carrier_writes_are_refused_to_others(w, who, code):
    client = api_client(getattr(w, who) if who else None)
    assert client.post(CARRIERS, {"name": "Z", "kind": "express"}, format="json").status_code == code
    assert client.patch(f"{CARRIERS}{w.a.pk}/", {"name": "Z"}, format="json").status_code == code
    assert not Carrier.objects.filter(name="Z").exists()
    assert Carrier.objects.get(pk=w.a.pk).name == "甲快递"


def test_another_countys_carrier_is_404(w):
    response = api_client(w.other_bureau).patch(f"{CARRIERS}{w.a.pk}/", {"name": "Z"}, format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": response.json()["detail"], "code": "not_found", "errors": {}}
    assert Carrier.objects.get(pk=w.a.pk).name == "甲快递"


# --- shipments --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("bureau", ["P001", "P002", "U001"]),
        ("contractor", ["P001", "P002", "U001"]),
        ("auditor", ["P001", "P002", "U001"]),
        ("township1", ["P001", "P002", "U001"]),  # P2 goes through TC-01, the first township's center
        ("township2", ["P002"]),
        ("manager1", ["P001", "U001"]),
        ("manager2", ["P002"]),
        ("carrier_a", ["P001"]),
        ("carrier_b", ["P002", "U001"]),
        ("carrier_none", []),
        ("trainer", ["P001", "P002", "U001"]),
        ("other_bureau", ["P003"]),
        ("manager3", ["P003"]),
        ("superuser", ["P001", "P002", "P003", "U001"]),
    ],
)
def test_the_delivery_ledger_is_scoped(w, parcels, who, visible):
    assert waybills(api_client(getattr(w, who)).get(SHIPMENTS)) == visible


def test_anonymous_is_401_everywhere(w, parcels):
    client = api_client()
    for path in (SHIPMENTS, f"{SHIPMENTS}{parcels['p1'].pk}/", CARRIERS):
        response = client.get(path)
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"
    assert client.post(SCANS, {"scans": []}, format="json").status_code == 401


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"day": "2018-05-01"}, ["P001"]),
        ({"from": "2018-05-02", "to": "2018-05-03"}, ["P002", "U001"]),
        ({"center": "TC-01"}, ["P001", "P002", "U001"]),
        ({"center": "TC-09"}, []),
        ({"station": "130425201201-01"}, ["P002"]),
        ({"direction": "upstream"}, ["U001"]),
        ({"status": "created"}, ["P001", "P002", "U001"]),
        ({"overdue": "true"}, []),
        ({"waybill": "P002"}, ["P002"]),
    ],
)
def test_ledger_filters(w, parcels, query, expected):
    assert waybills(api_client(w.bureau).get(SHIPMENTS, query)) == expected


def test_ledger_filter_by_carrier(w, parcels):
    assert waybills(api_client(w.bureau).get(SHIPMENTS, {"carrier": w.b.pk})) == ["P002", "U001"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"day": "yesterday"}, "day"),
        ({"carrier": "abc"}, "carrier"),
        ({"overdue": "ture"}, "overdue"),
        ({"from": "2018-05-03", "to": "2018-05-01"}, "to"),
        ({"direction": "sideways"}, "direction"),
    ],
)
def test_bad_filters_are_400(w, parcels, query, field):
    response = api_client(w.bureau).get(SHIPMENTS, query)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_detail_has_legs_and_scans(w, parcels):
    p1 = parcels["p1"]
    deliver(w, p1, signed=False)
    body = api_client(w.manager1).get(f"{SHIPMENTS}{p1.pk}/").json()
    assert body["status"] == "at_site"
    assert body["current_site"] == "130425100201-01"
    assert body["overdue"] is False
    assert body["center"] == "TC-01" and body["warehouse"] == "CW-01"
    assert body["weight_kg"] == "1.500"
    assert body["due_at"] == "2018-05-08T10:00:00+08:00"
    assert [(leg["sequence"], leg["from_site"], leg["to_site"], leg["status"]) for leg in body["legs"]] == [
        (1, "CW-01", "TC-01", "arrived"),
        (2, "TC-01", "130425100201-01", "arrived"),
    ]
    assert [(s["kind"], s["site"], s["leg"], s["actor"]) for s in body["scans"]] == [
        ("out", "CW-01", 1, "root"),
        ("in", "TC-01", 1, "root"),
        ("out", "TC-01", 2, "root"),
        ("in", "130425100201-01", 2, "root"),
    ]


def test_out_of_scope_detail_is_404(w, parcels):
    for who, key in (("manager2", "p1"), ("carrier_a", "p2"), ("other_bureau", "p1"), ("township2", "p1")):
        assert api_client(getattr(w, who)).get(f"{SHIPMENTS}{parcels[key].pk}/").status_code == 404


def _booking(**fields):
    body = {
        "waybill_no": "NEW001",
        "station": "130425100201-01",
        "direction": "downstream",
        "weight_kg": "2.25",
    }
    body.update(fields)
    return body


def test_the_contractor_books_a_parcel_with_its_legs(w):
    body = _booking(carrier=w.a.pk, declared_value="128.50", cost="6.00", cold_chain=True)
    response = api_client(w.contractor).post(SHIPMENTS, body, format="json")
    assert response.status_code == 201, response.json()
    row = response.json()
    assert (row["waybill_no"], row["status"], row["current_site"], row["declared_value"], row["cost"]) == (
        "NEW001",
        "created",
        "CW-01",
        "128.50",
        "6.00",
    )
    assert [(leg["from_site"], leg["to_site"]) for leg in row["legs"]] == [
        ("CW-01", "TC-01"),
        ("TC-01", "130425100201-01"),
    ]
    p = Shipment.objects.get(waybill_no="NEW001")
    assert (p.weight_kg, p.declared_value, p.cost, p.cold_chain) == (
        Decimal("2.250"),
        Decimal("128.50"),
        Decimal("6.00"),
        True,
    )
    assert AuditEvent.objects.filter(action="shipment.create", object_id=str(p.pk)).exists()


def test_a_station_manager_books_their_own_upstream_parcel(w):
    body = _booking(carrier=w.b.pk, direction="upstream", destination_text="北京市")
    response = api_client(w.manager1).post(SHIPMENTS, body, format="json")
    assert response.status_code == 201, response.json()
    assert [leg["to_site"] for leg in response.json()["legs"]] == ["TC-01", "CW-01", None]
    other = api_client(w.manager1).post(
        SHIPMENTS, _booking(carrier=w.b.pk, station="130425201201-01"), format="json"
    )
    assert other.status_code == 400
    assert other.json()["errors"] == {"station": ["No station with code 130425201201-01 in your scope."]}


@pytest.mark.parametrize(
    ("who", "carrier", "code"),
    [
        (None, "a", 401),
        ("bureau", "a", 403),
        ("auditor", "a", 403),
        ("trainer", "a", 403),
        ("carrier_a", "b", 403),
    ],
)
def test_bookings_refused_change_nothing(w, who, carrier, code):
    client = api_client(getattr(w, who) if who else None)
    response = client.post(SHIPMENTS, _booking(carrier=getattr(w, carrier).pk), format="json")
    assert response.status_code == code
    assert not Shipment.objects.exists()
    assert not AuditEvent.objects.filter(action="shipment.create").exists()


def test_a_carrier_books_its_own_parcels(w):
    response = api_client(w.carrier_a).post(SHIPMENTS, _booking(carrier=w.a.pk), format="json")
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"waybill_no": "P001"},
            {"waybill_no": ["This carrier already has a parcel with this waybill number."]},
        ),
        ({"waybill_no": "a b"}, {"waybill_no": ["4 to 40 letters, digits or hyphens."]}),
        ({"weight_kg": "0"}, {"weight_kg": ["Ensure this value is greater than or equal to 0.001."]}),
        ({"destination_text": "北京"}, {"destination_text": ["Only upstream parcels leave the county."]}),
        (
            {"transaction_uuid": str(uuid.UUID(int=1))},
            {"transaction_uuid": ["No entry with this UUID in the station's ledger."]},
        ),
        ({"center": "CW-01"}, {"center": ["Not a township delivery center of this county."]}),
        ({"booked_at": "2030-01-01T00:00:00+08:00"}, {"booked_at": ["In the future."]}),
        ({"status": "delivered"}, {"status": ["Unknown or read-only field: it cannot be written here."]}),
    ],
)
def test_bad_bookings_are_400_with_field_errors(w, parcels, fields, errors):
    before = Shipment.objects.count()
    response = api_client(w.contractor).post(SHIPMENTS, _booking(carrier=w.a.pk, **fields), format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == errors
    assert Shipment.objects.count() == before


def test_a_parcel_carries_one_proxy_purchase(w):
    from xiangcun.stations.sync import transactions_sync

    order = str(uuid.uuid4())
    transactions_sync(
        station=w.s1,
        items=[{"uuid": order, "kind": "proxy_purchase", "occurred_at": T0.isoformat(), "amount": "99.00"}],
        actor=w.manager1,
    )
    client = api_client(w.contractor)
    first = client.post(SHIPMENTS, _booking(carrier=w.a.pk, transaction_uuid=order), format="json")
    assert first.status_code == 201, first.json()
    assert first.json()["transaction_uuid"] == order
    second = client.post(
        SHIPMENTS, _booking(carrier=w.a.pk, waybill_no="NEW002", transaction_uuid=order), format="json"
    )
    assert second.json()["errors"] == {"transaction_uuid": ["This order already has its parcel."]}
    upstream = client.post(
        SHIPMENTS,
        _booking(carrier=w.a.pk, waybill_no="NEW003", direction="upstream", transaction_uuid=order),
        format="json",
    )
    assert upstream.json()["errors"] == {
        "transaction_uuid": ["A Upstream (village → county and beyond) parcel carries a Proxy sale (代卖)."]
    }


# --- scans ------------------------------------------------------------------------------------------


def test_a_batch_of_scans(w, parcels):
    items = [
        scan_item(waybill="P001", kind="out", site="CW-01", at=T0 + timedelta(hours=1), device="PDA-1"),
        scan_item(waybill="P001", kind="in", site="TC-01", at=T0 + timedelta(hours=4)),
        scan_item(waybill="P003", kind="out", site="CW-01", at=T0 + timedelta(hours=1)),
    ]
    response = api_client(w.carrier_a).post(SCANS, {"scans": items}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "uuid": items[0]["uuid"],
                "status": "created",
                "errors": {},
                "waybill": "P001",
                "shipment_status": "at_site",
            },
            {
                "uuid": items[1]["uuid"],
                "status": "created",
                "errors": {},
                "waybill": "P001",
                "shipment_status": "at_site",
            },
            {
                "uuid": items[2]["uuid"],
                "status": "rejected",
                "errors": {"waybill": ["No parcel with this waybill number in your scope."]},
                "waybill": "P003",
                "shipment_status": "",
            },
        ]
    }
    assert Scan.objects.get(client_uuid=items[0]["uuid"]).device == "PDA-1"
    replay = api_client(w.carrier_a).post(SCANS, {"scans": items[:2]}, format="json")
    assert [r["status"] for r in replay.json()["results"]] == ["duplicate", "duplicate"]
    assert Scan.objects.count() == 2


@pytest.mark.parametrize(
    "body",
    [{}, {"scans": "x"}, {"scans": []}, [1, 2], {"scans": [{}] * 1001}],
)
def test_not_a_batch_is_400(w, body):
    response = api_client(w.contractor).post(SCANS, body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["scans"]


def test_malformed_json_is_400(w):
    response = api_client(w.contractor).post(SCANS, "{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize("who", ["bureau", "auditor", "trainer"])
def test_scans_by_roles_without_the_capability_are_403_and_change_nothing(w, parcels, who):
    item = scan_item(waybill="P001", kind="out", site="CW-01", at=T0)
    response = api_client(getattr(w, who)).post(SCANS, {"scans": [item]}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Scan.objects.exists()
    assert Shipment.objects.get(pk=parcels["p1"].pk).status == "created"


def test_the_scan_endpoint_tolerates_a_trailing_slash(w, parcels):
    item = scan_item(waybill="P001", kind="out", site="CW-01", at=T0)
    assert api_client(w.contractor).post(f"{SCANS}/", {"scans": [item]}, format="json").status_code == 200


# --- carriers at township centers -------------------------------------------------------------------

PRESENCES = "/api/v1/logistics/presences/"


def test_the_bureau_records_carriers_at_a_township_center(w):
    client = api_client(w.bureau)
    response = client.post(
        PRESENCES, {"carrier": w.a.pk, "facility": "TC-01", "since": "2018-01-01"}, format="json"
    )
    assert response.status_code == 201, response.json()
    row = response.json()
    assert row == {
        "id": row["id"],
        "carrier": w.a.pk,
        "carrier_name": "甲快递",
        "facility": "TC-01",
        "facility_name": "甲镇配送中心",
        "township": w.t1.pk,
        "since": "2018-01-01",
        "until": None,
        "note": "",
    }
    ended = client.post(f"{PRESENCES}{row['id']}/end/", {"until": "2018-06-30"}, format="json")
    assert ended.status_code == 200 and ended.json()["until"] == "2018-06-30"
    bad = client.post(f"{PRESENCES}{row['id']}/end/", {"until": "2017-06-30"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"] == {"until": ["Enter a date not before since."]}
    wrong = client.post(
        PRESENCES, {"carrier": w.b.pk, "facility": "CW-01", "since": "2018-01-01"}, format="json"
    )
    assert wrong.json()["errors"] == {"facility": ["Carriers are integrated at township delivery centers."]}
    assert [r["carrier_name"] for r in api_client(w.township1).get(PRESENCES).json()["results"]] == ["甲快递"]
    assert api_client(w.township2).get(PRESENCES).json()["results"] == []
    assert api_client(w.other_bureau).get(PRESENCES).json()["results"] == []


@pytest.mark.parametrize(
    ("who", "code"), [(None, 401), ("manager1", 403), ("carrier_a", 403), ("other_bureau", 400)]
)
def test_presence_writes_refused_change_nothing(w, who, code):
    from ..models import CarrierPresence

    client = api_client(getattr(w, who) if who else None)
    response = client.post(
        PRESENCES, {"carrier": w.a.pk, "facility": "TC-01", "since": "2018-01-01"}, format="json"
    )
    assert response.status_code == code  # another county's bureau: the carrier is unknown to them (400)
    assert not CarrierPresence.objects.exists()


def test_list_and_page_queries_do_not_grow_with_rows(w, django_assert_max_num_queries):
    for n in range(30):
        p = book(w, f"QC{n:04d}", station=w.s1 if n % 2 else w.s2, carrier=w.a if n % 3 else w.b)
        if n % 5 == 0:
            deliver(w, p, signed=False)
    client = api_client(w.bureau)
    with django_assert_max_num_queries(8):
        assert client.get(SHIPMENTS, {"page_size": 100}).json()["count"] == 30
    with django_assert_max_num_queries(8):
        assert len(client.get(f"{SHIPMENTS}{p.pk}/").json()["legs"]) == 2


PERFORMANCE = "/api/v1/logistics/performance"


def test_performance_figures(w, parcels):
    deliver(w, parcels["p1"])
    client = api_client(w.bureau)
    rows = client.get(PERFORMANCE).json()
    assert rows == [
        {
            "key": w.b.pk,
            "label": "乙邮政",
            "parcels": 2,
            "downstream": 1,
            "upstream": 1,
            "on_time": 0,
            "late": 0,
            "returned": 0,
            "on_time_percent": None,
            "cost_per_parcel": None,
        },
        {
            "key": w.a.pk,
            "label": "甲快递",
            "parcels": 1,
            "downstream": 1,
            "upstream": 0,
            "on_time": 1,
            "late": 0,
            "returned": 0,
            "on_time_percent": "100.0",
            "cost_per_parcel": None,
        },
    ]
    towns = client.get(PERFORMANCE, {"by": "township", "day_to": "2018-05-01"}).json()
    assert [(r["label"], r["parcels"]) for r in towns] == [("甲镇", 1)]
    assert [r["label"] for r in api_client(w.carrier_a).get(PERFORMANCE).json()] == ["甲快递"]
    assert api_client(w.other_bureau).get(PERFORMANCE).json()[0]["label"] == "丙物流"
    assert api_client().get(PERFORMANCE).status_code == 401
    bad = client.get(PERFORMANCE, {"by": "moon", "day_from": "2018-05-03", "day_to": "2018-05-01"})
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["by"]
    order = client.get(PERFORMANCE, {"day_from": "2018-05-03", "day_to": "2018-05-01"})
    assert order.status_code == 400 and list(order.json()["errors"]) == ["day_to"]

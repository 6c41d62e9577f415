"""Recording scans: idempotent, order-independent, per-item results, scoped by site and parcel."""

import uuid
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiangcun.core.errors import PermissionDenied
from xiangcun.core.models import AuditEvent

from ..models import Leg, Scan, Shipment
from ..scanning import scan_item, scans_record
from .world import T0, book, deliver, scan

pytestmark = pytest.mark.django_db


def test_a_parcel_scanned_through_is_signed_for_on_time(w):
    p = book(w, "YT0001")
    deliver(w, p)
    p.refresh_from_db()
    assert p.status == "signed_for"
    assert (p.sent_at, p.due_at) == (T0 + timedelta(hours=2), T0 + timedelta(hours=2, days=7))
    assert p.arrived_at == T0 + timedelta(hours=40)
    assert p.signed_at == T0 + timedelta(hours=41)
    assert (p.current_station_id, p.current_facility_id) == (w.s1.pk, None)
    legs = list(
        Leg.objects.filter(shipment=p).order_by("sequence").values_list("status", "departed_at", "arrived_at")
    )
    assert legs == [
        ("arrived", T0 + timedelta(hours=2), T0 + timedelta(hours=10)),
        ("arrived", T0 + timedelta(hours=30), T0 + timedelta(hours=40)),
    ]
    assert Scan.objects.filter(shipment=p).count() == 5
    assert list(Scan.objects.filter(shipment=p).order_by("at").values_list("leg__sequence", flat=True)) == [
        1,
        1,
        2,
        2,
        2,
    ]


def test_the_same_scan_twice_is_one_scan(w):
    p = book(w, "YT0002")
    item = scan_item(waybill="YT0002", kind="out", site="CW-01", at=T0 + timedelta(hours=1))
    first = scans_record(actor=w.contractor, items=[item, dict(item)])
    assert [r.status for r in first] == ["created", "duplicate"]
    again = scans_record(actor=w.contractor, items=[item])
    assert again[0].as_dict() == {
        "uuid": item["uuid"],
        "status": "duplicate",
        "errors": {},
        "waybill": "YT0002",
        "shipment_status": "in_transit",
    }
    # The same scan from another device (another UUID) is the same scan.
    other = dict(item, uuid=str(uuid.uuid4()), device="PDA-2")
    assert scans_record(actor=w.contractor, items=[other])[0].status == "duplicate"
    assert Scan.objects.filter(shipment=p).count() == 1
    assert AuditEvent.objects.filter(action="shipment.scan", object_id=str(p.pk)).count() == 1


def test_out_of_order_scans_end_in_the_same_state(w):
    p = book(w, "YT0003")
    q = book(w, "YT0004")
    times = [T0 + timedelta(hours=h) for h in (1, 5, 20, 30, 31)]
    plan = [("out", "CW-01"), ("in", "TC-01"), ("out", "TC-01"), ("in", w.s1.code), ("delivered", w.s1.code)]
    for (kind, site), moment in zip(plan, times, strict=True):
        scans_record(actor=w.contractor, items=[scan_item(waybill="YT0003", kind=kind, site=site, at=moment)])
    # The station's "delivered" reaches the server first, the warehouse's "out" last.
    for (kind, site), moment in reversed(list(zip(plan, times, strict=True))):
        scans_record(actor=w.contractor, items=[scan_item(waybill="YT0004", kind=kind, site=site, at=moment)])
    p.refresh_from_db()
    q.refresh_from_db()
    fields = ["status", "sent_at", "due_at", "arrived_at", "current_station_id", "current_since"]
    assert [getattr(q, f) for f in fields] == [getattr(p, f) for f in fields]
    assert p.status == "delivered"
    assert [(leg.status, leg.departed_at, leg.arrived_at) for leg in q.legs.order_by("sequence")] == [
        (leg.status, leg.departed_at, leg.arrived_at) for leg in p.legs.order_by("sequence")
    ]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_order_and_repetition_of_a_batch_gives_the_same_stored_state(w, data):
    Shipment.objects.filter(waybill_no__startswith="HY").delete()
    p = book(w, "HY0001")
    plan = [
        ("out", "CW-01", 1),
        ("in", "TC-01", 5),
        ("out", "TC-01", 20),
        ("in", w.s1.code, 30),
        ("signed_for", w.s1.code, 33),
    ]
    items = [scan_item(waybill="HY0001", kind=k, site=s, at=T0 + timedelta(hours=h)) for k, s, h in plan]
    order = data.draw(st.permutations(items))
    repeats = data.draw(st.lists(st.sampled_from(items), max_size=4))
    size = data.draw(st.integers(min_value=1, max_value=len(items)))
    sent = order + repeats
    for start in range(0, len(sent), size):
        scans_record(actor=w.contractor, items=sent[start : start + size])
    p.refresh_from_db()
    assert Scan.objects.filter(shipment=p).count() == 5
    assert (p.status, p.arrived_at, p.signed_at, p.current_station_id) == (
        "signed_for",
        T0 + timedelta(hours=30),
        T0 + timedelta(hours=33),
        w.s1.pk,
    )


def test_invalid_items_are_rejected_with_field_errors_and_block_nothing(w):
    p = book(w, "YT0005")
    good = scan_item(waybill="YT0005", kind="out", site="CW-01", at=T0 + timedelta(hours=1))
    items = [
        "not an object",
        scan_item(waybill="YT0005", kind="flew", site="CW-01", at=T0),
        scan_item(waybill="NOPE", kind="out", site="CW-01", at=T0),
        scan_item(waybill="YT0005", kind="in", site="CW-01", at=T0),
        scan_item(waybill="YT0005", kind="out", site="ZZ-99", at=T0),
        scan_item(waybill="YT0005", kind="out", site="CW-01", at="yesterday"),
        scan_item(waybill="YT0005", kind="out", site="CW-01", at="2018-05-01T08:00:00"),
        scan_item(waybill="YT0005", kind="out", site="CW-01", at="2099-01-01T00:00:00+08:00"),
        {**scan_item(waybill="YT0005", kind="out", site="CW-01", at=T0), "uuid": "x", "speed": 3},
        good,
    ]
    results = [r.as_dict() for r in scans_record(actor=w.contractor, items=items)]
    assert [r["status"] for r in results] == ["rejected"] * 9 + ["created"]
    assert results[0]["errors"] == {"non_field_errors": ["Each scan must be a JSON object."]}
    assert list(results[1]["errors"]) == ["kind"]
    assert results[2]["errors"] == {"waybill": ["No parcel with this waybill number in your scope."]}
    assert results[3]["errors"] == {
        "site": ["This parcel's route has no “In (arrived at the site)” scan at 县仓储物流中心."]
    }
    assert results[4]["errors"] == {"site": ["No facility or station with code ZZ-99."]}
    assert results[5]["errors"] == {"at": ["Not an ISO 8601 date-time."]}
    assert results[6]["errors"] == {"at": ["Give the UTC offset, e.g. 2018-05-01T09:30:00+08:00."]}
    assert results[7]["errors"] == {"at": ["In the future."]}
    assert results[8]["errors"] == {
        "uuid": ["A UUID (e.g. from crypto.randomUUID()) is required."],
        "speed": ["Unknown field."],
    }
    assert list(Scan.objects.filter(shipment=p).values_list("client_uuid", flat=True)) == [
        uuid.UUID(good["uuid"])
    ]


def test_a_waybill_two_carriers_use_needs_the_carrier(w):
    book(w, "SAME01", carrier=w.a)
    book(w, "SAME01", carrier=w.b)
    item = scan_item(waybill="SAME01", kind="out", site="CW-01", at=T0)
    assert scans_record(actor=w.contractor, items=[item])[0].errors == {
        "carrier": ["Several carriers use this waybill number: say which carrier."]
    }
    assert scans_record(actor=w.contractor, items=[dict(item, carrier=w.b.pk)])[0].status == "created"
    # A carrier's user only sees their own company's parcel: no ambiguity.
    item2 = scan_item(waybill="SAME01", kind="in", site="TC-01", at=T0 + timedelta(hours=3))
    assert scans_record(actor=w.carrier_a, items=[item2])[0].status == "created"
    assert Scan.objects.get(client_uuid=item2["uuid"]).shipment.carrier == w.a


@pytest.mark.parametrize(
    ("who", "site", "status"),
    [
        ("manager1", None, "created"),  # their own station, by default
        ("manager1", "130425100201-01", "created"),
        ("manager2", "130425201201-01", "rejected"),  # not their parcel: unknown waybill
        ("township1", "130425100201-01", "created"),
        ("township2", "130425100201-01", "rejected"),
        ("carrier_a", "130425100201-01", "created"),
        ("carrier_b", "130425100201-01", "rejected"),
        ("carrier_none", "130425100201-01", "rejected"),
        ("contractor", "130425100201-01", "created"),
        ("carrier_c", "130425100201-01", "rejected"),
    ],
)
def test_who_may_scan_a_parcel_arriving_at_station_1(w, who, site, status):
    p = book(w, "YT0006")
    result = scans_record(
        actor=getattr(w, who),
        items=[scan_item(waybill="YT0006", kind="in", site=site, at=T0 + timedelta(hours=9))],
    )[0]
    assert result.status == status
    assert Scan.objects.filter(shipment=p).count() == (1 if status == "created" else 0)


def test_a_station_manager_scans_only_at_their_station(w):
    book(w, "YT0007")
    result = scans_record(
        actor=w.manager1, items=[scan_item(waybill="YT0007", kind="out", site="CW-01", at=T0)]
    )[0]
    assert result.errors == {"site": ["You may not scan at this site."]}
    assert Scan.objects.count() == 0


@pytest.mark.parametrize("who", ["bureau", "auditor", "trainer", "other_bureau"])
def test_roles_without_the_capability_may_not_scan(w, who):
    book(w, "YT0008")
    with pytest.raises(PermissionDenied):
        scans_record(
            actor=getattr(w, who), items=[scan_item(waybill="YT0008", kind="out", site="CW-01", at=T0)]
        )
    assert Scan.objects.count() == 0


def test_upstream_parcels_leave_the_county(w):
    p = book(w, "UP0001", direction="upstream", destination_text="北京市朝阳区", station=w.s2)
    assert [(leg.from_key, leg.to_key, leg.to_text) for leg in p.legs.order_by("sequence")] == [
        (f"S{w.s2.pk}", f"F{w.center.pk}", ""),
        (f"F{w.center.pk}", f"F{w.warehouse.pk}", ""),
        (f"F{w.warehouse.pk}", "X", "北京市朝阳区"),
    ]
    scan(w, p, "out", w.s2, T0 + timedelta(hours=1), actor=w.manager2)
    scan(w, p, "in", w.center, T0 + timedelta(hours=6), actor=w.carrier_a)
    scan(w, p, "in", w.warehouse, T0 + timedelta(hours=20), actor=w.contractor)
    scan(w, p, "out", w.warehouse, T0 + timedelta(hours=21), actor=w.contractor)
    assert scan(w, p, "delivered", None, T0 + timedelta(hours=60), actor=w.carrier_a)["status"] == "created"
    p.refresh_from_db()
    assert (p.status, p.due_at, p.arrived_at) == ("delivered", None, T0 + timedelta(hours=60))


def test_batches_over_1000_are_refused(w):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        scans_record(actor=w.contractor, items=[{}] * 1001)


def test_scans_stored_meanwhile_by_a_concurrent_request_are_duplicates(w, monkeypatch):
    """If another request stores the same scans between our check and our insert, the batch insert fails
    on the unique constraint and each scan is retried on its own: the new ones are created, the others
    answered as duplicates, nothing is stored twice."""
    from .. import scanning

    p = book(w, "RACE01")
    first = scan_item(waybill="RACE01", kind="out", site="CW-01", at=T0 + timedelta(hours=1))
    second = scan_item(waybill="RACE01", kind="in", site="TC-01", at=T0 + timedelta(hours=5))
    scans_record(actor=w.contractor, items=[first])
    monkeypatch.setattr(scanning, "_stored_keys", lambda candidates: (set(), set()))
    results = scans_record(actor=w.contractor, items=[first, second])
    assert [r.status for r in results] == ["duplicate", "created"]
    assert [r.shipment_status for r in results] == ["at_site", "at_site"]
    assert Scan.objects.filter(shipment=p).count() == 2

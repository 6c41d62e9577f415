"""The monthly delivery rollup (`logistics.rollups`): exact values, the month each measure counts in,
and incremental upkeep equal to a rebuild after mixed operations."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ..models import DeliveryMonth
from ..rollups import KEY_FIELDS, delivery_rollup_rebuild
from .world import T0, book, deliver, scan

pytestmark = pytest.mark.django_db

MEASURES = [
    "parcels",
    "weight_g",
    "declared_value",
    "costed",
    "cost_total",
    "returned",
    "on_time",
    "late",
    "delivered",
    "delivered_on_time",
    "slowest_delivery",
]


def rows(county) -> dict:
    return {
        tuple(r[f] for f in KEY_FIELDS): tuple(r[m] for m in MEASURES)
        for r in DeliveryMonth.objects.filter(county=county).values(*KEY_FIELDS, *MEASURES)
    }


def test_booking_makes_a_row(w):
    book(w, "DM0001", cost=Decimal("4.20"), declared_value=Decimal("99.90"), weight_kg=Decimal("1.234"))
    row = DeliveryMonth.objects.get(county=w.county)
    assert (row.month, row.carrier, row.center, row.township, row.direction) == (
        date(2018, 5, 1),
        w.a,
        w.center,
        w.t1,
        "downstream",
    )
    assert (row.parcels, row.weight_g, row.declared_value, row.costed, row.cost_total) == (
        1,
        1234,
        Decimal("99.90"),
        1,
        Decimal("4.20"),
    )
    assert (row.on_time, row.late, row.delivered, row.delivered_on_time) == (0, 0, 0, 0)


def test_exactly_seven_days_is_on_time_and_a_second_later_is_late(w):
    on_time = book(w, "DM0002")
    late = book(w, "DM0003")
    hours = 7 * 24 + 2  # out of the warehouse at +2 h, in at the station 7 days later
    deliver(w, on_time, hours=(2, 10, 30, hours), signed=False)
    deliver(w, late, hours=(2, 10, 30, hours + 1 / 3600), signed=False)
    row = DeliveryMonth.objects.get(county=w.county, month=date(2018, 5, 1))
    assert (row.parcels, row.on_time, row.late, row.delivered, row.delivered_on_time) == (2, 1, 1, 2, 1)
    assert row.slowest_delivery == timedelta(days=7, seconds=1)


def test_months_are_beijing_months_and_arrival_counts_in_its_own_month(w):
    # Booked 31 May 23:30 Beijing (15:30 UTC): May. Reaches the station on 2 June: delivered in June.
    start = T0.replace(day=31, hour=23, minute=30)
    parcel = book(w, "DM0004", booked_at=start)
    deliver(w, parcel, start=start, hours=(1, 10, 20, 40))
    may = DeliveryMonth.objects.get(county=w.county, month=date(2018, 5, 1))
    june = DeliveryMonth.objects.get(county=w.county, month=date(2018, 6, 1))
    assert (may.parcels, may.on_time, may.delivered) == (1, 1, 0)
    assert (june.parcels, june.on_time, june.delivered, june.delivered_on_time) == (0, 0, 1, 1)


def test_an_earlier_scan_moves_the_arrival_back_and_empties_the_old_row(w):
    start = T0.replace(day=31, hour=8)
    parcel = book(w, "DM0005", booked_at=start)
    scan(w, parcel, "out", w.warehouse, start + timedelta(hours=1))
    scan(w, parcel, "signed_for", w.s1, start + timedelta(days=1, hours=2))  # June
    assert DeliveryMonth.objects.get(county=w.county, month=date(2018, 6, 1)).delivered == 1
    scan(w, parcel, "in", w.s1, start + timedelta(hours=12))  # arrived on 31 May after all
    assert not DeliveryMonth.objects.filter(county=w.county, month=date(2018, 6, 1)).exists()
    assert DeliveryMonth.objects.get(county=w.county, month=date(2018, 5, 1)).delivered == 1


def test_incremental_equals_rebuild_after_mixed_operations(w):
    a1 = book(w, "MX0001", cost=Decimal("3.10"))
    a2 = book(w, "MX0002", station=w.s2, carrier=w.b, cost=Decimal("5.00"), booked_at=T0 - timedelta(days=20))
    a3 = book(w, "MX0003", direction="upstream", destination_text="北京市", cost=Decimal("8.00"))
    a4 = book(w, "MX0004", booked_at=T0 - timedelta(days=3))
    a5 = book(w, "MX0005", weight_kg=Decimal("0.333"), declared_value=Decimal("12.34"))
    deliver(w, a1)
    deliver(w, a1)  # duplicates
    # out of order: signed for first, then the rest, late (10 days)
    scan(w, a2, "signed_for", w.s2, T0 + timedelta(days=10))
    scan(w, a2, "out", w.warehouse, T0 - timedelta(days=1))
    scan(w, a2, "in", w.s2, T0 + timedelta(days=9))
    # upstream through to outside the county
    scan(w, a3, "out", w.s1, T0 + timedelta(hours=1))
    scan(w, a3, "in", w.center, T0 + timedelta(hours=5))
    scan(w, a3, "in", w.warehouse, T0 + timedelta(hours=20))
    scan(w, a3, "delivered", None, T0 + timedelta(days=3))
    # returned at the center after leaving the warehouse; another delivered then returned
    scan(w, a4, "out", w.warehouse, T0)
    scan(w, a4, "returned", w.center, T0 + timedelta(days=1))
    deliver(w, a5, signed=False)
    scan(w, a5, "returned", w.s1, T0 + timedelta(days=5))
    incremental = rows(w.county)
    assert len(incremental) >= 4
    other = book(w, "MX0006", station=w.s3, carrier=w.c)  # another county's rows stay
    other_rows = rows(w.other_county)
    delivery_rollup_rebuild(county=w.county)
    assert rows(w.county) == incremental
    assert rows(w.other_county) == other_rows
    assert other.county_id == w.other_county.pk
    # The figures themselves, summed over the county.
    totals = [sum(v[i] for v in incremental.values()) for i in range(len(MEASURES) - 1)]
    named = dict(zip(MEASURES, totals, strict=False))
    assert named["parcels"] == 5
    assert named["costed"] == 3 and named["cost_total"] == Decimal("16.10")
    assert named["returned"] == 2
    assert (named["on_time"], named["late"]) == (1, 1)  # a1 on time, a2 late; a4 and a5 returned
    assert named["delivered"] == 4  # a1, a2, a3 (upstream, reached Beijing), a5 (before its return)
    assert named["delivered_on_time"] == 2  # a1 and a5


def test_rebuild_is_one_aggregate_query(w):
    for i in range(5):
        deliver(w, book(w, f"RB000{i}", booked_at=T0 + timedelta(days=10 * i)))
    before = rows(w.county)
    DeliveryMonth.objects.all().delete()
    with CaptureQueriesContext(connection) as ctx:
        written = delivery_rollup_rebuild(county=w.county)
    reads = [q for q in ctx.captured_queries if 'FROM "logistics_shipment"' in q["sql"]]
    assert len(reads) == 1
    assert written == len(before) and rows(w.county) == before


def test_a_batch_recomputes_each_key_once(w):
    from ..scanning import scan_item, scans_record

    parcels = [book(w, f"BT{i:04d}") for i in range(20)]
    items = [
        scan_item(waybill=p.waybill_no, kind="out", site=w.warehouse.code, at=T0 + timedelta(hours=1))
        for p in parcels
    ]
    with CaptureQueriesContext(connection) as ctx:
        scans_record(actor=w.superuser, items=items)
    rollup_reads = [
        q for q in ctx.captured_queries if "logistics_shipment" in q["sql"] and "COUNT(" in q["sql"]
    ]
    assert len(rollup_reads) == 2  # one key: its waybill-month and arrival-month aggregates


def _live(user, group, label, now, start=None, end=None):
    from .. import selectors

    qs = selectors._in_period(selectors.shipment_list(user=user), start, end)
    return selectors._performance(qs, group, label, now=now)


def test_performance_from_the_rollup_equals_the_live_figures(w):
    from .. import selectors
    from ..rollups import month_bounds

    a1 = book(w, "PF0001", cost=Decimal("3.00"))
    a2 = book(w, "PF0002", station=w.s2, carrier=w.b, cost=Decimal("4.50"))
    book(w, "PF0003", booked_at=T0 - timedelta(days=40))  # overdue now, never scanned further
    a4 = book(w, "PF0004")
    book(w, "PF0005", direction="upstream", station=w.s2)
    deliver(w, a1)
    deliver(w, a2, hours=(1, 2, 3, 24 * 9))  # late
    scan(w, a4, "out", w.warehouse, T0 + timedelta(hours=1))  # due 8 May, still open
    scan(w, book(w, "PF0006", booked_at=T0 + timedelta(days=1)), "out", w.warehouse, T0 + timedelta(days=2))
    now = T0 + timedelta(days=8, hours=5)  # PF0004 overdue, PF0006 not yet
    may = month_bounds(date(2018, 5, 1))
    periods = [(None, None), may, (may[0], None), (None, may[1])]
    users = [
        w.superuser,
        w.bureau,
        w.township1,
        w.township2,
        w.carrier_a,
        w.carrier_b,
        w.carrier_none,
        w.auditor,
    ]
    for user in users:
        for start, end in periods:
            assert selectors.rollup_answers(user=user, start=start, end=end)
            got = selectors.carrier_performance(user=user, now=now, start=start, end=end)
            assert got == _live(user, "carrier_id", "carrier__name", now, start, end), (user, start)
            got = selectors.township_performance(user=user, now=now, start=start, end=end)
            assert got == _live(user, "station__township_id", "station__township__name", now, start, end)
    figures = {p.label: p for p in selectors.carrier_performance(user=w.bureau, now=now)}
    assert (figures[w.a.name].on_time, figures[w.a.name].late, figures[w.a.name].parcels) == (
        1,
        1,
        5,
    )  # PF0003 never left: no due time
    assert (figures[w.b.name].late, figures[w.b.name].cost_per_parcel) == (1, Decimal("4.50"))
    # A day that is not a month's first, or a station's manager: from the shipments.
    assert not selectors.rollup_answers(user=w.bureau, start=may[0] + timedelta(days=1), end=None)
    assert not selectors.rollup_answers(user=w.manager1, start=None, end=None)
    got = selectors.carrier_performance(user=w.manager1, now=now)
    assert got == _live(w.manager1, "carrier_id", "carrier__name", now)

"""A full batch: 1,000 scans of 250 parcels in one request, stored once, replayed as duplicates."""

import time
from datetime import timedelta

import pytest

from ..models import Scan, Shipment
from ..scanning import scan_item, scans_record
from .world import T0, book

pytestmark = pytest.mark.django_db


def test_a_batch_of_1000_scans(w):
    for n in range(250):
        book(w, f"BT{n:04d}", station=w.s1 if n % 2 else w.s2)
    items = []
    for n in range(250):
        station = "130425100201-01" if n % 2 else "130425201201-01"
        for hours, kind, site in (
            (1, "out", "CW-01"),
            (5, "in", "TC-01"),
            (9, "out", "TC-01"),
            (20, "in", station),
        ):
            items.append(
                scan_item(waybill=f"BT{n:04d}", kind=kind, site=site, at=T0 + timedelta(hours=hours))
            )
    started = time.perf_counter()
    results = scans_record(actor=w.contractor, items=items)
    first = time.perf_counter() - started
    assert {r.status for r in results} == {"created"}
    assert Scan.objects.count() == 1000
    assert set(Shipment.objects.values_list("status", flat=True)) == {"at_site"}
    started = time.perf_counter()
    replay = scans_record(actor=w.contractor, items=items[::-1])
    second = time.perf_counter() - started
    assert {r.status for r in replay} == {"duplicate"}
    assert Scan.objects.count() == 1000
    print(f"\n1000 scans: {first:.2f} s; replayed: {second:.2f} s")

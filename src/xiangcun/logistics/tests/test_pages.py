"""The logistics pages: the delivery ledger and its Excel export, the aging list, the scan page."""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xiangcun.core.models import AuditEvent

from ..models import Scan
from .world import T0, book, deliver, scan

pytestmark = pytest.mark.django_db
LEDGER, EXPORT, AGING, SCAN = "/logistics/", "/logistics/export.xlsx", "/logistics/aging/", "/logistics/scan/"


def browser(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def rows(response) -> list[str]:
    return re.findall(r'data-row="([^"]+)"', response.content.decode())


@pytest.fixture
def parcels(w):
    on_time = book(w, "LG0001", cost=Decimal("5.50"))
    deliver(w, on_time)
    late = book(w, "LG0002", station=w.s2, carrier=w.b, booked_at=T0 + timedelta(days=1))
    scan(w, late, "out", w.warehouse, T0 + timedelta(days=1, hours=1))
    up = book(w, "LG0003", direction="upstream", destination_text="北京市", booked_at=T0 + timedelta(days=2))
    other = book(w, "LG0009", station=w.s3, carrier=w.c)
    return {"on_time": on_time, "late": late, "up": up, "other": other}


def test_url_names():
    assert [reverse(f"logistics:{n}") for n in ("ledger", "ledger_export", "aging", "scan")] == [
        LEDGER,
        EXPORT,
        AGING,
        SCAN,
    ]


def test_pages_need_a_sign_in(w):
    for url in (LEDGER, EXPORT, AGING, SCAN):
        response = browser().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("bureau", ["LG0003", "LG0002", "LG0001"]),
        ("manager1", ["LG0003", "LG0001"]),
        ("manager2", ["LG0002"]),
        ("carrier_b", ["LG0002"]),
        ("other_bureau", ["LG0009"]),
    ],
)
def test_the_ledger_is_scoped(w, parcels, who, visible):
    response = browser(getattr(w, who)).get(LEDGER)
    assert response.status_code == 200
    assert rows(response) == visible


@pytest.mark.parametrize(
    ("query", "visible"),
    [
        ({"day": "2018-05-02"}, ["LG0002"]),
        ({"day_from": "2018-05-02"}, ["LG0003", "LG0002"]),
        ({"direction": "upstream"}, ["LG0003"]),
        ({"station": "STATION2"}, ["LG0002"]),
        ({"carrier": "A"}, ["LG0003", "LG0001"]),
        ({"center": "TC"}, ["LG0003", "LG0002", "LG0001"]),
        ({"status": "signed_for"}, ["LG0001"]),
        ({"waybill": "LG0002"}, ["LG0002"]),
    ],
)
def test_ledger_filters(w, parcels, query, visible):
    ids = {"STATION2": w.s2.pk, "A": w.a.pk, "TC": w.center.pk}
    query = {k: ids.get(v, v) for k, v in query.items()}
    assert rows(browser(w.bureau).get(LEDGER, query)) == visible


def test_bad_or_out_of_scope_filters_are_400_and_list_nothing(w, parcels):
    for query in ({"day": "soon"}, {"station": w.s3.pk}, {"day_from": "2018-05-03", "day_to": "2018-05-01"}):
        response = browser(w.bureau).get(LEDGER, query)
        assert response.status_code == 400
        assert rows(response) == []


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(BytesIO(response.content))
    return book.active


def test_the_excel_export_has_every_filtered_parcel(w, parcels):
    sheet = _sheet(browser(w.bureau).get(EXPORT, {"carrier": w.a.pk}))
    assert sheet["A1"].value.startswith("Delivery ledger 甲快递 · exported ")
    header = [c.value for c in sheet[2]]
    assert header[:6] == [
        "Waybill number",
        "Waybill made at",
        "Carrier",
        "Direction",
        "Station code",
        "Station",
    ]
    data = [list(r) for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert [r[0] for r in data] == ["LG0001", "LG0003"]
    first = dict(zip(header, data[0], strict=True))
    assert first == {
        "Waybill number": "LG0001",
        "Waybill made at": datetime(2018, 5, 1, 8, 0),
        "Carrier": "甲快递",
        "Direction": "Downstream (county → village)",
        "Station code": "130425100201-01",
        "Station": "甲1村服务站",
        "Township": "甲镇",
        "Township delivery center": "甲镇配送中心",
        "Destination outside the county": None,
        "Weight (kg)": 1.5,
        "Declared value (yuan)": 0,
        "Delivery cost (yuan)": 5.5,
        "Cold chain": "No",
        "Status": "Signed for",
        "Left its origin at": datetime(2018, 5, 1, 10, 0),
        "Due by (7 days)": datetime(2018, 5, 8, 10, 0),
        "Reached its destination at": datetime(2018, 5, 3, 0, 0),
        "Signed for at": datetime(2018, 5, 3, 1, 0),
        "Within 7 days": "Yes",
        "Order UUID": None,
    }
    assert sheet["A3"].data_type == "s"
    assert dict(zip(header, data[1], strict=True))["Destination outside the county"] == "北京市"


def test_the_export_is_scoped_and_late_parcels_say_so(w, parcels):
    sheet = _sheet(browser(w.manager2).get(EXPORT))
    data = [list(r) for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert [(r[0], r[18]) for r in data] == [("LG0002", "No")]  # due 2018-05-09, not there
    assert browser(w.bureau).get(EXPORT, {"day": "x"}).status_code == 400


def test_the_aging_list(w, parcels):
    response = browser(w.bureau).get(AGING)
    assert rows(response) == ["LG0002", "LG0003"]
    html = response.content.decode()
    assert 'data-row="LG0002" class="differs" data-overdue="true"' in html
    assert "1 parcel is past its 7-day limit." in html
    assert rows(browser(w.bureau).get(AGING, {"overdue": "on"})) == ["LG0002"]
    assert rows(browser(w.bureau).get(AGING, {"carrier": w.a.pk})) == ["LG0003"]
    assert rows(browser(w.manager2).get(AGING)) == ["LG0002"]
    assert rows(browser(w.other_bureau).get(AGING)) == ["LG0009"]


def test_the_scan_page_is_for_those_who_scan(w):
    assert browser(w.bureau).get(SCAN).status_code == 403
    assert browser(w.auditor).post(SCAN, {"kind": "in"}).status_code == 403
    response = browser(w.manager1).get(SCAN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="130425100201-01"' in html and "CW-01" not in html
    assert "CW-01" in browser(w.contractor).get(SCAN).content.decode()


def _post(user, **fields):
    html = browser(user).get(SCAN).content.decode()
    batch = re.search(r'name="batch" value="([^"]+)"', html).group(1)
    data = {"kind": "in", "site": "", "device": "", "waybill": "", "waybills": "", "at": "", "batch": batch}
    data.update(fields)
    client = browser(user)
    return client, data, client.post(SCAN, data)


def test_a_barcode_scan_and_a_pasted_list(w, parcels):
    client, data, response = _post(w.contractor, kind="in", site="TC-01", waybill="LG0002", device="PDA-1")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-waybill="LG0002" data-result="created"' in html
    scan_row = Scan.objects.get(shipment=parcels["late"], kind="in")
    assert (scan_row.facility_id, scan_row.device, scan_row.actor) == (w.center.pk, "PDA-1", w.contractor)
    assert abs((scan_row.at - timezone.now()).total_seconds()) < 60
    # A reload re-sends the same form: nothing is recorded twice.
    again = client.post(SCAN, data)
    assert 'data-waybill="LG0002" data-result="duplicate"' in again.content.decode()
    assert Scan.objects.filter(shipment=parcels["late"], kind="in").count() == 1
    _c, _d, pasted = _post(
        w.contractor, kind="out", site="CW-01", waybills="LG0003\nNOPE99\n\n", at="2018-05-03T09:00"
    )
    html = pasted.content.decode()
    # The upstream parcel leaves the county from CW-01 (its earlier scans were missed: it moves on).
    assert 'data-waybill="LG0003" data-result="created"' in html
    assert 'data-waybill="NOPE99" data-result="rejected"' in html
    assert "No parcel with this waybill number in your scope." in html


def test_a_station_manager_scans_arrivals_at_their_station(w, parcels):
    _c, _d, response = _post(
        w.manager2, kind="in", site="130425201201-01", waybill="LG0002", at="2018-05-03T10:00"
    )
    assert 'data-result="created"' in response.content.decode()
    parcels["late"].refresh_from_db()
    assert parcels["late"].status == "at_site"
    assert AuditEvent.objects.filter(action="shipment.scan", object_id=str(parcels["late"].pk)).exists()


def test_an_empty_scan_is_400(w):
    _c, _d, response = _post(w.contractor, kind="in", site="TC-01")
    assert response.status_code == 400
    assert "Scan or type a waybill number." in response.content.decode()
    assert not Scan.objects.exists()


PERFORMANCE = "/logistics/performance/"


def test_the_performance_page(w, parcels):
    from datetime import date

    from .. import services

    services.carrier_update(actor=w.bureau, carrier=w.b, funded=True, funded_route="县城—甲镇")
    services.presence_record(actor=w.bureau, carrier=w.a, facility=w.center, since=date(2018, 1, 1))
    response = browser(w.bureau).get(PERFORMANCE)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<li data-route="县城—甲镇">县城—甲镇: 乙邮政, 甲快递</li>' in html
    assert 'data-carriers="1"' in html and 'data-percent="50.0"' in html
    per_carrier = html[html.index('id="per-carrier"') : html.index('id="per-township"')]
    assert re.findall(r'data-row="([^"]+)"', per_carrier) == ["乙邮政", "甲快递"]
    # 甲快递: LG0001 on time, LG0003 upstream; 乙邮政: LG0002 overdue.
    a_row = re.search(r'<tr data-row="甲快递">(.*?)</tr>', per_carrier, re.S).group(1)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", a_row)
    assert cells == ["甲快递", "2", "1", "1", "1", "0", "100.0", "0", "5.50"]
    window = (
        browser(w.bureau)
        .get(PERFORMANCE, {"day_from": "2018-05-02", "day_to": "2018-05-02"})
        .content.decode()
    )
    assert re.findall(r'data-row="([^"]+)"', window[window.index('id="per-carrier"') :]) == ["乙邮政", "乙乡"]
    assert browser(w.bureau).get(PERFORMANCE, {"day_from": "x"}).status_code == 400
    mine = browser(w.manager1).get(PERFORMANCE).content.decode()
    assert re.findall(r'data-row="([^"]+)"', mine[mine.index('id="per-carrier"') :]) == ["甲快递", "甲镇"]


CARRIERS = "/logistics/carriers/"


def test_the_carriers_page_flags_a_second_funded_carrier(w):
    from .. import services

    services.carrier_update(actor=w.bureau, carrier=w.b, funded=True, funded_route="县城—甲镇")
    response = browser(w.manager1).get(CARRIERS)
    assert response.status_code == 200
    assert rows(response) == ["乙邮政", "甲快递"]
    assert response.content.decode().count('data-conflict="true"') == 2
    assert "Record a carrier at a township center" not in response.content.decode()
    assert browser(w.manager1).post(CARRIERS, {}).status_code == 403
    assert rows(browser(w.other_bureau).get(CARRIERS)) == ["丙物流"]


def test_the_bureau_registers_and_edits_carriers_and_presence(w):
    from ..models import Carrier, CarrierPresence

    client = browser(w.bureau)
    response = client.post(f"{CARRIERS}new/", {"name": "丁快运", "kind": "express", "is_active": "on"})
    assert response.status_code == 302
    carrier = Carrier.objects.get(name="丁快运")
    assert (carrier.county, carrier.funded, carrier.is_active) == (w.county, False, True)
    bad = client.post(f"{CARRIERS}{carrier.pk}/edit/", {"name": "丁快运", "kind": "express", "funded": "on"})
    assert bad.status_code == 400
    assert "Say which logistics route the funds support." in bad.content.decode()
    ok = client.post(
        f"{CARRIERS}{carrier.pk}/edit/",
        {"name": "丁快运", "kind": "express", "funded": "on", "funded_route": "县城—乙乡", "is_active": "on"},
    )
    assert ok.status_code == 302
    carrier.refresh_from_db()
    assert (carrier.funded, carrier.funded_route) == (True, "县城—乙乡")
    added = client.post(CARRIERS, {"carrier": carrier.pk, "facility": w.center.pk, "since": "2018-01-01"})
    assert added.status_code == 302
    assert CarrierPresence.objects.filter(carrier=carrier, facility=w.center).count() == 1
    twice = client.post(CARRIERS, {"carrier": carrier.pk, "facility": w.center.pk, "since": "2018-02-01"})
    assert twice.status_code == 400
    assert CarrierPresence.objects.count() == 1
    assert browser(w.other_bureau).get(f"{CARRIERS}{carrier.pk}/edit/").status_code == 404
    assert browser(w.manager1).get(f"{CARRIERS}new/").status_code == 403


def test_the_parcel_page_shows_legs_and_scans(w, parcels):
    url = f"/logistics/parcels/{parcels['on_time'].pk}/"
    html = browser(w.manager1).get(url).content.decode()
    assert re.findall(r'data-leg="(\d)"', html) == ["1", "2"]
    assert re.findall(r'data-scan="([a-z_]+)"', html) == ["out", "in", "out", "in", "signed_for"]
    assert "Signed for" in html
    assert browser(w.manager2).get(url).status_code == 404
    assert browser(w.other_bureau).get(url).status_code == 404
    assert f'href="{url}"' in browser(w.bureau).get(LEDGER).content.decode()

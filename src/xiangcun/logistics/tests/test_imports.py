"""Excel imports of parcels, tariffs and price benchmarks (pages and API), the prices page and its export."""

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from xiangcun.core.excel import ExcelError, ImportInvalid
from xiangcun.core.models import AuditEvent
from xiangcun.core.testing import api_client

from .. import imports
from ..models import Leg, PriceBenchmark, Shipment, Tariff
from .world import BEIJING, book

pytestmark = pytest.mark.django_db
SHIPMENT_HEADERS = ["运单号", "快递物流企业", "方向", "服务站代码", "重量（kg）", "运单生成时间", "冷链"]


def workbook(headers, *rows, title="某县 物流台账") -> SimpleUploadedFile:
    book_ = openpyxl.Workbook()
    sheet = book_.active
    if title:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append(list(row))
    out = BytesIO()
    book_.save(out)
    return SimpleUploadedFile("upload.xlsx", out.getvalue())


def shipments_file(w, *rows):
    return workbook(SHIPMENT_HEADERS, *rows)


def test_parcels_import_books_each_row_with_its_legs(w):
    upload = shipments_file(
        w,
        ["SF1001", "甲快递", "下行", w.s1.code, 1.2, datetime(2018, 5, 2, 9, 30), "否"],
        ["SF1002", "乙邮政", "上行", w.s2.code, "3", "2018-05-02 10:00", "是"],
    )
    assert (
        imports.import_table(actor=w.contractor, county=w.county, table=imports.SHIPMENTS, upload=upload) == 2
    )
    first = Shipment.objects.get(waybill_no="SF1001")
    assert (first.carrier, first.direction, first.station, first.weight_kg) == (
        w.a,
        "downstream",
        w.s1,
        Decimal("1.2"),
    )
    assert first.booked_at == datetime(2018, 5, 2, 9, 30, tzinfo=BEIJING)
    assert first.center == w.center and not first.cold_chain
    second = Shipment.objects.get(waybill_no="SF1002")
    assert (second.carrier, second.direction, second.cold_chain, second.weight_kg) == (
        w.b,
        "upstream",
        True,
        Decimal(3),
    )
    assert Leg.objects.filter(shipment=first).count() == 2
    assert AuditEvent.objects.filter(action="shipment.create").count() == 2


def test_english_headers_and_the_machine_keys_are_recognised(w):
    upload = workbook(
        ["waybill_no", "Carrier", "Direction", "Station code", "Weight (kg)"],
        ["YT-77", "甲快递", "downstream", w.s1.code, 2],
    )
    assert (
        imports.import_table(actor=w.contractor, county=w.county, table=imports.SHIPMENTS, upload=upload) == 1
    )


def test_one_bad_row_imports_nothing_and_every_error_is_listed(w):
    book(w, "TAKEN1")
    upload = shipments_file(
        w,
        ["SF2001", "甲快递", "下行", w.s1.code, 1, "", ""],  # fine on its own
        ["SF2002", "没有这家", "下行", w.s1.code, 1, "", ""],  # unknown carrier
        ["SF2003", "甲快递", "横行", "NO-SUCH", "heavy", "yesterday", "maybe"],  # five bad cells
        ["TAKEN1", "甲快递", "下行", w.s1.code, 1, "", ""],  # the service refuses a duplicate
    )
    with pytest.raises(ImportInvalid) as caught:
        imports.import_table(actor=w.contractor, county=w.county, table=imports.SHIPMENTS, upload=upload)
    errors = caught.value.rows
    assert {(e["row"], e["column"]) for e in errors} == {
        (4, "快递物流企业"),
        (5, "方向"),
        (5, "服务站代码"),
        (5, "重量（kg）"),
        (5, "运单生成时间"),
        (5, "冷链"),
    }
    # Cell errors stop the import before any service runs; the duplicate is found once they are fixed.
    upload = shipments_file(
        w,
        ["SF2001", "甲快递", "下行", w.s1.code, 1, "", ""],
        ["TAKEN1", "甲快递", "下行", w.s1.code, 1, "", ""],
    )
    with pytest.raises(ImportInvalid) as caught:
        imports.import_table(actor=w.contractor, county=w.county, table=imports.SHIPMENTS, upload=upload)
    assert [(e["row"], e["column"]) for e in caught.value.rows] == [(4, "运单号")]
    assert not Shipment.objects.filter(waybill_no="SF2001").exists()


def test_a_file_without_the_required_columns_is_refused(w):
    with pytest.raises(ExcelError) as caught:
        imports.import_table(
            actor=w.contractor,
            county=w.county,
            table=imports.SHIPMENTS,
            upload=workbook(["运单号", "方向"], ["X1234", "下行"]),
        )
    assert caught.value.code == "missing_columns"
    with pytest.raises(ExcelError) as caught:
        imports.import_table(
            actor=w.contractor,
            county=w.county,
            table=imports.SHIPMENTS,
            upload=SimpleUploadedFile("x.xlsx", b"not a workbook"),
        )
    assert caught.value.code == "not_xlsx"


def test_stations_outside_the_users_scope_are_row_errors(w):
    upload = shipments_file(w, ["SF3001", "甲快递", "下行", w.s2.code, 1, "", ""])
    with pytest.raises(ImportInvalid) as caught:
        imports.import_table(actor=w.manager1, county=w.county, table=imports.SHIPMENTS, upload=upload)
    assert caught.value.rows[0]["column"] == "服务站代码"


def test_the_ledger_export_reads_back(w):
    parcel = book(w, "ROUND1", declared_value=Decimal("35.50"))
    export = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    export.force_login(w.contractor)
    content = export.get("/logistics/export.xlsx").content
    parcel.legs.all().delete()
    parcel.delete()
    count = imports.import_table(
        actor=w.contractor,
        county=w.county,
        table=imports.SHIPMENTS,
        upload=SimpleUploadedFile("ledger.xlsx", content),
    )
    again = Shipment.objects.get(waybill_no="ROUND1")
    assert count == 1
    assert (again.station, again.carrier, again.declared_value, again.weight_kg) == (
        w.s1,
        w.a,
        Decimal("35.50"),
        Decimal("1.5"),
    )


def test_tariffs_and_benchmarks_import(w):
    tariffs = workbook(
        ["快递物流企业", "方向", "首重（kg）", "首重价格（元）", "续重单价（元/kg）", "生效日期"],
        ["甲快递", "上行", 1, 8, 2.5, date(2018, 1, 1)],
        ["乙邮政", "上行", "", "7.50", "2", "2018-03-01"],
    )
    assert imports.import_table(actor=w.bureau, county=w.county, table=imports.TARIFFS, upload=tariffs) == 2
    row = Tariff.objects.get(carrier=w.b)
    assert (row.first_weight_kg, row.first_price, row.extra_price_per_kg, row.valid_from) == (
        Decimal(1),
        Decimal("7.50"),
        Decimal("2.00"),
        date(2018, 3, 1),
    )
    benchmarks = workbook(
        ["Platform and area", "Weight (kg)", "Price (yuan)", "Observed on"],
        ["淘宝 河北省内", 1, 8, "2018-06-30"],
    )
    assert (
        imports.import_table(actor=w.bureau, county=w.county, table=imports.BENCHMARKS, upload=benchmarks)
        == 1
    )
    assert PriceBenchmark.objects.get().price == Decimal("8.00")


def test_only_who_may_record_imports(w):
    upload = workbook(
        ["Platform and area", "Weight (kg)", "Price (yuan)", "Observed on"], ["x", 1, 8, "2018-06-30"]
    )
    from xiangcun.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        imports.import_table(actor=w.auditor, county=w.county, table=imports.BENCHMARKS, upload=upload)
    with pytest.raises(PermissionDenied):
        imports.import_table(actor=w.bureau, county=w.other_county, table=imports.BENCHMARKS, upload=upload)


def test_import_page_lists_errors_and_then_imports(w):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(w.contractor)
    page = client.get("/logistics/import/shipments/")
    assert page.status_code == 200 and "Waybill number" in page.content.decode()
    bad = shipments_file(w, ["SF4001", "甲快递", "下行", w.s1.code, -1, "", ""])
    response = client.post("/logistics/import/shipments/", {"file": bad})
    assert response.status_code == 400
    assert "1 error in the file; nothing was imported." in response.content.decode()
    good = shipments_file(w, ["SF4001", "甲快递", "下行", w.s1.code, 1, "", ""])
    response = client.post("/logistics/import/shipments/", {"file": good})
    assert response.status_code == 302 and response.url == "/logistics/"
    assert Shipment.objects.filter(waybill_no="SF4001").exists()
    assert client.get("/logistics/import/nothing/").status_code == 404
    template = client.get("/logistics/import/tariffs/template.xlsx")
    sheet = openpyxl.load_workbook(BytesIO(template.content)).active
    assert [c.value for c in sheet[2]][:2] == ["Carrier", "Direction"]
    auditor = Client()
    auditor.force_login(w.auditor)
    assert auditor.get("/logistics/import/shipments/").status_code == 403


def test_import_api(w):
    client = api_client(w.contractor)
    good = shipments_file(w, ["SF5001", "甲快递", "下行", w.s1.code, 1, "", ""])
    response = client.post("/api/v1/logistics/import/shipments", {"file": good}, format="multipart")
    assert response.status_code == 200 and response.json() == {"imported": 1}
    bad = shipments_file(w, ["SF5002", "甲快递", "下行", w.s1.code, 0, "", ""])
    response = client.post("/api/v1/logistics/import/shipments", {"file": bad}, format="multipart")
    body = response.json()
    assert response.status_code == 400 and body["code"] == "import_invalid"
    assert body["errors"]["rows"][0]["row"] == 3
    response = client.post("/api/v1/logistics/import/shipments", {}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["errors"]
    again = shipments_file(w, ["SF5003", "甲快递", "下行", w.s1.code, 1, "", ""])
    assert (
        client.post("/api/v1/logistics/import/other", {"file": again}, format="multipart").status_code == 404
    )
    again = shipments_file(w, ["SF5003", "甲快递", "下行", w.s1.code, 1, "", ""])
    refused = api_client(w.auditor).post(
        "/api/v1/logistics/import/shipments", {"file": again}, format="multipart"
    )
    assert refused.status_code == 403


def test_prices_page_records_lists_and_exports(w):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(w.bureau)
    response = client.post(
        "/logistics/prices/",
        {
            "form": "tariff",
            "tariff-carrier": w.a.pk,
            "tariff-direction": "upstream",
            "tariff-first_weight_kg": "1",
            "tariff-first_price": "8",
            "tariff-extra_price_per_kg": "2.5",
            "tariff-valid_from": "2018-01-01",
        },
    )
    assert response.status_code == 302
    response = client.post(
        "/logistics/prices/",
        {
            "form": "benchmark",
            "benchmark-source": "淘宝 河北省内",
            "benchmark-weight_kg": "1",
            "benchmark-price": "9",
        },
    )
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    response = client.post(
        "/logistics/prices/",
        {
            "form": "benchmark",
            "benchmark-source": "淘宝 河北省内",
            "benchmark-weight_kg": "1",
            "benchmark-price": "9",
            "benchmark-observed_on": "2018-06-30",
        },
    )
    assert response.status_code == 302
    page = client.get("/logistics/prices/").content.decode()
    assert 'data-tariff="甲快递 upstream 2018-01-01"' in page
    assert 'data-benchmark="淘宝 河北省内 1 2018-06-30"' in page
    assert 'data-price="淘宝 河北省内 1.000"' in page  # the comparison row
    export = client.get("/logistics/prices/export.xlsx?table=tariffs")
    sheet = openpyxl.load_workbook(BytesIO(export.content)).active
    assert [c.value for c in sheet[3]][:6] == [
        "甲快递",
        "Upstream (village → county and beyond)",
        1,
        8,
        2.5,
        "2018-01-01",
    ]
    # The export reads back: the same rows again are duplicates, refused row by row.
    with pytest.raises(ImportInvalid) as caught:
        imports.import_table(
            actor=w.bureau,
            county=w.county,
            table=imports.TARIFFS,
            upload=SimpleUploadedFile("t.xlsx", export.content),
        )
    assert caught.value.rows[0]["column"] == "Valid from"  # the header as in the file
    assert client.get("/logistics/prices/export.xlsx?table=nope").status_code == 400
    auditor = Client()
    auditor.force_login(w.auditor)
    assert auditor.get("/logistics/prices/").status_code == 200
    assert auditor.post("/logistics/prices/", {"form": "tariff"}).status_code == 403

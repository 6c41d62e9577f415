"""Excel exports: the monthly station table (rollups) and a station's ledger; cells, scope, language."""

from datetime import datetime
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.test import Client

from xiangcun.core.testing import api_client, make_user

from .test_selectors import operations  # noqa: F401 - fixture

TABLE_API = "/api/v1/reports/stations/export"
TABLE_PAGE = "/reports/stations/export/"


def ledger_api(code):
    return f"/api/v1/reports/stations/{code}/ledger/export"


def ledger_page(code):
    return f"/reports/stations/{code}/ledger/export/"


def sheet_of(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(BytesIO(response.content))
    return book, book.active


def rows(sheet):
    return [list(r) for r in sheet.iter_rows(min_row=3, values_only=True)]


def headers(sheet):
    return [c.value for c in sheet[2]]


@pytest.mark.django_db
def test_station_table(county, bureau, operations):  # noqa: F811
    a, b, c = operations
    book, sheet = sheet_of(api_client(bureau).get(TABLE_API, {"year": 2018}))
    head = headers(sheet)
    assert head[:6] == ["Station code", "Station", "Township code", "Township", "Month", "Operating"]
    assert head[6:8] == ["Proxy purchase (代购): entries", "Proxy purchase (代购): amount (yuan)"]
    assert head[-3:] == ["≥ 50 proxy-purchase orders", "≥ 2,000 yuan of proxy purchases", "Online ≥ 95%"]
    data = rows(sheet)
    # A and C 12 months each, B 6: by township, station, month.
    assert len(data) == 30
    col = {h: i for i, h in enumerate(head)}
    by_key = {(r[col["Station"]], r[col["Month"]]): r for r in data}
    a_march = by_key[("A站", "2018-03")]
    assert a_march[col["Station code"]] == a.code
    assert a_march[col["Proxy purchase (代购): entries"]] == 50
    assert a_march[col["Proxy purchase (代购): amount (yuan)"]] == 2000
    assert a_march[col["Online rate (%)"]] == 100
    assert a_march[col["Opening hours"]] == 310  # 31 days × 10 h
    assert a_march[col["≥ 50 proxy-purchase orders"]] == "Yes"
    c_march = by_key[("C站", "2018-03")]
    assert c_march[col["Bill payment (代收代缴): entries"]] == 3
    assert c_march[col["Bill payment (代收代缴): amount (yuan)"]] == 240
    assert c_march[col["All services: entries"]] == 63
    assert c_march[col["All services: amount (yuan)"]] == 3240
    assert c_march[col["Online rate (%)"]] == 80
    assert c_march[col["Online ≥ 95%"]] == "No"
    assert ("B站", "2018-06") not in by_key
    # Codes are text cells (their digits kept), amounts numbers.
    code_cell = sheet.cell(3, col["Station code"] + 1)
    assert code_cell.data_type == "s" and code_cell.number_format == "@"
    assert sheet.cell(3, col["Township code"] + 1).value.isdigit()
    assert "大名县" in sheet.cell(1, 1).value
    props = {p.name: p.value for p in book.custom_doc_props}
    assert props["xiangcun.county"] == "130425" and props["xiangcun.period"] == "2018"


@pytest.mark.django_db
def test_station_table_in_chinese_and_from_the_page(county, bureau, operations):  # noqa: F811
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(bureau)
    _book, sheet = sheet_of(client.get(TABLE_PAGE, {"year": 2018}))
    # Headers follow the language (the lead translates the new ones; the kinds are translated already).
    head = headers(sheet)
    assert len(head) == 6 + 12 + 8
    assert any("代购" in h for h in head)
    assert head[0] != "Station code" or head[3] != "Township"  # at least one header differs in Chinese


@pytest.mark.django_db
def test_station_table_scope(county, operations, other_bureau):  # noqa: F811
    a, b, c = operations
    manager = make_user("station_manager", county, station=b)
    _book, sheet = sheet_of(api_client(manager).get(TABLE_API, {"year": 2018}))
    assert {r[0] for r in rows(sheet)} == {b.code}
    township_user = make_user("auditor", county, township=c.township)
    _book, sheet = sheet_of(api_client(township_user).get(TABLE_API, {"year": 2018}))
    assert {r[0] for r in rows(sheet)} == {c.code}
    assert api_client(other_bureau).get(TABLE_API, {"county": county.code}).status_code == 404
    assert api_client(None).get(TABLE_API).status_code == 401
    page = Client()
    assert page.get(TABLE_PAGE).status_code == 302  # to the login page


@pytest.mark.django_db
def test_station_ledger_month(county, bureau, operations):  # noqa: F811
    a, b, c = operations
    book, sheet = sheet_of(api_client(bureau).get(ledger_api(c.code), {"year": 2018, "month": 3}))
    head = headers(sheet)
    assert head[:6] == ["Time", "UUID", "Service", "Status", "Amount (yuan)", "Fee (yuan)"]
    data = rows(sheet)
    assert len(data) == 63
    first, last = data[0], data[-1]
    assert first[0] == datetime(2018, 3, 5, 11, 0)  # Beijing time
    assert (first[2], first[3], first[4], first[6]) == ("Proxy purchase (代购)", "Ordered", 50, "张三")
    assert (last[2], last[3], last[4]) == ("Bill payment (代收代缴)", "Completed", 80)
    assert sum(Decimal(str(r[4])) for r in data) == Decimal("3240")
    uuid_cell = sheet.cell(3, 2)
    assert uuid_cell.data_type == "s" and len(uuid_cell.value) == 36
    assert sheet.cell(3, 1).number_format == "yyyy-mm-dd hh:mm:ss"
    props = {p.name: p.value for p in book.custom_doc_props}
    assert (props["xiangcun.station"], props["xiangcun.period"]) == (c.code, "2018-03")
    assert c.code in sheet.cell(1, 1).value


@pytest.mark.django_db
def test_station_ledger_year_from_the_page(county, bureau, operations):  # noqa: F811
    a = operations[0]
    client = Client()
    client.force_login(bureau)
    _book, sheet = sheet_of(client.get(ledger_page(a.code), {"year": 2018}))
    assert len(rows(sheet)) == 600
    _book, sheet = sheet_of(client.get(ledger_page(a.code), {"year": 2017}))
    assert len(rows(sheet)) == 10
    assert client.get(ledger_page(a.code), {"year": "x"}).status_code == 400
    assert client.get(ledger_page("nope"), {"year": 2018}).status_code == 404


@pytest.mark.django_db
def test_station_ledger_scope(county, other_bureau, operations):  # noqa: F811
    a, b, c = operations
    manager = make_user("station_manager", county, station=b)
    client = api_client(manager)
    _book, sheet = sheet_of(client.get(ledger_api(b.code), {"year": 2018}))
    assert len(rows(sheet)) == 72
    # Another station's ledger: 404, whether by API or page.
    assert client.get(ledger_api(a.code), {"year": 2018}).status_code == 404
    page = Client()
    page.force_login(manager)
    assert page.get(ledger_page(a.code), {"year": 2018}).status_code == 404
    township_user = make_user("bureau_admin", county, township=c.township)
    assert api_client(township_user).get(ledger_api(a.code)).status_code == 404
    assert api_client(other_bureau).get(ledger_api(a.code)).status_code == 404
    assert api_client(None).get(ledger_api(a.code)).status_code == 401
    assert api_client(manager).get(ledger_api(b.code), {"month": 13}).status_code == 400

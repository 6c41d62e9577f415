"""Excel export and import of the four registers (`xiangcun.core.excel`): round trips, text cells,
headers, broken rows, permissions and scope, unusable files.

Messages are checked in English (the msgids); headers are looked up through the resource so the tests
hold whatever the Chinese translations become.
"""

from datetime import time, timedelta
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext

from xiangcun.core import excel
from xiangcun.core.errors import PermissionDenied
from xiangcun.core.models import AuditEvent
from xiangcun.core.testing import full_equipment, make_station, make_user
from xiangcun.network import services as network_services
from xiangcun.network.models import Facility, Station, StatusChange
from xiangcun.regions.models import Township, Village

PLANNED_TO_OPERATING = "A site cannot go from Planned to Operating (allowed: Under construction, Closed)."


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- helpers (also used by the API and page tests) --------------------------------------------------


def export_book(user, register, params=None, **kwargs) -> openpyxl.Workbook:
    file = excel.export_workbook(user=user, register=register, params=params or {}, **kwargs)
    return openpyxl.load_workbook(BytesIO(file.content))


def to_upload(book: openpyxl.Workbook, name: str = "register.xlsx") -> SimpleUploadedFile:
    out = BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type=excel.XLSX_CONTENT_TYPE)


def header(register: str, key: str) -> str:
    """The column's header in the active language."""
    return excel.register_resource(register)(user=None).headers()[key]


def col(sheet, register: str, key: str) -> int:
    """1-based column index of `key` in an exported sheet (headers on row 2)."""
    wanted = header(register, key)
    for cell in sheet[excel.HEADER_ROW]:
        if cell.value == wanted:
            return cell.column
    raise AssertionError(f"no column {wanted!r}")


def row_of(sheet, register: str, code: str, key: str = "code") -> int:
    c = col(sheet, register, key)
    for r in range(excel.HEADER_ROW + 1, sheet.max_row + 1):
        if sheet.cell(r, c).value == code:
            return r
    raise AssertionError(f"no row {code!r}")


def put(sheet, register: str, row: int, key: str, value) -> None:
    sheet.cell(row, col(sheet, register, key)).value = value


def run_import(user, register, book, **kwargs) -> excel.ImportSummary:
    return excel.import_workbook(user=user, register=register, upload=to_upload(book), **kwargs)


def import_errors(user, register, book, **kwargs) -> list[tuple[int, str, str]]:
    with pytest.raises(excel.ImportInvalid) as exc:
        run_import(user, register, book, **kwargs)
    assert exc.value.code == "import_invalid"
    return [(e["row"], e["column"], e["message"]) for e in exc.value.rows]


def db_state() -> dict:
    """Everything an import could touch, to assert that a refused import changed nothing."""
    return {
        "townships": list(Township.objects.order_by("pk").values()),
        "villages": list(Village.objects.order_by("pk").values()),
        "facilities": list(Facility.objects.order_by("pk").values()),
        "stations": list(Station.objects.order_by("pk").values()),
        "changes": StatusChange.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def summary(s: excel.ImportSummary) -> tuple[int, int, int]:
    return (s.created, s.updated, s.unchanged)


@pytest.fixture
def network(county, superuser):
    """Two stations (one operating, one planned) and the three kinds of facility."""
    v1, v2 = county.villages.order_by("code")[:2]
    operating = make_station(
        v1,
        status="operating",
        manager_name="王芳",
        manager_phone="13912345678",
        opens_at=time(8, 30),
        closes_at=time(18, 0),
        latitude=Decimal("36.301234"),
        longitude=Decimal("115.101234"),
        notes="=1+1 is not a formula",
    )
    planned = make_station(v2, area_m2=Decimal("7.5"), funded=False, equipment={"computer": True})
    township = county.townships.order_by("code").first()
    center = network_services.facility_create(
        actor=superuser,
        county=county,
        kind="county_center",
        code="CC-01",
        name="县电子商务公共服务中心",
        area_m2=Decimal("650"),
        rnd_center_area_m2=Decimal("150"),
        equipment={"exchange_room": True, "program_sign": True},
    )
    warehouse = network_services.facility_create(
        actor=superuser, county=county, kind="county_warehouse", code="CW-01", name="县仓储物流配送中心"
    )
    township_center = network_services.facility_create(
        actor=superuser,
        county=county,
        kind="township_center",
        code="TC-01",
        name="甲镇物流配送中心",
        township=township,
        cold_chain_needed=True,
        equipment={"computer": True, "cold_store": False},
    )
    network_services.facility_transition(actor=superuser, facility=center, to_status="building")
    Township.objects.filter(pk=township.pk).update(has_express_outlet=True)
    return {
        "operating": operating,
        "planned": planned,
        "center": center,
        "warehouse": warehouse,
        "township_center": township_center,
    }


# --- round trips and the file's layout -------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("register", "rows"), [("townships", 2), ("villages", 6), ("facilities", 3), ("stations", 2)]
)
def test_export_then_import_changes_nothing(register, rows, network, bureau):
    book = export_book(bureau, register)
    assert book.active.max_row == excel.HEADER_ROW + rows
    before = db_state()
    assert summary(run_import(bureau, register, book)) == (0, 0, rows)
    assert db_state() == before


@pytest.mark.django_db
def test_a_file_exported_in_chinese_imports_in_english(network, bureau):
    with translation.override("zh-hans"):
        book = export_book(bureau, "stations")
        sheet = book.active
        name_header = sheet.cell(excel.HEADER_ROW, col(sheet, "stations", "name")).value
        funded = sheet.cell(
            row_of(sheet, "stations", network["operating"].code), col(sheet, "stations", "funded")
        )
        # The header is the translated verbose name; Django's own catalog already has 名称 for "name".
        assert name_header == capfirst(gettext("name")) == "名称"
        assert funded.value == gettext("Yes") == "是"
        assert sheet["A1"].value.startswith("大名县 · ")
    before = db_state()
    assert summary(run_import(bureau, "stations", book)) == (0, 0, 2)
    assert db_state() == before


@pytest.mark.django_db
def test_headers_may_also_be_the_column_keys(network, bureau):
    book = export_book(bureau, "villages")
    resource = excel.register_resource("villages")(user=bureau)
    for cell, column in zip(book.active[excel.HEADER_ROW], resource.columns(), strict=True):
        cell.value = column.key
    book.active.delete_rows(excel.TITLE_ROW)  # the title row is optional
    book.active.cell(1, 20).value = "备注"  # a column of the user's own is ignored
    book.active.cell(2, 20).value = "call the village head"
    assert summary(run_import(bureau, "villages", book)) == (0, 0, 6)


@pytest.mark.django_db
def test_codes_and_phone_numbers_are_text_cells(network, bureau):
    sheet = export_book(bureau, "stations").active
    r = row_of(sheet, "stations", network["operating"].code)
    for key, value in (
        ("code", network["operating"].code),
        ("village_code", network["operating"].village.code),
        ("manager_phone", "13912345678"),
    ):
        cell = sheet.cell(r, col(sheet, "stations", key))
        assert (cell.value, cell.data_type, cell.number_format) == (value, "s", "@")
    notes = sheet.cell(r, col(sheet, "stations", "notes"))
    assert (notes.value, notes.data_type) == ("=1+1 is not a formula", "s")
    assert sheet.cell(r, col(sheet, "stations", "opens_at")).value == time(8, 30)
    villages = export_book(bureau, "villages").active
    code = villages.cell(excel.HEADER_ROW + 1, col(villages, "villages", "code"))
    assert (code.value, code.data_type, code.number_format) == ("130425100201", "s", "@")
    # Rows typed in later under the header are text as well.
    assert villages.column_dimensions["A"].number_format == "@"


@pytest.mark.django_db
def test_the_file_names_register_county_and_time(network, bureau):
    file = excel.export_workbook(user=bureau, register="stations")
    day = timezone.localdate().strftime("%Y%m%d")
    assert file.filename == f"大名县-Village stations-{day}.xlsx"
    assert file.ascii_filename == f"130425-stations-{day}.xlsx"
    assert "filename*=UTF-8''%E5%A4%A7%E5%90%8D%E5%8E%BF-Village%20stations-" in file.content_disposition
    book = openpyxl.load_workbook(BytesIO(file.content))
    props = {p.name: p.value for p in book.custom_doc_props}
    assert (props[excel.PROP_REGISTER], props[excel.PROP_COUNTY]) == ("stations", "130425")
    assert book.active["A1"].value.startswith("大名县 · Village stations · exported ")
    equipment = [c.value for c in book.active[excel.HEADER_ROW]][-len(full_equipment()) :]
    assert equipment == ["E-commerce area indoors", "Computer", "Backdrop wall", "42-inch TV",
                         "Internet-behaviour data manager (station terminal)", "Parcel baskets", "Notice board",
                         "Door sign", "Light box", "WiFi sign"]  # fmt: skip


# --- villages and townships ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_village_facts_are_updated_through_the_service(county, bureau):
    book = export_book(bureau, "villages")
    sheet = book.active
    put(sheet, "villages", 3, "population", 1234)
    put(sheet, "villages", 3, "is_poor", "NO")
    put(sheet, "villages", 4, "has_broadband", "false")
    put(sheet, "villages", 4, "latitude", 36.312345)
    put(sheet, "villages", 5, "is_poor", 1)
    put(sheet, "villages", 6, "code", 130425201201)  # Excel made the code a number: still exactly 12 digits
    put(sheet, "villages", 6, "population", "")
    put(sheet, "villages", 7, "name", "renamed")  # a grey reference column: ignored
    assert summary(run_import(bureau, "villages", book)) == (0, 4, 2)
    v1, v2, v3, v4, v5 = Village.objects.order_by("code")[:5]
    assert (v1.population, v1.is_poor, v1.facts_source) == (1234, False, "imported")
    assert (v2.has_broadband, v2.latitude) == (False, Decimal("36.312345"))
    assert (v3.is_poor, v4.population, v5.name) == (True, None, "乙2村村委会")
    events = AuditEvent.objects.filter(action="village.update").order_by("id")
    assert [e.changes for e in events] == [
        {"population": [450, 1234], "is_poor": [True, False]},
        {"has_broadband": [True, False], "latitude": [None, "36.312345"]},
        {"is_poor": [False, True]},
        {"population": [450, None]},
    ]
    assert {e.actor_id for e in events} == {bureau.pk}


@pytest.mark.django_db
def test_village_import_with_broken_rows_reports_each_and_writes_nothing(county, bureau):
    book = export_book(bureau, "villages")
    sheet = book.active
    put(sheet, "villages", 3, "population", 999)  # a good change: must not be written either
    put(sheet, "villages", 4, "population", "abc")
    put(sheet, "villages", 5, "population", -5)
    put(sheet, "villages", 6, "is_poor", "maybe")
    put(sheet, "villages", 7, "code", 13042520020)  # a number that is not 12 digits
    put(sheet, "villages", 8, "code", "130425999999")
    sheet.append(["1304251002", None, None, None, 10])  # malformed code
    sheet.append(["130425100201", None, None, None, 20])  # duplicate of row 3
    before = db_state()
    code, population, poor = (
        header("villages", "code"),
        header("villages", "population"),
        header("villages", "is_poor"),
    )
    assert import_errors(bureau, "villages", book) == [
        (4, population, "Enter a whole number."),
        (5, population, "Ensure this value is greater than or equal to 0."),
        (6, poor, "Enter Yes or No."),
        (7, code, "The cell holds the number 13042520020, not a code; format the column as text."),
        (8, code, "There is no village with code 130425999999 in this county."),
        (9, code, "A division code has exactly 12 digits."),
        (10, code, "The same code is already on row 3."),
    ]
    assert db_state() == before


@pytest.mark.django_db
def test_rows_outside_the_users_township_are_errors(county, bureau):
    township = county.townships.order_by("code").first()
    local = make_user("bureau_admin", county, username="township-bureau", township=township)
    book = export_book(bureau, "villages")  # the whole county
    sheet = book.active
    for r in range(3, 9):
        put(sheet, "villages", r, "population", 100 + r)
    before = db_state()
    errors = import_errors(local, "villages", book)
    assert errors == [
        (r, header("villages", "code"), "This record is outside your scope.") for r in (6, 7, 8)
    ]
    assert db_state() == before
    # Its own villages alone import.
    sheet.delete_rows(6, 3)
    assert summary(run_import(local, "villages", book)) == (0, 3, 0)


@pytest.mark.django_db
def test_township_express_outlets(county, bureau):
    book = export_book(bureau, "townships")
    sheet = book.active
    assert sheet.cell(3, col(sheet, "townships", "has_express_outlet")).value is None  # unknown
    put(sheet, "townships", 3, "has_express_outlet", "是")
    put(sheet, "townships", 4, "has_express_outlet", "否")
    assert summary(run_import(bureau, "townships", book)) == (0, 2, 0)
    assert list(
        Township.objects.order_by("code").values_list("has_express_outlet", "express_outlet_source")
    ) == [
        (True, "recorded"),
        (False, "recorded"),
    ]
    put(sheet, "townships", 4, "has_express_outlet", None)  # back to unknown
    assert summary(run_import(bureau, "townships", book)) == (0, 1, 1)
    assert Township.objects.order_by("code").last().has_express_outlet is None


# --- stations -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_station_rows_create_update_and_move_status(network, county, contractor):
    book = export_book(contractor, "stations")
    sheet = book.active
    planned = row_of(sheet, "stations", network["planned"].code)
    put(sheet, "stations", planned, "status", "Under construction")
    put(sheet, "stations", planned, "manager_phone", 13800001111)  # a number: digits kept
    put(sheet, "stations", planned, "equipment.tv_42", "yes")
    new = sheet.max_row + 1
    village = county.villages.order_by("code")[2]
    put(sheet, "stations", new, "village_code", village.code)
    put(sheet, "stations", new, "funded", "是")
    put(sheet, "stations", new, "status", "building")
    put(sheet, "stations", new, "area_m2", 12)
    put(sheet, "stations", new, "equipment.computer", "是")
    put(sheet, "stations", new, "opens_at", "09:00")
    assert summary(run_import(contractor, "stations", book)) == (1, 1, 1)
    station = Station.objects.get(code=f"{village.code}-01")
    assert (station.status, station.funded, station.area_m2, station.opens_at) == (
        "building",
        True,
        Decimal("12"),
        time(9, 0),
    )
    assert station.name == "甲3村村 e-commerce service station"  # left empty: the service names it
    assert station.equipment == {**dict.fromkeys(full_equipment(), False), "computer": True}
    changed = Station.objects.get(pk=network["planned"].pk)
    assert (changed.status, changed.manager_phone, changed.equipment["tv_42"]) == (
        "building",
        "13800001111",
        True,
    )
    assert list(
        StatusChange.objects.filter(station=station).values_list("from_status", "to_status", "actor")
    ) == [
        ("", "planned", contractor.pk),
        ("planned", "building", contractor.pk),
    ]
    actions = list(
        AuditEvent.objects.filter(actor=contractor).order_by("id").values_list("action", flat=True)
    )
    assert actions == ["station.update", "station.transition", "station.create", "station.transition"]


@pytest.mark.django_db
def test_station_import_with_broken_rows_reports_each_and_writes_nothing(network, county, contractor):
    book = export_book(contractor, "stations")
    sheet = book.active
    operating = row_of(sheet, "stations", network["operating"].code)
    planned = row_of(sheet, "stations", network["planned"].code)
    put(sheet, "stations", operating, "manager_name", "李强")  # a good change: must not be written either
    put(sheet, "stations", planned, "status", "Operating")  # planned → operating skips a step
    put(sheet, "stations", planned, "funded", "perhaps")
    put(sheet, "stations", planned, "equipment.computer", "有")
    rows = {
        "unknown village": {"village_code": "130425100299", "funded": "是"},
        "duplicate": {"code": network["operating"].code, "village_code": network["operating"].village.code,
                      "funded": "是"},
        "no such station": {"code": "130425100201-09", "village_code": "130425100201", "funded": "是"},
        "hours": {"village_code": "130425100203", "funded": "否", "opens_at": time(18), "closes_at": time(8)},
        "phone": {"village_code": "130425100203", "funded": "否", "manager_phone": 1391234.5},
        "no village": {"name": "无村站", "funded": "否"},
        "other county": {"village_code": "130426100201", "funded": "否"},
    }  # fmt: skip
    start = sheet.max_row + 1
    for i, values in enumerate(rows.values()):
        for key, value in values.items():
            put(sheet, "stations", start + i, key, value)
    before = db_state()
    h = {k: header("stations", k) for k in ("code", "village_code", "status", "funded", "closes_at")}
    assert import_errors(contractor, "stations", book) == [
        (planned, h["status"], PLANNED_TO_OPERATING),
        (planned, h["funded"], "Enter Yes or No."),
        (planned, header("stations", "equipment.computer"), "Enter Yes or No."),
        (start, h["village_code"], "There is no village with code 130425100299 in this county."),
        (start + 1, h["code"], f"The same code is already on row {operating}."),
        (start + 2, h["code"], "There is no station with this code; leave it empty to add a new station."),
        (start + 3, h["closes_at"], "The closing time must be after the opening time."),
        (start + 4, header("stations", "manager_phone"),
         "The cell holds the number 1391234.5, not a code; format the column as text."),
        (start + 5, h["village_code"], "Enter the village division code of the new station."),
        (start + 6, h["village_code"], "There is no village with code 130426100201 in this county."),
    ]  # fmt: skip
    assert db_state() == before


@pytest.mark.django_db
def test_an_error_raised_while_writing_rolls_back_the_rows_before_it(network, contractor):
    # The planned station's last status change is dated ahead (recorded by someone with a fast clock):
    # the dry run allows planned → building, the service refuses to date a change before it.
    StatusChange.objects.filter(station=network["planned"]).update(
        effective_at=timezone.now() + timedelta(hours=1)
    )
    book = export_book(contractor, "stations")
    sheet = book.active
    put(sheet, "stations", row_of(sheet, "stations", network["operating"].code), "manager_name", "李强")
    planned = row_of(sheet, "stations", network["planned"].code)
    put(sheet, "stations", planned, "status", "Under construction")
    before = db_state()
    [(row, column, message)] = import_errors(contractor, "stations", book)
    assert (row, column) == (planned, header("stations", "status"))
    assert message.startswith("A status change cannot be dated before the previous one (")
    assert db_state() == before
    assert Station.objects.get(pk=network["operating"].pk).manager_name == "王芳"


@pytest.mark.django_db
def test_import_needs_the_capability_and_writes_nothing_without_it(network, county, auditor):
    poverty = make_user("poverty_office", county, username="poverty")
    manager = make_user("station_manager", county, username="manager", station=network["operating"])
    book = export_book(auditor, "stations")
    put(book.active, "stations", 3, "manager_name", "李强")
    before = db_state()
    for user, register in (
        (auditor, "stations"),
        (manager, "stations"),
        (poverty, "villages"),
        (auditor, "townships"),
    ):
        with pytest.raises(PermissionDenied):
            run_import(user, register, book if register == "stations" else export_book(user, register))
    assert db_state() == before


@pytest.mark.django_db
def test_a_role_without_add_or_transition_gets_row_errors(network, county, bureau, monkeypatch):
    from xiangcun.accounts import permissions

    monkeypatch.setitem(
        permissions.ROLE_CAPABILITIES,
        "contractor",
        frozenset({"network.import_station", "network.change_station"}),
    )
    limited = make_user("contractor", county, username="limited")
    book = export_book(limited, "stations")
    sheet = book.active
    put(sheet, "stations", row_of(sheet, "stations", network["planned"].code), "status", "Closed")
    new = sheet.max_row + 1
    put(sheet, "stations", new, "village_code", "130425100203")
    put(sheet, "stations", new, "funded", "否")
    before = db_state()
    assert import_errors(limited, "stations", book) == [
        (row_of(sheet, "stations", network["planned"].code), header("stations", "status"),
         "You may not change the status."),
        (new, header("stations", "code"), "You may not add stations."),
    ]  # fmt: skip
    assert db_state() == before


# --- facilities ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_facility_rows_create_and_update(network, county, contractor):
    book = export_book(contractor, "facilities")
    sheet = book.active
    center = row_of(sheet, "facilities", "CC-01")
    assert (
        sheet.cell(center, col(sheet, "facilities", "equipment.computer")).value is None
    )  # not its checklist
    assert sheet.cell(center, col(sheet, "facilities", "equipment.exchange_room")).value == "Yes"
    put(sheet, "facilities", center, "status", "Operating")
    put(sheet, "facilities", center, "equipment.meeting_room", "Yes")
    new = sheet.max_row + 1
    township = county.townships.order_by("code").last()
    for key, value in {
        "code": "TC-02",
        "kind": "Township delivery center",
        "name": "乙乡物流配送中心",
        "township_code": township.code,
        "cold_chain_needed": "否",
        "area_m2": 120,
        "equipment.scanner": "是",
    }.items():
        put(sheet, "facilities", new, key, value)
    assert summary(run_import(contractor, "facilities", book)) == (1, 1, 2)
    created = Facility.objects.get(code="TC-02")
    assert (created.kind, created.township, created.status, created.area_m2) == (
        "township_center",
        township,
        "planned",
        Decimal("120"),
    )
    assert created.equipment == {
        "packing_table": False,
        "shelves": False,
        "computer": False,
        "scanner": True,
        "delivery_vehicle": False,
        "cold_store": False,
        "fridge": False,
        "cold_chain_vehicle": False,
    }
    center_now = Facility.objects.get(code="CC-01")
    assert (center_now.status, center_now.equipment["meeting_room"]) == ("operating", True)


@pytest.mark.django_db
def test_facility_import_with_broken_rows(network, county, contractor):
    book = export_book(contractor, "facilities")
    sheet = book.active
    warehouse = row_of(sheet, "facilities", "CW-01")
    put(sheet, "facilities", warehouse, "kind", "County e-commerce public service center")
    put(sheet, "facilities", warehouse, "equipment.computer", "是")  # not on a warehouse's checklist
    put(sheet, "facilities", row_of(sheet, "facilities", "TC-01"), "township_code", "130425201000")
    new = sheet.max_row + 1
    for key, value in {"code": "TC-03", "kind": "township_center", "name": "无乡中心"}.items():
        put(sheet, "facilities", new, key, value)
    put(sheet, "facilities", new + 1, "code", "bad code!")
    put(sheet, "facilities", new + 2, "code", "TC-04")
    put(sheet, "facilities", new + 2, "name", "无类型")
    before = db_state()
    assert import_errors(contractor, "facilities", book) == [
        (warehouse, header("facilities", "kind"), "This cannot be changed on an existing record."),
        (warehouse, header("facilities", "equipment.computer"),
         "This item is not on the checklist of this kind of facility."),
        (row_of(sheet, "facilities", "TC-01"), header("facilities", "township_code"),
         "This cannot be changed on an existing record."),
        (new, header("facilities", "township_code"), "A township delivery center needs its township."),
        (new + 1, header("facilities", "code"), "A code has letters, digits and - only."),
        (new + 2, header("facilities", "kind"), "Enter the kind of the new facility."),
    ]  # fmt: skip
    assert db_state() == before


# --- export scope and filters ----------------------------------------------------------------------------


def codes(book, register="stations") -> list[str]:
    sheet = book.active
    c = col(sheet, register, "code")
    return [sheet.cell(r, c).value for r in range(excel.HEADER_ROW + 1, sheet.max_row + 1)]


@pytest.mark.django_db
def test_export_shows_only_what_the_user_may_see(network, county, other_county, other_bureau, superuser):
    theirs = make_station(other_county.villages.order_by("code").first())
    assert codes(export_book(other_bureau, "stations")) == [theirs.code]
    assert codes(export_book(other_bureau, "villages"), "villages")[0].startswith("130426")
    manager = make_user("station_manager", county, username="manager", station=network["planned"])
    assert codes(export_book(manager, "stations")) == [network["planned"].code]
    assert codes(export_book(manager, "villages"), "villages") == [network["planned"].village.code]
    assert codes(export_book(superuser, "stations")) == sorted(
        [network["operating"].code, network["planned"].code, theirs.code]
    )
    assert codes(export_book(superuser, "stations", county_code="130426")) == [theirs.code]
    nobody = make_user("", None, username="nobody")
    assert codes(export_book(nobody, "stations")) == []


@pytest.mark.django_db
def test_export_applies_the_list_filters(network, county, bureau):
    operating, planned = network["operating"], network["planned"]
    assert codes(export_book(bureau, "stations", {"status": "operating"})) == [operating.code]
    assert codes(export_book(bureau, "stations", {"funded": "false"})) == [planned.code]
    assert codes(export_book(bureau, "stations", {"poor_village": "true"})) == [operating.code]
    assert codes(export_book(bureau, "stations", {"q": planned.code[-5:]})) == [planned.code]
    assert codes(export_book(bureau, "stations", {"village": str(planned.village_id)})) == [planned.code]
    # The planned station has only a computer: it does not meet the standard.
    assert codes(export_book(bureau, "stations", {"compliant": "false"})) == [planned.code]
    township = county.townships.order_by("code").last()
    assert codes(export_book(bureau, "villages", {"township": str(township.pk)}), "villages") == [
        "130425201201",
        "130425201202",
        "130425201203",
    ]
    assert codes(export_book(bureau, "villages", {"has_station": "true"}), "villages") == [
        operating.village.code
    ]
    assert (
        len(codes(export_book(bureau, "villages", {"is_poor": "true", "has_broadband": "true"}), "villages"))
        == 2
    )
    assert codes(export_book(bureau, "facilities", {"kind": "township_center"}), "facilities") == ["TC-01"]
    assert codes(export_book(bureau, "facilities", {"status": "building"}), "facilities") == ["CC-01"]
    assert codes(export_book(bureau, "townships", {"has_express_outlet": "true"}), "townships") == [
        "130425100000"
    ]
    with pytest.raises(excel.ExcelError) as exc:
        export_book(bureau, "stations", {"funded": "maybe"})
    assert (exc.value.code, exc.value.fields) == ("invalid_filter", {"funded": ["Enter true or false."]})
    with pytest.raises(excel.ExcelError):
        export_book(bureau, "stations", {"status": "flying"})


# --- unusable files ------------------------------------------------------------------------------------


def _file_error(user, register, upload, **kwargs) -> excel.ExcelError:
    with pytest.raises(excel.ExcelError) as exc:
        excel.import_workbook(user=user, register=register, upload=upload, **kwargs)
    assert exc.value.status == 400
    return exc.value


@pytest.mark.django_db
def test_unusable_files_are_refused_with_a_reason(network, county, other_county, bureau, superuser):
    before = db_state()
    not_xlsx = SimpleUploadedFile("stations.xlsx", b"code,name\n1,2\n")
    assert _file_error(bureau, "stations", not_xlsx).code == "not_xlsx"
    assert _file_error(bureau, "stations", SimpleUploadedFile("empty.xlsx", b"")).code == "empty_file"
    assert _file_error(bureau, "stations", to_upload(openpyxl.Workbook())).code == "empty_file"
    headers_only = export_book(bureau, "stations", {"status": "closed"})
    assert (
        _file_error(bureau, "stations", to_upload(headers_only)).message == "The file has no rows to import."
    )
    book = export_book(bureau, "townships")
    book.active.delete_cols(col(book.active, "townships", "has_express_outlet"))
    error = _file_error(bureau, "townships", to_upload(book))
    assert (error.code, error.message) == (
        "missing_columns",
        "Required columns are missing: Express outlet in the township.",
    )
    villages = export_book(bureau, "villages")
    error = _file_error(bureau, "stations", to_upload(villages))
    assert (error.code, error.message) == (
        "wrong_register",
        "This file holds villages, not village stations.",
    )
    theirs = export_book(make_user("bureau_admin", other_county, username="b2"), "villages")
    error = _file_error(bureau, "villages", to_upload(theirs))
    assert (error.code, error.message) == (
        "wrong_county",
        "This file was exported for county 130426; you are importing into 大名县 (130425).",
    )
    book = export_book(bureau, "villages")
    book.active.cell(excel.HEADER_ROW, 11).value = header("villages", "population")
    assert _file_error(bureau, "villages", to_upload(book)).code == "duplicate_columns"
    everything = export_book(superuser, "villages")  # all counties: the file names none
    assert _file_error(superuser, "villages", to_upload(everything)).code == "county_required"
    assert db_state() == before


@pytest.mark.django_db
def test_more_than_5000_rows_are_refused(county, bureau):
    book = openpyxl.Workbook()
    book.active.append([header("villages", "code"), header("villages", "population")])
    for i in range(excel.MAX_ROWS + 1):
        book.active.append([f"130425{i:06d}", 1])
    error = _file_error(bureau, "villages", to_upload(book))
    assert (error.code, error.message) == (
        "too_many_rows",
        "The file has more than 5000 rows; import at most 5000 rows at a time.",
    )


@pytest.mark.django_db
def test_a_superuser_imports_into_the_county_the_file_names(network, superuser):
    book = export_book(superuser, "villages", county_code="130425")
    put(book.active, "villages", 3, "population", 777)
    assert summary(run_import(superuser, "villages", book)) == (0, 1, 5)
    assert Village.objects.get(code="130425100201").population == 777

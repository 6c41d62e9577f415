"""Excel (.xlsx) export and import of the registers: townships, villages, facilities and stations.

How it fits together
- `excel_columns.py`: `Column` (a django-import-export field with a stable machine key and a translated
  header) and the widgets that turn cells into Python values and back.
- `excel_resource.py`: `RegisterResource`, the base of each register's django-import-export
  `ModelResource` (`regions/resources.py`, `network/resources.py`): its columns, the selector and list
  filters for export, and how a validated row is written through the app's services (`apply`).
- This module, the engine:
  - Export (`export_workbook`): the acting user's scoped selector, the same filters as the list pages,
    `Resource.export()`, then openpyxl writes the sheet: row 1 names the county, register and export
    time; row 2 holds the headers; one row per record below. ID-like codes (division codes, station
    codes, phone numbers) are text cells. Workbook properties carry the register and county code.
  - Import (`import_workbook`) is all-or-nothing, in two phases inside one transaction:
    1. `Resource.import_data(dry_run=True)` parses and validates every row: widgets convert cells,
       `full_clean()` checks the model rules, the resource checks references, scope, duplicates and
       status transitions. Nothing is written: `save_instance` only records what the row would do.
    2. If no row failed, every planned change goes through the services (`village_update`,
       `station_create`, `station_transition`, …), which check capability and scope again and record
       audit events. An error raised there becomes a row error too and everything is rolled back.
    Errors come back as `[{"row": <Excel row number>, "column": <header as in the file>, "message"}]`.

Headers are the translated column names of the active language; an import recognises a column by its
Chinese or English header or by its machine key, so a file exported in either language reads back.
"""

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO

import openpyxl
import tablib
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from xiangcun.accounts.permissions import has_capability

from .errors import ApplicationError, PermissionDenied
from .excel_columns import Column, blank, normal
from .excel_resource import RegisterResource

logger = logging.getLogger(__name__)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 5000
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_COLUMNS = 200
# The header row is looked for among the first rows, so a file whose title row was deleted still reads.
HEADER_SEARCH_ROWS = 10
TITLE_ROW, HEADER_ROW = 1, 2
PROP_REGISTER, PROP_COUNTY, PROP_EXPORTED_AT = "xiangcun.register", "xiangcun.county", "xiangcun.exported_at"
READONLY_FILL = PatternFill("solid", fgColor="E7E6E6")

REGISTERS = {
    "townships": "xiangcun.regions.resources.TownshipResource",
    "villages": "xiangcun.regions.resources.VillageResource",
    "facilities": "xiangcun.network.resources.FacilityResource",
    "stations": "xiangcun.network.resources.StationResource",
}


class ExcelError(ApplicationError):
    """A file or request the import/export cannot work with (HTTP 400): not an .xlsx, no rows, …"""


class ImportInvalid(ApplicationError):
    """Some rows are wrong; nothing was written. `rows` (also `fields["rows"]`) lists every error."""

    def __init__(self, rows: list[dict]):
        message = ngettext(
            "%(count)s error in the file; nothing was imported.",
            "%(count)s errors in the file; nothing was imported.",
            len(rows),
        ) % {"count": len(rows)}
        super().__init__(message, code="import_invalid", fields={"rows": rows})
        self.rows = rows


class UnknownRegister(ApplicationError):
    def __init__(self, name: str):
        super().__init__(_("There is no register %(name)s.") % {"name": name}, code="not_found", status=404)


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    filename: str  # for people: county, register and date, e.g. 大名县-村级服务站-20181231.xlsx
    ascii_filename: str  # fallback for clients without RFC 6266 `filename*`

    @property
    def content_disposition(self) -> str:
        from urllib.parse import quote

        return (
            f'attachment; filename="{self.ascii_filename}"; '
            f"filename*=UTF-8''{quote(self.filename, safe='')}"
        )


# --- list filters (the same query parameters as the list pages) ----------------------------------


def bool_param(params, name: str) -> bool | None:
    """A true/false list filter; None when absent or empty."""
    value = (params.get(name) or "").strip().lower()
    if not value:
        return None
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise ExcelError(
        _("Filter %(name)s must be true or false.") % {"name": name},
        code="invalid_filter",
        fields={name: [_("Enter true or false.")]},
    )


def int_param(params, name: str) -> int | None:
    value = (params.get(name) or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise ExcelError(
            _("Filter %(name)s must be a number.") % {"name": name},
            code="invalid_filter",
            fields={name: [_("Enter a whole number.")]},
        )
    return int(value)


def choice_param(params, name: str, choices) -> str | None:
    value = (params.get(name) or "").strip()
    if not value:
        return None
    if value not in choices.values:
        raise ExcelError(
            _("Filter %(name)s has an unknown value.") % {"name": name},
            code="invalid_filter",
            fields={name: [_("Use one of: %(values)s.") % {"values": ", ".join(choices.values)}]},
        )
    return value


# --- reading and writing workbooks ---------------------------------------------------------------


def register_resource(name: str) -> type[RegisterResource]:
    if name not in REGISTERS:
        raise UnknownRegister(name)
    return import_string(REGISTERS[name])


def can_import(user, register: str) -> bool:
    return has_capability(user, register_resource(register).capability)


@dataclass
class Sheet:
    rows: list[tuple[int, tuple]] = field(default_factory=list)  # (Excel row number, values), not blank
    properties: dict[str, str] = field(default_factory=dict)


def read_sheet(upload) -> Sheet:
    """The first worksheet's non-blank rows (at most what an import may hold) and the custom properties."""
    size = getattr(upload, "size", None)
    if size == 0:
        raise ExcelError(_("The file is empty."), code="empty_file")
    if size is not None and size > MAX_FILE_BYTES:
        raise ExcelError(
            _("The file is larger than %(size)s MB.") % {"size": MAX_FILE_BYTES // (1024 * 1024)},
            code="file_too_large",
        )
    sheet = Sheet()
    try:
        workbook = openpyxl.load_workbook(upload, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (zip, XML, key errors) for files that are not .xlsx
        raise ExcelError(
            _("This is not an Excel workbook (.xlsx). Save the file as .xlsx and try again."), code="not_xlsx"
        ) from None
    try:
        sheet.properties = {p.name: str(p.value) for p in workbook.custom_doc_props if p.value is not None}
        if not workbook.worksheets:
            raise ExcelError(_("The file is empty."), code="empty_file")
        worksheet = workbook.worksheets[0]
        worksheet.reset_dimensions()  # some writers record wrong dimensions; read what is there
        limit = MAX_ROWS + HEADER_SEARCH_ROWS + 1
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            values = tuple(values[:MAX_COLUMNS])
            if all(blank(v) for v in values):
                continue
            sheet.rows.append((number, values))
            if len(sheet.rows) > limit:
                break
    except ExcelError:
        raise
    except Exception:
        raise ExcelError(
            _("This is not an Excel workbook (.xlsx). Save the file as .xlsx and try again."), code="not_xlsx"
        ) from None
    finally:
        workbook.close()
    if not sheet.rows:
        raise ExcelError(_("The file is empty."), code="empty_file")
    return sheet


@dataclass(frozen=True)
class Header:
    """Where a sheet's header row is (`index` into `Sheet.rows`), the position of each recognised
    column (key → position) and its header as written in the file (key → text)."""

    index: int
    positions: dict[str, int]
    texts: dict[str, str]


def find_header(rows: list[tuple[int, tuple]], aliases: dict[str, str], is_header) -> Header | None:
    """The first of the first rows whose recognised column keys satisfy `is_header(keys)`, else None.
    `aliases` maps normalised header text to column keys; a column recognised twice is an ExcelError."""
    for index, (_number, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = [aliases.get(normal(v)) if isinstance(v, str) else None for v in values]
        if is_header(keys):
            return _header(index, keys, values)
    return None


def _header(index: int, keys: list, values: tuple) -> Header:
    positions: dict[str, int] = {}
    texts: dict[str, str] = {}
    for position, key in enumerate(keys):
        if key is None:
            continue
        if key in positions:
            raise ExcelError(
                _("The column “%(column)s” appears twice.") % {"column": values[position]},
                code="duplicate_columns",
            )
        positions[key] = position
        texts[key] = str(values[position]).strip()
    return Header(index, positions, texts)


def data_rows(rows: list[tuple[int, tuple]], header: Header):
    """(Excel row number, cells of the recognised columns in `header.positions` order) below the
    header; rows whose recognised cells are all blank are skipped; more than MAX_ROWS is an ExcelError."""
    count = 0
    for number, values in rows[header.index + 1 :]:
        cells = [values[p] if p < len(values) else None for p in header.positions.values()]
        if all(blank(v) for v in cells):
            continue  # only unrecognised columns are filled in: not a record
        if count == MAX_ROWS:
            raise ExcelError(
                _("The file has more than %(max)s rows; import at most %(max)s rows at a time.")
                % {"max": MAX_ROWS},
                code="too_many_rows",
            )
        count += 1
        yield number, cells


def sheet_dataset(resource: RegisterResource, sheet: Sheet) -> tablib.Dataset:
    """The data rows keyed by column key; sets `resource.excel_rows` and `resource.file_headers`."""
    required = [c for c in resource.columns() if c.required]
    header = find_header(sheet.rows, resource.header_aliases(), lambda keys: resource.key in keys)
    if header is None:
        _missing_columns(resource, required)
    resource.file_headers.update(header.texts)
    _missing_columns(resource, [c for c in required if c.key not in header.positions])
    dataset = tablib.Dataset(headers=list(header.positions))
    for number, cells in data_rows(sheet.rows, header):
        dataset.append(cells)
        resource.excel_rows.append(number)
    if not len(dataset):
        raise ExcelError(_("The file has no rows to import."), code="empty_file")
    return dataset


def _missing_columns(resource: RegisterResource, missing: list[Column]) -> None:
    if missing:
        headers = resource.headers()
        names = [headers[c.key] for c in missing]
        raise ExcelError(
            _("Required columns are missing: %(columns)s.") % {"columns": ", ".join(names)},
            code="missing_columns",
            fields={"columns": names},
        )


def _write_cell(cell, value, column: Column) -> None:
    widget = column.widget
    if widget.text:
        cell.number_format = "@"
    if value is None or value == "":
        return
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"  # never a formula, even if the text starts with "="
        return
    if widget.text:
        cell.value = str(value)
        return
    cell.value = value
    if widget.number_format:
        cell.number_format = widget.number_format


def _county_label(county) -> str:
    return county.name if county is not None else _("All counties")


def write_workbook(resource: RegisterResource, dataset: tablib.Dataset, exported_at: datetime) -> bytes:
    columns = resource.columns()
    headers = resource.headers()
    label = capfirst(str(resource.label()))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = re.sub(r"[\[\]:*?/\\]", " ", label)[:31]
    when = timezone.localtime(exported_at).strftime("%Y-%m-%d %H:%M")
    title = _("%(county)s · %(register)s · exported %(when)s") % {
        "county": _county_label(resource.county),
        "register": label,
        "when": when,
    }
    sheet.cell(TITLE_ROW, 1, title)
    sheet.cell(TITLE_ROW, 1).font = Font(bold=True, size=13)
    for j, column in enumerate(columns, start=1):
        cell = sheet.cell(HEADER_ROW, j, headers[column.key])
        cell.font = Font(bold=True)
        if column.readonly:
            cell.fill = READONLY_FILL
        letter = get_column_letter(j)
        sheet.column_dimensions[letter].width = column.width
        if column.widget.text:
            # Cells typed later into this column are text too, so new codes keep their digits.
            sheet.column_dimensions[letter].number_format = "@"
    for i, values in enumerate(dataset, start=HEADER_ROW + 1):
        for j, (column, value) in enumerate(zip(columns, values, strict=True), start=1):
            _write_cell(sheet.cell(i, j), value, column)
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1)
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(columns))}{HEADER_ROW + len(dataset)}"
    workbook.properties.title = f"{_county_label(resource.county)} · {label}"
    workbook.properties.creator = "Xiangcun"
    workbook.properties.created = exported_at.replace(tzinfo=None)
    for name, value in (
        (PROP_REGISTER, resource.register),
        (PROP_COUNTY, resource.county.code if resource.county is not None else ""),
        (PROP_EXPORTED_AT, exported_at.isoformat()),
    ):
        workbook.custom_doc_props.append(StringProperty(name=name, value=value))
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- the two operations ------------------------------------------------------------------------------


def _county_by_code(code: str):
    from xiangcun.regions.models import County

    county = County.objects.filter(code=str(code).strip()).first()
    if county is None:
        raise ExcelError(
            _("There is no county with code %(code)s.") % {"code": code},
            code="invalid",
            fields={"county": [_("Unknown county.")]},
        )
    return county


def export_workbook(*, user, register: str, params=None, county_code: str | None = None) -> ExportFile:
    """The register as an .xlsx file: the rows `user` may see, filtered like the list page.

    Users work in their own county; a superuser exports every county, or one with `county_code`.
    Raises ExcelError for bad filter values.
    """
    resource_class = register_resource(register)
    if getattr(user, "is_superuser", False):
        county = _county_by_code(county_code) if county_code else None
    else:
        county = getattr(user, "county", None)
    resource = resource_class(user=user, county=county)
    if county is None and not getattr(user, "is_superuser", False):
        queryset = resource.scoped_queryset().none()
    else:
        queryset = resource.export_queryset(params or {})
    dataset = resource.export(queryset=queryset)
    exported_at = timezone.now()
    content = write_workbook(resource, dataset, exported_at)
    day = timezone.localtime(exported_at).strftime("%Y%m%d")
    label = re.sub(r'[\\/:*?"<>|]', "", capfirst(str(resource.label())))
    return ExportFile(
        content=content,
        filename=f"{_county_label(county)}-{label}-{day}.xlsx",
        ascii_filename=f"{county.code if county else 'all'}-{register}-{day}.xlsx",
    )


def _import_county(user, county_code: str | None, properties: dict):
    in_file = properties.get(PROP_COUNTY) or None
    if getattr(user, "is_superuser", False):
        code = county_code or (user.county.code if user.county_id else None) or in_file
        if not code:
            raise ExcelError(
                _("Choose the county to import into."),
                code="county_required",
                fields={"county": [_("This field is required.")]},
            )
        county = _county_by_code(code)
    else:
        county = user.county
        if county is None:
            raise PermissionDenied(_("You have no county to import into."))
        if county_code and county_code != county.code:
            raise PermissionDenied(_("This county is outside your scope."))
    if in_file and in_file != county.code:
        raise ExcelError(
            _("This file was exported for county %(found)s; you are importing into %(county)s (%(code)s).")
            % {"found": in_file, "county": county.name, "code": county.code},
            code="wrong_county",
        )
    return county


class _Rollback(Exception):
    def __init__(self, rows):
        self.rows = rows


def import_workbook(*, user, register: str, upload, county_code: str | None = None) -> ImportSummary:
    """Import an .xlsx file of `register`, all or nothing.

    Raises PermissionDenied (the user may not import this register), ExcelError (the file cannot be
    used: not .xlsx, empty, missing columns, too many rows, another register or county) or ImportInvalid
    (row errors; nothing written). Returns how many records were created, updated and left unchanged.
    """
    resource_class = register_resource(register)
    if not has_capability(user, resource_class.capability):
        raise PermissionDenied(_("You may not import %(register)s.") % {"register": resource_class.label()})
    sheet = read_sheet(upload)
    in_file = sheet.properties.get(PROP_REGISTER)
    if in_file and in_file != register:
        found = register_resource(in_file).label() if in_file in REGISTERS else in_file
        raise ExcelError(
            _("This file holds %(found)s, not %(expected)s.")
            % {"found": found, "expected": resource_class.label()},
            code="wrong_register",
        )
    county = _import_county(user, county_code, sheet.properties)
    resource = resource_class(user=user, county=county)
    dataset = sheet_dataset(resource, sheet)
    try:
        with transaction.atomic():
            result = resource.import_data(dataset, dry_run=True, use_transactions=True)
            rows = _result_errors(resource, result)
            if not rows:
                rows = _write(resource)
            if rows:
                raise _Rollback(rows)
    except _Rollback as rollback:
        order = {key: i for i, key in enumerate(dataset.headers)}
        headers = {resource.header_for(k): i for k, i in order.items()}
        raise ImportInvalid(
            sorted(rollback.rows, key=lambda e: (e["row"], headers.get(e["column"], -1)))
        ) from None
    created = sum(1 for entry in resource.plan if entry.is_create)
    return ImportSummary(
        created=created, updated=len(resource.plan) - created, unchanged=result.totals["skip"]
    )


def _result_errors(resource: RegisterResource, result) -> list[dict]:
    rows = []
    for invalid in result.invalid_rows:
        row = resource.excel_row(invalid.number)
        for name, messages in invalid.error_dict.items():
            rows.extend(resource.row_error(row, name, message) for message in messages)
    for error_row in result.error_rows:
        for error in error_row.errors:
            logger.warning("Excel import: unexpected error in row %s", error_row.number, exc_info=error.error)
            rows.append(
                resource.row_error(
                    resource.excel_row(error_row.number), None, _("This row could not be read.")
                )
            )
    for error in result.base_errors:
        logger.warning("Excel import: unexpected error", exc_info=error.error)
        raise ExcelError(_("The file could not be read."), code="invalid")
    return rows


def _write(resource: RegisterResource) -> list[dict]:
    rows = []
    for entry in resource.plan:
        try:
            with transaction.atomic():  # a savepoint per row keeps the connection usable after an error
                resource.apply(entry)
        except (ApplicationError, ValidationError) as exc:
            rows.extend(resource.errors_from_exception(entry.row, exc))
        except DatabaseError:
            logger.warning("Excel import: database error in row %s", entry.row, exc_info=True)
            rows.append(resource.row_error(entry.row, None, _("This row could not be saved.")))
    return rows

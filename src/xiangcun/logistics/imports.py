"""Excel imports of the logistics registers: parcels (a carrier's or the county warehouse's waybill list),
carriers' tariffs and the platforms' price benchmarks.

Each import is a `Table`: its columns (a machine key, the header in the active language, how a cell is
read) and the service that records one row. The layout is the one every export writes (`core.sheets`:
title row, header row, rows), and a column is recognised by its Chinese or English header or its key,
so the delivery ledger's own export reads back (its derived columns — status, scan times — are ignored).

All or nothing, like the register imports (`core.excel`): first every cell is read (wrong cells become
row errors, nothing is written); then, inside one transaction, every row goes through the app's service
(`shipment_create`, `tariff_record`, `benchmark_record`: capability, scope, duplicates, audit) in a
savepoint of its own, so one bad row cannot hide the errors of the next; if any row failed the whole
transaction is rolled back and every error is reported as `{"row", "column", "message"}`.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiangcun.accounts.permissions import has_capability
from xiangcun.core.errors import ApplicationError, PermissionDenied, validation_error_fields
from xiangcun.core.excel import ExcelError, ImportInvalid, data_rows, find_header, read_sheet
from xiangcun.core.excel_columns import blank, label_of, normal
from xiangcun.core.sheets import MOMENT, MONEY, PLAIN, TEXT, Col, export_filename, table_workbook
from xiangcun.network.selectors import station_list
from xiangcun.stations.selectors import TZ

from . import services
from .choices import Direction
from .models import PriceBenchmark, Tariff
from .selectors import carrier_list

YES = {"是", "yes", "y", "true", "1", "√", "✓"}
NO = {"否", "no", "n", "false", "0"}


class CellError(ValueError):
    """A cell that cannot be read; the message is for the user."""


@dataclass(frozen=True)
class Field:
    """One column of an import: `key` is the service's keyword (and the machine header), `label` the
    header people see, `read(value, context)` turns a non-blank cell into the service's value."""

    key: str
    label: object  # a lazy translation
    read: Callable
    required: bool = False
    kind: str = PLAIN
    width: int | None = None


@dataclass
class Context:
    """What cell readers look things up in: the acting user's carriers and stations (by name, code)."""

    actor: object
    county: object
    _carriers: dict | None = None
    _stations: dict | None = None

    def carrier(self, name: str):
        if self._carriers is None:
            self._carriers = {
                normal(c.name): c for c in carrier_list(user=self.actor).filter(county=self.county)
            }
        found = self._carriers.get(normal(name))
        if found is None:
            raise CellError(_("No carrier named %(name)s in your county.") % {"name": name})
        return found

    def station(self, code: str):
        if self._stations is None:
            self._stations = {
                s.code: s
                for s in station_list(user=self.actor)
                .filter(county=self.county)
                .select_related(None)
                .only("id", "code", "county_id")
            }
        found = self._stations.get(code)
        if found is None:
            raise CellError(_("No station with code %(code)s in your scope.") % {"code": code})
        return found


# --- cell readers -------------------------------------------------------------------------------------


def read_text(value, _context=None) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a waybill number Excel turned into a number
    return str(value).strip()


def read_decimal(value, _context=None) -> Decimal:
    if isinstance(value, bool):
        raise CellError(_("Enter a number."))
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise CellError(_("Enter a number.")) from None
    if not number.is_finite():
        raise CellError(_("Enter a number."))
    if isinstance(value, float):
        number = number.quantize(Decimal("0.001")).normalize()  # binary floats: 1.2 is 1.19999…
        if number == number.to_integral_value():
            number = number.quantize(Decimal(1))
    return number


def read_bool(value, _context=None) -> bool:
    if isinstance(value, bool):
        return value
    text = normal(read_text(value))
    if text in YES or text == normal(_("Yes")):
        return True
    if text in NO or text == normal(_("No")):
        return False
    raise CellError(_("Enter 是 or 否."))


def read_moment(value, _context=None) -> datetime:
    """A date-time in Beijing time (Excel cells carry no zone), or text YYYY-MM-DD HH:MM[:SS]."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    else:
        text = read_text(value)
        moment = None
        for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M"):
            try:
                moment = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        if moment is None:
            raise CellError(_("Enter a date and time, e.g. 2018-06-01 09:30."))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TZ)
    return moment


def read_day(value, _context=None) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = read_text(value)
    for pattern in ("%Y-%m-%d", "%Y/%m/%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError(_("Enter a date, e.g. 2018-06-01."))


def read_direction(value, _context=None) -> str:
    """The machine value or the label in Chinese or English; 下行/上行 for short."""
    text = normal(read_text(value))
    short = {"下行": Direction.DOWNSTREAM, "上行": Direction.UPSTREAM}
    if text in short:
        return short[text]
    for choice in Direction:
        names = {normal(choice.value)}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                names.add(normal(choice.label))
        if text in names:
            return choice.value
    raise CellError(_("Enter 下行 (downstream) or 上行 (upstream)."))


def read_carrier(value, context: Context):
    return context.carrier(read_text(value))


def read_station(value, context: Context):
    return context.station(read_text(value))


def read_uuid(value, _context=None):
    try:
        return uuid.UUID(read_text(value))
    except ValueError:
        raise CellError(_("Enter the order's UUID as the station's ledger shows it.")) from None


# --- the tables ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    name: str  # in URLs
    label: object
    fields: tuple[Field, ...]
    record: Callable  # (actor, county, values) → the new row
    capability: str

    def headers(self) -> dict[str, str]:
        return {f.key: capfirst(str(f.label)) for f in self.fields}

    def aliases(self) -> dict[str, str]:
        """Normalised header (Chinese, English, key) → key."""
        found: dict[str, str] = {}
        for language in ("zh-hans", "en", translation.get_language() or "zh-hans"):
            with translation.override(language):
                for key, text in self.headers().items():
                    found.setdefault(normal(text), key)
        for f in self.fields:
            found.setdefault(normal(f.key), f.key)
        return found


def _record_shipment(actor, county, values):
    return services.shipment_create(actor=actor, **values)


def _record_tariff(actor, county, values):
    return services.tariff_record(actor=actor, **values)


def _record_benchmark(actor, county, values):
    return services.benchmark_record(actor=actor, county=county, **values)


# Headers are those of the delivery ledger's export (logistics.exports), so its file reads back.
SHIPMENTS = Table(
    name="shipments",
    label=gettext_lazy("Parcels (waybills)"),
    capability="logistics.record_shipment",
    record=_record_shipment,
    fields=(
        Field("waybill_no", gettext_lazy("Waybill number"), read_text, required=True, kind=TEXT, width=20),
        Field("carrier", gettext_lazy("Carrier"), read_carrier, required=True, width=14),
        Field("direction", gettext_lazy("Direction"), read_direction, required=True, width=22),
        Field("station", gettext_lazy("Station code"), read_station, required=True, kind=TEXT, width=18),
        Field("weight_kg", gettext_lazy("Weight (kg)"), read_decimal, required=True, width=10),
        Field("booked_at", gettext_lazy("Waybill made at"), read_moment, kind=MOMENT),
        Field("declared_value", gettext_lazy("Declared value (yuan)"), read_decimal, kind=MONEY),
        Field("cost", gettext_lazy("Delivery cost (yuan)"), read_decimal, kind=MONEY),
        Field("cold_chain", gettext_lazy("Cold chain"), read_bool, width=8),
        Field("destination_text", gettext_lazy("Destination outside the county"), read_text, width=18),
        Field("transaction_uuid", gettext_lazy("Order UUID"), read_uuid, kind=TEXT, width=38),
    ),
)

TARIFFS = Table(
    name="tariffs",
    label=gettext_lazy("Tariffs"),
    capability="logistics.manage_carrier",
    record=_record_tariff,
    fields=(
        Field("carrier", gettext_lazy("Carrier"), read_carrier, required=True, width=14),
        Field("direction", gettext_lazy("Direction"), read_direction, required=True, width=22),
        Field("first_weight_kg", label_of(Tariff, "first_weight_kg"), read_decimal, width=12),
        Field("first_price", label_of(Tariff, "first_price"), read_decimal, True, MONEY, 16),
        Field("extra_price_per_kg", label_of(Tariff, "extra_price_per_kg"), read_decimal, True, MONEY, 16),
        Field("valid_from", label_of(Tariff, "valid_from"), read_day, required=True, width=12),
        Field("valid_until", label_of(Tariff, "valid_until"), read_day, width=12),
        Field("note", gettext_lazy("Note"), read_text, width=24),
    ),
)

BENCHMARKS = Table(
    name="price-benchmarks",
    label=gettext_lazy("Price benchmarks"),
    capability="logistics.manage_carrier",
    record=_record_benchmark,
    fields=(
        Field("source", label_of(PriceBenchmark, "source"), read_text, required=True, width=24),
        Field("weight_kg", gettext_lazy("Weight (kg)"), read_decimal, required=True, width=10),
        Field("price", label_of(PriceBenchmark, "price"), read_decimal, required=True, kind=MONEY),
        Field("observed_on", label_of(PriceBenchmark, "observed_on"), read_day, required=True, width=12),
        Field("note", gettext_lazy("Note"), read_text, width=24),
    ),
)

TABLES = {t.name: t for t in (SHIPMENTS, TARIFFS, BENCHMARKS)}


@dataclass(frozen=True)
class Row:
    number: int  # the Excel row
    values: dict


def can_import(user, table: Table) -> bool:
    return has_capability(user, table.capability)


def template_workbook(table: Table, *, county_code: str) -> tuple[bytes, str]:
    """An empty workbook with the table's headers: (content, file name)."""
    columns = [Col(str(capfirst(f.label)), f.kind, f.width) for f in table.fields]
    content = table_workbook(
        title=_("%(table)s: one row each; required columns: %(required)s")
        % {
            "table": capfirst(str(table.label)),
            "required": "、".join(str(f.label) for f in table.fields if f.required),
        },
        sheet_name=str(table.label),
        columns=columns,
        rows=[],
        properties={"xiangcun.import": table.name, "xiangcun.county": county_code},
    )
    return content, export_filename(county_code, str(table.label), _("template"))


def import_table(*, actor, county, table: Table, upload) -> int:
    """Import every row of `upload` into `table` for `county`, all or nothing; the number of rows.
    Raises ExcelError (file-level problem), ImportInvalid (row errors), PermissionDenied."""
    if not can_import(actor, table):
        raise PermissionDenied(_("You may not import %(table)s.") % {"table": table.label})
    if county is None:
        raise ApplicationError(_("Only a county's users import logistics records."), code="county_required")
    if not actor.is_superuser and actor.county_id != county.pk:
        raise PermissionDenied(_("This county is outside your scope."))
    sheet = read_sheet(upload)
    headers, rows = _rows(table, sheet.rows)
    context = Context(actor=actor, county=county)
    errors: list[dict] = []
    parsed: list[Row] = []
    for number, cells in rows:
        values: dict = {}
        for key, value in cells.items():
            field = next(f for f in table.fields if f.key == key)
            if blank(value):
                if field.required:
                    errors.append(_error(number, headers[key], _("This field is required.")))
                continue
            try:
                values[key] = field.read(value, context)
            except CellError as exc:
                errors.append(_error(number, headers[key], str(exc)))
        for field in table.fields:
            if field.required and field.key not in cells:
                errors.append(
                    _error(number, headers.get(field.key, str(field.label)), _("This field is required."))
                )
        parsed.append(Row(number, values))
    if errors:
        raise ImportInvalid(errors)
    with transaction.atomic():
        for row in parsed:
            try:
                with transaction.atomic():
                    table.record(actor, county, row.values)
            except PermissionDenied as exc:
                errors.append(_error(row.number, "", exc.message))
            except ApplicationError as exc:
                column = next(iter(exc.fields), None)
                errors.append(_error(row.number, headers.get(column, ""), exc.message))
            except ValidationError as exc:
                for name, messages in validation_error_fields(exc).items():
                    for message in messages:
                        errors.append(_error(row.number, headers.get(_key_of(name), ""), message))
            except IntegrityError:  # a concurrent import recorded the same row first
                errors.append(_error(row.number, "", _("This row could not be saved.")))
        if errors:
            raise ImportInvalid(errors)  # rolls the whole import back
    return len(parsed)


def _key_of(name: str) -> str:
    return {"transaction": "transaction_uuid"}.get(name, name)


def _error(row: int, column: str, message) -> dict:
    return {"row": row, "column": column, "message": str(message)}


def _rows(table: Table, sheet_rows) -> tuple[dict[str, str], list[tuple[int, dict]]]:
    """(column key → header as in the file, [(Excel row, {key: cell})]) below the header row."""
    required = {f.key for f in table.fields if f.required}
    header = find_header(sheet_rows, table.aliases(), lambda keys: required <= set(keys))
    if header is None:
        names = [str(capfirst(f.label)) for f in table.fields if f.required]
        raise ExcelError(
            _("Required columns are missing: %(columns)s.") % {"columns": ", ".join(names)},
            code="missing_columns",
            fields={"columns": names},
        )
    rows = [
        (number, dict(zip(header.positions, cells, strict=True)))
        for number, cells in data_rows(sheet_rows, header)
    ]
    if not rows:
        raise ExcelError(_("The file has no rows to import."), code="empty_file")
    return header.texts, rows

"""Excel (.xlsx) export and import of the registers: townships, villages, facilities and stations.

How it fits together
- Each register has a django-import-export `ModelResource` (`regions/resources.py`,
  `network/resources.py`) built on `RegisterResource` below. It declares its columns (`Column`: a
  stable machine key, a translated header, a widget that converts between cell values and Python
  values), the selector and list filters for export, and how a validated row is written through the
  app's services (`apply`).
- Export (`export_workbook`): the acting user's scoped selector, the same filters as the list pages,
  `Resource.export()`, then openpyxl writes the sheet: row 1 names the register, county and export
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
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from io import BytesIO

import openpyxl
import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from import_export import fields as ie_fields
from import_export import resources as ie_resources
from import_export import widgets as ie_widgets
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from xiangcun.accounts.permissions import has_capability

from .errors import ApplicationError, PermissionDenied, validation_error_fields

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


@dataclass
class PlannedRow:
    """What a valid row will do in the write phase."""

    row: int  # Excel row number
    instance: object
    is_create: bool
    changes: dict  # service field → new value (all present fields for a create)
    to_status: str | None = None  # a status transition to apply after create/update


# --- widgets: cell value ⇄ Python value ----------------------------------------------------------


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _normal(text) -> str:
    """Header/choice text compared without case and surplus whitespace."""
    return " ".join(str(text).split()).casefold()


class CellWidget(ie_widgets.Widget):
    """Converts one cell. `render` returns the native value openpyxl writes (not a string); `text`
    columns are written as text cells so Excel never turns codes into numbers."""

    text = False
    number_format: str | None = None

    def __init__(self):
        super().__init__(coerce_to_string=False)
        self.resource = None  # bound by RegisterResource.__init__ for widgets that look things up

    def render(self, value, obj=None, **kwargs):
        return value


class TextWidget(CellWidget):
    text = True

    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()


class CodeWidget(CellWidget):
    """An ID-like code kept as text. A numeric cell (Excel converted the code) is accepted only when it
    is a whole number that gives back a well-formed code (for division codes: exactly 12 digits)."""

    text = True

    def __init__(self, pattern: str, message, *, digits: int | None = None):
        super().__init__()
        self.pattern = re.compile(pattern)
        self.message = message
        self.digits = digits

    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            return ""
        if isinstance(value, bool):
            raise ValueError(str(self.message))
        if isinstance(value, int | float | Decimal):
            number = Decimal(str(value))
            text = str(int(number)) if number == number.to_integral_value() and number >= 0 else None
            if text is None or (self.digits and len(text) != self.digits):
                raise ValueError(
                    _("The cell holds the number %(value)s, not a code; format the column as text.")
                    % {"value": value}
                )
        else:
            text = str(value).strip()
        if not self.pattern.fullmatch(text):
            raise ValueError(str(self.message))
        return text


class IntegerWidget(CellWidget):
    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip().replace(",", "")):
            return int(value.strip().replace(",", ""))
        raise ValueError(_("Enter a whole number."))


class DecimalWidget(CellWidget):
    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            return None
        if isinstance(value, bool):
            raise ValueError(_("Enter a number."))
        try:
            # repr() of a float is the shortest text that reads back the same: 36.285, not 36.28499…
            number = Decimal(repr(value) if isinstance(value, float) else str(value).strip().replace(",", ""))
        except InvalidOperation:
            raise ValueError(_("Enter a number.")) from None
        if not number.is_finite():
            raise ValueError(_("Enter a number."))
        return number


def _yes_no_words(value: bool) -> set[str]:
    words = {"是", "yes", "true", "1"} if value else {"否", "no", "false", "0"}
    msgid = "Yes" if value else "No"
    for language in ("zh-hans", "en", translation.get_language()):
        with translation.override(language):
            words.add(_normal(_(msgid)))
    return words


class BooleanWidget(CellWidget):
    """是/否 (the active language's Yes/No); accepts 是/否, yes/no, true/false, 1/0 in any case.
    A blank cell gives `blank` when that is not None, else it is an error."""

    def __init__(self, *, blank=None, nullable: bool = False):
        super().__init__()
        self.blank = blank
        self.nullable = nullable

    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            if self.nullable or self.blank is not None:
                return self.blank
            raise ValueError(self._message())
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        text = _normal(value)
        if text in _yes_no_words(True):
            return True
        if text in _yes_no_words(False):
            return False
        raise ValueError(self._message())

    @staticmethod
    def _message() -> str:
        return _("Enter %(yes)s or %(no)s.") % {"yes": _("Yes"), "no": _("No")}

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return None
        return _("Yes") if value else _("No")


class ChoiceWidget(CellWidget):
    """A choice written as its label; read back from the label in Chinese or English, or the value."""

    def __init__(self, choices):
        super().__init__()
        self.choices = choices  # a TextChoices class

    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            return ""
        text = _normal(value)
        for choice in self.choices:
            names = {_normal(choice.value)}
            for language in ("zh-hans", "en", translation.get_language()):
                with translation.override(language):
                    names.add(_normal(choice.label))
            if text in names:
                return choice.value
        raise ValueError(
            _("Unknown value “%(value)s”; use one of: %(choices)s.")
            % {"value": value, "choices": ", ".join(str(c.label) for c in self.choices)}
        )

    def render(self, value, obj=None, **kwargs):
        if not value:
            return None
        try:
            return str(self.choices(value).label)
        except ValueError:
            return value


class DateWidget(CellWidget):
    number_format = "yyyy-mm-dd"

    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"):
            try:
                return datetime.strptime(str(value).strip(), fmt).date()
            except ValueError:
                continue
        raise ValueError(_("Enter a date as YYYY-MM-DD."))


class TimeWidget(CellWidget):
    number_format = "hh:mm"

    def clean(self, value, row=None, **kwargs):
        if _blank(value):
            return None
        if isinstance(value, datetime):
            return value.time().replace(tzinfo=None)
        if isinstance(value, time):
            return value.replace(tzinfo=None)
        if isinstance(value, timedelta) and value < timedelta(days=1):
            return (datetime.min + value).time()
        if isinstance(value, float) and 0 <= value < 1:  # a time typed into a General cell: day fraction
            return (datetime.min + timedelta(seconds=round(value * 86400))).time()
        for fmt in ("%H:%M", "%H:%M:%S"):
            try:
                return datetime.strptime(str(value).strip(), fmt).time()
            except ValueError:
                continue
        raise ValueError(_("Enter a time as HH:MM."))


DIVISION_CODE = CodeWidget(r"\d{12}", gettext_lazy("A division code has exactly 12 digits."), digits=12)


class ReferenceWidget(ie_widgets.ForeignKeyWidget):
    """A related row (township, village) written as its division code and looked up within the import's
    county and the user's scope (`RegisterResource.reference`)."""

    text = True
    number_format = None

    def __init__(self, model, kind: str):
        super().__init__(model, field="code", coerce_to_string=False)
        self.kind = kind
        self.resource = None

    def clean(self, value, row=None, **kwargs):
        code = DIVISION_CODE.clean(value)
        if not code:
            return None
        return self.resource.reference(self.kind, code)


# --- columns and the register resource --------------------------------------------------------


class Column(ie_fields.Field):
    """One spreadsheet column: a stable machine `key`, a translated `label`, a widget.

    `readonly` columns are exported for reference (shaded grey) and ignored on import; `create_only`
    columns are read for new records and must match the record (or be blank) on updates; `required`
    columns must be present in an imported file. A blank cell on a new record keeps the field's default.
    """

    writes = True  # False: the value is not a service field (e.g. a status, applied by a transition)

    def __init__(
        self,
        attribute,
        *,
        key: str,
        label,
        widget: CellWidget,
        readonly: bool = False,
        create_only: bool = False,
        required: bool = False,
        width: int = 14,
    ):
        super().__init__(attribute=attribute, column_name=key, widget=widget, readonly=readonly)
        self.key = key
        self.label = label
        self.create_only = create_only
        self.required = required
        self.width = width

    def save(self, instance, row, is_m2m=False, **kwargs):
        if self.readonly:
            return
        if instance._state.adding and _blank(row.get(self.column_name)):
            return  # a blank cell on a new record leaves the field at its default
        value = self.clean(row, **kwargs)
        if self.create_only and not instance._state.adding:
            if value not in (None, "") and value != self.get_value(instance):
                raise ValueError(_("This cannot be changed on an existing record."))
            return
        self.assign(instance, value)

    def assign(self, instance, value) -> None:
        setattr(instance, self.attribute, value)


def label_of(model, name: str):
    """The (lazy) verbose name of a model field: the column header."""
    return model._meta.get_field(name).verbose_name


class RegisterResource(ie_resources.ModelResource):
    """A register that goes out to and comes back from Excel. Subclasses set the class attributes and
    implement `scoped_queryset`, `filter_queryset` and `apply`; they may extend `check_row`."""

    register = ""  # the name in URLs: townships, villages, facilities, stations
    capability = ""  # what a user needs to import
    list_path = ""  # the register's list page (import returns there)
    key = "code"  # the column that identifies a row

    class Meta:
        import_id_fields = ("code",)
        skip_html_diff = True
        use_transactions = True

    def __init__(self, *, user, county=None):
        super().__init__()
        self.user = user
        self.county = county
        self.plan: list[PlannedRow] = []
        self.excel_rows: list[int] = []  # dataset row i (1-based) is Excel row excel_rows[i - 1]
        self.file_headers: dict[str, str] = {}  # column key → header text as in the imported file
        self._seen: dict[str, int] = {}
        self._references: dict[str, tuple[dict, set]] = {}
        self._references_model: dict[str, type] = {}
        for column in self.fields.values():
            column.widget.resource = self

    # --- what subclasses provide

    @classmethod
    def label(cls):
        return cls._meta.model._meta.verbose_name_plural

    def scoped_queryset(self):
        """The rows the user may see (a selector)."""
        raise NotImplementedError

    def filter_queryset(self, qs, params):
        """The list page's filters, from query parameters."""
        return qs

    def apply(self, entry: PlannedRow) -> None:
        """Write one planned row through the services."""
        raise NotImplementedError

    def reference_querysets(self, kind: str):
        """(rows in scope, all rows of the county) for a `ReferenceWidget` kind."""
        raise NotImplementedError

    def check_row(self, instance, row, errors: dict) -> None:
        """Cross-field and permission checks of one row; add `{attribute: [ValidationError]}`."""

    def validation_exclude(self, instance) -> set[str]:
        """Model fields `full_clean` must skip (e.g. a code the service assigns)."""
        return set()

    def transition_of(self, instance) -> str | None:
        """The status transition this row asks for, if any (set by `check_row`)."""
        return None

    # --- columns and headers

    def columns(self) -> list[Column]:
        return self.get_export_fields()

    def column(self, key: str) -> Column:
        return next(c for c in self.columns() if c.key == key)

    def headers(self) -> dict[str, str]:
        """Column key → header in the active language; a header shared by two columns gets its key."""
        labels = {c.key: capfirst(str(c.label)) for c in self.columns()}
        counts: dict[str, int] = {}
        for text in labels.values():
            counts[_normal(text)] = counts.get(_normal(text), 0) + 1
        return {k: (f"{t} [{k}]" if counts[_normal(t)] > 1 else t) for k, t in labels.items()}

    def header_aliases(self) -> dict[str, str]:
        """Normalised header text → column key, for headers in Chinese, English or as machine keys."""
        aliases: dict[str, str] = {}
        ambiguous: set[str] = set()
        for language in ("zh-hans", "en", translation.get_language()):
            with translation.override(language):
                for key, text in self.headers().items():
                    name = _normal(text)
                    if aliases.get(name, key) != key:
                        ambiguous.add(name)
                    aliases[name] = key
        for name in ambiguous:
            del aliases[name]
        for column in self.columns():
            aliases.setdefault(_normal(column.key), column.key)
        return aliases

    def header_for(self, key: str | None) -> str:
        if not key:
            return ""
        return self.file_headers.get(key) or self.headers().get(key, key)

    # --- export

    def export_queryset(self, params):
        qs = self.scoped_queryset()
        if self.county is not None:
            qs = qs.filter(county=self.county)
        return self.filter_queryset(qs, params).order_by(self.key)

    # --- import: references, instances, duplicates

    def reference(self, kind: str, code: str):
        """The row of `kind` with division `code` in the user's scope, or ValueError saying why not."""
        if kind not in self._references:
            scoped, county_wide = self.reference_querysets(kind)
            self._references_model[kind] = scoped.model
            self._references[kind] = (
                {obj.code: obj for obj in scoped},
                set(county_wide.values_list("code", flat=True)),
            )
        in_scope, in_county = self._references[kind]
        if code in in_scope:
            return in_scope[code]
        if code in in_county:
            raise ValueError(_("%(code)s is outside your scope.") % {"code": code})
        raise ValueError(
            _("There is no %(kind)s with code %(code)s in this county.")
            % {"kind": self._references_model[kind]._meta.verbose_name, "code": code}
        )

    def county_queryset(self):
        return self._meta.model.objects.filter(county=self.county)

    def get_queryset(self):
        return self.scoped_queryset().filter(county=self.county)

    def excel_row(self, number: int) -> int:
        return self.excel_rows[number - 1] if 0 < number <= len(self.excel_rows) else number

    def row_code(self, row) -> str:
        column = self.fields[self.key]
        try:
            return column.clean(row)
        except ValueError as exc:
            raise ValidationError({column.attribute: [str(exc)]}) from None

    def before_import(self, dataset, **kwargs):
        column = self.fields[self.key]
        codes = set()
        for value in dataset[self.key] if self.key in dataset.headers else []:
            try:
                codes.add(column.widget.clean(value))
            except ValueError:
                continue
        codes.discard("")
        self._existing = {obj.code: obj for obj in self.get_queryset().filter(code__in=codes)}
        self._in_county = set(self.county_queryset().filter(code__in=codes).values_list("code", flat=True))

    def before_import_row(self, row, row_number=None, **kwargs):
        try:
            code = self.fields[self.key].clean(row)
        except ValueError:
            return  # reported by get_instance
        if not code:
            return
        first = self._seen.setdefault(code, row_number)
        if first != row_number:
            raise ValidationError(
                {
                    self.fields[self.key].attribute: [
                        _("The same code is already on row %(row)s.") % {"row": self.excel_row(first)}
                    ]
                }
            )

    def get_instance(self, instance_loader, row):
        code = self.row_code(row)
        if not code:
            return None
        instance = self._existing.get(code)
        if instance is None and code in self._in_county:
            raise ValidationError(
                {self.fields[self.key].attribute: [_("This record is outside your scope.")]}
            )
        return instance

    def init_instance(self, row=None):
        """Registers whose rows come from official data are never created by import."""
        code = self.row_code(row)
        message = (
            _("There is no %(kind)s with code %(code)s in this county.")
            % {"kind": self._meta.model._meta.verbose_name, "code": code}
            if code
            else _("Enter the code.")
        )
        raise ValidationError({self.fields[self.key].attribute: [message]})

    # --- import: validation, change detection, plan

    def import_instance(self, instance, row, **kwargs):
        errors: dict = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        self.check_row(instance, row, errors)
        if errors:
            raise ValidationError(errors)

    def row_changes(self, instance, original, row) -> dict:
        """Service field → value: every present field for a new record, the changed ones otherwise."""
        changes = {}
        for column in self.get_import_fields():
            if column.readonly or not column.writes or column.key not in row:
                continue
            name = column.attribute.split("__")[0]
            value = getattr(instance, name)
            if instance._state.adding:
                changes[name] = value
            elif not column.create_only and value != getattr(original, name):
                changes[name] = value
        return changes

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors:
            return False
        instance._excel_changes = self.row_changes(instance, original, row)
        if instance._state.adding:
            return False
        return not instance._excel_changes and not self.transition_of(instance)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(exclude=set(errors) | self.validation_exclude(instance))
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        """Dry phase: remember what the row will do; the services write it later (`apply`)."""
        self.plan.append(
            PlannedRow(
                row=self.excel_row(kwargs["row_number"]),
                instance=instance,
                is_create=is_create,
                changes=instance._excel_changes,
                to_status=self.transition_of(instance),
            )
        )

    def save_m2m(self, instance, row, **kwargs):
        pass

    # --- errors

    error_aliases: dict[str, str] = {}  # service/model field → column key when they differ

    def column_key_for(self, name: str) -> str:
        if name == NON_FIELD_ERRORS or name == "non_field_errors":
            return ""
        name = self.error_aliases.get(name, name)
        for column in self.columns():
            if name in (column.key, column.attribute):
                return column.key
        return ""

    def row_error(self, row: int, name: str | None, message) -> dict:
        return {
            "row": row,
            "column": self.header_for(self.column_key_for(name or "")),
            "message": str(message),
        }

    def errors_from_exception(self, row: int, exc: Exception) -> list[dict]:
        """Row errors from what a service raised, pointed at the column of the field when known."""
        if isinstance(exc, PermissionDenied):
            return [self.row_error(row, self.key, exc.message)]
        if isinstance(exc, ApplicationError):
            if not exc.fields:
                return [self.row_error(row, None, exc.message)]
            return [
                self.row_error(row, name, f"{exc.message} {message}" if name == "equipment" else message)
                for name, messages in exc.fields.items()
                for message in messages
            ]
        if isinstance(exc, ValidationError):
            return [
                self.row_error(row, name, message)
                for name, messages in validation_error_fields(exc).items()
                for message in messages
            ]
        return [self.row_error(row, None, _("This row could not be saved."))]


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
            if all(_blank(v) for v in values):
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


def sheet_dataset(resource: RegisterResource, sheet: Sheet) -> tablib.Dataset:
    """The data rows keyed by column key; sets `resource.excel_rows` and `resource.file_headers`."""
    aliases = resource.header_aliases()
    found = None
    for index, (_number, values) in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        keys = [aliases.get(_normal(v)) if isinstance(v, str) else None for v in values]
        if resource.key in keys:
            found = index, keys, values
            break
    required = [c for c in resource.columns() if c.required]
    if found is None:
        _missing_columns(resource, required)
    index, keys, values = found
    positions: dict[str, int] = {}
    for position, key in enumerate(keys):
        if key is None:
            continue
        if key in positions:
            raise ExcelError(
                _("The column “%(column)s” appears twice.") % {"column": values[position]},
                code="duplicate_columns",
            )
        positions[key] = position
        resource.file_headers[key] = str(values[position]).strip()
    _missing_columns(resource, [c for c in required if c.key not in positions])
    dataset = tablib.Dataset(headers=list(positions))
    for number, values in sheet.rows[index + 1 :]:
        cells = [values[p] if p < len(values) else None for p in positions.values()]
        if all(_blank(v) for v in cells):
            continue  # only unrecognised columns are filled in: not a record
        if len(dataset) == MAX_ROWS:
            raise ExcelError(
                _("The file has more than %(max)s rows; import at most %(max)s rows at a time.")
                % {"max": MAX_ROWS},
                code="too_many_rows",
            )
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
    sheet.cell(TITLE_ROW, 1, f"{_county_label(resource.county)} · {label} · {_('exported')} {when}")
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
    if getattr(user, "is_superuser", False) and user.county_id is None:
        code = county_code or in_file
        if not code:
            raise ExcelError(
                _("Choose the county to import into."),
                code="county_required",
                fields={"county": [_("This field is required.")]},
            )
        county = _county_by_code(code)
    else:
        county = user.county
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

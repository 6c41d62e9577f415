"""Spreadsheet columns for the Excel registers: how a cell becomes a Python value and back.

`Column` is a django-import-export `Field` with a stable machine key and a translated header; the
widgets convert cells (openpyxl values: str, int, float, date, time, bool) on import and give native
values back on export, so numbers stay numbers and codes stay text. A widget raises ValueError with a
translated message for a cell it cannot read; import-export turns that into an error on the column.
"""

import functools
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields as ie_fields
from import_export import widgets as ie_widgets


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def normal(text) -> str:
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
        if blank(value):
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
        if blank(value):
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
        if blank(value):
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
        if blank(value):
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


@functools.lru_cache(maxsize=32)
def _yes_no_words(value: bool, language: str | None) -> frozenset[str]:
    """What reads as yes (or no): 是/否, yes/no, true/false, 1/0 and Yes/No in Chinese, English and
    `language` (the active one; part of the cache key)."""
    words = {"是", "yes", "true", "1"} if value else {"否", "no", "false", "0"}
    msgid = "Yes" if value else "No"
    for code in ("zh-hans", "en", language):
        with translation.override(code):
            words.add(normal(_(msgid)))
    return frozenset(words)


class BooleanWidget(CellWidget):
    """是/否 (the active language's Yes/No); accepts 是/否, yes/no, true/false, 1/0 in any case.
    A blank cell gives `blank` when that is not None, else it is an error."""

    def __init__(self, *, blank=None, nullable: bool = False):
        super().__init__()
        self.blank = blank
        self.nullable = nullable

    def clean(self, value, row=None, **kwargs):
        if blank(value):
            if self.nullable or self.blank is not None:
                return self.blank
            raise ValueError(self._message())
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        text = normal(value)
        if text in _yes_no_words(True, translation.get_language()):
            return True
        if text in _yes_no_words(False, translation.get_language()):
            return False
        raise ValueError(self._message())

    @staticmethod
    def _message() -> str:
        return _("Enter %(yes)s or %(no)s.") % {"yes": _("Yes"), "no": _("No")}

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return None
        return _("Yes") if value else _("No")


@functools.lru_cache(maxsize=64)
def _choice_names(choices, language: str | None) -> dict[str, str]:
    """Normalised value or label (Chinese, English, `language`) → value of a TextChoices class."""
    names = {}
    for code in ("zh-hans", "en", language):
        with translation.override(code):
            names.update({normal(c.label): c.value for c in choices})
    names.update({normal(c.value): c.value for c in choices})
    return names


class ChoiceWidget(CellWidget):
    """A choice written as its label; read back from the label in Chinese or English, or the value."""

    def __init__(self, choices):
        super().__init__()
        self.choices = choices  # a TextChoices class

    def clean(self, value, row=None, **kwargs):
        if blank(value):
            return ""
        names = _choice_names(self.choices, translation.get_language())
        if normal(value) in names:
            return names[normal(value)]
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
        if blank(value):
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
        if blank(value):
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


# --- columns ------------------------------------------------------------------------------------------


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
        if instance._state.adding and blank(row.get(self.column_name)):
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

"""Money is Decimal yuan with two places, never float; stored as integer fen (see MoneyField)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import BigIntegerField
from django.db.models.expressions import Combinable, Expression
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")


def yuan(value) -> Decimal:
    """Parse and round to the fen (0.01 yuan), half up. Raises ValueError on anything not a number."""
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def to_fen(value) -> int:
    """Yuan (anything `yuan` accepts) as an integer number of fen."""
    return int(yuan(value) * 100)


def from_fen(fen: int | None) -> Decimal | None:
    return None if fen is None else (Decimal(int(fen)) / 100).quantize(CENT)


class MoneyField(BigIntegerField):
    """An amount of money: `Decimal` yuan in Python, an integer number of fen (分) in the database.

    Integer storage keeps sums exact on SQLite (whose NUMERIC columns hold floats) and PostgreSQL alike,
    and lets rollups add amounts with plain integer arithmetic. Filters and aggregates take and give
    yuan: `filter(amount__gte=Decimal("2000"))`, `Sum("amount")` → Decimal.
    """

    description = "Amount in yuan, stored as integer fen"
    default_error_messages = {"invalid": _("“%(value)s” is not an amount in yuan.")}

    def from_db_value(self, value, expression, connection):
        return from_fen(value)

    def to_python(self, value):
        if value is None or value == "":
            return None
        try:
            return yuan(value)
        except ValueError as exc:
            raise ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            ) from exc

    def get_prep_value(self, value):
        if value is None or value == "":
            return None
        if isinstance(value, Expression | Combinable):
            return value
        return to_fen(value)

    def formfield(self, **kwargs):
        return forms.DecimalField(**{"max_digits": 14, "decimal_places": 2, **kwargs})

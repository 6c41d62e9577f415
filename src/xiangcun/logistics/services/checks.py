"""Field checks shared by the logistics services: each adds field errors to `errors` and returns the
cleaned value (or None)."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _

from xiangcun.core.errors import PermissionDenied
from xiangcun.core.money import yuan

from ..choices import MAX_WEIGHT_KG

EARLIEST = datetime(2015, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(minutes=10)
PHONE = re.compile(r"^[0-9+\- ]{5,20}$")


def text_value(value, field: str, errors: dict, *, limit: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = [_("Must be text.")]
        return ""
    value = value.strip()
    if required and not value:
        errors[field] = [_("This field is required.")]
    elif len(value) > limit:
        errors[field] = [_("At most %(n)s characters.") % {"n": limit}]
    elif "\x00" in value:
        errors[field] = [_("Must not contain NUL characters.")]
    return value


def money_value(value, field: str, errors: dict, *, maximum: int, required: bool = True) -> Decimal | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | int) or not Decimal(value).is_finite():
        errors[field] = [_("Enter an amount in yuan, e.g. 12.50.")]
    elif Decimal(value).as_tuple().exponent < -2:
        errors[field] = [_("At most two decimal places (fen).")]
    elif value < 0:
        errors[field] = [_("Must not be negative.")]
    elif value > maximum:
        errors[field] = [_("At most %(max)s yuan.") % {"max": maximum}]
    else:
        return yuan(value)
    return None


def in_county(actor, county) -> None:
    if not actor.is_superuser and actor.county_id != getattr(county, "pk", None):
        raise PermissionDenied(_("This county is outside your scope."))


def weight_value(value, field: str, errors: dict) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, Decimal | int) or not Decimal(value).is_finite():
        errors[field] = [_("Enter the weight in kg, e.g. 1.25.")]
    elif Decimal(value).as_tuple().exponent < -3:
        errors[field] = [_("At most three decimal places (grams).")]
    elif value <= 0 or value > MAX_WEIGHT_KG:
        errors[field] = [_("More than 0 and at most %(max)s kg.") % {"max": MAX_WEIGHT_KG}]
    else:
        return Decimal(value)
    return None


def day_value(value, field: str, errors: dict, *, required: bool = True) -> date | None:
    if value is None and not required:
        return None
    if not isinstance(value, date) or isinstance(value, datetime):
        errors[field] = [_("Enter a date.")]
        return None
    return value

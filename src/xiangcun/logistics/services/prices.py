"""Tariffs and price benchmarks (R3: upstream express price not above the mainstream platforms')."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xiangcun.accounts.permissions import has_capability
from xiangcun.core.audit import audit_record
from xiangcun.core.errors import PermissionDenied
from xiangcun.core.scoping import lock_in_scope

from ..choices import Direction
from ..models import Carrier, PriceBenchmark, Tariff
from ..selectors import carrier_list
from .checks import day_value, in_county, money_value, text_value, weight_value

# --- tariffs and price benchmarks -------------------------------------------------------------------

MAX_PRICE = 10_000


@transaction.atomic
def tariff_record(
    *,
    actor,
    carrier: Carrier,
    direction: str,
    first_price: Decimal,
    extra_price_per_kg: Decimal,
    valid_from: date,
    first_weight_kg: Decimal = Decimal("1"),
    valid_until: date | None = None,
    note: str = "",
):
    """Record a carrier's express price for one direction from `valid_from` (bureau or contractor)."""
    if not has_capability(actor, "logistics.manage_carrier"):
        raise PermissionDenied(_("You may not manage carriers."))
    carrier = lock_in_scope(carrier_list(user=actor), carrier.pk, _("This carrier is outside your scope."))
    errors: dict[str, list] = {}
    if direction not in Direction.values:
        errors["direction"] = [_("One of: %(values)s.") % {"values": ", ".join(Direction.values)}]
    first_weight_kg = weight_value(first_weight_kg, "first_weight_kg", errors)
    first_price = money_value(first_price, "first_price", errors, maximum=MAX_PRICE)
    extra_price_per_kg = money_value(extra_price_per_kg, "extra_price_per_kg", errors, maximum=MAX_PRICE)
    valid_from = day_value(valid_from, "valid_from", errors)
    valid_until = day_value(valid_until, "valid_until", errors, required=False)
    if valid_from and valid_until and valid_until < valid_from:
        errors["valid_until"] = [_("Must not be before valid from.")]
    note = text_value(note, "note", errors, limit=200)
    if (
        not errors
        and Tariff.objects.filter(carrier=carrier, direction=direction, valid_from=valid_from).exists()
    ):
        errors["valid_from"] = [_("This carrier already has a tariff for this direction from this day.")]
    if errors:
        raise ValidationError(errors)
    tariff = Tariff.objects.create(
        county_id=carrier.county_id,
        carrier=carrier,
        direction=direction,
        first_weight_kg=first_weight_kg,
        first_price=first_price,
        extra_price_per_kg=extra_price_per_kg,
        valid_from=valid_from,
        valid_until=valid_until,
        note=note,
    )
    fields = [
        "carrier",
        "direction",
        "first_weight_kg",
        "first_price",
        "extra_price_per_kg",
        "valid_from",
        "valid_until",
    ]
    audit_record(
        actor=actor,
        action="tariff.record",
        instance=tariff,
        changes={f: [None, getattr(tariff, f)] for f in fields},
    )
    return tariff


@transaction.atomic
def benchmark_record(
    *, actor, county, source: str, weight_kg: Decimal, price: Decimal, observed_on: date, note: str = ""
):
    """Record what the mainstream platforms charge for a comparable parcel (bureau or contractor)."""
    if not has_capability(actor, "logistics.manage_carrier"):
        raise PermissionDenied(_("You may not manage carriers."))
    in_county(actor, county)
    errors: dict[str, list] = {}
    source = text_value(source, "source", errors, limit=100, required=True)
    weight_kg = weight_value(weight_kg, "weight_kg", errors)
    price = money_value(price, "price", errors, maximum=MAX_PRICE)
    observed_on = day_value(observed_on, "observed_on", errors)
    note = text_value(note, "note", errors, limit=200)
    if (
        not errors
        and PriceBenchmark.objects.filter(
            county=county, source=source, weight_kg=weight_kg, observed_on=observed_on
        ).exists()
    ):
        errors["observed_on"] = [_("This price was already recorded for this day.")]
    if errors:
        raise ValidationError(errors)
    row = PriceBenchmark.objects.create(
        county=county, source=source, weight_kg=weight_kg, price=price, observed_on=observed_on, note=note
    )
    fields = ["source", "weight_kg", "price", "observed_on"]
    audit_record(
        actor=actor,
        action="benchmark.record",
        instance=row,
        changes={f: [None, getattr(row, f)] for f in fields},
    )
    return row

"""Writes of the logistics app: carriers, their presence at township centers, shipments (parcels with
their planned legs). Scans are recorded by `logistics.scanning.scans_record`.

Every service is keyword-only and atomic, checks capability and scope, validates (field errors as
`ValidationError`), writes, and records an audit event.
"""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiangcun.accounts.choices import Role
from xiangcun.accounts.permissions import has_capability
from xiangcun.core.audit import audit_record, diff, snapshot
from xiangcun.core.errors import ApplicationError, PermissionDenied
from xiangcun.core.geo import haversine_m
from xiangcun.core.money import yuan
from xiangcun.core.scoping import lock_in_scope

from .choices import (
    MAX_COST,
    MAX_DECLARED_VALUE,
    MAX_WEIGHT_KG,
    WAYBILL_PATTERN,
    CarrierKind,
    Direction,
)
from .models import Carrier, CarrierAccount, CarrierPresence, Leg, Shipment
from .selectors import carrier_list, presence_list, user_carrier_id

EARLIEST = datetime(2015, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(minutes=10)
PHONE = re.compile(r"^[0-9+\- ]{5,20}$")


def _text(value, field: str, errors: dict, *, limit: int, required: bool = False) -> str:
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


def _money(value, field: str, errors: dict, *, maximum: int, required: bool = True) -> Decimal | None:
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


def _in_county(actor, county) -> None:
    if not actor.is_superuser and actor.county_id != getattr(county, "pk", None):
        raise PermissionDenied(_("This county is outside your scope."))


# --- carriers ---------------------------------------------------------------------------------------

CARRIER_FIELDS = [
    "name",
    "kind",
    "contact_name",
    "contact_phone",
    "funded",
    "funded_route",
    "is_active",
    "notes",
]


def _carrier_values(county, values: dict, *, exclude_pk=None, current: Carrier | None = None) -> dict:
    errors: dict[str, list] = {}
    unknown = set(values) - set(CARRIER_FIELDS)
    for name in sorted(unknown):
        errors[name] = [_("Unknown field.")]
    clean: dict = {}
    if "name" in values:
        clean["name"] = _text(values["name"], "name", errors, limit=100, required=True)
        if (
            "name" not in errors
            and Carrier.objects.filter(county=county, name=clean["name"]).exclude(pk=exclude_pk).exists()
        ):
            errors["name"] = [_("This county already has a carrier with this name.")]
    if "kind" in values:
        if values["kind"] not in CarrierKind.values:
            errors["kind"] = [_("One of: %(values)s.") % {"values": ", ".join(CarrierKind.values)}]
        else:
            clean["kind"] = values["kind"]
    for name, limit in (("contact_name", 50), ("funded_route", 100), ("notes", 2000)):
        if name in values:
            clean[name] = _text(values[name], name, errors, limit=limit)
    if "contact_phone" in values:
        phone = _text(values["contact_phone"], "contact_phone", errors, limit=20)
        if phone and "contact_phone" not in errors and not PHONE.match(phone):
            errors["contact_phone"] = [_("Enter a phone number (digits, +, -).")]
        clean["contact_phone"] = phone
    for name in ("funded", "is_active"):
        if name in values:
            if not isinstance(values[name], bool):
                errors[name] = [_("Enter true or false.")]
            else:
                clean[name] = values[name]
    funded = clean.get("funded", current.funded if current else False)
    route = clean.get("funded_route", current.funded_route if current else "")
    if funded and not route and "funded_route" not in errors:
        errors["funded_route"] = [_("Say which logistics route the funds support.")]
    if not funded and route:
        if values.get("funded_route"):
            errors["funded_route"] = [_("Only a carrier receiving program funds has a funded route.")]
        else:
            # The funds stopped: the route they supported goes too, rather than a stale one staying.
            clean["funded_route"] = ""
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def carrier_create(*, actor, county, name: str, kind: str, **fields) -> Carrier:
    """Register an express or logistics company of the county (bureau or contractor)."""
    if not has_capability(actor, "logistics.manage_carrier"):
        raise PermissionDenied(_("You may not manage carriers."))
    _in_county(actor, county)
    values = _carrier_values(county, {"name": name, "kind": kind, **fields})
    carrier = Carrier(county=county, is_demo=county.is_demo, **values)
    carrier.full_clean()
    carrier.save()
    audit_record(
        actor=actor,
        action="carrier.create",
        instance=carrier,
        changes={f: [None, getattr(carrier, f)] for f in CARRIER_FIELDS},
    )
    return carrier


@transaction.atomic
def carrier_update(*, actor, carrier: Carrier, **changes) -> Carrier:
    """Change a carrier's details, e.g. the funds it receives and for which route."""
    if not has_capability(actor, "logistics.manage_carrier"):
        raise PermissionDenied(_("You may not manage carriers."))
    carrier = lock_in_scope(carrier_list(user=actor), carrier.pk, _("This carrier is outside your scope."))
    values = _carrier_values(carrier.county, changes, exclude_pk=carrier.pk, current=carrier)
    before = snapshot(carrier, CARRIER_FIELDS)
    for name, value in values.items():
        setattr(carrier, name, value)
    carrier.full_clean()
    carrier.save()
    changed = diff(before, snapshot(carrier, CARRIER_FIELDS))
    if changed:
        audit_record(actor=actor, action="carrier.update", instance=carrier, changes=changed)
    return carrier


@transaction.atomic
def carrier_account_set(*, actor, user, carrier: Carrier | None) -> CarrierAccount | None:
    """Link a user of role `carrier` to the company they work for (or unlink with `carrier=None`)."""
    if not has_capability(actor, "logistics.manage_carrier"):
        raise PermissionDenied(_("You may not manage carriers."))
    _in_county(actor, user.county)
    if user.role != Role.CARRIER:
        raise ApplicationError(
            _("Only users of role carrier work for a carrier."),
            fields={"user": [_("Not a carrier's user.")]},
        )
    account = CarrierAccount.objects.select_for_update().filter(user=user).first()
    old = account.carrier_id if account else None
    if carrier is None:
        if account is not None:
            audit_record(
                actor=actor,
                action="carrier_account.delete",
                instance=account,
                changes={"carrier": [old, None]},
            )
            account.delete()
        return None
    carrier = lock_in_scope(carrier_list(user=actor), carrier.pk, _("This carrier is outside your scope."))
    if carrier.county_id != user.county_id:
        raise ApplicationError(
            _("The carrier works in another county."), fields={"carrier": [_("Not in the user's county.")]}
        )
    if account is None:
        account = CarrierAccount.objects.create(county_id=carrier.county_id, user=user, carrier=carrier)
    elif old != carrier.pk:
        account.carrier = carrier
        account.save(update_fields=["carrier"])
    else:
        return account
    audit_record(
        actor=actor, action="carrier_account.set", instance=account, changes={"carrier": [old, carrier.pk]}
    )
    return account


# --- carriers at township centers -------------------------------------------------------------------


@transaction.atomic
def presence_record(
    *, actor, carrier: Carrier, facility, since: date, until: date | None = None, note: str = ""
):
    """Record that a carrier is integrated at a township delivery center from `since` (until `until`)."""
    from xiangcun.network.choices import FacilityKind
    from xiangcun.network.selectors import facility_list

    if not has_capability(actor, "logistics.manage_carrier"):
        raise PermissionDenied(_("You may not manage carriers."))
    carrier = lock_in_scope(carrier_list(user=actor), carrier.pk, _("This carrier is outside your scope."))
    if not facility_list(user=actor).filter(pk=facility.pk).exists():
        raise PermissionDenied(_("This facility is outside your scope."))
    errors: dict[str, list] = {}
    if facility.kind != FacilityKind.TOWNSHIP_CENTER:
        errors["facility"] = [_("Carriers are integrated at township delivery centers.")]
    elif facility.county_id != carrier.county_id:
        errors["facility"] = [_("Not in the carrier's county.")]
    if not isinstance(since, date) or isinstance(since, datetime):
        errors["since"] = [_("Enter a date.")]
    if until is not None and (not isinstance(until, date) or isinstance(until, datetime)):
        errors["until"] = [_("Enter a date.")]
    elif until is not None and "since" not in errors and until < since:
        errors["until"] = [_("Must not be before since.")]
    note = _text(note, "note", errors, limit=200)
    if not errors:
        overlapping = CarrierPresence.objects.filter(carrier=carrier, facility=facility).filter(
            since__lte=until or date.max
        )
        overlapping = [p for p in overlapping if p.until is None or p.until >= since]
        if overlapping:
            errors["since"] = [_("The carrier is already recorded at this center in this period.")]
    if errors:
        raise ValidationError(errors)
    presence = CarrierPresence.objects.create(
        county_id=carrier.county_id, carrier=carrier, facility=facility, since=since, until=until, note=note
    )
    audit_record(
        actor=actor,
        action="carrier_presence.record",
        instance=presence,
        changes={
            "carrier": [None, carrier.pk],
            "facility": [None, facility.pk],
            "since": [None, since],
            "until": [None, until],
        },
    )
    return presence


@transaction.atomic
def presence_end(*, actor, presence: CarrierPresence, until: date) -> CarrierPresence:
    """Record the last day a carrier was integrated at a township center."""
    if not has_capability(actor, "logistics.manage_carrier"):
        raise PermissionDenied(_("You may not manage carriers."))
    presence = lock_in_scope(presence_list(user=actor), presence.pk, _("This record is outside your scope."))
    if not isinstance(until, date) or isinstance(until, datetime) or until < presence.since:
        raise ValidationError({"until": [_("Enter a date not before since.")]})
    old = presence.until
    presence.until = until
    presence.save(update_fields=["until", "updated_at"])
    audit_record(
        actor=actor, action="carrier_presence.end", instance=presence, changes={"until": [old, until]}
    )
    return presence


# --- shipments --------------------------------------------------------------------------------------


def county_warehouse(county):
    """The county warehouse and logistics center parcels pass through (the lowest code not closed)."""
    from xiangcun.network.choices import FacilityKind, SiteStatus
    from xiangcun.network.models import Facility

    return (
        Facility.objects.filter(county=county, kind=FacilityKind.COUNTY_WAREHOUSE)
        .exclude(status=SiteStatus.CLOSED)
        .order_by("code")
        .first()
    )


def serving_center(station):
    """The township delivery center serving a station: the one in its township (lowest code, not
    closed), else the nearest one by great-circle distance (townships without a center of their own
    are served by a neighbour's), else None."""
    from xiangcun.network.choices import FacilityKind, SiteStatus
    from xiangcun.network.models import Facility

    centers = Facility.objects.filter(county_id=station.county_id, kind=FacilityKind.TOWNSHIP_CENTER).exclude(
        status=SiteStatus.CLOSED
    )
    own = centers.filter(township_id=station.township_id).order_by("code").first()
    if own is not None:
        return own
    origin = station if station.has_coordinates else station.township
    if getattr(origin, "latitude", None) is None or getattr(origin, "longitude", None) is None:
        return None
    placed = [c for c in centers.order_by("code") if c.has_coordinates]
    if not placed:
        return None
    return min(
        placed,
        key=lambda c: haversine_m(
            float(origin.longitude), float(origin.latitude), float(c.longitude), float(c.latitude)
        ),
    )


def plan_legs(*, direction: str, warehouse, center, station, destination_text: str = "") -> list[dict]:
    """The hops of a parcel: downstream warehouse → center → station; upstream station → center →
    warehouse (→ outside the county when `destination_text`)."""
    if direction == Direction.DOWNSTREAM:
        return [
            {"from_facility": warehouse, "to_facility": center},
            {"from_facility": center, "to_station": station},
        ]
    legs = [
        {"from_station": station, "to_facility": center},
        {"from_facility": center, "to_facility": warehouse},
    ]
    if destination_text:
        legs.append({"from_facility": warehouse, "to_text": destination_text})
    return legs


SHIPMENT_FIELDS = [
    "waybill_no",
    "carrier",
    "direction",
    "station",
    "center",
    "warehouse",
    "destination_text",
    "booked_at",
    "weight_kg",
    "declared_value",
    "cost",
    "cold_chain",
    "transaction",
]


def _moment(value, field: str, errors: dict, now: datetime) -> datetime | None:
    if not isinstance(value, datetime) or value.tzinfo is None:
        errors[field] = [_("Give a date-time with its UTC offset.")]
    elif value < EARLIEST:
        errors[field] = [_("Before 2015: not plausible for this program.")]
    elif value > now + CLOCK_SKEW:
        errors[field] = [_("In the future.")]
    else:
        return value
    return None


@transaction.atomic
def shipment_create(
    *,
    actor,
    carrier: Carrier,
    station,
    waybill_no: str,
    direction: str,
    weight_kg: Decimal,
    declared_value: Decimal = Decimal("0"),
    cold_chain: bool = False,
    cost: Decimal | None = None,
    destination_text: str = "",
    booked_at: datetime | None = None,
    transaction_uuid=None,
    center=None,
) -> Shipment:
    """Book a parcel to or from a village station and plan its legs through the county warehouse and the
    township center serving the station (`serving_center`, or `center` when given).

    The contractor books any parcel of the county, a carrier's user its own company's, a station's
    manager those of their station. `transaction_uuid` links the station's proxy purchase (downstream)
    or proxy sale (upstream) the parcel carries: one order, one parcel.
    """
    from xiangcun.network.choices import FacilityKind, SiteStatus
    from xiangcun.network.selectors import station_list
    from xiangcun.stations.choices import VOID_STATUSES, ServiceKind
    from xiangcun.stations.models import Transaction

    if not has_capability(actor, "logistics.record_shipment"):
        raise PermissionDenied(_("You may not book parcels."))
    station = lock_in_scope(station_list(user=actor), station.pk, _("This station is outside your scope."))
    carrier = carrier_list(user=actor).filter(pk=carrier.pk).first()
    if carrier is None:
        raise PermissionDenied(_("This carrier is outside your scope."))
    if actor.role == Role.CARRIER and not actor.is_superuser and user_carrier_id(actor) != carrier.pk:
        raise PermissionDenied(_("You may only book parcels of your own company."))
    now = timezone.now()
    errors: dict[str, list] = {}
    if carrier.county_id != station.county_id:
        errors["carrier"] = [_("The carrier works in another county.")]
    elif not carrier.is_active:
        errors["carrier"] = [_("The carrier is no longer active.")]
    if station.status == SiteStatus.CLOSED:
        errors["station"] = [_("The station is closed.")]
    waybill_no = _text(waybill_no, "waybill_no", errors, limit=40, required=True)
    if "waybill_no" not in errors and not re.match(WAYBILL_PATTERN, waybill_no):
        errors["waybill_no"] = [_("4 to 40 letters, digits or hyphens.")]
    elif "waybill_no" not in errors and "carrier" not in errors:
        if Shipment.objects.filter(
            county_id=station.county_id, carrier=carrier, waybill_no=waybill_no
        ).exists():
            errors["waybill_no"] = [_("This carrier already has a parcel with this waybill number.")]
    if direction not in Direction.values:
        errors["direction"] = [_("One of: %(values)s.") % {"values": ", ".join(Direction.values)}]
    destination_text = _text(destination_text, "destination_text", errors, limit=100)
    if destination_text and direction == Direction.DOWNSTREAM:
        errors["destination_text"] = [_("Only upstream parcels leave the county.")]
    if (
        isinstance(weight_kg, bool)
        or not isinstance(weight_kg, Decimal | int)
        or not Decimal(weight_kg).is_finite()
    ):
        errors["weight_kg"] = [_("Enter the weight in kg, e.g. 1.25.")]
    elif Decimal(weight_kg).as_tuple().exponent < -3:
        errors["weight_kg"] = [_("At most three decimal places (grams).")]
    elif weight_kg <= 0:
        errors["weight_kg"] = [_("Must be more than zero.")]
    elif weight_kg > MAX_WEIGHT_KG:
        errors["weight_kg"] = [_("At most %(max)s kg.") % {"max": MAX_WEIGHT_KG}]
    declared_value = _money(declared_value, "declared_value", errors, maximum=MAX_DECLARED_VALUE)
    cost = _money(cost, "cost", errors, maximum=MAX_COST, required=False)
    if not isinstance(cold_chain, bool):
        errors["cold_chain"] = [_("Enter true or false.")]
    booked_at = _moment(booked_at or now, "booked_at", errors, now)
    warehouse = county_warehouse(station.county)
    if warehouse is None:
        errors["station"] = [_("The county has no county warehouse to route parcels through.")]
    if center is not None:
        if center.county_id != station.county_id or center.kind != FacilityKind.TOWNSHIP_CENTER:
            errors["center"] = [_("Not a township delivery center of this county.")]
        elif center.status == SiteStatus.CLOSED:
            errors["center"] = [_("The township center is closed.")]
    else:
        center = serving_center(station)
        if center is None:
            errors.setdefault("station", []).append(_("No township delivery center serves this station."))
    order = None
    if transaction_uuid is not None:
        order = Transaction.objects.filter(
            county_id=station.county_id, station=station, uuid=transaction_uuid
        ).first()
        wanted = ServiceKind.PROXY_PURCHASE if direction == Direction.DOWNSTREAM else ServiceKind.PROXY_SALE
        if order is None:
            errors["transaction_uuid"] = [_("No entry with this UUID in the station's ledger.")]
        elif order.kind != wanted:
            errors["transaction_uuid"] = [
                _("A %(direction)s parcel carries a %(kind)s.")
                % {
                    "direction": Direction(direction).label if direction in Direction.values else direction,
                    "kind": ServiceKind(wanted).label,
                }
            ]
        elif order.status in VOID_STATUSES:
            errors["transaction_uuid"] = [_("The order was cancelled or returned.")]
        elif Shipment.objects.filter(county_id=station.county_id, transaction=order).exists():
            errors["transaction_uuid"] = [_("This order already has its parcel.")]
    if errors:
        raise ValidationError(errors)
    shipment = Shipment(
        county_id=station.county_id,
        carrier=carrier,
        waybill_no=waybill_no,
        direction=direction,
        station=station,
        center=center,
        warehouse=warehouse,
        destination_text=destination_text,
        booked_at=booked_at,
        weight_kg=Decimal(weight_kg),
        declared_value=declared_value,
        cost=cost,
        cold_chain=cold_chain,
        transaction=order,
        current_facility=warehouse if direction == Direction.DOWNSTREAM else None,
        current_station=station if direction == Direction.UPSTREAM else None,
        current_since=booked_at,
        created_by=actor if getattr(actor, "pk", None) else None,
        is_demo=station.is_demo,
    )
    shipment.full_clean(validate_unique=False, validate_constraints=False)
    shipment.save()
    for sequence, leg in enumerate(
        plan_legs(
            direction=direction,
            warehouse=warehouse,
            center=center,
            station=station,
            destination_text=destination_text,
        ),
        start=1,
    ):
        Leg.objects.create(
            county_id=shipment.county_id, shipment=shipment, sequence=sequence, carrier=carrier, **leg
        )
    audit_record(
        actor=actor,
        action="shipment.create",
        instance=shipment,
        changes={f: [None, getattr(shipment, f)] for f in SHIPMENT_FIELDS},
    )
    return shipment


# --- tariffs and price benchmarks -------------------------------------------------------------------

MAX_PRICE = 10_000


def _weight(value, field: str, errors: dict) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, Decimal | int) or not Decimal(value).is_finite():
        errors[field] = [_("Enter the weight in kg, e.g. 1.25.")]
    elif Decimal(value).as_tuple().exponent < -3:
        errors[field] = [_("At most three decimal places (grams).")]
    elif value <= 0 or value > MAX_WEIGHT_KG:
        errors[field] = [_("More than 0 and at most %(max)s kg.") % {"max": MAX_WEIGHT_KG}]
    else:
        return Decimal(value)
    return None


def _day(value, field: str, errors: dict, *, required: bool = True) -> date | None:
    if value is None and not required:
        return None
    if not isinstance(value, date) or isinstance(value, datetime):
        errors[field] = [_("Enter a date.")]
        return None
    return value


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
    from .models import Tariff

    if not has_capability(actor, "logistics.manage_carrier"):
        raise PermissionDenied(_("You may not manage carriers."))
    carrier = lock_in_scope(carrier_list(user=actor), carrier.pk, _("This carrier is outside your scope."))
    errors: dict[str, list] = {}
    if direction not in Direction.values:
        errors["direction"] = [_("One of: %(values)s.") % {"values": ", ".join(Direction.values)}]
    first_weight_kg = _weight(first_weight_kg, "first_weight_kg", errors)
    first_price = _money(first_price, "first_price", errors, maximum=MAX_PRICE)
    extra_price_per_kg = _money(extra_price_per_kg, "extra_price_per_kg", errors, maximum=MAX_PRICE)
    valid_from = _day(valid_from, "valid_from", errors)
    valid_until = _day(valid_until, "valid_until", errors, required=False)
    if valid_from and valid_until and valid_until < valid_from:
        errors["valid_until"] = [_("Must not be before valid from.")]
    note = _text(note, "note", errors, limit=200)
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
    from .models import PriceBenchmark

    if not has_capability(actor, "logistics.manage_carrier"):
        raise PermissionDenied(_("You may not manage carriers."))
    _in_county(actor, county)
    errors: dict[str, list] = {}
    source = _text(source, "source", errors, limit=100, required=True)
    weight_kg = _weight(weight_kg, "weight_kg", errors)
    price = _money(price, "price", errors, maximum=MAX_PRICE)
    observed_on = _day(observed_on, "observed_on", errors)
    note = _text(note, "note", errors, limit=200)
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

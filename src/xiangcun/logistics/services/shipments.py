"""Booking parcels: the route through the county warehouse and the serving township center."""

import re
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiangcun.accounts.choices import Role
from xiangcun.accounts.permissions import has_capability
from xiangcun.core.audit import audit_record
from xiangcun.core.errors import PermissionDenied
from xiangcun.core.geo import haversine_m
from xiangcun.core.scoping import lock_in_scope

from ..choices import MAX_COST, MAX_DECLARED_VALUE, MAX_WEIGHT_KG, WAYBILL_PATTERN, Direction
from ..models import Carrier, Leg, Shipment
from ..rollups import delivery_rollup_refresh, shipment_keys
from ..selectors import carrier_list, user_carrier_id
from .checks import CLOCK_SKEW, EARLIEST, money_value, text_value

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


def moment_value(value, field: str, errors: dict, now: datetime) -> datetime | None:
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
    waybill_no = text_value(waybill_no, "waybill_no", errors, limit=40, required=True)
    if "waybill_no" not in errors and not re.match(WAYBILL_PATTERN, waybill_no):
        errors["waybill_no"] = [_("4 to 40 letters, digits or hyphens.")]
    elif "waybill_no" not in errors and "carrier" not in errors:
        if Shipment.objects.filter(
            county_id=station.county_id, carrier=carrier, waybill_no=waybill_no
        ).exists():
            errors["waybill_no"] = [_("This carrier already has a parcel with this waybill number.")]
    if direction not in Direction.values:
        errors["direction"] = [_("One of: %(values)s.") % {"values": ", ".join(Direction.values)}]
    destination_text = text_value(destination_text, "destination_text", errors, limit=100)
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
    declared_value = money_value(declared_value, "declared_value", errors, maximum=MAX_DECLARED_VALUE)
    cost = money_value(cost, "cost", errors, maximum=MAX_COST, required=False)
    if not isinstance(cold_chain, bool):
        errors["cold_chain"] = [_("Enter true or false.")]
    booked_at = moment_value(booked_at or now, "booked_at", errors, now)
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
    delivery_rollup_refresh(shipment_keys(shipment, station.township_id))
    audit_record(
        actor=actor,
        action="shipment.create",
        instance=shipment,
        changes={f: [None, getattr(shipment, f)] for f in SHIPMENT_FIELDS},
    )
    return shipment

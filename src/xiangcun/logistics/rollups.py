"""The monthly rollup of the delivery ledger (`DeliveryMonth`), kept exact.

A row's *key* is (county, month, carrier, township center, township of the village station, direction);
which month each measure counts a parcel in is documented on `DeliveryMonth` and in docs/logistics.md.

- `delivery_keys(...)` gives the keys a parcel contributes to (its waybill month and, once it has
  reached its destination, its arrival month);
- `delivery_rollup_refresh(keys)` recomputes those rows from the shipments, each distinct key once
  (two aggregate queries through the shipment indexes on carrier, center, direction and time): the
  scanning path and shipment booking call it with the keys of the parcels they changed, before and
  after the change, so a parcel moving from one month to another leaves the old row exact too;
- `delivery_rollup_rebuild(county=...)` recomputes every row of a county with one aggregate query
  grouped by waybill month, arrival month and the key fields (the demo loader calls it after its bulk
  insert).

Both paths use the same measure expressions (`_measures`), and a test checks that after mixed
operations the incremental rows equal the rebuilt ones.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Q, Sum

from xiangcun.core.db import BeijingMonth

from .choices import Direction, ShipmentStatus
from .models import DeliveryMonth, Shipment

TZ = ZoneInfo("Asia/Shanghai")
KEY_FIELDS = ("county_id", "month", "carrier_id", "center_id", "township_id", "direction")
BOOKED_MEASURES = (
    "parcels",
    "weight_g",
    "declared_value",
    "costed",
    "cost_total",
    "returned",
    "on_time",
    "late",
)
ARRIVED_MEASURES = ("delivered", "delivered_on_time")  # and slowest_delivery (a maximum)

# (county id, month, carrier id, center id, township id, direction)
Key = tuple[int, date, int, int, int, str]


def month_of(moment: datetime) -> date:
    """The first day of the Beijing-time month of an aware datetime."""
    local = moment.astimezone(TZ)
    return date(local.year, local.month, 1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=TZ)
    following = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=TZ)
    return start, following


def delivery_keys(
    *, county_id, carrier_id, center_id, township_id, direction, booked_at, arrived_at
) -> set[Key]:
    """The rollup keys a parcel with these values contributes to."""
    base = (carrier_id, center_id, township_id, direction)
    keys = {(county_id, month_of(booked_at), *base)}
    if arrived_at is not None:
        keys.add((county_id, month_of(arrived_at), *base))
    return keys


def shipment_keys(shipment: Shipment, township_id: int) -> set[Key]:
    return delivery_keys(
        county_id=shipment.county_id,
        carrier_id=shipment.carrier_id,
        center_id=shipment.center_id,
        township_id=township_id,
        direction=shipment.direction,
        booked_at=shipment.booked_at,
        arrived_at=shipment.arrived_at,
    )


def _booked_measures() -> dict:
    down = Q(direction=Direction.DOWNSTREAM)
    kept = ~Q(status=ShipmentStatus.RETURNED)
    return {
        "parcels": Count("id"),
        "weight": Sum("weight_kg"),
        "declared_value": Sum("declared_value"),
        "costed": Count("cost"),
        "cost_total": Sum("cost"),
        "returned": Count("id", filter=Q(status=ShipmentStatus.RETURNED)),
        "on_time": Count("id", filter=down & kept & Q(arrived_at__lte=F("due_at"))),
        "late": Count("id", filter=down & kept & Q(arrived_at__gt=F("due_at"))),
    }


def _arrived_measures() -> dict:
    return {
        "delivered": Count("arrived_at"),
        "delivered_on_time": Count(
            "id", filter=Q(direction=Direction.DOWNSTREAM, arrived_at__lte=F("due_at"))
        ),
        "slowest_delivery": Max(
            ExpressionWrapper(F("arrived_at") - F("sent_at"), output_field=DurationField()),
            filter=Q(direction=Direction.DOWNSTREAM),
        ),
    }


def _grams(weight) -> int:
    # Sums of the 3-decimal weight column: exact on PostgreSQL, a float sum on SQLite (rounded to the gram).
    return int((Decimal(weight or 0) * 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _booked_values(row: dict) -> dict:
    return {
        "parcels": row["parcels"],
        "weight_g": _grams(row["weight"]),
        "declared_value": row["declared_value"] or Decimal(0),
        "costed": row["costed"],
        "cost_total": row["cost_total"] or Decimal(0),
        "returned": row["returned"],
        "on_time": row["on_time"],
        "late": row["late"],
    }


def _empty() -> dict:
    return {
        **dict.fromkeys(BOOKED_MEASURES, 0),
        **dict.fromkeys(ARRIVED_MEASURES, 0),
        "slowest_delivery": None,
    }


def _is_empty(values: dict) -> bool:
    return not values["parcels"] and not values["delivered"]


def _key_filter(key: Key) -> dict:
    county_id, _month, carrier_id, center_id, township_id, direction = key
    return {
        "county_id": county_id,
        "carrier_id": carrier_id,
        "center_id": center_id,
        "direction": direction,
        "station__township_id": township_id,
    }


def _compute(key: Key) -> dict:
    """The measures of one rollup row, from the shipments (two aggregate queries)."""
    start, end = month_bounds(key[1])
    shipments = Shipment.objects.filter(**_key_filter(key)).order_by()
    values = _empty()
    values.update(
        _booked_values(
            shipments.filter(booked_at__gte=start, booked_at__lt=end).aggregate(**_booked_measures())
        )
    )
    values.update(
        shipments.filter(arrived_at__gte=start, arrived_at__lt=end).aggregate(**_arrived_measures())
    )
    return values


def _row(key: Key, values: dict) -> DeliveryMonth:
    return DeliveryMonth(**dict(zip(KEY_FIELDS, key, strict=True)), **values)


def _lock_counties(county_ids: set[int]) -> None:
    """Serialise rollup recomputes per county (PostgreSQL; SQLite has one writer anyway): the lock is
    taken before reading, so a recompute reads every shipment change committed by an earlier one, and two
    batches touching the same key cannot both delete and re-insert its row (a unique violation) or write
    a stale sum over a fresher one. Held to the end of the caller's transaction."""
    from xiangcun.regions.models import County

    if county_ids:
        list(
            County.objects.select_for_update()
            .filter(pk__in=sorted(county_ids))
            .order_by("pk")
            .values_list("pk")
        )


@transaction.atomic
def delivery_rollup_refresh(keys: Iterable[Key]) -> int:
    """Recompute the rollup rows of `keys` (each distinct key once) from the shipments; a key without
    parcels loses its row. Returns the number of keys recomputed. Call inside the transaction that
    changed the shipments, with the keys of each changed parcel before and after the change."""
    keys = sorted(set(keys))
    _lock_counties({key[0] for key in keys})
    rows = []
    for key in keys:
        values = _compute(key)
        DeliveryMonth.objects.filter(**dict(zip(KEY_FIELDS, key, strict=True))).delete()
        if not _is_empty(values):
            rows.append(_row(key, values))
    DeliveryMonth.objects.bulk_create(rows, batch_size=500)
    return len(keys)


def _aggregate_county(county_id: int) -> dict[Key, dict]:
    """Every rollup row of a county from one aggregate query, grouped by waybill month, arrival month
    and the key fields; each group adds its waybill-month measures to one row and its arrival-month
    measures to another."""
    rows = (
        Shipment.objects.filter(county_id=county_id)
        .order_by()
        .annotate(
            booked_month=BeijingMonth("booked_at"),
            arrived_month=BeijingMonth("arrived_at"),
        )
        .values(
            "booked_month", "arrived_month", "carrier_id", "center_id", "station__township_id", "direction"
        )
        .annotate(**_booked_measures(), **_arrived_measures())
    )
    out: dict[Key, dict] = defaultdict(_empty)
    for row in rows:
        base = (row["carrier_id"], row["center_id"], row["station__township_id"], row["direction"])
        booked = out[(county_id, row["booked_month"], *base)]
        for name, value in _booked_values(row).items():
            booked[name] += value
        if row["arrived_month"] is not None:
            arrived = out[(county_id, row["arrived_month"], *base)]
            for name in ARRIVED_MEASURES:
                arrived[name] += row[name]
            slowest = [d for d in (arrived["slowest_delivery"], row["slowest_delivery"]) if d is not None]
            arrived["slowest_delivery"] = max(slowest, default=None)
    return out


@transaction.atomic
def delivery_rollup_rebuild(*, county) -> int:
    """Replace every rollup row of `county` (a County or its id) with rows recomputed from its shipments
    in one aggregate query (see `_aggregate_county`); returns the number of rows written."""
    county_id = getattr(county, "pk", county)
    _lock_counties({county_id})
    rows = [
        _row(key, values)
        for key, values in sorted(_aggregate_county(county_id).items())
        if not _is_empty(values)
    ]
    DeliveryMonth.objects.filter(county_id=county_id).delete()
    DeliveryMonth.objects.bulk_create(rows, batch_size=500)
    return len(rows)

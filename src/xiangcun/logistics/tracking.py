"""Where a parcel is, derived from its scans.

`derive(route, scans, direction=, booked_at=)` is a pure function of the *set* of scans: each scan has a
rank on the planned route (`scan_rank`) and the parcel is where its highest-ranked scan puts it; a
"returned" scan ends everything. Times are minima over scans. Maxima and minima do not depend on the
order in which scans arrived, and a duplicate changes neither, so replayed or out-of-order scans give
the same result as scans received in order (tested with hypothesis). `shipment_refresh` applies the
result to a stored shipment and its legs.
"""

from dataclasses import dataclass, field
from datetime import datetime

from .choices import DELIVERY_LIMIT, SHIPMENT_TRANSITIONS, Direction, LegStatus, ScanKind, ShipmentStatus
from .models import EXTERNAL, Leg, Scan, Shipment
from .rollups import delivery_rollup_refresh, shipment_keys

RETURNED_RANK = 10**6


@dataclass(frozen=True)
class RouteLeg:
    from_key: str
    to_key: str


@dataclass(frozen=True)
class ScanFact:
    kind: str
    site_key: str
    at: datetime


def scan_rank(route: list[RouteLeg], kind: str, site: str) -> tuple[int, int] | None:
    """(rank, leg index from 0) of a scan of `kind` at `site` on `route`, or None when the scan does not
    fit the route (e.g. "in" at a site the parcel never goes to). Ranks: out of leg i = 2i-1, in at the
    end of leg i = 2i, delivered = 2n+1, signed for = 2n+2 (legs counted from 1), returned = RETURNED_RANK.
    """
    n = len(route)
    final = route[-1].to_key
    if kind == ScanKind.OUT:
        for i, leg in enumerate(route):
            if leg.from_key == site:
                return 2 * i + 1, i
        return None
    if kind == ScanKind.IN:
        for i, leg in enumerate(route):
            if leg.to_key == site and site != EXTERNAL:
                return 2 * i + 2, i
        return None
    if kind in (ScanKind.DELIVERED, ScanKind.SIGNED_FOR):
        if site != final:
            return None
        return (2 * n + 1 if kind == ScanKind.DELIVERED else 2 * n + 2), n - 1
    if kind == ScanKind.RETURNED:
        for i, leg in enumerate(route):
            if leg.to_key == site:
                return RETURNED_RANK, i
        if route[0].from_key == site:
            return RETURNED_RANK, 0
        return None
    return None


@dataclass
class LegState:
    status: str = LegStatus.PENDING
    departed_at: datetime | None = None
    arrived_at: datetime | None = None


@dataclass
class Tracking:
    status: str
    current_key: str | None  # None while on the road between two sites
    current_since: datetime | None
    sent_at: datetime | None
    due_at: datetime | None
    arrived_at: datetime | None
    signed_at: datetime | None
    returned_at: datetime | None
    legs: list[LegState] = field(default_factory=list)


def _min(values) -> datetime | None:
    values = [v for v in values if v is not None]
    return min(values) if values else None


def derive(route: list[RouteLeg], scans, *, direction: str, booked_at: datetime) -> Tracking:
    """The tracking state of a parcel on `route` given its `scans` (ScanFacts; ones that do not fit the
    route are ignored — ingest refuses them)."""
    n = len(route)
    ranked = []
    for scan in scans:
        fit = scan_rank(route, scan.kind, scan.site_key)
        if fit is not None:
            ranked.append((fit[0], fit[1], scan))
    progress = [r for r in ranked if r[0] != RETURNED_RANK]
    top = max((r[0] for r in progress), default=0)
    returned = [r for r in ranked if r[0] == RETURNED_RANK]

    origin_out = [s.at for rank, _i, s in progress if rank == 1]
    sent_at = _min(origin_out) or (booked_at if top > 0 else None)
    due_at = sent_at + DELIVERY_LIMIT if sent_at and direction == Direction.DOWNSTREAM else None
    arrived_at = _min(s.at for rank, _i, s in progress if rank >= 2 * n)
    signed_at = _min(s.at for rank, _i, s in progress if rank == 2 * n + 2)

    legs = []
    for i in range(1, n + 1):
        state = LegState()
        if top >= 2 * i:
            state.status = LegStatus.ARRIVED
        elif top >= 2 * i - 1:
            state.status = LegStatus.DEPARTED
        state.departed_at = _min(s.at for rank, _j, s in progress if rank == 2 * i - 1)
        ends = {2 * i} | ({2 * n + 1, 2 * n + 2} if i == n else set())
        state.arrived_at = _min(s.at for rank, _j, s in progress if rank in ends)
        legs.append(state)

    if returned:
        first = min(returned, key=lambda r: (r[2].at, r[2].site_key))[2]
        status, current_key, since = ShipmentStatus.RETURNED, first.site_key, first.at
        returned_at = first.at
    else:
        returned_at = None
        since = _min(s.at for rank, _i, s in progress if rank == top)
        if top == 0:
            status, current_key, since = ShipmentStatus.CREATED, route[0].from_key, booked_at
        elif top % 2 == 1 and top < 2 * n:
            status, current_key = ShipmentStatus.IN_TRANSIT, None
        elif top <= 2 * n:
            status, current_key = ShipmentStatus.AT_SITE, route[top // 2 - 1].to_key
        else:
            status = ShipmentStatus.DELIVERED if top == 2 * n + 1 else ShipmentStatus.SIGNED_FOR
            current_key = route[-1].to_key
    return Tracking(
        status=status,
        current_key=current_key,
        current_since=since,
        sent_at=sent_at,
        due_at=due_at,
        arrived_at=arrived_at,
        signed_at=signed_at,
        returned_at=returned_at,
        legs=legs,
    )


def transition_allowed(from_status: str, to_status: str) -> bool:
    return from_status == to_status or to_status in SHIPMENT_TRANSITIONS[from_status]


def route_of(legs) -> list[RouteLeg]:
    return [RouteLeg(leg.from_key, leg.to_key) for leg in legs]


def _key_to_fields(key: str | None) -> dict:
    if key and key.startswith("F"):
        return {"current_facility_id": int(key[1:]), "current_station_id": None}
    if key and key.startswith("S"):
        return {"current_facility_id": None, "current_station_id": int(key[1:])}
    return {"current_facility_id": None, "current_station_id": None}


SHIPMENT_TRACKING_FIELDS = [
    "status",
    "sent_at",
    "due_at",
    "arrived_at",
    "signed_at",
    "returned_at",
    "current_facility_id",
    "current_station_id",
    "current_since",
]


def shipment_refresh(shipment: Shipment) -> tuple[str, str]:
    """Recompute a stored shipment's status, times, current site and legs from all its scans; returns
    (old status, new status). The caller holds the shipment's row lock (inside a transaction)."""
    return shipments_refresh([shipment])[shipment.pk]


def shipments_refresh(shipments: list[Shipment]) -> dict[int, tuple[str, str]]:
    """`shipment_refresh` for many parcels at once (four queries to read, two bulk updates to write, then
    the monthly rollup rows of the parcels that changed, `rollups.delivery_rollup_refresh`);
    {shipment id: (old status, new status)}. The caller holds the rows' locks."""
    from collections import defaultdict

    from django.utils import timezone

    ids = [s.pk for s in shipments]
    legs_of: dict[int, list[Leg]] = defaultdict(list)
    for leg in Leg.objects.filter(shipment_id__in=ids).order_by("shipment_id", "sequence"):
        legs_of[leg.shipment_id].append(leg)
    scans_of: dict[int, list[ScanFact]] = defaultdict(list)
    for shipment_id, kind, key, at in Scan.objects.filter(shipment_id__in=ids).values_list(
        "shipment_id", "kind", "site_key", "at"
    ):
        scans_of[shipment_id].append(ScanFact(kind, key, at))
    outcome: dict[int, tuple[str, str]] = {}
    changed_shipments, changed_legs = [], []
    rollup_keys: set = set()
    townships = _townships_of(shipments)
    now = timezone.now()
    for shipment in shipments:
        legs = legs_of[shipment.pk]
        result = derive(
            route_of(legs), scans_of[shipment.pk], direction=shipment.direction, booked_at=shipment.booked_at
        )
        old = shipment.status
        if not transition_allowed(old, result.status):  # pragma: no cover - ranks only grow
            raise AssertionError(f"{old} → {result.status} is not a shipment transition")
        values = {
            "status": result.status,
            "sent_at": result.sent_at,
            "due_at": result.due_at,
            "arrived_at": result.arrived_at,
            "signed_at": result.signed_at,
            "returned_at": result.returned_at,
            "current_since": result.current_since,
            **_key_to_fields(result.current_key),
        }
        if any(getattr(shipment, f) != v for f, v in values.items()):
            rollup_keys |= shipment_keys(shipment, townships[shipment.station_id])
            for f, v in values.items():
                setattr(shipment, f, v)
            shipment.updated_at = now
            changed_shipments.append(shipment)
            rollup_keys |= shipment_keys(shipment, townships[shipment.station_id])
        for leg, state in zip(legs, result.legs, strict=True):
            new = (state.status, state.departed_at, state.arrived_at)
            if (leg.status, leg.departed_at, leg.arrived_at) != new:
                leg.status, leg.departed_at, leg.arrived_at = new
                changed_legs.append(leg)
        outcome[shipment.pk] = (old, result.status)
    if changed_shipments:
        Shipment.objects.bulk_update(
            changed_shipments, [*SHIPMENT_TRACKING_FIELDS, "updated_at"], batch_size=200
        )
    if changed_legs:
        Leg.objects.bulk_update(changed_legs, ["status", "departed_at", "arrived_at"], batch_size=200)
    # The monthly rollup: the rows of each changed parcel before and after (e.g. an earlier "delivered"
    # scan moves its arrival into the previous month), each distinct row recomputed once.
    delivery_rollup_refresh(rollup_keys)
    return outcome


def _townships_of(shipments: list[Shipment]) -> dict[int, int]:
    """Station id → its township id, for the rollup keys of `shipments` (one query)."""
    from xiangcun.network.models import Station

    ids = {s.station_id for s in shipments}
    return dict(Station.objects.filter(pk__in=ids).values_list("pk", "township_id")) if ids else {}


def orders_follow_parcels(*, actor, shipments: list[Shipment]) -> int:
    """The station ledger follows its parcels (R3 with R2's ledger): a downstream parcel carrying a
    proxy purchase (`Shipment.transaction`) that has reached its station (scanned in, delivered or
    signed for there: `arrived_at`) moves the entry from "shipped" to "arrived", and once signed for
    from "arrived" to "picked up", dated at those scans, through
    `stations.services.transaction_follow_parcel` (state machine, event, audit).

    Derived from the refreshed tracking state, not from the scans of the batch, so replayed and
    out-of-order scans give the same entry: a signed-for scan received first moves the entry through
    both steps, and a duplicate moves nothing. Returned parcels move nothing. Returns the number of
    transitions made.
    """
    from xiangcun.stations.choices import TxStatus
    from xiangcun.stations.models import Transaction
    from xiangcun.stations.services import transaction_follow_parcel

    candidates = [
        s
        for s in shipments
        if s.transaction_id is not None
        and s.direction == Direction.DOWNSTREAM
        and s.status != ShipmentStatus.RETURNED
        and s.arrived_at is not None
    ]
    # Entries that can still move (one query): replayed batches then cost no service call.
    movable = (
        set(
            Transaction.objects.filter(
                pk__in=[s.transaction_id for s in candidates], status__in=(TxStatus.SHIPPED, TxStatus.ARRIVED)
            ).values_list("pk", flat=True)
        )
        if candidates
        else set()
    )
    moved = 0
    for shipment in candidates:
        if shipment.transaction_id not in movable:
            continue
        steps = [(TxStatus.ARRIVED, shipment.arrived_at)]
        if shipment.signed_at is not None:
            steps.append((TxStatus.PICKED_UP, shipment.signed_at))
        order = Transaction(pk=shipment.transaction_id)  # locked and read by the service
        for to_status, at in steps:
            moved += transaction_follow_parcel(actor=actor, tx=order, to_status=to_status, occurred_at=at)
    return moved

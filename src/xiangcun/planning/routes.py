"""What a township center's delivery routes and visit schedule are computed from, read from the
registers and the delivery ledger (the services in `services/routes.py` validate, solve and save).

- `served_stations`: the operating village stations a township center serves (the rule parcels are
  booked by: `logistics.services.serving_center`).
- `weekly_volumes`: downstream parcels per week per station over the weeks before a day, and how long
  parcels took from the county warehouse to the center (the 90th percentile of leg 1).
- `day_demand`: the parcels one day's routes carry (see its docstring for the exact definition).
- `build_instance` / `routes_result`: the VRP with time windows as `solvers.vrp.VrpInstance`, and the
  solver's routes as the plan's result with clock times per stop.

Times of day are minutes after midnight, local time (the county's time zone, `TIME_ZONE`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal

import numpy as np
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from xiangcun.core.geo import haversine_m
from xiangcun.logistics.choices import Direction
from xiangcun.logistics.models import Leg, Shipment
from xiangcun.network.choices import FacilityKind, SiteStatus
from xiangcun.network.models import Facility, Station

from .choices import ROUTE_SECONDS_PER_STOP, ROUTE_TIME_LIMIT_RANGE_S
from .solvers.vrp import VrpInstance

MINUTES_PER_DAY = 24 * 60


def clock(minutes: int | None) -> str:
    """ "08:05" for 485 minutes after midnight."""
    if minutes is None:
        return ""
    return f"{int(minutes) // 60:02d}:{int(minutes) % 60:02d}"


def minutes_of(value: time) -> int:
    return value.hour * 60 + value.minute


def local_moment(day: date, minutes: int) -> datetime:
    """The aware datetime `minutes` after midnight of `day` in the county's time zone."""
    midnight = timezone.make_aware(datetime.combine(day, time(0, 0)))
    return midnight + timedelta(minutes=minutes)


# --- stations ----------------------------------------------------------------------------------------


def served_stations(*, stations, center: Facility) -> list[Station]:
    """The operating stations of `stations` (a scoped queryset) that `center` serves: those in its
    township, and those of townships without an open center of their own that are nearer to it than to
    any other open center (great-circle; the rule `logistics.services.serving_center` books parcels by).
    Ordered by code."""
    centers = list(
        Facility.objects.filter(county_id=center.county_id, kind=FacilityKind.TOWNSHIP_CENTER)
        .exclude(status=SiteStatus.CLOSED)
        .select_related("township")
        .order_by("code")
    )
    own_township = {}
    for c in centers:
        own_township.setdefault(c.township_id, c.pk)
    placed = [c for c in centers if c.has_coordinates]
    out = []
    qs = (
        stations.filter(county_id=center.county_id, status=SiteStatus.OPERATING)
        .select_related("village", "township")
        .order_by("code")
    )
    for station in qs:
        serving = own_township.get(station.township_id)
        if serving is None:
            origin = station if station.has_coordinates else station.township
            if origin is None or origin.latitude is None or origin.longitude is None or not placed:
                continue
            serving = min(
                placed,
                key=lambda c, o=origin: haversine_m(
                    float(o.longitude), float(o.latitude), float(c.longitude), float(c.latitude)
                ),
            ).pk
        if serving == center.pk:
            out.append(station)
    return out


# --- history -----------------------------------------------------------------------------------------


@dataclass
class History:
    start: date
    end: date  # exclusive
    weeks: int
    parcels: dict[int, int]  # station id -> downstream parcels booked in the window
    leg1_days_p90: float | None  # 90th percentile of warehouse out → center in, days
    leg1_count: int


def weekly_volumes(*, center: Facility, before: date, weeks: int) -> History:
    """Downstream parcels of `center` per station booked in the `weeks` weeks before `before`, and the
    90th percentile of their time from the county warehouse to the center (leg 1, out → in)."""
    start = before - timedelta(weeks=weeks)
    since, until = local_moment(start, 0), local_moment(before, 0)
    shipments = Shipment.objects.filter(
        county_id=center.county_id,
        center=center,
        direction=Direction.DOWNSTREAM,
        booked_at__gte=since,
        booked_at__lt=until,
    )
    parcels: dict[int, int] = defaultdict(int)
    for station_id in shipments.values_list("station_id", flat=True):
        parcels[station_id] += 1
    durations = [
        (arrived - departed).total_seconds() / 86400
        for departed, arrived in Leg.objects.filter(
            county_id=center.county_id,
            shipment__in=shipments,
            sequence=1,
            departed_at__isnull=False,
            arrived_at__isnull=False,
        ).values_list("departed_at", "arrived_at")
    ]
    p90 = float(np.percentile(durations, 90)) if durations else None
    return History(start, before, weeks, dict(parcels), p90, len(durations))


# --- one day's parcels -------------------------------------------------------------------------------


@dataclass
class StopDemand:
    station_id: int
    parcels: int = 0
    grams: int = 0
    waybills: list[str] = field(default_factory=list)
    earliest_due: datetime | None = None


def day_demand(*, center: Facility, day: date, shift_start: int, basis: str) -> dict[int, StopDemand]:
    """The downstream parcels of `center` for its center → station leg (leg 2) on `day`, by station.

    - basis "waiting": the parcels *at the center when the shift starts* on `day` (at `shift_start`),
      reconstructed from the scans so that it holds for past days too: leg 1 arrived at the center by
      then (or, its "in" scan missed, leg 2 left on that day), leg 2 had not left before then, and the
      parcel had neither reached its station nor been returned before then. For a day still to come,
      that is the parcels at the center now.
    - basis "departed": the parcels whose leg 2 actually left the center on `day` (its "out" scan),
      i.e. what the vehicles carried that day.
    """
    start = local_moment(day, shift_start)
    midnight, next_midnight = local_moment(day, 0), local_moment(day + timedelta(days=1), 0)
    legs = Leg.objects.filter(
        county_id=center.county_id,
        sequence=2,
        from_facility=center,
        to_station__isnull=False,
        shipment__direction=Direction.DOWNSTREAM,
    )
    if basis == "departed":
        legs = legs.filter(departed_at__gte=midnight, departed_at__lt=next_midnight)
    else:
        leg1_in = Leg.objects.filter(shipment_id=OuterRef("shipment_id"), sequence=1).values("arrived_at")[:1]
        legs = (
            legs.filter(shipment__booked_at__lte=start)  # exact, and keeps a year's ledger out of the scan
            .filter(Q(departed_at__isnull=True) | Q(departed_at__gte=start))
            .filter(Q(shipment__returned_at__isnull=True) | Q(shipment__returned_at__gt=start))
            .filter(Q(shipment__arrived_at__isnull=True) | Q(shipment__arrived_at__gt=start))
            .annotate(center_in=Subquery(leg1_in))
            .filter(
                Q(center_in__lte=start)
                | Q(center_in__isnull=True, departed_at__gte=start, departed_at__lt=next_midnight)
            )
        )
    stops: dict[int, StopDemand] = {}
    rows = legs.values_list(
        "to_station_id", "shipment__waybill_no", "shipment__weight_kg", "shipment__due_at"
    ).order_by("to_station_id", "shipment__waybill_no")
    for station_id, waybill, weight, due in rows:
        stop = stops.setdefault(station_id, StopDemand(station_id))
        stop.parcels += 1
        stop.grams += int((Decimal(weight) * 1000).to_integral_value(ROUND_CEILING))
        stop.waybills.append(waybill)
        if due is not None and (stop.earliest_due is None or due < stop.earliest_due):
            stop.earliest_due = due
    return stops


# --- the routing instance ----------------------------------------------------------------------------


def service_minutes(parcels: int, *, fixed: Decimal, per_parcel: Decimal) -> int:
    """Whole minutes spent at a stop: `fixed` + `per_parcel` × parcels, rounded up."""
    return int((fixed + per_parcel * parcels).to_integral_value(ROUND_CEILING))


def travel_minutes(metres: np.ndarray, speed_kmh: Decimal) -> np.ndarray:
    """Whole minutes to drive each distance at `speed_kmh`, rounded up (never optimistic)."""
    metres_per_minute = float(speed_kmh) * 1000 / 60
    return np.ceil(metres / metres_per_minute - 1e-9).astype(np.int64)


def build_instance(
    *,
    stops: list[dict],
    distances: np.ndarray,
    capacity: int,
    unit: str,
    vehicles: int | None,
    speed_kmh: Decimal,
    shift: tuple[int, int],
) -> VrpInstance:
    """The VRP with time windows of one day: location 0 the center (its window the shift), then the
    stops in order (each dict has `demand` in `unit`, `window` (earliest, latest service start) and
    `service_min`). Distances in metres, times in minutes after midnight."""
    demands = [0] + [s["demand"] for s in stops]
    windows = [list(shift)] + [list(s["window"]) for s in stops]
    service = [0] + [s["service_min"] for s in stops]
    return VrpInstance(
        demands=demands,
        capacity=capacity,
        distances=distances,
        durations=travel_minutes(distances, speed_kmh),
        num_vehicles=vehicles,
        time_windows=windows,
        service_durations=service,
        names=[""] + [s["name"] for s in stops],
        name=unit,
    )


def routes_result(instance: VrpInstance, solution: dict, stops: list[dict]) -> list[dict]:
    """The routes as the plan stores them: per vehicle its stops in order with arrival, start of
    service, departure (minutes and clock), wait, distance from the previous stop, parcels, kg and
    waybills, and the vehicle's start, end, distance, load and duration. The times follow PyVRP's
    schedule: leave the center as late as possible without lengthening the route, then drive on."""
    out = []
    durations, distances = instance.durations, instance.distances
    windows, service = instance.time_windows, instance.service_durations
    for number, (route, detail) in enumerate(
        zip(solution["routes"], solution["route_details"], strict=True), start=1
    ):
        t = int(detail["start_time"])
        previous, visits, metres = 0, [], 0
        for client in route:
            arrival = t + int(durations[previous, client])
            begin = max(arrival, int(windows[client][0]))
            depart = begin + int(service[client])
            leg_m = int(distances[previous, client])
            metres += leg_m
            stop = stops[client - 1]
            visits.append(
                {
                    "station": stop["code"],
                    "station_id": stop["station_id"],
                    "name": stop["name"],
                    "arrival_min": arrival,
                    "start_min": begin,
                    "departure_min": depart,
                    "arrival": clock(arrival),
                    "start": clock(begin),
                    "departure": clock(depart),
                    "wait_min": begin - arrival,
                    "distance_m": leg_m,
                    "parcels": stop["parcels"],
                    "kg": stop["kg"],
                    "waybills": stop["waybills"],
                    "urgent": stop["urgent"],
                }
            )
            t, previous = depart, client
        back_m = int(distances[previous, 0])
        end = t + int(durations[previous, 0])
        metres += back_m
        out.append(
            {
                "vehicle": number,
                "stops": visits,
                "start_min": int(detail["start_time"]),
                "end_min": end,
                "start": clock(detail["start_time"]),
                "end": clock(end),
                "duration_min": end - int(detail["start_time"]),
                "distance_m": metres,
                "return_m": back_m,
                "km": round(metres / 1000, 3),
                "parcels": sum(v["parcels"] for v in visits),
                "kg": str(sum((Decimal(v["kg"]) for v in visits), Decimal("0.000"))),
            }
        )
    return out


def default_time_limit(stops: int) -> float:
    """The solver's time limit for a day of `stops` stops when none is given (see
    `choices.ROUTE_SECONDS_PER_STOP`)."""
    low, high = ROUTE_TIME_LIMIT_RANGE_S
    return round(min(high, max(low, ROUTE_SECONDS_PER_STOP * stops)), 2)


def total_km(routes: list[dict]) -> float:
    return round(sum(r["distance_m"] for r in routes) / 1000, 3)


def kg_text(grams: int) -> str:
    """Grams as kilograms with three decimals ("1.500")."""
    return str((Decimal(grams) / 1000).quantize(Decimal("0.001")))


def ceil_days(days: float) -> float:
    """Days rounded up to a tenth (how the measured warehouse → center time enters the 7-day rule)."""
    return math.ceil(days * 10 - 1e-9) / 10

"""Writes of a township center's delivery planning: its visit schedule (which stations on which weekday)
and its routes for one delivery day (capacitated VRP with time windows, PyVRP).

Both are keyword-only, check the capability `planning.create_plan` and the county scope like every plan
(`plans._check_actor`), validate every parameter (ApplicationError with field errors; nothing written),
and save one `Plan` with its inputs, parameters, solver, time limit, seed, objective and result, with an
audit event, in one transaction. See docs/planning.md, "Delivery routes".
"""

from __future__ import annotations

import time as clock_time
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from xiangcun.core.errors import ApplicationError
from xiangcun.network.choices import FacilityKind, SiteStatus
from xiangcun.network.selectors import facility_list, station_list

from .. import distances, routes, schedule
from ..choices import (
    DEFAULT_CAPACITY_KG,
    DEFAULT_DELIVERY_WEEKDAYS,
    DEFAULT_HISTORY_WEEKS,
    DEFAULT_PARCELS_PER_VISIT,
    DEFAULT_ROUTE_MAX_STALL,
    DEFAULT_SERVICE_MIN,
    DEFAULT_SERVICE_PER_PARCEL_MIN,
    DEFAULT_SHIFT_END,
    DEFAULT_SHIFT_START,
    DEFAULT_SPEED_KMH,
    DEFAULT_WAREHOUSE_TO_CENTER_DAYS,
    DemandBasis,
    DistanceSource,
    PlanKind,
    Solver,
)
from ..models import DistanceMatrix, Plan
from ..solvers import SolveResult, SolverInputError
from ..solvers.vrp import solve_vrp
from .plans import _check_actor, _common, _distance_source, _invalid, _number, _save

# The greedy schedule takes milliseconds and has no time limit of its own; a plan records one anyway.
SCHEDULE_TIME_LIMIT_S = 1.0
MAX_VEHICLES = 100
MAX_CAPACITY_KG = 50_000
MAX_CAPACITY_PARCELS = 100_000
MAX_STALL = 10**7


class _Solved:
    """What `_save` reads from a solution."""

    def __init__(self, *, objective, result, seconds, lower_bound=None, proven_optimal=False):
        self.objective, self.result, self.seconds = objective, result, seconds
        self.lower_bound, self.proven_optimal = lower_bound, proven_optimal


# --- validation helpers ------------------------------------------------------------------------------


def _center(actor, center) -> object:
    """The township center as the actor may see it; refuses another kind, a closed one, or one out of
    scope (all as a field error on `center`)."""
    if center is None:
        raise _invalid("center", _("This field is required."))
    pk = getattr(center, "pk", center)
    found = (
        facility_list(user=actor)
        .filter(pk=pk, kind=FacilityKind.TOWNSHIP_CENTER)
        .select_related("county", "township")
        .first()
    )
    if found is None:
        raise _invalid("center", _("No such township delivery center."))
    if found.status == SiteStatus.CLOSED:
        raise _invalid("center", _("This township delivery center is closed."))
    _check_actor(actor, found.county)
    return found


def _clock(value, field: str) -> int:
    """'HH:MM' text or a time as minutes after midnight."""
    if isinstance(value, time):
        return routes.minutes_of(value)
    text = str(value or "").strip()
    try:
        hours, minutes = text.split(":")[:2]
        parsed = time(int(hours), int(minutes))
    except (ValueError, TypeError):
        raise _invalid(field, _("Enter a time of day as HH:MM.")) from None
    return routes.minutes_of(parsed)


def _shift(shift_start, shift_end) -> tuple[int, int]:
    start = _clock(DEFAULT_SHIFT_START if shift_start is None else shift_start, "shift_start")
    end = _clock(DEFAULT_SHIFT_END if shift_end is None else shift_end, "shift_end")
    if end <= start:
        raise _invalid("shift_end", _("The shift must end after it starts."))
    return start, end


def _day(value, field: str) -> date:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = parse_date(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, date):
        raise _invalid(field, _("Enter a date (YYYY-MM-DD)."))
    if value.year < 2015 or value > timezone.localdate() + timedelta(days=366):
        raise _invalid(field, _("Enter a date from 2015 to one year ahead."))
    return value


def _weekdays(value) -> list[int]:
    if value is None:
        return list(DEFAULT_DELIVERY_WEEKDAYS)
    try:
        days = sorted({int(d) for d in value})
    except (TypeError, ValueError):
        days = None
    if not days or any(d < 0 or d > 6 for d in days):
        raise _invalid("weekdays", _("Choose delivery weekdays from 0 (Monday) to 6 (Sunday)."))
    return days


# --- the visit schedule ------------------------------------------------------------------------------


@transaction.atomic
def visit_schedule_create(
    *,
    actor,
    center,
    as_of=None,
    weekdays=None,
    frequency=None,
    frequencies: dict | None = None,
    parcels_per_visit=DEFAULT_PARCELS_PER_VISIT,
    history_weeks=DEFAULT_HISTORY_WEEKS,
    warehouse_to_center_days=None,
    shift_start=None,
    shift_end=None,
    name: str = "",
    seed=1,
) -> Plan:
    """Decide on which weekdays `center`'s vehicles visit each station it serves, and save it as a
    `schedule` plan (see `planning.schedule` for the rule and the balancing).

    - stations: the operating stations the center serves (`routes.served_stations`);
    - `weekdays`: the center's delivery weekdays (0 = Monday; default Monday–Saturday);
    - visits a week per station: `frequencies[station code]` if given, else `frequency` for all, else
      from its volume: downstream parcels per week over the `history_weeks` weeks before `as_of`
      (default today) ÷ `parcels_per_visit`, rounded up; never fewer than the 7-day limit needs, never
      more than the delivery weekdays (a given frequency out of these bounds is refused);
    - the 7-day limit: the warehouse → center time is `warehouse_to_center_days` if given, else the
      measured 90th percentile of leg 1 in the history window (rounded up to 0.1 day), else 1 day;
      the shift (default 08:00–18:00) is the delivery day's length.

    The objective is the largest expected parcels of one delivery weekday (what the balancing evens).
    """
    center = _center(actor, center)
    county = center.county
    started = clock_time.perf_counter()
    _time_limit, seed, name = _common(time_limit=SCHEDULE_TIME_LIMIT_S, seed=seed, name=name)
    as_of = timezone.localdate() if as_of is None else _day(as_of, "as_of")
    days = _weekdays(weekdays)
    shift = _shift(shift_start, shift_end)
    parcels_per_visit = _number(parcels_per_visit, "parcels_per_visit", low=1, high=10_000, integer=True)
    history_weeks = _number(history_weeks, "history_weeks", low=1, high=104, integer=True)
    history = routes.weekly_volumes(center=center, before=as_of, weeks=history_weeks)
    if warehouse_to_center_days is not None:
        leg1_days = float(_number(warehouse_to_center_days, "warehouse_to_center_days", low=0, high=6))
        leg1_source = "given"
    elif history.leg1_days_p90 is not None:
        leg1_days, leg1_source = routes.ceil_days(history.leg1_days_p90), "measured"
    else:
        leg1_days, leg1_source = float(DEFAULT_WAREHOUSE_TO_CENTER_DAYS), "default"
    max_gap = schedule.allowed_gap_days(
        warehouse_to_center_days=leg1_days, shift_hours=(shift[1] - shift[0]) / 60
    )
    try:
        floor = schedule.min_visits(days, max_gap)
    except schedule.ScheduleInfeasible:
        message = _(
            "With parcels %(days)s days from the county warehouse to the center, no visits on these "
            "weekdays keep the 7-day limit (at most %(gap)s days between two visits)."
        ) % {"days": leg1_days, "gap": max_gap}
        raise ApplicationError(message, code="infeasible", fields={"weekdays": [message]}) from None
    ceiling = len(days)

    def bounded(value, field):
        k = _number(value, field, low=1, high=ceiling, integer=True)
        if k < floor:
            raise _invalid(
                field,
                _(
                    "The 7-day limit needs at least %(n)s visits a week (parcels take %(days)s days to the center)."
                )
                % {"n": floor, "days": leg1_days},
            )
        return k

    if frequency is not None:
        frequency = bounded(frequency, "frequency")
    stations = routes.served_stations(stations=station_list(user=actor), center=center)
    if not stations:
        raise _invalid("center", _("This center serves no operating village station."))
    by_code = {s.code: s for s in stations}
    given = {}
    for code, value in (frequencies or {}).items():
        if code not in by_code:
            raise _invalid("frequencies", _("%(code)s is not a station this center serves.") % {"code": code})
        given[code] = bounded(value, "frequencies")
    rows, demands = [], []
    for s in stations:
        weekly = round(history.parcels.get(s.pk, 0) / history_weeks, 3)
        if s.code in given:
            k, source = given[s.code], "given"
        elif frequency is not None:
            k, source = frequency, "target"
        else:
            k = schedule.volume_frequency(
                weekly, parcels_per_visit=parcels_per_visit, floor=floor, ceiling=ceiling
            )
            source = "volume"
        rows.append(
            {"station_id": s.pk, "code": s.code, "name": s.name, "weekly_parcels": weekly, "frequency": k}
        )
        rows[-1]["frequency_source"] = source
        demands.append(schedule.StationDemand(s.code, weekly, k))
    patterns = schedule.balance(demands, days)
    load = dict.fromkeys(days, 0.0)
    stops = dict.fromkeys(days, 0)
    for row in rows:
        row["days"] = list(patterns[row["code"]])
        row["gap_days"] = schedule.gap_days(row["days"])
        for d in row["days"]:
            load[d] += row["weekly_parcels"] / row["frequency"]
            stops[d] += 1
    day_rows = [{"weekday": d, "stops": stops[d], "parcels": round(load[d], 2)} for d in days]
    result = {
        "weekdays": days,
        "max_gap_days": max_gap,
        "min_visits": floor,
        "warehouse_to_center_days": leg1_days,
        "warehouse_to_center_source": leg1_source,
        "stations": rows,
        "days": day_rows,
    }
    parameters = {
        "as_of": as_of.isoformat(),
        "weekdays": days,
        "frequency": frequency,
        "frequencies": given,
        "parcels_per_visit": parcels_per_visit,
        "history_weeks": history_weeks,
        "warehouse_to_center_days": None if warehouse_to_center_days is None else str(leg1_days),
        "shift_start": routes.clock(shift[0]),
        "shift_end": routes.clock(shift[1]),
    }
    inputs = {
        "center": _center_snapshot(center),
        "stations": [
            {"station_id": s.pk, "code": s.code, "name": s.name, "parcels": history.parcels.get(s.pk, 0)}
            for s in stations
        ],
        "history": {
            "start": history.start.isoformat(),
            "end": history.end.isoformat(),
            "leg1_p90_days": history.leg1_days_p90,
            "leg1_parcels": history.leg1_count,
        },
    }
    if not name:
        name = _("%(center)s visit schedule, %(when)s") % {"center": center.name, "when": as_of.isoformat()}
    solved = _Solved(
        objective=round(max(load.values()), 3),
        result=result,
        seconds=clock_time.perf_counter() - started,
    )
    return _save(
        actor=actor,
        county=county,
        kind=PlanKind.SCHEDULE,
        name=name,
        parameters=parameters,
        inputs=inputs,
        source=DistanceSource.NONE,
        factor=None,
        matrix=None,
        solver=Solver.VISIT_BALANCING,
        method="greedy",
        time_limit=SCHEDULE_TIME_LIMIT_S,
        seed=seed,
        solution=solved,
        center=center,
    )


def _center_snapshot(center) -> dict:
    return {
        "id": center.pk,
        "code": center.code,
        "name": center.name,
        "township": center.township.code if center.township_id else None,
        "lat": None if center.latitude is None else float(center.latitude),
        "lng": None if center.longitude is None else float(center.longitude),
    }


def latest_schedule(center) -> Plan | None:
    """The center's newest visit schedule plan."""
    return Plan.objects.filter(center=center, kind=PlanKind.SCHEDULE).order_by("-created_at", "-id").first()


# --- one day's routes --------------------------------------------------------------------------------


@transaction.atomic
def route_plan_create(
    *,
    actor,
    center,
    service_date,
    vehicles=None,
    capacity_kg=None,
    capacity_parcels=None,
    speed_kmh=None,
    service_min=None,
    service_per_parcel_min=None,
    shift_start=None,
    shift_end=None,
    basis: str = DemandBasis.WAITING,
    use_schedule: bool = True,
    detour_factor=None,
    distance_matrix: DistanceMatrix | None = None,
    time_limit=None,
    max_stall=DEFAULT_ROUTE_MAX_STALL,
    seed=1,
    name: str = "",
) -> Plan:
    """Plan the delivery routes of township center `center` on `service_date` and save a `routes` plan.

        Demand (`routes.day_demand`): with `basis` "waiting" the parcels at the center when the shift
        starts; with a visit schedule of the center (its newest, when `use_schedule`) only the stations
        scheduled that weekday, plus any other station whose earliest-due parcel would pass the 7-day
        limit before the end of its next scheduled visit day (marked urgent); stations left for a later
        day are listed in the inputs. With `basis` "departed": the parcels whose center → station leg left
        that day, every station (the schedule does not apply to what was already carried).

        Vehicles: `vehicles` alike (None: as many as needed) of capacity `capacity_kg` (default 500) or
        `capacity_parcels` (one or the other); leave and return to the center within the shift
        (`shift_start`–`shift_end`, default 08:00–18:00) at `speed_kmh` (default 30). A stop takes
        `service_min` + `service_per_parcel_min` × parcels minutes (default 5 + 0.5), must *start* within
        the station's opening hours and end by its closing time (a station without hours: the whole
        shift). Distances: great-circle × `detour_factor` (default 1.3) or `distance_matrix` (village codes
        of the stations, the township code of the center). Solver: PyVRP within `time_limit` seconds,
        stopping earlier after `max_stall` iterations without improvement (`time_limit` None: 0.02 s per
    stop, 0.5–5 s, `routes.default_time_limit`); objective: total km.

        Refused with field errors, nothing saved: no parcels that day, a station without coordinates, a
        stop heavier than a vehicle, a station that cannot be reached within its hours, a fleet too small
        (or no feasible routes found in the time limit).
    """
    center = _center(actor, center)
    county = center.county
    given_limit = time_limit
    time_limit, seed, name = _common(time_limit=1 if time_limit is None else time_limit, seed=seed, name=name)
    service_date = _day(service_date, "service_date")
    shift = _shift(shift_start, shift_end)
    if basis not in DemandBasis.values:
        raise _invalid("basis", _("Choose waiting or departed."))
    if not isinstance(use_schedule, bool):
        raise _invalid("use_schedule", _("Enter true or false."))
    if vehicles is not None:
        vehicles = _number(vehicles, "vehicles", low=1, high=MAX_VEHICLES, integer=True)
    if capacity_kg is not None and capacity_parcels is not None:
        raise _invalid("capacity_parcels", _("Give the capacity in kilograms or in parcels, not both."))
    if capacity_parcels is not None:
        capacity_parcels = _number(
            capacity_parcels, "capacity_parcels", low=1, high=MAX_CAPACITY_PARCELS, integer=True
        )
        unit, capacity, capacity_field = "parcels", capacity_parcels, "capacity_parcels"
    else:
        capacity_kg = _number(
            DEFAULT_CAPACITY_KG if capacity_kg is None else capacity_kg,
            "capacity_kg",
            low=0,
            high=MAX_CAPACITY_KG,
            low_open=True,
        )
        unit, capacity, capacity_field = "grams", int(capacity_kg * 1000), "capacity_kg"
    speed = _number(DEFAULT_SPEED_KMH if speed_kmh is None else speed_kmh, "speed_kmh", low=1, high=120)
    fixed = _number(
        DEFAULT_SERVICE_MIN if service_min is None else service_min, "service_min", low=0, high=240
    )
    per_parcel = _number(
        DEFAULT_SERVICE_PER_PARCEL_MIN if service_per_parcel_min is None else service_per_parcel_min,
        "service_per_parcel_min",
        low=0,
        high=60,
    )
    max_stall = (
        None if max_stall is None else _number(max_stall, "max_stall", low=1, high=MAX_STALL, integer=True)
    )
    source, factor, matrix = _distance_source(
        actor=actor, county=county, detour_factor=detour_factor, distance_matrix=distance_matrix
    )

    # The day's parcels and which stations get them.
    demand = routes.day_demand(center=center, day=service_date, shift_start=shift[0], basis=basis)
    schedule_plan = latest_schedule(center) if use_schedule and basis == DemandBasis.WAITING else None
    planned_days: dict[str, list[int]] = {}
    if schedule_plan is not None:
        planned_days = {row["code"]: row["days"] for row in schedule_plan.result["stations"]}
    station_rows = {
        s.pk: s
        for s in station_list(user=actor)
        .filter(county=county, pk__in=list(demand))
        .select_related("village", "township")
    }
    chosen, deferred = [], []
    weekday = service_date.weekday()
    for station_id in sorted(demand, key=lambda i: station_rows[i].code if i in station_rows else ""):
        stop = demand[station_id]
        station = station_rows.get(station_id)
        if station is None:  # outside the actor's scope: cannot happen for a county-level actor
            continue
        days = planned_days.get(station.code)
        urgent = False
        if schedule_plan is not None and days is not None and weekday not in days:
            following = schedule.next_visit(service_date, days)
            deadline = routes.local_moment(following, shift[1]) if following else None
            urgent = stop.earliest_due is not None and deadline is not None and stop.earliest_due < deadline
            if not urgent:
                deferred.append(
                    {
                        "code": station.code,
                        "name": station.name,
                        "parcels": stop.parcels,
                        "next_visit": following.isoformat(),
                    }
                )
                continue
        chosen.append((station, stop, urgent))
    if not chosen:
        message = (
            _("No parcels wait at %(center)s for the stations to visit on %(day)s.")
            if basis == DemandBasis.WAITING
            else _("No parcels left %(center)s for the stations on %(day)s.")
        ) % {"center": center.name, "day": service_date.isoformat()}
        raise ApplicationError(message, code="no_parcels", fields={"service_date": [message]})

    # Locations: the center, then the stops.
    located = source == DistanceSource.GREAT_CIRCLE
    if located and not center.has_coordinates:
        raise _invalid("center", _("The center has no coordinates: enter them, or use a distance matrix."))
    missing = [s.name for s, _stop, _u in chosen if located and not s.has_coordinates]
    if missing:
        raise _invalid(
            "stations",
            _("These stations have parcels but no coordinates: %(names)s.") % {"names": ", ".join(missing)},
            code="no_coordinates",
        )
    stops = []
    for station, stop, urgent in chosen:
        service = routes.service_minutes(stop.parcels, fixed=fixed, per_parcel=per_parcel)
        opens = shift[0] if station.opens_at is None else max(shift[0], routes.minutes_of(station.opens_at))
        closes = (
            shift[1] if station.closes_at is None else min(shift[1], routes.minutes_of(station.closes_at))
        )
        latest = closes - service
        if latest < opens:
            raise _invalid(
                "stations",
                _(
                    "%(name)s is open %(opens)s–%(closes)s within the shift: too short for the %(minutes)s minutes its %(parcels)s parcels take."
                )
                % {
                    "name": station.name,
                    "opens": routes.clock(opens),
                    "closes": routes.clock(closes),
                    "minutes": service,
                    "parcels": stop.parcels,
                },
                code="infeasible",
            )
        amount = stop.parcels if unit == "parcels" else stop.grams
        if amount > capacity:
            load = (
                _("%(n)s parcels") % {"n": stop.parcels}
                if unit == "parcels"
                else _("%(kg)s kg") % {"kg": routes.kg_text(stop.grams)}
            )
            raise _invalid(
                capacity_field,
                _("%(name)s alone gets %(load)s, more than one vehicle carries.")
                % {"name": station.name, "load": load},
                code="infeasible",
            )
        stops.append(
            {
                "station_id": station.pk,
                "code": station.code,
                "name": station.name,
                "village": station.village.code if station.village_id else None,
                "lat": None if station.latitude is None else float(station.latitude),
                "lng": None if station.longitude is None else float(station.longitude),
                "opens": routes.clock(opens),
                "closes": routes.clock(closes),
                "window": [opens, latest],
                "service_min": service,
                "parcels": stop.parcels,
                "kg": routes.kg_text(stop.grams),
                "demand": amount,
                "waybills": stop.waybills,
                "earliest_due": None if stop.earliest_due is None else stop.earliest_due.isoformat(),
                "urgent": urgent,
            }
        )
    total = sum(s["demand"] for s in stops)
    if vehicles is not None and total > vehicles * capacity:
        raise _invalid(
            "vehicles",
            _("%(n)s vehicles cannot carry the day's load; at least %(need)s are needed.")
            % {"n": vehicles, "need": -(-total // capacity)},
            code="infeasible",
        )
    depot = _center_snapshot(center)
    if located:
        points = [(depot["lat"], depot["lng"])] + [(s["lat"], s["lng"]) for s in stops]
        dist = distances.great_circle(points, points, detour_factor=factor)
    else:
        if not depot["township"]:
            raise _invalid("center", _("The center has no township, so the matrix cannot place it."))
        codes = [depot["township"]] + [s["village"] for s in stops]
        dist = distances.from_matrix(matrix.entries, codes, codes)
    if given_limit is None:
        time_limit = routes.default_time_limit(len(stops))
    try:
        instance = routes.build_instance(
            stops=stops,
            distances=dist,
            capacity=capacity,
            unit=unit,
            vehicles=vehicles,
            speed_kmh=speed,
            shift=shift,
        )
        solved: SolveResult = solve_vrp(instance, time_limit=time_limit, seed=seed, max_stall=max_stall)
    except SolverInputError as exc:
        raise ApplicationError(str(exc), code="infeasible", fields={"stations": [str(exc)]}) from exc
    if not solved.solution["feasible"]:
        message = _(
            "No routes found that serve every station within the shift, the opening hours and the fleet: "
            "add vehicles, lengthen the shift or give the solver more time."
        )
        raise ApplicationError(message, code="infeasible", fields={"vehicles": [message]})
    vehicle_routes = routes.routes_result(instance, solved.solution, stops)
    result = {
        "routes": vehicle_routes,
        "vehicles_used": len(vehicle_routes),
        "stops": len(stops),
        "parcels": sum(s["parcels"] for s in stops),
        "kg": routes.kg_text(sum(int(Decimal(s["kg"]) * 1000) for s in stops)),
        "km": routes.total_km(vehicle_routes),
        "urgent": [s["code"] for s in stops if s["urgent"]],
    }
    parameters = {
        "vehicles": vehicles,
        "capacity_kg": None if capacity_kg is None or unit == "parcels" else str(capacity_kg),
        "capacity_parcels": capacity_parcels,
        "speed_kmh": str(speed),
        "service_min": str(fixed),
        "service_per_parcel_min": str(per_parcel),
        "shift_start": routes.clock(shift[0]),
        "shift_end": routes.clock(shift[1]),
        "basis": basis,
        "use_schedule": use_schedule,
        "max_stall": max_stall,
    }
    inputs = {
        "center": depot,
        "service_date": service_date.isoformat(),
        "schedule_plan": None if schedule_plan is None else schedule_plan.pk,
        "stops": [{k: v for k, v in s.items() if k not in ("demand",)} for s in stops],
        "deferred": deferred,
        "demand_unit": unit,
        "capacity": capacity,
        "distances_sha256": distances.digest_of(np.asarray(dist)),
    }
    if not name:
        name = _("%(center)s routes, %(day)s") % {"center": center.name, "day": service_date.isoformat()}
    return _save(
        actor=actor,
        county=county,
        kind=PlanKind.ROUTES,
        name=name,
        parameters=parameters,
        inputs=inputs,
        source=source,
        factor=factor,
        matrix=matrix,
        solver=Solver.VRP,
        method="pyvrp",
        time_limit=time_limit,
        seed=seed,
        solution=_Solved(objective=result["km"], result=result, seconds=solved.seconds),
        center=center,
        service_date=service_date,
    )

"""Writes of the planning app: running and saving a layout or siting plan, uploading a distance matrix.

Every function is keyword-only, checks the capability `planning.create_plan` and the county scope (a
plan is a county-level decision: township- and station-scoped users may not make one), reads the
county's registers through the actor's selectors, validates every parameter (ApplicationError with
field errors, nothing written), solves, and saves the plan with its inputs and an audit event in one
transaction.
"""

import math
from decimal import Decimal, InvalidOperation

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiangcun.accounts.permissions import has_capability
from xiangcun.core.audit import audit_record
from xiangcun.core.errors import ApplicationError, PermissionDenied
from xiangcun.network.choices import SiteStatus
from xiangcun.network.selectors import station_list
from xiangcun.regions.selectors import township_list, village_list

from .. import distances
from ..choices import (
    DEFAULT_CENTERS,
    DEFAULT_DETOUR_FACTOR,
    DEFAULT_MIN_STATIONS,
    DistanceSource,
    PlanKind,
    Solver,
)
from ..layout import distance_matrix_for, layout_solve, point
from ..models import DistanceMatrix, Plan
from ..siting import SitingInfeasible, siting_solve
from ..solvers import SolverInputError

MAX_TIME_LIMIT_S = 60.0
MAX_DETOUR_FACTOR = Decimal("3")
MAX_SEED = 2**31 - 1
# A siting plan's default "far from a station" distance: about half an hour's walk.
DEFAULT_BEYOND_M = 2000
DEFAULT_MIN_SHARE = Decimal("0.5")  # R1.5: stations in at least half of the administrative villages


def _check_actor(actor, county) -> None:
    if not has_capability(actor, "planning.create_plan"):
        raise PermissionDenied(_("You may not make network plans."))
    if actor.is_superuser:
        return
    if actor.county_id != county.pk or actor.township_id or actor.station_id:
        raise PermissionDenied(_("This county is outside your scope."))


def _invalid(field: str, message: str, code: str = "invalid") -> ApplicationError:
    return ApplicationError(message, code=code, fields={field: [message]})


def _number(value, field: str, *, low, high, integer: bool = False, low_open: bool = False):
    """`value` as an int (integer) or Decimal within [low, high] (low excluded with low_open)."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        number = None
    if number is None or not number.is_finite() or (integer and number != number.to_integral_value()):
        raise _invalid(field, _("Enter a whole number.") if integer else _("Enter a number."))
    if number < low or number > high or (low_open and number == low):
        message = (
            _("Enter a value greater than %(low)s and at most %(high)s.")
            if low_open
            else _("Enter a value from %(low)s to %(high)s.")
        )
        raise _invalid(field, message % {"low": low, "high": high})
    return int(number) if integer else number


def _distance_source(*, actor, county, detour_factor, distance_matrix):
    """(source, detour factor or None, matrix or None) after validation."""
    if distance_matrix is not None:
        if detour_factor is not None:
            raise _invalid(
                "detour_factor", _("A plan uses either a detour factor or an uploaded distance matrix.")
            )
        if distance_matrix.county_id != county.pk or not matrix_in_scope(actor, distance_matrix):
            raise _invalid("distance_matrix", _("No such distance matrix in this county."))
        return DistanceSource.MATRIX, None, distance_matrix
    factor = _number(
        DEFAULT_DETOUR_FACTOR if detour_factor is None else detour_factor,
        "detour_factor",
        low=1,
        high=MAX_DETOUR_FACTOR,
    )
    return DistanceSource.GREAT_CIRCLE, factor.quantize(Decimal("0.01")), None


def matrix_in_scope(actor, matrix) -> bool:
    from ..selectors import distance_matrix_list

    return distance_matrix_list(user=actor).filter(pk=matrix.pk).exists()


def _common(*, time_limit, seed, name) -> tuple[float, int, str]:
    time_limit = float(_number(time_limit, "time_limit", low=0, high=MAX_TIME_LIMIT_S, low_open=True))
    seed = _number(seed, "seed", low=0, high=MAX_SEED, integer=True)
    name = (name or "").strip()
    if len(name) > 100:
        raise _invalid("name", _("At most 100 characters."))
    return time_limit, seed, name


def _now_label() -> str:
    return timezone.localtime().strftime("%Y-%m-%d %H:%M")


@transaction.atomic
def layout_plan_create(
    *,
    actor,
    county,
    p: int | None = DEFAULT_CENTERS,
    name: str = "",
    time_limit=10.0,
    seed=1,
    detour_factor=None,
    distance_matrix: DistanceMatrix | None = None,
    capacity=None,
    fixed_cost=None,
    cost_per_person_km=None,
) -> Plan:
    """Plan the township delivery centers of `county` (R1.3) and save the plan.

    Demand points are the county's villages with a known population (weight: residents); candidates
    are the township seats. Without `capacity`: p-median with exactly `p` centers. With `capacity`
    (residents one center can serve): capacitated facility location, single sourcing, with `fixed_cost`
    (yuan per center, default 0) and `cost_per_person_km` (yuan, default 1) and exactly `p` centers, or
    as many as is cheapest when `p` is None. Distances: great-circle × `detour_factor` (default 1.3), or
    `distance_matrix` (villages × township codes).
    """
    _check_actor(actor, county)
    time_limit, seed, name = _common(time_limit=time_limit, seed=seed, name=name)
    source, factor, matrix = _distance_source(
        actor=actor, county=county, detour_factor=detour_factor, distance_matrix=distance_matrix
    )
    located = source == DistanceSource.GREAT_CIRCLE
    demand, excluded = [], []
    for v in village_list(user=actor).filter(county=county).order_by("code"):
        if v.population is None:
            excluded.append({"code": v.code, "reason": "population_unknown"})
        elif located and (v.latitude is None or v.longitude is None):
            excluded.append({"code": v.code, "reason": "no_coordinates"})
        else:
            demand.append(point(v.code, v.short_name, v.latitude, v.longitude, weight=v.population))
    candidates = []
    for t in township_list(user=actor).filter(county=county).order_by("code"):
        if located and (t.latitude is None or t.longitude is None):
            excluded.append({"code": t.code, "reason": "no_coordinates"})
        else:
            candidates.append(point(t.code, t.name, t.latitude, t.longitude))
    if not demand:
        raise _invalid("county", _("No village of this county has a known population (and coordinates)."))
    if not candidates:
        raise _invalid("county", _("No township seat of this county has coordinates."))
    if capacity is not None:
        capacity = _number(capacity, "capacity", low=1, high=10**9, integer=True)
        fixed_cost = _number(0 if fixed_cost is None else fixed_cost, "fixed_cost", low=0, high=10**10)
        cost_per_person_km = _number(
            1 if cost_per_person_km is None else cost_per_person_km, "cost_per_person_km", low=0, high=10**6
        )
    elif fixed_cost is not None or cost_per_person_km is not None:
        raise _invalid("capacity", _("Fixed costs and transport costs apply only with a capacity."))
    if p is None and capacity is None:
        raise _invalid("p", _("This field is required."))
    if p is not None:
        p = _number(p, "p", low=1, high=len(candidates), integer=True)
    inputs = {"demand": demand, "candidates": candidates, "excluded": excluded}
    dist = distance_matrix_for(
        inputs, source=source, detour_factor=factor, matrix_entries=matrix.entries if matrix else None
    )
    inputs["distances_sha256"] = distances.digest_of(dist)
    if capacity is not None and capacity * (p or len(candidates)) < sum(d["weight"] for d in demand):
        raise _invalid(
            "capacity",
            _("%(n)s centers of this capacity cannot serve the %(people)s residents.")
            % {"n": p or len(candidates), "people": sum(d["weight"] for d in demand)},
        )
    try:
        solution = layout_solve(
            inputs,
            dist,
            p=p,
            capacity=capacity,
            fixed_cost=fixed_cost,
            cost_per_person_km=cost_per_person_km,
            time_limit=time_limit,
            seed=seed,
        )
    except SolverInputError as exc:
        raise ApplicationError(str(exc), code="no_solution", fields={"capacity": [str(exc)]}) from exc
    parameters = {"p": p}
    if capacity is not None:
        parameters.update(
            capacity=capacity, fixed_cost=str(fixed_cost), cost_per_person_km=str(cost_per_person_km)
        )
    if not name:
        name = _("Layout of %(p)s centers, %(when)s") % {
            "p": len(solution.result["open_sites"]),
            "when": _now_label(),
        }
    return _save(
        actor=actor,
        county=county,
        kind=PlanKind.LAYOUT,
        name=name,
        parameters=parameters,
        inputs=inputs,
        source=source,
        factor=factor,
        matrix=matrix,
        solver=solution.solver,
        method=solution.method,
        time_limit=time_limit,
        seed=seed,
        solution=solution,
    )


@transaction.atomic
def siting_plan_create(
    *,
    actor,
    county,
    name: str = "",
    coverage_m=0,
    min_stations=DEFAULT_MIN_STATIONS,
    min_share=DEFAULT_MIN_SHARE,
    beyond_m=DEFAULT_BEYOND_M,
    keep_existing: bool = True,
    cost_per_station=None,
    time_limit=10.0,
    seed=1,
    detour_factor=None,
    distance_matrix: DistanceMatrix | None = None,
) -> Plan:
    """Plan which villages of `county` get a station (R1.4, R1.5; see `siting`) and save the plan.

    Every registered poor village and every village of ≥500 residents must have a station within
    `coverage_m` metres (0: in the village itself); at least `min_stations` stations and stations in at
    least `min_share` of the villages; least number of new stations (cost: `cost_per_station` yuan each
    when given). Existing stations (any not closed) are kept when `keep_existing`. The result also gives
    the residents living more than `beyond_m` metres from every station, before and after the plan.
    `seed` is recorded for reproducibility (the MILP is deterministic).
    """
    _check_actor(actor, county)
    time_limit, seed, name = _common(time_limit=time_limit, seed=seed, name=name)
    source, factor, matrix = _distance_source(
        actor=actor, county=county, detour_factor=detour_factor, distance_matrix=distance_matrix
    )
    coverage_m = _number(coverage_m, "coverage_m", low=0, high=distances.MAX_METRES, integer=True)
    beyond_m = _number(beyond_m, "beyond_m", low=0, high=distances.MAX_METRES, integer=True)
    min_stations = _number(min_stations, "min_stations", low=0, high=100_000, integer=True)
    min_share = _number(min_share, "min_share", low=0, high=1)
    if cost_per_station is not None:
        cost_per_station = _number(cost_per_station, "cost_per_station", low=0, high=10**9)
    if not isinstance(keep_existing, bool):
        raise _invalid("keep_existing", _("Enter true or false."))
    with_station = set(
        station_list(user=actor)
        .filter(county=county)
        .exclude(status=SiteStatus.CLOSED)
        .values_list("village_id", flat=True)
    )
    demand = [
        point(
            v.code,
            v.short_name,
            v.latitude,
            v.longitude,
            weight=v.population,
            is_poor=v.is_poor,
            has_station=v.pk in with_station,
        )
        for v in village_list(user=actor).filter(county=county).order_by("code")
    ]
    if not demand:
        raise _invalid("county", _("This county has no villages."))
    codes = [d["code"] for d in demand]
    if source == DistanceSource.MATRIX:
        dist = distances.from_matrix(matrix.entries, codes, codes).astype(np.float64)
    else:
        located = [i for i, d in enumerate(demand) if d["lat"] is not None and d["lng"] is not None]
        dist = np.full((len(demand), len(demand)), np.inf)
        if located:
            pts = [(demand[i]["lat"], demand[i]["lng"]) for i in located]
            dist[np.ix_(located, located)] = distances.great_circle(pts, pts, detour_factor=factor)
        np.fill_diagonal(dist, 0)
    inputs = {
        "demand": demand,
        "distances_sha256": distances.digest_of(np.where(np.isfinite(dist), dist, -1).astype(np.int64)),
    }
    try:
        solution = siting_solve(
            inputs,
            dist,
            coverage_m=coverage_m,
            min_stations=min_stations,
            min_share=min_share,
            beyond_m=beyond_m,
            keep_existing=keep_existing,
            cost_per_station=cost_per_station,
            time_limit=time_limit,
        )
    except SitingInfeasible as exc:
        message = _("The county has %(n)s villages: a target of %(target)s stations cannot be met.") % {
            "n": len(demand),
            "target": exc.args[0],
        }
        field = (
            "min_share" if math.ceil(float(min_share) * len(demand) - 1e-9) > len(demand) else "min_stations"
        )
        raise ApplicationError(message, code="infeasible", fields={field: [message]}) from exc
    parameters = {
        "coverage_m": coverage_m,
        "min_stations": min_stations,
        "min_share": str(min_share),
        "beyond_m": beyond_m,
        "keep_existing": keep_existing,
        "cost_per_station": None if cost_per_station is None else str(cost_per_station),
    }
    if not name:
        name = _("Station siting, %(when)s") % {"when": _now_label()}
    return _save(
        actor=actor,
        county=county,
        kind=PlanKind.SITING,
        name=name,
        parameters=parameters,
        inputs=inputs,
        source=source,
        factor=factor,
        matrix=matrix,
        solver=Solver.SET_COVERING,
        method="milp",
        time_limit=time_limit,
        seed=seed,
        solution=solution,
    )


def _save(
    *,
    actor,
    county,
    kind,
    name,
    parameters,
    inputs,
    source,
    factor,
    matrix,
    solver,
    method,
    time_limit,
    seed,
    solution,
    center=None,
    service_date=None,
) -> Plan:
    plan = Plan(
        county=county,
        kind=kind,
        center=center,
        service_date=service_date,
        name=name,
        parameters=parameters,
        inputs=inputs,
        distance_source=source,
        detour_factor=factor,
        distance_matrix=matrix,
        solver=solver,
        method=method,
        time_limit_s=time_limit,
        seed=seed,
        objective=solution.objective,
        lower_bound=solution.lower_bound,
        proven_optimal=solution.proven_optimal,
        result=solution.result,
        seconds=solution.seconds,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    plan.full_clean()
    plan.save()
    audit_record(
        actor=actor,
        action="plan.create",
        instance=plan,
        changes={
            "kind": [None, kind],
            "parameters": [None, parameters],
            "objective": [None, solution.objective],
        },
    )
    return plan


@transaction.atomic
def distance_matrix_upload(*, actor, county, name: str, upload) -> DistanceMatrix:
    """Save a road-distance matrix of `county` read from `upload` (.csv or .xlsx: from-code, to-code,
    metres; codes of the county's villages and townships). Any bad row refuses the whole file
    (ApplicationError `matrix_invalid` with `fields["rows"]`), nothing written."""
    _check_actor(actor, county)
    name = (name or "").strip()
    if not name:
        raise _invalid("name", _("This field is required."))
    if len(name) > 100:
        raise _invalid("name", _("At most 100 characters."))
    if DistanceMatrix.objects.filter(county=county, name=name).exists():
        raise _invalid("name", _("This county already has a distance matrix of this name."), code="duplicate")
    known = set(village_list(user=actor).filter(county=county).values_list("code", flat=True))
    known |= set(township_list(user=actor).filter(county=county).values_list("code", flat=True))
    parsed = distances.parse_matrix_file(upload, known_codes=known)
    matrix = DistanceMatrix(
        county=county,
        name=name,
        file_name=(getattr(upload, "name", "") or "")[:200],
        entries=parsed.entries,
        pair_count=len(parsed.entries),
        digest=parsed.digest,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    matrix.full_clean()
    matrix.save()
    audit_record(
        actor=actor,
        action="distance_matrix.upload",
        instance=matrix,
        changes={"pair_count": [None, matrix.pair_count], "digest": [None, matrix.digest]},
    )
    return matrix

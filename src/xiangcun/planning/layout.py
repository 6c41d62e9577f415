"""The layout of township delivery centers (R1.3): which p township seats get a center so that the
residents of every village are, in total, as close as possible to their center (p-median), optionally
with a capacity and a fixed cost per center (capacitated facility location, single sourcing); and the
comparison of a plan with the layout actually built.

Pure computation on plain data (no writes): `services.layout_plan_create` reads the county through the
acting user's selectors, calls `layout_solve`, and saves the plan; `layout_compare` reads a saved plan.
"""

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from xiangcun.network.choices import FacilityKind, SiteStatus
from xiangcun.network.models import Facility

from . import distances
from .choices import DistanceSource, Solver
from .solvers.pmedian import solve_facility_location, solve_pmedian

# Township centers in these states count as "built" when a plan is compared with reality.
BUILT_STATUSES = (SiteStatus.BUILDING, SiteStatus.OPERATING, SiteStatus.SUSPENDED)


def point(code: str, name: str, latitude, longitude, **extra) -> dict:
    return {
        "code": code,
        "name": name,
        "lat": None if latitude is None else float(latitude),
        "lng": None if longitude is None else float(longitude),
        **extra,
    }


def distance_matrix_for(plan_inputs: dict, *, source: str, detour_factor, matrix_entries) -> np.ndarray:
    """Metres from each demand point to each candidate of a plan's input snapshot."""
    demand, candidates = plan_inputs["demand"], plan_inputs["candidates"]
    if source == DistanceSource.MATRIX:
        return distances.from_matrix(
            matrix_entries, [d["code"] for d in demand], [c["code"] for c in candidates]
        )
    return distances.great_circle(
        [(d["lat"], d["lng"]) for d in demand],
        [(c["lat"], c["lng"]) for c in candidates],
        detour_factor=Decimal(detour_factor),
    )


@dataclass(frozen=True)
class LayoutSolution:
    solver: str
    method: str
    objective: float
    lower_bound: float | None
    proven_optimal: bool
    seconds: float
    result: dict


def layout_solve(
    inputs: dict,
    dist: np.ndarray,
    *,
    p: int | None,
    capacity: int | None,
    fixed_cost: Decimal | None,
    cost_per_person_km: Decimal | None,
    time_limit: float,
    seed: int,
) -> LayoutSolution:
    """Solve the layout on a snapshot: p-median (objective: person·metres) without a capacity, else
    capacitated facility location (objective: yuan = fixed costs + cost per person·km × person·km)."""
    weights = np.array([d["weight"] for d in inputs["demand"]], dtype=np.float64)
    if capacity is None:
        solved = solve_pmedian(dist, p, weights=weights, time_limit=time_limit, seed=seed)
        solver, method = Solver.PMEDIAN, solved.solution["method"]
        assignment = np.asarray(solved.solution["assignment"], dtype=np.int64)
    else:
        m = dist.shape[1]
        rate = float(cost_per_person_km if cost_per_person_km is not None else 1)
        solved = solve_facility_location(
            dist / 1000.0 * rate,
            weights,
            np.full(m, float(capacity)),
            np.full(m, float(fixed_cost or 0)),
            p=p,
            time_limit=time_limit,
        )
        solver, method = Solver.FACILITY_LOCATION, "milp"
        assignment = np.asarray(solved.solution["assignment"], dtype=np.int64)
    open_sites = [int(j) for j in solved.solution["open_sites"]]
    result = _layout_result(inputs, dist, open_sites, assignment)
    if capacity is not None:
        result["fixed_cost"] = solved.solution["fixed_cost"]
        result["transport_cost"] = solved.solution["transport_cost"]
    objective = float(solved.objective)
    bound = solved.solution.get("lower_bound")
    bound = None if bound is None else min(float(bound), objective)
    return LayoutSolution(
        solver=solver,
        method=method,
        objective=objective,
        lower_bound=bound,
        proven_optimal=bool(solved.solution["proven_optimal"]),
        seconds=solved.seconds,
        result=result,
    )


def _layout_result(inputs, dist, open_sites, assignment) -> dict:
    demand, candidates = inputs["demand"], inputs["candidates"]
    rows = np.arange(len(demand))
    metres = dist[rows, assignment]
    weights = np.array([d["weight"] for d in demand], dtype=np.float64)
    load = np.bincount(assignment, weights=weights, minlength=len(candidates))
    return {
        "open_sites": [candidates[j]["code"] for j in open_sites],
        "assignment": [
            {"code": d["code"], "site": candidates[int(j)]["code"], "distance_m": int(m)}
            for d, j, m in zip(demand, assignment, metres, strict=True)
        ],
        "load": {candidates[j]["code"]: int(load[j]) for j in open_sites},
        **summary(weights, metres),
    }


def summary(weights: np.ndarray, metres: np.ndarray) -> dict:
    """Weighted distance (person·metres), mean metres per resident, longest distance."""
    total_weight = float(weights.sum())
    weighted = float((weights * metres).sum())
    return {
        "weighted_distance_m": weighted,
        "mean_distance_m": round(weighted / total_weight, 1) if total_weight else 0.0,
        "max_distance_m": int(metres.max()) if len(metres) else 0,
    }


def built_centers(county) -> list[Facility]:
    """The township delivery centers actually built in `county` (under construction, operating or
    suspended), by township code."""
    return list(
        Facility.objects.filter(county=county, kind=FacilityKind.TOWNSHIP_CENTER, status__in=BUILT_STATUSES)
        .select_related("township")
        .order_by("township__code", "code")
    )


def layout_compare(plan, dist: np.ndarray) -> dict:
    """The plan next to the layout actually built, on the same inputs and distances: the built layout
    is every township whose seat has a built township center, each village served by the nearest of
    them. Returns `{"plan": summary, "built": summary | None, "built_sites", "not_candidates",
    "rows": [{code, name, weight, plan_site, plan_m, built_site, built_m}], "improvement_pct"}`."""
    demand, candidates = plan.inputs["demand"], plan.inputs["candidates"]
    index = {c["code"]: j for j, c in enumerate(candidates)}
    weights = np.array([d["weight"] for d in demand], dtype=np.float64)
    built_codes = []
    for facility in built_centers(plan.county):
        code = facility.township.code
        if code not in built_codes:
            built_codes.append(code)
    built_sites = [index[c] for c in built_codes if c in index]
    not_candidates = [c for c in built_codes if c not in index]
    plan_metres = np.array([a["distance_m"] for a in plan.result["assignment"]], dtype=np.int64)
    plan_sites = [a["site"] for a in plan.result["assignment"]]
    names = {c["code"]: c["name"] for c in candidates}
    if built_sites:
        sub = dist[:, built_sites]
        nearest = np.argmin(sub, axis=1)
        built_metres = sub[np.arange(len(demand)), nearest]
        built_site_codes = [candidates[built_sites[k]]["code"] for k in nearest]
        built_summary = summary(weights, built_metres)
    else:
        built_metres, built_site_codes, built_summary = None, None, None
    plan_summary = summary(weights, plan_metres)
    rows = []
    for i, d in enumerate(demand):
        rows.append(
            {
                "code": d["code"],
                "name": d["name"],
                "weight": d["weight"],
                "plan_site": plan_sites[i],
                "plan_site_name": names.get(plan_sites[i], ""),
                "plan_m": int(plan_metres[i]),
                "built_site": built_site_codes[i] if built_site_codes else None,
                "built_site_name": names.get(built_site_codes[i], "") if built_site_codes else None,
                "built_m": int(built_metres[i]) if built_metres is not None else None,
            }
        )
    improvement = None
    if built_summary and built_summary["weighted_distance_m"]:
        improvement = round(
            100 * (1 - plan_summary["weighted_distance_m"] / built_summary["weighted_distance_m"]), 2
        )
    return {
        "plan": plan_summary,
        "built": built_summary,
        "plan_sites": plan.result["open_sites"],
        "built_sites": [candidates[j]["code"] for j in built_sites],
        "not_candidates": not_candidates,
        "improvement_pct": improvement,
        "rows": rows,
    }

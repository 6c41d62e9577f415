"""Village station siting (R1.4, R1.5): which villages get a station so that every registered poor
village and every village of ≥500 residents is covered (a station within the coverage distance; by
default in the village itself), the coverage target is met (at least N stations and/or stations in at
least a share of the villages), at least cost; and how many people live beyond a given distance from
any station.

A set-covering MILP solved exactly by HiGHS (`scipy.optimize.milp`): one binary y_j per village
(a station in village j; at most one funded station per village, R1.4), existing stations fixed at 1 at
no cost,

    minimise   Σ_new (1 − ½·pop_j / Σ pop) · y_j
    subject to Σ_{j : d(i, j) ≤ r} y_j ≥ 1        for every poor or large village i
               Σ_j y_j ≥ max(min_stations, ⌈share · villages⌉)

The ½·pop_j / Σ pop term only breaks ties between solutions with the same number of new stations (it
sums to less than one station), in favour of more populous villages, so a re-run gives the same plan.
The reported objective is the number of new stations (times the cost per station when one is given).
"""

import math
import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix, vstack

from .choices import LARGE_VILLAGE_RESIDENTS


class SitingInfeasible(ValueError):
    """The targets cannot be met (more stations asked for than there are villages)."""


@dataclass(frozen=True)
class SitingSolution:
    objective: float
    lower_bound: float | None
    proven_optimal: bool
    seconds: float
    result: dict


def is_required(village: dict) -> bool:
    return bool(village["is_poor"]) or (village["weight"] or 0) >= LARGE_VILLAGE_RESIDENTS


def siting_solve(
    inputs: dict,
    dist: np.ndarray,
    *,
    coverage_m: int,
    min_stations: int,
    min_share,
    beyond_m: int,
    keep_existing: bool,
    cost_per_station,
    time_limit: float,
) -> SitingSolution:
    """Solve on a snapshot `inputs["demand"]` (villages: code, name, lat, lng, weight = residents,
    is_poor, has_station) with `dist` the village × village metres (inf where unknown)."""
    start = time.perf_counter()
    villages = inputs["demand"]
    n = len(villages)
    existing = np.array([bool(v["has_station"]) for v in villages])
    pop = np.array([v["weight"] or 0 for v in villages], dtype=np.float64)
    target = max(int(min_stations), math.ceil(float(min_share) * n - 1e-9))
    if target > n:
        raise SitingInfeasible(target)
    covers = dist <= coverage_m
    np.fill_diagonal(covers, True)
    required = np.array([is_required(v) for v in villages])
    req_rows = np.flatnonzero(required)
    blocks = [csr_matrix(covers[req_rows].astype(np.float64)), csr_matrix(np.ones((1, n)))]
    lower = np.concatenate([np.ones(len(req_rows)), [target]])
    total_pop = pop.sum() or 1.0
    cost = np.where(existing & keep_existing, 0.0, 1.0 - 0.5 * pop / total_pop)
    lb = np.where(existing & keep_existing, 1.0, 0.0)
    solved = milp(
        cost,
        constraints=LinearConstraint(vstack(blocks).tocsr(), lower, np.full(len(lower), np.inf)),
        integrality=np.ones(n),
        bounds=Bounds(lb, np.ones(n)),
        options={"time_limit": float(time_limit), "disp": False, "mip_rel_gap": 0.0},
    )
    if solved.x is None:
        raise SitingInfeasible(target)
    chosen = solved.x > 0.5
    new = chosen & ~(existing & keep_existing)
    count_new = int(new.sum())
    unit = float(cost_per_station) if cost_per_station is not None else 1.0
    objective = count_new * unit
    proven = solved.status == 0
    # Every station (existing ones even when the plan may move them) is where people are served.
    served = chosen | existing
    located = np.array([v["lat"] is not None and v["lng"] is not None for v in villages])
    nearest, nearest_code = _nearest(dist, served, villages)
    before_nearest, _ = _nearest(dist, existing, villages)
    covered = (covers[:, served].any(axis=1)) if served.any() else np.zeros(n, dtype=bool)
    result = {
        "target_stations": target,
        "required": int(required.sum()),
        "required_uncovered": [villages[i]["code"] for i in req_rows if not covered[i]],
        "stations": [villages[j]["code"] for j in np.flatnonzero(served)],
        "new": [villages[j]["code"] for j in np.flatnonzero(new)],
        "existing": [villages[j]["code"] for j in np.flatnonzero(existing)],
        "station_count": int(served.sum()),
        "village_share": round(float(served.sum()) / n, 4) if n else 0.0,
        "new_count": count_new,
        "cost": objective if cost_per_station is not None else None,
        "beyond": {
            "distance_m": int(beyond_m),
            "before": _beyond(pop, before_nearest, beyond_m, located),
            "after": _beyond(pop, nearest, beyond_m, located),
        },
        "assignment": [
            {
                "code": v["code"],
                "site": nearest_code[i],
                "distance_m": None if not np.isfinite(nearest[i]) else int(nearest[i]),
                "covered": bool(covered[i]),
                "required": bool(required[i]),
            }
            for i, v in enumerate(villages)
        ],
    }
    return SitingSolution(
        objective=objective,
        lower_bound=objective if proven else None,
        proven_optimal=proven,
        seconds=time.perf_counter() - start,
        result=result,
    )


def _nearest(dist: np.ndarray, sites: np.ndarray, villages) -> tuple[np.ndarray, list]:
    n = len(villages)
    if not sites.any():
        return np.full(n, np.inf), [None] * n
    cols = np.flatnonzero(sites)
    sub = dist[:, cols].astype(np.float64)
    for k, j in enumerate(cols):  # a village with a station is 0 m from it, coordinates or not
        sub[j, k] = 0.0
    best = np.argmin(sub, axis=1)
    metres = sub[np.arange(n), best]
    codes = [villages[cols[b]]["code"] if np.isfinite(m) else None for b, m in zip(best, metres, strict=True)]
    return metres, codes


def _beyond(pop: np.ndarray, metres: np.ndarray, limit: int, located: np.ndarray) -> dict:
    """Residents and villages farther than `limit` from every station (with no station at all,
    everyone); `unknown` where a village has no coordinates and no station of its own (its distance
    cannot be measured)."""
    unknown = ~np.isfinite(metres) & ~located
    far = ~unknown & (metres > limit)
    return {
        "population": int(pop[far].sum()),
        "villages": int(far.sum()),
        "unknown_population": int(pop[unknown].sum()),
        "unknown_villages": int(unknown.sum()),
    }

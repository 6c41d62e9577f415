"""Capacitated facility location with single sourcing, as a MILP solved by HiGHS (`scipy.optimize.milp`).

Choose which candidate sites to open (each with a fixed opening cost and a capacity) and assign every
demand point wholly to one open site (a village is served by one township center, never split), so that
the fixed costs plus the demand-weighted distances are least; optionally exactly p sites. The county's
instances (about 650 villages × 20 township seats) are small enough for an exact solve.
"""

import time

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix, vstack

from xiangcun.planning.solvers import SolveResult, SolverInputError


def solve_facility_location(
    dist, demand, capacity, fixed_cost, *, p: int | None = None, time_limit: float = 10.0
) -> SolveResult:
    """Minimise Σ_j fixed_cost_j · y_j + Σ_u Σ_j demand_u · dist[u, j] · x_uj over binary x, y with
    Σ_j x_uj = 1 (single sourcing), Σ_u demand_u · x_uj ≤ capacity_j · y_j, x_uj ≤ y_j and, if `p` is
    given, Σ_j y_j = p.

    `dist` is (n_demand × n_candidates), `demand` one value per demand point, `capacity` and
    `fixed_cost` one per candidate, all finite and ≥ 0. Raises SolverInputError when the input is
    malformed or no assignment exists (total capacity short of total demand, a demand point larger than
    every capacity, p too small or too large, or HiGHS proves the single-sourcing assignment impossible),
    or when HiGHS finds no feasible solution within the time limit.

    The solution JSON holds `open_sites` (sorted 0-based indices), `assignment` (each demand point's
    site), `objective`, `fixed_cost` and `transport_cost` (its two parts), `lower_bound` (HiGHS's dual
    bound), `proven_optimal`, and `load` (the demand served by each open site, in `open_sites` order).
    """
    start = time.perf_counter()
    dist, demand, capacity, fixed_cost = _check(dist, demand, capacity, fixed_cost, p)
    if not time_limit > 0:
        raise SolverInputError("The time limit must be a positive number of seconds.")
    _check_capacity(demand, capacity, p)
    n, m = dist.shape
    nx = n * m
    cols = np.arange(nx)
    rows = np.repeat(np.arange(n), m)
    site_of = np.tile(np.arange(m), n)  # the site of each x variable (x_uj at u·m + j)
    assign = csr_matrix((np.ones(nx), (rows, cols)), shape=(n, nx + m))
    # Σ_u demand_u x_uj − capacity_j y_j ≤ 0
    load = csr_matrix(
        (
            np.concatenate([np.repeat(demand, m), -capacity]),
            (np.concatenate([site_of, np.arange(m)]), np.concatenate([cols, nx + np.arange(m)])),
        ),
        shape=(m, nx + m),
    )
    # x_uj − y_j ≤ 0: redundant given the capacity rows, but it tightens the LP relaxation a lot.
    link = csr_matrix(
        (
            np.concatenate([np.ones(nx), -np.ones(nx)]),
            (np.concatenate([cols, cols]), np.concatenate([cols, nx + site_of])),
        ),
        shape=(nx, nx + m),
    )
    blocks = [assign, load, link]
    lower = [np.ones(n), np.full(m, -np.inf), np.full(nx, -np.inf)]
    upper = [np.ones(n), np.zeros(m), np.zeros(nx)]
    if p is not None:
        blocks.append(
            csr_matrix((np.ones(m), (np.zeros(m, dtype=np.int64), nx + np.arange(m))), shape=(1, nx + m))
        )
        lower.append([p])
        upper.append([p])
    objective = np.concatenate([(demand[:, None] * dist).ravel(), fixed_cost])
    result = milp(
        objective,
        constraints=LinearConstraint(vstack(blocks).tocsr(), np.concatenate(lower), np.concatenate(upper)),
        integrality=np.ones(nx + m),
        bounds=Bounds(0, 1),
        options={"time_limit": float(time_limit), "disp": False},
    )
    if result.status == 2:
        raise SolverInputError(
            "No single-sourcing assignment fits the site capacities"
            + (f" with exactly {p} sites open" if p is not None else "")
            + " (the demand points cannot be packed into the capacities)."
        )
    if result.x is None:
        raise SolverInputError(
            f"HiGHS found no feasible solution within the time limit ({time_limit:g} s): {result.message}"
        )
    x = result.x[:nx].reshape(n, m)
    assignment = np.argmax(x, axis=1)
    open_sites = np.unique(assignment)
    extra_open = np.flatnonzero(result.x[nx:] > 0.5)  # open but serving nobody (only to reach p)
    open_sites = np.union1d(open_sites, extra_open)
    transport = float((demand * dist[np.arange(n), assignment]).sum())
    fixed = float(fixed_cost[open_sites].sum())
    total = fixed + transport
    loads = np.bincount(assignment, weights=demand, minlength=m)
    bound = getattr(result, "mip_dual_bound", None)
    bound = float(bound) if bound is not None and np.isfinite(bound) else None
    proven = result.status == 0
    solution = {
        "open_sites": [int(j) for j in open_sites],
        "assignment": [int(j) for j in assignment],
        "objective": total,
        "fixed_cost": fixed,
        "transport_cost": transport,
        "lower_bound": total if proven else bound,
        "proven_optimal": bool(proven),
        "load": [float(loads[j]) for j in open_sites],
    }
    return SolveResult(objective=total, solution=solution, seconds=time.perf_counter() - start)


def _check(dist, demand, capacity, fixed_cost, p):
    """The inputs as float arrays of matching shapes, or SolverInputError saying what is wrong."""
    try:
        dist = np.asarray(dist, dtype=np.float64)
        demand = np.asarray(demand, dtype=np.float64)
        capacity = np.asarray(capacity, dtype=np.float64)
        fixed_cost = np.asarray(fixed_cost, dtype=np.float64)
    except (TypeError, ValueError):
        raise SolverInputError("Distances, demands, capacities and fixed costs must be numeric.") from None
    if dist.ndim != 2 or dist.shape[0] < 1 or dist.shape[1] < 1:
        raise SolverInputError(
            f"The distance matrix must be 2-dimensional and non-empty, got shape {dist.shape}."
        )
    n, m = dist.shape
    for label, values, size in (
        ("demand", demand, n),
        ("capacity", capacity, m),
        ("fixed cost", fixed_cost, m),
    ):
        if values.shape != (size,):
            raise SolverInputError(
                f"Expected one {label} per {'demand point' if size == n else 'site'} ({size}), got shape {values.shape}."
            )
    for label, values in (
        ("distances", dist),
        ("demands", demand),
        ("capacities", capacity),
        ("fixed costs", fixed_cost),
    ):
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            raise SolverInputError(f"All {label} must be finite and ≥ 0.")
    if p is not None and (isinstance(p, bool) or not isinstance(p, int | np.integer) or not 1 <= p <= m):
        raise SolverInputError(
            f"p must be an integer between 1 and the number of candidate sites ({m}), got {p}."
        )
    return dist, demand, capacity, fixed_cost


def _check_capacity(demand: np.ndarray, capacity: np.ndarray, p: int | None) -> None:
    """The infeasibilities that can be named without solving: SolverInputError saying which."""
    total = demand.sum()
    if capacity.sum() < total:
        raise SolverInputError(
            f"Infeasible: the total capacity of all sites ({capacity.sum():g}) is less than the total demand ({total:g})."
        )
    largest = capacity.max()
    too_big = np.flatnonzero(demand > largest)
    if len(too_big):
        raise SolverInputError(
            f"Infeasible: demand point {int(too_big[0])} needs {demand[too_big[0]]:g}, more than the largest "
            f"site capacity ({largest:g}); a point is served by one site only."
        )
    if p is not None:
        best_p = np.sort(capacity)[::-1][:p].sum()
        if best_p < total:
            raise SolverInputError(
                f"Infeasible: the {p} largest capacities together ({best_p:g}) are less than the total demand ({total:g})."
            )

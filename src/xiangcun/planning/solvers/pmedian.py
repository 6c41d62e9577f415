"""p-median: open exactly p of the candidate sites so that the total weighted distance from every demand
point to its nearest open site is least (township delivery centers among the township seats, weighted by
village population; OR-Library pmed1–40 on the benchmark).

Two methods behind `solve_pmedian`:

- **MILP** (HiGHS via `scipy.optimize.milp`), exact, for small instances (n_demand · n_candidates up to
  `MILP_MAX_PAIRS`, which covers the county's villages × township seats): the classic strong formulation
  with assignment variables x_uj ≤ y_j. In "auto" mode the cheap steps of the search below run first and
  HiGHS only runs when their bound does not already prove the optimum.
- **Local search** beyond that, where the formulation has too many variables for a 10-second budget:
  1. greedy start (Kuehn & Hamburger) and Whitaker's fast interchange (the best swap of an open and a
     closed site, all swaps evaluated at once from each point's nearest and second-nearest open site,
     vectorised with numpy after Resende & Werneck 2007);
  2. a Lagrangian lower bound (relaxing "each point is served exactly once", subgradient optimisation);
     the sites its relaxed solutions open are fed to the fast interchange as new starts (a Lagrangian
     heuristic, after Beasley 1993). When the best solution meets the bound (integer costs: cost ≤
     ⌈bound⌉) it is proven optimal and the search stops;
  3. otherwise variable neighbourhood search (Hansen & Mladenović 1997: shake k random swaps, fast
     interchange, keep if better) until the time limit; the remaining gap to the bound is reported.

The known optima of the benchmark are never used here; only `bench/bench_pmedian.py` compares with them.
The search is deterministic for a given seed whenever it ends by proof or by its iteration budget rather
than by the clock (the clock only decides how far a fixed sequence of moves gets).
"""

import time
from pathlib import Path

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix, vstack

from xiangcun.planning.solvers import SolveResult, SolverInputError
from xiangcun.planning.solvers.facility import solve_facility_location
from xiangcun.planning.solvers.orlib import read_pmedian_file

__all__ = ["MILP_MAX_PAIRS", "solve_facility_location", "solve_file", "solve_pmedian", "assignment_cost"]

# Above this many (demand point, candidate) pairs the MILP is left to the local search: HiGHS needs
# about a second for OR-Library's 100-vertex instances (10 000 pairs) and grows quickly beyond.
MILP_MAX_PAIRS = 20_000
# Relative tolerance under which the best solution counts as proven optimal (non-integer costs).
OPTIMALITY_TOLERANCE = 1e-9
# Variable neighbourhood search ends after this many shake-and-search rounds without improvement (fewer
# on small instances: 5 per single swap p·(m − p), at least 50), so that easy instances stop early and
# the result does not depend on the machine's speed.
VNS_MAX_STALL = 2000


def solve_pmedian(
    dist,
    p: int,
    *,
    weights=None,
    time_limit: float = 10.0,
    seed: int = 1,
    method: str = "auto",
) -> SolveResult:
    """Open exactly `p` of the candidate sites minimising Σ_u weight_u · min_{open j} dist[u, j].

    `dist` is an (n_demand × n_candidates) array of finite non-negative distances; `weights` (default
    all 1) one non-negative weight per demand point. `method` is "auto" (MILP when the instance is small,
    else local search), "milp" or "local search". `time_limit` bounds the wall seconds (the search may
    stop earlier once optimality is proven).

    The solution JSON holds `open_sites` (0-based candidate indices, sorted), `assignment` (for each
    demand point the index of its nearest open site), `objective`, `lower_bound` (a proven lower bound
    on the optimum), `proven_optimal` and `method`. Raises SolverInputError on malformed input.
    """
    start = time.perf_counter()
    cost = _weighted_costs(dist, p, weights)
    n, m = cost.shape
    if method not in {"auto", "milp", "local search"}:
        raise SolverInputError(f"Unknown p-median method {method!r} (auto, milp or local search).")
    if not time_limit > 0:
        raise SolverInputError("The time limit must be a positive number of seconds.")
    # The clock is checked between steps of a few milliseconds; the margin keeps the last one and the
    # final bookkeeping inside the limit.
    deadline = start + time_limit - min(0.05 * time_limit, 0.2)

    if p == m:  # nothing to choose
        open_sites, used = np.arange(m), "all sites"
        lower_bound = assignment_cost(cost, open_sites)
    elif p == 1:  # one column sum each: exact without search
        open_sites, used = np.array([int(np.argmin(cost.sum(axis=0)))]), "enumeration"
        lower_bound = assignment_cost(cost, open_sites)
    elif method == "milp" or (method == "auto" and n * m <= MILP_MAX_PAIRS):
        open_sites, lower_bound, used = _milp_with_search(
            cost, p, deadline=deadline, seed=seed, first=method == "auto"
        )
    else:
        open_sites, lower_bound = _search(cost, p, deadline=deadline, seed=seed)
        used = "local search"

    objective = float(assignment_cost(cost, open_sites))
    lower_bound = min(float(lower_bound), objective)
    proven = _proven(objective, lower_bound, integral=_is_integral(cost))
    if proven:
        lower_bound = objective
    nearest = open_sites[np.argmin(cost[:, open_sites], axis=1)]
    solution = {
        "open_sites": sorted(int(j) for j in open_sites),
        "objective": objective,
        "lower_bound": lower_bound,
        "gap_pct": 0.0 if objective == 0 else round(100 * (objective - lower_bound) / objective, 4),
        "proven_optimal": proven,
        "method": used,
        "assignment": [int(j) for j in nearest],
    }
    return SolveResult(objective=objective, solution=solution, seconds=time.perf_counter() - start)


def solve_file(path, *, p: int | None = None, time_limit: float = 10.0, seed: int = 1) -> SolveResult:
    """Solve an OR-Library p-median file (see `orlib.read_pmedian_file`); `p` overrides the file's p.
    The solution JSON also names the instance and gives n and p. The time limit covers reading the file
    and computing the shortest paths too."""
    start = time.perf_counter()
    if not time_limit > 0:
        raise SolverInputError("The time limit must be a positive number of seconds.")
    instance = read_pmedian_file(path)
    medians = instance.p if p is None else p
    if not 1 <= medians <= instance.n:
        raise SolverInputError(
            f"p must lie between 1 and the number of vertices ({instance.n}), got {medians}."
        )
    remaining = max(0.1 * time_limit, time_limit - (time.perf_counter() - start))
    result = solve_pmedian(instance.dist, medians, time_limit=remaining, seed=seed)
    solution = {"instance": Path(path).name, "n": instance.n, "p": medians, **result.solution}
    return SolveResult(objective=result.objective, solution=solution, seconds=time.perf_counter() - start)


def assignment_cost(cost: np.ndarray, open_sites) -> float:
    """Σ over demand points of the cost to the nearest of `open_sites` (the p-median objective)."""
    return float(np.min(np.asarray(cost)[:, np.asarray(open_sites, dtype=np.int64)], axis=1).sum())


# ---------------------------------------------------------------------------------------------- input


def _weighted_costs(dist, p, weights) -> np.ndarray:
    """The (n × m) matrix weight_u · dist[u, j] as float64, or SolverInputError saying what is wrong."""
    try:
        dist = np.asarray(dist, dtype=np.float64)
    except (TypeError, ValueError):
        raise SolverInputError("The distance matrix must be numeric.") from None
    if dist.ndim != 2 or dist.shape[0] < 1 or dist.shape[1] < 1:
        raise SolverInputError(
            f"The distance matrix must be 2-dimensional and non-empty, got shape {dist.shape}."
        )
    if not np.all(np.isfinite(dist)) or np.any(dist < 0):
        raise SolverInputError("Distances must be finite and ≥ 0 (every demand point must reach every site).")
    n, m = dist.shape
    if isinstance(p, bool) or not isinstance(p, int | np.integer) or not 1 <= p <= m:
        raise SolverInputError(
            f"p must be an integer between 1 and the number of candidate sites ({m}), got {p}."
        )
    if weights is None:
        return dist.copy()
    try:
        weights = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError):
        raise SolverInputError("The weights must be numeric.") from None
    if weights.shape != (n,):
        raise SolverInputError(f"Expected one weight per demand point ({n}), got shape {weights.shape}.")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise SolverInputError("Weights must be finite and ≥ 0.")
    return weights[:, None] * dist


def _is_integral(cost: np.ndarray) -> bool:
    return bool(np.all(cost == np.round(cost)))


def _proven(objective: float, lower_bound: float, *, integral: bool) -> bool:
    """Whether `lower_bound` proves `objective` optimal: with integer costs every solution's cost is an
    integer, so the optimum is at least ⌈bound⌉ (a small slack absorbs floating-point error of the
    bound's sums; at most half a unit, else a bound equal to a large integer objective, such as a
    county's person·metres, would be rounded down below it); otherwise up to a relative tolerance."""
    if integral:
        slack = min(1e-6 * max(1.0, abs(lower_bound)), 0.5)
        return bool(objective <= np.ceil(lower_bound - slack))
    return bool(objective - lower_bound <= OPTIMALITY_TOLERANCE * max(1.0, abs(objective)))


# ----------------------------------------------------------------------------------------------- MILP


def _milp_with_search(cost: np.ndarray, p: int, *, deadline: float, seed: int, first: bool):
    """(open sites, lower bound, method) for instances small enough for HiGHS.

    With `first`, the search's cheap steps (no VNS) run before: a proof by the Lagrangian bound takes
    milliseconds where HiGHS often takes seconds. If HiGHS stops at the clock, the better of its
    incumbent (polished by fast interchange) and the search's solution is kept, with the better bound;
    if it found nothing, the search gets what is left of the budget. Costs are ≥ 0, so 0 is the bound
    of last resort."""
    integral = _is_integral(cost)
    searched, searched_bound = None, 0.0
    if first:
        searched, searched_bound = _search(cost, p, deadline=deadline, seed=seed, vns=False)
        if _proven(assignment_cost(cost, searched), searched_bound, integral=integral):
            return searched, searched_bound, "local search"
    sites, bound = _solve_milp(cost, p, max(0.1, deadline - time.perf_counter()))
    if sites is None:
        if searched is None:
            searched, searched_bound = _search(cost, p, deadline=deadline, seed=seed)
        return searched, searched_bound, "local search"
    bound = max(searched_bound, 0.0 if bound is None else bound)
    if not _proven(assignment_cost(cost, sites), bound, integral=integral):
        sites = _local_search(cost, sites)  # HiGHS stopped at the clock: polish its incumbent
        if searched is not None and assignment_cost(cost, searched) < assignment_cost(cost, sites):
            return searched, bound, "local search"
    return sites, bound, "milp"


def _solve_milp(cost: np.ndarray, p: int, time_limit: float):
    """(open sites, lower bound) from HiGHS, or (None, None) if it found no solution within the limit.

    Variables: x_uj (u served by j; continuous — with the y integral the best x is integral anyway) and
    y_j (site j open; binary). min Σ c_uj x_uj subject to Σ_j x_uj = 1, x_uj ≤ y_j, Σ_j y_j = p."""
    n, m = cost.shape
    nx = n * m
    rows = np.repeat(np.arange(n), m)
    x_cols = np.arange(nx)
    assign = csr_matrix((np.ones(nx), (rows, x_cols)), shape=(n, nx + m))
    link = coo_matrix(
        (
            np.concatenate([np.ones(nx), -np.ones(nx)]),
            (np.concatenate([x_cols, x_cols]), np.concatenate([x_cols, nx + np.tile(np.arange(m), n)])),
        ),
        shape=(nx, nx + m),
    ).tocsr()
    count = csr_matrix((np.ones(m), (np.zeros(m, dtype=np.int64), nx + np.arange(m))), shape=(1, nx + m))
    matrix = vstack([assign, link, count]).tocsr()
    lower = np.concatenate([np.ones(n), np.full(nx, -np.inf), [p]])
    upper = np.concatenate([np.ones(n), np.zeros(nx), [p]])
    integrality = np.concatenate([np.zeros(nx), np.ones(m)])
    result = milp(
        np.concatenate([cost.ravel(), np.zeros(m)]),
        constraints=LinearConstraint(matrix, lower, upper),
        integrality=integrality,
        bounds=Bounds(0, 1),
        options={"time_limit": float(time_limit), "disp": False},
    )
    if result.x is None:
        return None, None
    y = result.x[nx:]
    open_sites = np.argsort(-y, kind="stable")[:p]  # the p sites HiGHS opened (y ≈ 1)
    if result.status == 0:  # proven optimal
        return np.sort(open_sites), float(result.fun)
    bound = getattr(result, "mip_dual_bound", None)
    return np.sort(open_sites), (float(bound) if bound is not None and np.isfinite(bound) else None)


# ---------------------------------------------------------------------------------------- local search


def _search(cost: np.ndarray, p: int, *, deadline: float, seed: int, vns: bool = True):
    """(open sites, lower bound): greedy + fast interchange, the Lagrangian bound with fast interchange
    from its relaxed solutions, then (if `vns`) VNS until the deadline, proof of optimality or
    `VNS_MAX_STALL` rounds without improvement."""
    rng = np.random.default_rng(seed)
    integral = _is_integral(cost)
    best = _local_search(cost, _greedy(cost, p), deadline)
    best_cost = assignment_cost(cost, best)
    lower_bound, best, best_cost = _lagrangian(cost, p, best, best_cost, deadline=deadline, integral=integral)
    if not vns or _proven(best_cost, lower_bound, integral=integral):
        return best, lower_bound
    best, best_cost = _vns(
        cost, best, best_cost, rng, deadline=deadline, lower_bound=lower_bound, integral=integral
    )
    return best, lower_bound


def _nearest_two(cost: np.ndarray, open_sites: np.ndarray):
    """For each demand point: the position (in `open_sites`) of its nearest open site, its cost d1 and
    the cost d2 of the second nearest (p ≥ 2)."""
    sub = cost[:, open_sites]
    first = np.argmin(sub, axis=1)
    rows = np.arange(len(sub))
    d1 = sub[rows, first]
    sub[rows, first] = np.inf
    d2 = sub.min(axis=1)
    return first, d1, d2


def _greedy(cost: np.ndarray, p: int) -> np.ndarray:
    """Add sites one by one, each time the one that lowers the total cost most (Kuehn & Hamburger).

    gain(i) = Σ_u max(0, d1_u − c_ui) is kept up to date from the rows whose d1 the last site lowered
    (usually a small share), instead of being recomputed over the whole matrix."""
    first = int(np.argmin(cost.sum(axis=0)))
    chosen = [first]
    d1 = cost[:, first].copy()
    gain = np.maximum(d1[:, None] - cost, 0).sum(axis=0)
    for _ in range(p - 1):
        gain[chosen] = -1
        j = int(np.argmax(gain))
        chosen.append(j)
        rows = np.flatnonzero(cost[:, j] < d1)
        old = d1[rows]
        new = cost[rows, j]
        sub = cost[rows]
        gain -= (np.maximum(old[:, None] - sub, 0) - np.maximum(new[:, None] - sub, 0)).sum(axis=0)
        d1[rows] = new
    return np.array(chosen)


def _local_search(cost: np.ndarray, open_sites, deadline: float | None = None) -> np.ndarray:
    """Fast interchange to a local optimum: repeatedly make the best swap (close r, open i).

    The profit of every swap at once (Resende & Werneck's decomposition): profit(i, r) = gain(i) −
    loss(r) + extra(i, r), where gain(i) = Σ_u max(0, d1_u − c_ui) is what opening i saves,
    loss(r) = Σ_{u served by r} (d2_u − d1_u) what closing r costs, and extra(i, r) = Σ_{u served by r}
    max(0, d2_u − max(c_ui, d1_u)) corrects the points served by r that i would take over.
    Past `deadline` it returns the sites reached so far (each swap improves, so they are still valid)."""
    open_sites = np.array(open_sites, dtype=np.int64)
    n, m = cost.shape
    p = len(open_sites)
    is_open = np.zeros(m, dtype=bool)
    while deadline is None or time.perf_counter() < deadline:
        first, d1, d2 = _nearest_two(cost, open_sites)
        is_open[:] = False
        is_open[open_sites] = True
        gain = np.maximum(d1[:, None] - cost, 0).sum(axis=0)
        loss = np.bincount(first, weights=d2 - d1, minlength=p)
        takeover = np.maximum(d2[:, None] - np.maximum(cost, d1[:, None]), 0)
        extra = _group_rows(takeover, first, p)
        profit = gain[None, :] - loss[:, None] + extra
        profit[:, is_open] = -np.inf
        r, i = np.unravel_index(int(np.argmax(profit)), profit.shape)
        if profit[r, i] <= 1e-9 * max(1.0, float(d1.sum())):
            return open_sites
        open_sites[r] = i
    return open_sites


def _group_rows(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Row sums of `values` per group label: result[g] = Σ_{u: groups[u] = g} values[u]."""
    order = np.argsort(groups, kind="stable")
    labels = groups[order]
    starts = np.searchsorted(labels, np.arange(n_groups))
    present = np.bincount(groups, minlength=n_groups) > 0
    result = np.zeros((n_groups, values.shape[1]))
    if present.any():
        result[present] = np.add.reduceat(values[order], starts[present], axis=0)
    return result


def _vns(cost, best, best_cost, rng, *, deadline, lower_bound, integral):
    """Variable neighbourhood search: shake k random swaps away from the best, fast interchange, keep
    the result if better (back to k = 1), else try k + 1 (wrapping round at `k_max`)."""
    m = cost.shape[1]
    p = len(best)
    k_max = max(1, min(p, m - p, 10))
    max_stall = min(VNS_MAX_STALL, max(50, 5 * p * (m - p)))
    k, stall = 1, 0
    while stall < max_stall and time.perf_counter() < deadline:
        trial = best.copy()
        closed = np.setdiff1d(np.arange(m), trial)
        out = rng.choice(p, size=k, replace=False)
        trial[out] = rng.choice(closed, size=k, replace=False)
        trial = _local_search(cost, trial, deadline)
        trial_cost = assignment_cost(cost, trial)
        if trial_cost < best_cost - 1e-9 * max(1.0, best_cost):
            best, best_cost, k, stall = trial, trial_cost, 1, 0
            if _proven(best_cost, lower_bound, integral=integral):
                break
        else:
            k = k % k_max + 1
            stall += 1
    return best, best_cost


def _lagrangian(
    cost: np.ndarray,
    p: int,
    best: np.ndarray,
    best_cost: float,
    *,
    deadline: float,
    integral: bool,
    max_iterations: int = 1500,
    polish_every: int = 40,
    share: float = 0.6,
):
    """(lower bound, best sites, their cost) by subgradient optimisation of the Lagrangian relaxation,
    with fast interchange from its relaxed solutions as they improve.

    Relaxing Σ_j x_uj = 1 with multipliers λ_u leaves L(λ) = Σ_u λ_u + (sum of the p smallest ρ_j),
    ρ_j = Σ_u min(0, c_uj − λ_u): a lower bound on the optimum for every λ. Polyak steps towards the
    best known cost; the step factor halves after 20 rounds without progress. The sites a relaxed
    solution opens are excellent starts for the local search once λ is near its best (on OR-Library
    they often lead straight to the optimum), so every `polish_every` rounds and at the end the search
    starts from them, which also tightens the steps.

    The iterations run in float32 (half the memory traffic; they only steer the search); the returned
    bound is L(λ) recomputed in float64 for the best λ. Stops when the bound proves the best solution
    optimal, the step factor becomes negligible, after `max_iterations`, or after `share` of the
    remaining time (the rest is for VNS)."""
    start = time.perf_counter()
    stop = start + share * max(0.0, deadline - start)
    cost32 = cost.astype(np.float32)
    reduced = np.empty_like(cost32)
    lam = np.sort(cost, axis=1)[:, 1] if cost.shape[1] > 1 else cost[:, 0].copy()
    estimate, best_lam = -np.inf, lam
    bound = -np.inf
    theta, stall = 2.0, 0
    for iteration in range(1, max_iterations + 1):
        np.subtract(cost32, lam.astype(np.float32)[:, None], out=reduced)
        np.minimum(reduced, 0, out=reduced)
        rho = reduced.sum(axis=0)
        sites = np.argpartition(rho, p - 1)[:p]
        value = float(lam.sum() + rho[sites].sum(dtype=np.float64))
        if value > estimate + 1e-9 * max(1.0, abs(value)):
            estimate, best_lam, stall = value, lam, 0
            if _proven(best_cost, estimate, integral=integral):  # confirm in float64 before stopping
                bound = max(bound, _lagrangian_value(cost, best_lam, p))
                if _proven(best_cost, bound, integral=integral):
                    return bound, best, best_cost
        else:
            stall += 1
            if stall >= 20:
                theta, stall = theta / 2, 0
        if iteration % polish_every == 0:
            best, best_cost = _better(cost, best, best_cost, sites, deadline)
        if theta < 1e-3 or time.perf_counter() > stop:
            break
        served = (reduced[:, sites] < 0).sum(axis=1)
        subgradient = 1.0 - served
        norm = float(subgradient @ subgradient)
        if norm == 0:  # the relaxed solution serves every point once: it is optimal
            break
        lam = lam + theta * (best_cost - value) / norm * subgradient
    bound = max(bound, _lagrangian_value(cost, best_lam, p))
    relaxed_sites = np.argpartition(np.minimum(cost - best_lam[:, None], 0).sum(axis=0), p - 1)[:p]
    best, best_cost = _better(cost, best, best_cost, relaxed_sites, deadline)
    return bound, best, best_cost


def _lagrangian_value(cost: np.ndarray, lam: np.ndarray, p: int) -> float:
    """L(λ) in float64 (see `_lagrangian`)."""
    rho = np.minimum(cost - lam[:, None], 0).sum(axis=0)
    return float(lam.sum() + np.partition(rho, p - 1)[:p].sum())


def _better(cost, best, best_cost, start_sites, deadline):
    """(sites, cost): fast interchange from `start_sites` if it beats (best, best_cost), else those."""
    if time.perf_counter() >= deadline:
        return best, best_cost
    candidate = _local_search(cost, start_sites, deadline)
    candidate_cost = assignment_cost(cost, candidate)
    if candidate_cost < best_cost:
        return candidate, candidate_cost
    return best, best_cost

"""`pmedian_mean_gap_pct`, `pmedian_max_gap_pct`, `pmedian_max_seconds`: the p-median solver
(`xiangcun.planning.solvers.pmedian.solve_file`, what `xiangcun solve pmedian` runs) on OR-Library
pmed1–40 with a 10-second limit per instance, compared with the proven optima in `pmedopt.txt`.

Seconds are the wall time of the whole `solve_file` call (reading the file and the shortest paths
included). Every solution is checked independently of the solver: the bench parses the file itself,
computes the distances with Floyd–Warshall (the reader uses Dijkstra) and recomputes the objective of the
chosen sites; a solution with the wrong number of sites, a site out of range, or an objective that
differs from the recomputed one fails the benchmark (exit 1), as does any instance over the issue's
limits (gap > 0.5 %, > 10 s) or a mean gap > 0.1 %.

Data: `$XIANGCUN_BENCH_DATA/pmed/` (default: `shared/bench-data` beside the repository).
Per-instance lines go to stderr.
"""

import json
import sys
import time
from pathlib import Path

import numpy as np
from scipy.sparse.csgraph import floyd_warshall

from xiangcun.planning.solvers import benchmark_data_dir

DATA = benchmark_data_dir() / "pmed"
TIME_LIMIT = 10.0
INSTANCES = [f"pmed{k}" for k in range(1, 41)]
MAX_GAP_PCT, MEAN_GAP_PCT, MAX_SECONDS = 0.5, 0.1, 10.0


def optima() -> dict[str, float]:
    """The proven optima of `pmedopt.txt` (a header line, then `pmedK value`)."""
    values = {}
    for line in (DATA / "pmedopt.txt").read_text().splitlines()[1:]:
        fields = line.split()
        if len(fields) == 2:
            values[fields[0]] = float(fields[1])
    return values


def reference_distances(path: Path) -> tuple[np.ndarray, int]:
    """(all-pairs shortest paths, p) computed here without the solver's reader: a dense matrix where the
    last occurrence of an edge wins, then Floyd–Warshall."""
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    n, _, p = (int(v) for v in lines[0])
    graph = np.full((n, n), np.inf)
    np.fill_diagonal(graph, 0)
    for i, j, cost in lines[1:]:
        a, b = int(i) - 1, int(j) - 1
        if a != b:
            graph[a, b] = graph[b, a] = float(cost)
    return floyd_warshall(graph, directed=False), p


def check(solution: dict, objective: float, dist: np.ndarray, p: int) -> str | None:
    """What is wrong with a solution, or None."""
    sites = solution["open_sites"]
    if len(sites) != p or len(set(sites)) != p or not all(0 <= s < len(dist) for s in sites):
        return f"expected {p} distinct sites in 0…{len(dist) - 1}, got {sites}"
    recomputed = float(dist[:, sites].min(axis=1).sum())
    if abs(recomputed - objective) > 1e-6 * max(1.0, recomputed):
        return f"reported objective {objective} but the sites cost {recomputed}"
    assignment = solution["assignment"]
    if len(assignment) != len(dist) or any(
        a not in set(sites) or dist[u, a] != dist[u, sites].min() for u, a in enumerate(assignment)
    ):
        return "the assignment does not send every vertex to its nearest open site"
    return None


def main() -> int:
    from xiangcun.planning.solvers.pmedian import solve_file

    known = optima()
    gaps, seconds, failures = [], [], []
    wall = time.perf_counter()
    for name in INSTANCES:
        path = DATA / f"{name}.txt"
        start = time.perf_counter()
        result = solve_file(path, time_limit=TIME_LIMIT, seed=1)
        elapsed = time.perf_counter() - start
        dist, p = reference_distances(path)
        problem = check(result.solution, result.objective, dist, p)
        gap = 100 * (result.objective - known[name]) / known[name]
        gaps.append(gap)
        seconds.append(elapsed)
        print(
            f"{name}: n={len(dist)} p={p} objective {result.objective:g} optimum {known[name]:g} "
            f"gap {gap:.3f}% {elapsed:.2f} s lower bound {result.solution['lower_bound']:.1f} "
            f"{'proven' if result.solution['proven_optimal'] else 'not proven'} ({result.solution['method']})"
            + (f" INVALID: {problem}" if problem else ""),
            file=sys.stderr,
            flush=True,
        )
        if problem:
            failures.append(f"{name}: {problem}")
        elif gap > MAX_GAP_PCT or elapsed > MAX_SECONDS:
            failures.append(f"{name}: gap {gap:.3f}% in {elapsed:.2f} s is over the limits")
    mean_gap = float(np.mean(gaps))
    if mean_gap > MEAN_GAP_PCT:
        failures.append(f"mean gap {mean_gap:.3f}% is over {MEAN_GAP_PCT}%")
    print(
        f"pmedian: {len(INSTANCES)} instances, {sum(g <= 1e-9 for g in gaps)} at the optimum, "
        f"wall {time.perf_counter() - wall:.1f} s",
        file=sys.stderr,
    )
    print(json.dumps({"name": "pmedian_mean_gap_pct", "value": round(mean_gap, 4), "unit": "%"}))
    print(json.dumps({"name": "pmedian_max_gap_pct", "value": round(max(gaps), 4), "unit": "%"}))
    print(json.dumps({"name": "pmedian_max_seconds", "value": round(max(seconds), 2), "unit": "s"}))
    for failure in failures:
        print(f"pmedian: FAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

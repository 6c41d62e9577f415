"""`vrptw_mean_gap_pct` and `vrptw_max_gap_pct`: VRPTW on the Solomon instances in the bench data
(C101, R101, R201, RC101, RC208), the product's solver (`solve_file`: PyVRP) at
`XIANGCUN_BENCH_VRP_SECONDS` (default 10) per instance; gap (%) of the distance to the best-known
distance of the `.sol` files. Target: every solution feasible, mean gap ≤ 3 %.

Distances are Euclidean truncated to one decimal, the DIMACS convention in which the best-known
distances are stated (C101 = 827.3), so the gap compares like with like; stderr also shows each
solution's unrounded length and whether its schedule also holds with unrounded travel times. Every
solution is checked independently (`vrp_check.check_vrptw`: every client once, fleet size, capacity,
time windows, the depot's closing time, cost equal to the reported objective), or the benchmark fails.
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from vrp_check import InvalidSolution, bench_data_dir, best_known, check_vrptw, gap_pct  # noqa: E402

SECONDS = float(os.environ.get("XIANGCUN_BENCH_VRP_SECONDS", "10"))
INSTANCES = ("C101", "R101", "R201", "RC101", "RC208")


def main() -> int:
    from xiangcun.planning.solvers.vrp import solve_file

    folder = bench_data_dir() / "vrp"
    gaps = []
    started = time.perf_counter()
    for name in INSTANCES:
        path = folder / f"{name}.txt"
        best = best_known(path)
        cpu = time.process_time()
        result = solve_file(path, time_limit=SECONDS, seed=1)
        cpu = time.process_time() - cpu
        try:
            if not result.solution["feasible"]:
                raise InvalidSolution("the solver reports an infeasible solution")
            check = check_vrptw(path, result.solution["routes"])
            if abs(check.cost - result.objective) > 0.05:
                raise InvalidSolution(f"reported {result.objective}, recomputed {check.cost}")
        except InvalidSolution as exc:
            print(f"bench_vrptw: {name}: invalid solution: {exc}", file=sys.stderr)
            return 1
        gaps.append(gap_pct(check.cost, best))
        print(
            f"{name}: best-known {best:.1f}; PyVRP {check.cost:.1f} ({gaps[-1]:.2f} %, {check.vehicles} routes, "
            f"{result.seconds:.1f} s, {cpu:.1f} s CPU); unrounded length {check.unrounded_cost:.2f}, schedule "
            f"{'holds' if check.holds_unrounded else 'does not hold'} with unrounded travel times",
            file=sys.stderr,
            flush=True,
        )
    print(
        f"bench_vrptw: {len(INSTANCES)} instances at {SECONDS:g} s, all feasible; wall "
        f"{time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    print(json.dumps({"name": "vrptw_mean_gap_pct", "value": round(statistics.mean(gaps), 3), "unit": "%"}))
    print(json.dumps({"name": "vrptw_max_gap_pct", "value": round(max(gaps), 3), "unit": "%"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

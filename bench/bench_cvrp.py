"""`cvrp_mean_gap_pct` and `cvrp_ortools_mean_gap_pct`: CVRP on the CVRPLIB X instances in the bench
data (`vrp/X-*.vrp`), mean gap (%) to the best-known costs of their `.sol` files, for the product's
solver (`solve_file`: PyVRP) and for OR-Tools' routing solver with guided local search (`ortools_vrp`),
each given the same wall time per instance (`XIANGCUN_BENCH_VRP_SECONDS`, default 10) in the same run,
one after the other so each has the machine to itself. Target: PyVRP ≤ 1.5 %.

Every solution is checked independently (`vrp_check.check_cvrp`: every client exactly once, loads
within capacity, cost recomputed from the rounded Euclidean matrix, and for PyVRP equal to the
objective it reported), or the benchmark fails. Per-instance figures go to stderr, with the CPU
seconds each solver got: on a busy machine they fall short of the wall seconds, and so does quality.
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ortools_vrp import solve_cvrp  # noqa: E402
from vrp_check import InvalidSolution, bench_data_dir, best_known, check_cvrp, cvrp_matrix, gap_pct  # noqa: E402

SECONDS = float(os.environ.get("XIANGCUN_BENCH_VRP_SECONDS", "10"))


def main() -> int:
    from xiangcun.planning.solvers.vrp import solve_file

    files = sorted((bench_data_dir() / "vrp").glob("X-*.vrp"), key=lambda p: int(p.stem.split("-")[1][1:]))
    if not files:
        print(f"bench_cvrp: no X-*.vrp under {bench_data_dir() / 'vrp'}", file=sys.stderr)
        return 1
    gaps, ortools_gaps = [], []
    started = time.perf_counter()
    for path in files:
        best = best_known(path)
        cpu = time.process_time()
        result = solve_file(path, time_limit=SECONDS, seed=1)
        cpu = time.process_time() - cpu
        routes = result.solution["routes"]
        try:
            cost = check_cvrp(path, routes)
            if cost != result.objective or not result.solution["feasible"]:
                raise InvalidSolution(f"reported {result.objective}, recomputed {cost}")
        except InvalidSolution as exc:
            print(f"bench_cvrp: PyVRP on {path.stem}: invalid solution: {exc}", file=sys.stderr)
            return 1
        gaps.append(gap_pct(cost, best))

        matrix, demands, capacity = cvrp_matrix(path)
        try:
            ortools_cpu = time.process_time()
            ortools_routes, ortools_seconds = solve_cvrp(matrix, demands, capacity, time_limit=SECONDS)
            ortools_cpu = time.process_time() - ortools_cpu
            ortools_cost = check_cvrp(path, ortools_routes)
        except (RuntimeError, InvalidSolution) as exc:
            print(f"bench_cvrp: OR-Tools on {path.stem}: {exc}", file=sys.stderr)
            return 1
        ortools_gaps.append(gap_pct(ortools_cost, best))
        print(
            f"{path.stem}: best-known {best:.0f}; PyVRP {cost} ({gaps[-1]:.2f} %, {len(routes)} routes, "
            f"{result.seconds:.1f} s, {cpu:.1f} s CPU); OR-Tools {ortools_cost} ({ortools_gaps[-1]:.2f} %, "
            f"{len(ortools_routes)} routes, {ortools_seconds:.1f} s, {ortools_cpu:.1f} s CPU)",
            file=sys.stderr,
            flush=True,
        )
    print(
        f"bench_cvrp: {len(files)} instances, {SECONDS:g} s each per solver; PyVRP max gap {max(gaps):.2f} %, "
        f"OR-Tools max gap {max(ortools_gaps):.2f} %; wall {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    print(json.dumps({"name": "cvrp_mean_gap_pct", "value": round(statistics.mean(gaps), 3), "unit": "%"}))
    print(
        json.dumps(
            {
                "name": "cvrp_ortools_mean_gap_pct",
                "value": round(statistics.mean(ortools_gaps), 3),
                "unit": "%",
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

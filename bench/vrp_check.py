"""Independent checks of VRP solutions for the routing benchmarks.

The benchmarks do not trust a solver's own account of its solution: these functions re-read the
instance file with the `vrplib` package (not the product's readers), rebuild the distances under the
file format's convention, and verify the routes from scratch. A solution that breaks a rule raises
`InvalidSolution`, and the benchmark fails.

- CVRP (VRPLIB EUC_2D): distances are the Euclidean distances rounded to the nearest integer.
- VRPTW (Solomon): distances and travel times are the Euclidean distances truncated to one decimal
  (the DIMACS convention in which the `.sol` best-known distances are stated, e.g. C101 = 827.3);
  the check also reports the unrounded length and whether the schedule holds with unrounded times.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import vrplib


class InvalidSolution(AssertionError):
    """A solution that visits a client twice or never, overloads a vehicle, misses a time window, or
    whose stated cost differs from its recomputed cost."""


def bench_data_dir() -> Path:
    """`XIANGCUN_BENCH_DATA`, else the `shared/bench-data` folder beside the repository."""
    from xiangcun.planning.solvers import benchmark_data_dir

    return benchmark_data_dir()


def best_known(path: Path) -> float:
    """The cost stated in the instance's `.sol` file."""
    return float(vrplib.read_solution(path.with_suffix(".sol"))["cost"])


def _euclidean(coords: np.ndarray) -> np.ndarray:
    diff = coords[:, None, :].astype(float) - coords[None, :, :].astype(float)
    return np.sqrt((diff**2).sum(axis=-1))


def _check_partition(routes: list[list[int]], n: int) -> None:
    seen = [c for route in routes for c in route]
    if sorted(seen) != list(range(1, n + 1)):
        missing = sorted(set(range(1, n + 1)) - set(seen))
        twice = sorted({c for c in seen if seen.count(c) > 1})
        raise InvalidSolution(
            f"clients not visited exactly once: missing {missing[:10]}, repeated {twice[:10]}"
        )
    if any(not route for route in routes):
        raise InvalidSolution("an empty route")


def _length(matrix: np.ndarray, route: list[int]) -> float:
    stops = [0, *route, 0]
    return float(sum(matrix[a, b] for a, b in zip(stops, stops[1:], strict=False)))


def cvrp_matrix(path: Path) -> tuple[np.ndarray, np.ndarray, int]:
    """(rounded distance matrix, demands, capacity) of a VRPLIB EUC_2D CVRP file."""
    data = vrplib.read_instance(path, compute_edge_weights=False)
    assert str(data["edge_weight_type"]).strip() == "EUC_2D"
    matrix = np.floor(_euclidean(np.asarray(data["node_coord"])) + 0.5).astype(np.int64)
    return matrix, np.asarray(data["demand"], dtype=np.int64), int(data["capacity"])


def check_cvrp(path: Path, routes: list[list[int]]) -> int:
    """The cost of `routes` on the CVRP file, after checking every client is visited exactly once and
    no route carries more than the capacity."""
    matrix, demands, capacity = cvrp_matrix(path)
    _check_partition(routes, len(demands) - 1)
    for number, route in enumerate(routes, start=1):
        load = int(demands[route].sum())
        if load > capacity:
            raise InvalidSolution(f"route {number} carries {load} > capacity {capacity}")
    return int(sum(_length(matrix, route) for route in routes))


@dataclass
class VrptwCheck:
    cost: float  # one-decimal truncated distances, the .sol convention
    unrounded_cost: float
    holds_unrounded: bool  # the schedule also meets every window with unrounded travel times
    vehicles: int


def check_vrptw(path: Path, routes: list[list[int]]) -> VrptwCheck:
    """Check `routes` on the Solomon file: every client exactly once, no more routes than vehicles,
    loads within capacity, and every route leaves the depot at its opening, starts service at each
    client within its window (waiting if early) and returns before the depot closes, travel time =
    distance truncated to one decimal. Returns the costs."""
    data = vrplib.read_instance(path, instance_format="solomon")
    exact = _euclidean(np.asarray(data["node_coord"]))
    truncated = np.floor(exact * 10) / 10
    demands, windows, service = data["demand"], data["time_window"], data["service_time"]
    n = len(demands) - 1
    _check_partition(routes, n)
    if len(routes) > int(data["vehicles"]):
        raise InvalidSolution(f"{len(routes)} routes, only {data['vehicles']} vehicles")

    def late_by(route: list[int], travel: np.ndarray) -> float:
        """How far the schedule misses a window (0 if it holds); time in tenths avoids float drift."""
        clock, worst, previous = float(windows[0][0]), 0.0, 0
        for client in route:
            clock = max(clock + travel[previous, client], float(windows[client][0]))
            worst = max(worst, clock - float(windows[client][1]))
            clock += float(service[client])
            previous = client
        clock += travel[previous, 0]
        return max(worst, clock - float(windows[0][1]))

    holds_unrounded = True
    for number, route in enumerate(routes, start=1):
        load = int(demands[route].sum())
        if load > int(data["capacity"]):
            raise InvalidSolution(f"route {number} carries {load} > capacity {data['capacity']}")
        late = late_by(route, truncated)
        if late > 1e-6:
            raise InvalidSolution(f"route {number} misses a time window by {late:.1f}")
        holds_unrounded = holds_unrounded and late_by(route, exact) <= 1e-9
    cost = round(sum(_length(truncated, route) for route in routes), 1)
    unrounded = sum(_length(exact, route) for route in routes)
    return VrptwCheck(
        cost=cost, unrounded_cost=unrounded, holds_unrounded=holds_unrounded, vehicles=len(routes)
    )


def gap_pct(cost: float, best: float) -> float:
    return 100.0 * (cost - best) / best

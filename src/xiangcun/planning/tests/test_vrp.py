"""The VRP solver (`planning.solvers.vrp`), its readers (`vrp_files`) and `xiangcun solve vrp`.

Optimal values of tiny instances come from brute force (every partition of the clients into routes,
every order within a route); the readers are checked on the real benchmark files by recomputing the
best-known solutions' costs, and on malformed files.
"""

import io
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
import vrplib
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from xiangcun.planning.solvers import SolverInputError, benchmark_data_dir
from xiangcun.planning.solvers.vrp import VrpInstance, road_distance_matrix, solve_file, solve_vrp
from xiangcun.planning.solvers.vrp_files import read_instance_file, read_solomon, read_vrplib

BENCH_VRP = benchmark_data_dir() / "vrp"
needs_bench_data = pytest.mark.skipif(not BENCH_VRP.is_dir(), reason=f"no benchmark data at {BENCH_VRP}")

FAST = {"time_limit": 1.0, "max_stall": 300}  # tiny instances converge in a few hundred iterations


# --- brute force -------------------------------------------------------------------------------------


def partitions(items):
    """Every partition of `items` into non-empty blocks."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in partitions(rest):
        yield [[first], *partition]
        for k in range(len(partition)):
            yield [*partition[:k], [first, *partition[k]], *partition[k + 1 :]]


def route_schedule(instance: VrpInstance, route) -> list[int] | None:
    """Service start times of `route` leaving the depot at its opening (waiting if early), or None if a
    window or the depot's closing is missed. Without windows: start times from 0."""
    d, s, tw = instance.durations, instance.service_durations, instance.time_windows
    clock = 0 if tw is None else int(tw[0][0])
    starts, previous = [], 0
    for client in route:
        clock += int(d[previous, client])
        if tw is not None:
            clock = max(clock, int(tw[client][0]))
            if clock > tw[client][1]:
                return None
        starts.append(clock)
        clock += int(s[client])
        previous = client
    clock += int(d[previous, 0])
    if tw is not None and clock > tw[0][1]:
        return None
    return starts


def route_length(instance: VrpInstance, route) -> int:
    stops = [0, *route, 0]
    return int(sum(instance.distances[a, b] for a, b in itertools.pairwise(stops)))


def brute_force(instance: VrpInstance) -> int:
    """The least total distance over all feasible sets of routes."""
    best = math.inf
    clients = list(range(1, instance.num_clients + 1))
    for partition in partitions(clients):
        if instance.num_vehicles is not None and len(partition) > instance.num_vehicles:
            continue
        if any(instance.demands[block].sum() > instance.capacity for block in partition):
            continue
        total = 0
        for block in partition:
            lengths = [
                route_length(instance, order)
                for order in itertools.permutations(block)
                if route_schedule(instance, order) is not None
            ]
            if not lengths:
                break
            total += min(lengths)
        else:
            best = min(best, total)
    return best


def assert_valid(instance: VrpInstance, result) -> None:
    """The solution visits every client once, within capacity and windows, and states its own cost."""
    solution = result.solution
    routes = solution["routes"]
    assert sorted(c for r in routes for c in r) == list(range(1, instance.num_clients + 1))
    assert solution["feasible"] is True and solution["unvisited"] == []
    assert solution["num_vehicles"] == len(routes) == len(solution["route_details"])
    total = 0
    for route, detail in zip(routes, solution["route_details"], strict=True):
        assert detail["load"] == instance.demands[route].sum() <= instance.capacity
        length = route_length(instance, route)
        assert detail["distance"] == pytest.approx(length / instance.scale)
        total += length
        if instance.time_windows is not None:
            starts = detail["service_starts"]
            tw, d, s = instance.time_windows, instance.durations, instance.service_durations
            times = [round(t * instance.scale) for t in starts]
            assert tw[0][0] <= round(detail["start_time"] * instance.scale)
            assert round(detail["end_time"] * instance.scale) <= tw[0][1]
            previous, ready = 0, round(detail["start_time"] * instance.scale)
            for client, start in zip(route, times, strict=True):
                assert tw[client][0] <= start <= tw[client][1]
                assert start >= ready + d[previous, client]
                ready, previous = start + s[client], client
            assert round(detail["end_time"] * instance.scale) >= ready + d[previous, 0]
    assert result.objective == pytest.approx(total / instance.scale)


# --- tiny instances, exact optima ----------------------------------------------------------------------

# A depot in the middle, two clusters of three: capacity 10 forces two routes, one per cluster.
TINY_COORDS = [(50, 50), (10, 10), (12, 20), (20, 12), (90, 90), (80, 88), (88, 80)]
TINY_DEMANDS = [0, 3, 3, 3, 4, 3, 3]


def test_tiny_cvrp_reaches_the_brute_force_optimum():
    instance = VrpInstance(demands=TINY_DEMANDS, capacity=10, coordinates=TINY_COORDS)
    result = solve_vrp(instance, **FAST)
    assert brute_force(instance) == 232
    assert result.objective == 232
    assert sorted(sorted(r) for r in result.solution["routes"]) == [[1, 2, 3], [4, 5, 6]]
    assert_valid(instance, result)
    assert "start_time" not in result.solution["route_details"][0]  # no windows, no times


def test_tiny_vrptw_windows_change_the_optimum():
    """Windows that make cluster 1 be served late and client 4 early: the CVRP routes no longer fit."""
    windows = [(0, 400), (150, 200), (0, 400), (0, 400), (0, 60), (0, 400), (0, 400)]
    service = [0, 10, 10, 10, 10, 10, 10]
    instance = VrpInstance(
        demands=TINY_DEMANDS,
        capacity=10,
        coordinates=TINY_COORDS,
        time_windows=windows,
        service_durations=service,
    )
    result = solve_vrp(instance, **FAST)
    assert brute_force(instance) == 242
    assert result.objective == 242
    assert_valid(instance, result)


@settings(max_examples=12, deadline=None, derandomize=True)
@given(
    data=st.lists(
        st.tuples(
            st.integers(0, 30), st.integers(0, 30), st.integers(1, 5), st.integers(0, 60), st.integers(0, 60)
        ),
        min_size=2,
        max_size=6,
    ),
    capacity=st.integers(5, 12),
    with_windows=st.booleans(),
)
def test_random_tiny_instances_reach_the_brute_force_optimum(data, capacity, with_windows):
    coords = [(15, 15)] + [(x, y) for x, y, *_ in data]
    demands = [0] + [q for _, _, q, _, _ in data]
    windows = None
    if with_windows:
        # A window of width ≥ 30 opening at a random time; the depot is open long enough for any route.
        windows = [(0, 1000)] + [(a, a + 30 + b) for *_, a, b in data]
    instance = VrpInstance(
        demands=demands,
        capacity=capacity,
        coordinates=coords,
        time_windows=windows,
        service_durations=[0] + [5] * len(data),
    )
    result = solve_vrp(instance, **FAST)
    assert result.objective == brute_force(instance)
    assert_valid(instance, result)


def test_explicit_asymmetric_matrix_with_names_and_durations():
    """A county-style instance: a road matrix in metres (one-way streets: not symmetric), travel times
    in minutes, windows in minutes after midnight, station names."""
    metres = [
        [0, 4000, 9000, 7000],
        [4500, 0, 5000, 8000],
        [9000, 5000, 0, 3000],
        [6000, 8000, 3500, 0],
    ]
    minutes = [[round(m / 500) for m in row] for row in metres]  # 30 km/h
    instance = VrpInstance(
        demands=[0, 12, 8, 20],
        capacity=40,
        distances=metres,
        durations=minutes,
        time_windows=[(7 * 60, 18 * 60), (8 * 60, 12 * 60), (8 * 60, 18 * 60), (13 * 60, 17 * 60)],
        service_durations=[0, 15, 15, 15],
        names=["Township center", "Zhangzhuang", "Lizhuang", "Wangzhuang"],
    )
    result = solve_vrp(instance, **FAST)
    assert result.objective == brute_force(instance) == 4000 + 5000 + 3000 + 6000
    assert result.solution["routes"] == [[1, 2, 3]]
    # The schedule starts as late as it can without lengthening the route: Zhangzhuang is served as
    # its window closes (12:00), Lizhuang 15 + 10 minutes later, Wangzhuang when it opens at 13:00.
    detail = result.solution["route_details"][0]
    assert detail["service_starts"] == [12 * 60, 12 * 60 + 15 + 10, 13 * 60]
    assert (detail["start_time"], detail["end_time"]) == (12 * 60 - 8, 13 * 60 + 15 + 12)
    assert_valid(instance, result)


def test_route_duration_limit_splits_the_route():
    coords = [(0, 0), (0, 100), (0, -100)]
    free = VrpInstance(demands=[0, 1, 1], capacity=10, coordinates=coords)
    assert solve_vrp(free, **FAST).objective == 400  # one route or two: 400 either way
    limited = VrpInstance(demands=[0, 1, 1], capacity=10, coordinates=coords, max_route_duration=250)
    result = solve_vrp(limited, **FAST)
    assert sorted(result.solution["routes"]) == [[1], [2]]
    assert [d["duration"] for d in result.solution["route_details"]] == [200, 200]


def test_too_small_a_fleet_is_reported_infeasible():
    """Each client alone is servable, but one vehicle cannot reach both in their shared window."""
    instance = VrpInstance(
        demands=[0, 1, 1],
        capacity=10,
        coordinates=[(0, 0), (0, 100), (0, -100)],
        time_windows=[(0, 1000), (100, 110), (100, 110)],
        num_vehicles=1,
    )
    result = solve_vrp(instance, **FAST)
    assert result.solution["feasible"] is False


def test_scale_reports_in_the_callers_units():
    instance = VrpInstance(demands=[0, 1], capacity=1, distances=[[0, 15], [25, 0]], scale=10)
    result = solve_vrp(instance, **FAST)
    assert result.objective == 4.0
    assert result.solution["route_details"] == [{"load": 1, "distance": 4.0}]


def test_only_a_depot():
    result = solve_vrp(VrpInstance(demands=[0], capacity=5, coordinates=[(0, 0)]))
    assert result.objective == 0.0
    assert result.solution["routes"] == [] and result.solution["feasible"] is True


def test_coordinates_give_vrplib_rounded_distances():
    instance = VrpInstance(demands=[0, 1, 1, 1], capacity=5, coordinates=[(0, 0), (1, 1), (3, 4), (2, 3)])
    # √2 = 1.41 → 1, 5 → 5, √13 = 3.61 → 4, (1,1)–(3,4): √13 → 4, (1,1)–(2,3): √5 = 2.24 → 2
    assert instance.distances[0].tolist() == [0, 1, 5, 4]
    assert instance.distances[1].tolist() == [1, 0, 4, 2]
    assert (instance.durations == instance.distances).all()


def test_road_distance_matrix():
    # One degree of latitude is R·π/180 = 111,195 m; the detour factor multiplies it.
    matrix = road_distance_matrix([(36.28, 115.15), (37.28, 115.15), (36.28, 115.15)], detour_factor=1.3)
    assert matrix[0, 1] == matrix[1, 0] == round(6_371_008.8 * math.pi / 180 * 1.3)
    assert matrix[0, 2] == 0 and np.diagonal(matrix).tolist() == [0, 0, 0]
    with pytest.raises(SolverInputError, match="detour factor"):
        road_distance_matrix([(36.0, 115.0)], detour_factor=0.9)


# --- infeasible and malformed input ----------------------------------------------------------------------


def _solve(**fields):
    base = {"demands": [0, 3, 4], "capacity": 5, "coordinates": [(0, 0), (3, 4), (6, 8)]}
    return solve_vrp(VrpInstance(**(base | fields)), **FAST)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"demands": [0, 3, 6]}, r"client 2 needs 6, more than a vehicle's capacity \(5\)"),
        (
            {"demands": [0, 9, 4], "names": ["Center", "Zhangzhuang", "Lizhuang"]},
            r"client 1 \(Zhangzhuang\) needs 9",
        ),
        (
            {"time_windows": [(0, 100), (0, 100), (0, 5)]},
            r"client 2 cannot be reached before its time window closes \(earliest arrival 10, window closes 5\)",
        ),
        (
            {"time_windows": [(0, 30), (0, 100), (0, 100)], "service_durations": [0, 0, 25]},
            r"client 2: a vehicle serving it is back at the depot at 45 at the earliest, after the depot closes \(30\)",
        ),
        (
            {"max_route_duration": 15},
            r"client 2: going there and back takes 20, longer than a route may last \(15\)",
        ),
        ({"num_vehicles": 1}, r"total demand \(7\) exceeds what 1 vehicles of capacity 5 can carry"),
    ],
)
def test_infeasible_input_names_the_client(fields, message):
    with pytest.raises(SolverInputError, match=message):
        _solve(**fields)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"demands": [1, 3, 4]}, "depot's demand"),
        ({"demands": [0, -3, 4]}, "client 1 has a negative demand"),
        ({"demands": [0, 2.5, 4]}, "whole numbers"),
        ({"capacity": 0}, "capacity must be a positive whole number"),
        ({"coordinates": None}, "Give either a distance matrix or coordinates"),
        ({"coordinates": [(0, 0), (1, 1)]}, "coordinates must be 3"),
        ({"distances": [[0, 1], [1, 0]]}, r"distances must be a 3 × 3 matrix"),
        ({"distances": [[0, 1, 2], [1, 0, -1], [2, 1, 0]]}, "from client 1 to client 2 is negative"),
        ({"distances": [[0, 1, 2], [1, 5, 1], [2, 1, 0]]}, "to itself must be 0"),
        ({"distances": [[0, 1], [1, 0, 2], [2, 1, 0]]}, "numbers"),
        (
            {"time_windows": [(0, 100), (50, 10), (0, 100)]},
            r"window of client 1 closes \(10\) before it opens \(50\)",
        ),
        ({"time_windows": [(0, 100), (0, 100)]}, "time_windows must be 3"),
        ({"service_durations": [5, 0, 0]}, "depot's service duration must be 0"),
        ({"num_vehicles": 0}, "num_vehicles must be a positive whole number"),
        ({"names": ["only one"]}, "names has 1 entries, expected 3"),
    ],
)
def test_malformed_instance(fields, message):
    with pytest.raises(SolverInputError, match=message):
        _solve(**fields)


def test_bad_solver_arguments():
    instance = VrpInstance(demands=[0, 1], capacity=1, coordinates=[(0, 0), (1, 1)])
    with pytest.raises(SolverInputError, match="time limit"):
        solve_vrp(instance, time_limit=0)
    with pytest.raises(SolverInputError, match="seed"):
        solve_vrp(instance, seed=-1)


# --- readers on the real files --------------------------------------------------------------------------


def solution_cost(instance: VrpInstance, sol_path: Path) -> int:
    return sum(route_length(instance, route) for route in vrplib.read_solution(sol_path)["routes"])


@needs_bench_data
def test_read_vrplib_x_instance():
    instance = read_vrplib(BENCH_VRP / "X-n101-k25.vrp")
    assert instance.name == "X-n101-k25" and instance.num_clients == 100
    assert instance.capacity == 206 and instance.num_vehicles is None and instance.scale == 1
    assert instance.time_windows is None
    assert instance.distances[0, 1] == 554  # (365, 689)–(146, 180): 554.11, rounded
    # The rounded distances are VRPLIB's: the best-known routes cost exactly the stated 27591.
    assert solution_cost(instance, BENCH_VRP / "X-n101-k25.sol") == 27591


@needs_bench_data
def test_read_solomon_instance():
    instance = read_solomon(BENCH_VRP / "C101.txt")
    assert instance.name == "C101" and instance.num_clients == 100
    assert instance.capacity == 200 and instance.num_vehicles == 25 and instance.scale == 10
    assert instance.time_windows[0].tolist() == [0, 12360] and instance.time_windows[1].tolist() == [
        9120,
        9670,
    ]
    assert instance.service_durations[1] == 900 and instance.demands[1] == 10
    assert instance.distances[0, 1] == 186  # (40, 50)–(45, 68): 18.68, truncated to 18.6
    # Truncated to one decimal, the best-known routes cost exactly the stated 827.3.
    assert solution_cost(instance, BENCH_VRP / "C101.sol") == 8273
    assert read_instance_file(BENCH_VRP / "C101.txt").distances.tolist() == instance.distances.tolist()


@needs_bench_data
def test_solve_x_instance_returns_valid_routes():
    path = BENCH_VRP / "X-n101-k25.vrp"
    result = solve_file(path, time_limit=1.0)
    assert_valid(read_vrplib(path), result)
    assert 27591 <= result.objective < 27591 * 1.05
    assert result.seconds < 1.5


@needs_bench_data
def test_solve_solomon_instance_returns_valid_schedules():
    path = BENCH_VRP / "C101.txt"
    result = solve_file(path, time_limit=1.0)
    assert_valid(read_solomon(path), result)
    assert 827.3 <= result.objective < 827.3 * 1.03


# --- malformed files -----------------------------------------------------------------------------------

VRPLIB_TINY = """NAME : tiny
TYPE : CVRP
DIMENSION : 4
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
1 0 0
2 0 10
3 10 10
4 10 0
DEMAND_SECTION
1 0
2 4
3 5
4 4
DEPOT_SECTION
1
-1
EOF
"""

SOLOMON_TINY = """TINY

VEHICLE
NUMBER     CAPACITY
  2         10

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0          0          0          0       100          0
    1      0         10          4          0        50          5
    2     10         10          5         20        60          5
    3     10          0          4          0        90          5
"""


VRPLIB_EXPLICIT = """NAME : explicit
TYPE : CVRP
DIMENSION : 3
EDGE_WEIGHT_TYPE : EXPLICIT
EDGE_WEIGHT_FORMAT : FULL_MATRIX
CAPACITY : 5
VEHICLES : 2
EDGE_WEIGHT_SECTION
0 7 9
8 0 3
9 4 0
DEMAND_SECTION
1 0
2 3
3 2
DEPOT_SECTION
1
-1
EOF
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_tiny_files_read_and_solve(tmp_path):
    cvrp = read_instance_file(write(tmp_path, "tiny.vrp", VRPLIB_TINY))
    assert cvrp.num_clients == 3 and cvrp.distances[0, 2] == 14  # √200 = 14.14
    assert solve_vrp(cvrp, **FAST).objective == brute_force(cvrp) == (10 + 10 + 14) + (10 + 10)
    explicit = read_instance_file(write(tmp_path, "explicit.vrp", VRPLIB_EXPLICIT))
    assert explicit.distances.tolist() == [[0, 7, 9], [8, 0, 3], [9, 4, 0]] and explicit.num_vehicles == 2
    assert solve_vrp(explicit, **FAST).objective == brute_force(explicit) == 7 + 3 + 9
    fractional = VRPLIB_EXPLICIT.replace("8 0 3", "8 0 3.5")
    with pytest.raises(SolverInputError, match="fractional.vrp: distances must be whole numbers"):
        read_instance_file(write(tmp_path, "fractional.vrp", fractional))
    vrptw = read_instance_file(write(tmp_path, "tiny.txt", SOLOMON_TINY))
    assert vrptw.time_windows[2].tolist() == [200, 600] and vrptw.scale == 10
    assert solve_vrp(vrptw, **FAST).objective == brute_force(vrptw) / 10


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("short.vrp", VRPLIB_TINY.replace("4 10 0\n", ""), "NODE_COORD_SECTION has 3 nodes, DIMENSION is 4"),
        ("nodemand.vrp", VRPLIB_TINY.replace("4 4\n", ""), "DEMAND_SECTION has 3 entries"),
        (
            "cap.vrp",
            VRPLIB_TINY.replace("CAPACITY : 10", "CAPACITY : ten"),
            "CAPACITY must be a whole number",
        ),
        ("geo.vrp", VRPLIB_TINY.replace("EUC_2D", "GEO"), "EDGE_WEIGHT_TYPE GEO is not supported"),
        ("tw.vrp", VRPLIB_TINY.replace("CAPACITY : 10", "CAPACITY : 10\nSERVICE_TIME : 10"), "SERVICE_TIME"),
        ("vrptw.vrp", VRPLIB_TINY.replace("TYPE : CVRP", "TYPE : VRPTW"), "TYPE VRPTW is not supported"),
        ("depot.vrp", VRPLIB_TINY.replace("DEPOT_SECTION\n1", "DEPOT_SECTION\n2"), "single depot, node 1"),
        ("depotdemand.vrp", VRPLIB_TINY.replace("1 0\n2 4", "1 3\n2 4"), "depot's demand"),
        (
            "ragged.vrp",
            VRPLIB_TINY.replace("3 10 10", "3 10"),
            "NODE_COORD_SECTION holds rows of unequal length",
        ),
        (
            "word.vrp",
            VRPLIB_TINY.replace("3 5\n", "3 five\n"),
            "DEMAND_SECTION holds rows of unequal length or non-numbers",
        ),
        (
            "nocoords.vrp",
            VRPLIB_TINY.split("NODE_COORD_SECTION")[0]
            + "DEMAND_SECTION"
            + VRPLIB_TINY.split("DEMAND_SECTION")[1],
            "EUC_2D needs a NODE_COORD_SECTION",
        ),
        ("garbage.vrp", "hello\n", "not a readable VRPLIB file"),
        ("empty.vrp", "", "empty: not a VRPLIB file"),
        ("nodim.vrp", VRPLIB_TINY.replace("DIMENSION : 4\n", ""), "no DIMENSION"),
        (
            "short.txt",
            SOLOMON_TINY.replace(
                "    3     10          0          4          0        90          5\n", "    3 10 0\n"
            ),
            "data row 4 has 3 fields",
        ),
        ("word.txt", SOLOMON_TINY.replace("20        60", "xx        60"), "not a whole number"),
        ("order.txt", SOLOMON_TINY.replace("    2     10 ", "    5     10 "), "row 3 is numbered 5"),
        (
            "negative.txt",
            SOLOMON_TINY.replace("    5         20", "   -5         20"),
            "customer 2 has a negative value",
        ),
        ("fleet.txt", SOLOMON_TINY.replace("  2         10", "  2"), "vehicle line has 1 fields"),
        ("noheader.txt", SOLOMON_TINY.replace("VEHICLE", "TRUCKS"), "not a Solomon VRPTW file"),
        (
            "window.txt",
            SOLOMON_TINY.replace("20        60", "70        60"),
            r"window of client 2 closes \(60\) before it opens \(70\)",
        ),
        ("empty.txt", "", "not a Solomon VRPTW file"),
        ("other.dat", "some text\n", "neither a VRPLIB"),
    ],
)
def test_malformed_files(tmp_path, name, text, message):
    with pytest.raises(SolverInputError, match=message):
        read_instance_file(write(tmp_path, name, text))


def test_binary_and_missing_files(tmp_path):
    binary = tmp_path / "x.vrp"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(SolverInputError, match="not a text file"):
        read_instance_file(binary)
    with pytest.raises(FileNotFoundError):
        solve_file(tmp_path / "missing.vrp")


def test_infeasible_file_names_the_client(tmp_path):
    path = write(tmp_path, "big.vrp", VRPLIB_TINY.replace("3 5\n", "3 11\n"))
    with pytest.raises(
        SolverInputError, match=r"client 2 in tiny needs 11, more than a vehicle's capacity \(10\)"
    ):
        solve_file(path, time_limit=0.5)


# --- the command ---------------------------------------------------------------------------------------


def test_cli_prints_json(tmp_path):
    out = io.StringIO()
    call_command(
        "solve", "vrp", str(write(tmp_path, "tiny.vrp", VRPLIB_TINY)), "--time-limit", "1", stdout=out
    )
    printed = json.loads(out.getvalue())
    assert set(printed) == {"objective", "solution", "seconds"}
    assert printed["objective"] == 54
    assert sorted(c for r in printed["solution"]["routes"] for c in r) == [1, 2, 3]
    assert printed["solution"]["feasible"] is True and printed["seconds"] <= 1.5


def test_cli_solomon_file(tmp_path):
    out = io.StringIO()
    path = write(tmp_path, "tiny.txt", SOLOMON_TINY)
    call_command("solve", "vrp", str(path), "--time-limit", "0.3", "--seed", "7", stdout=out)
    printed = json.loads(out.getvalue())
    assert printed["objective"] == brute_force(read_solomon(path)) / 10
    assert "service_starts" in printed["solution"]["route_details"][0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.vrp"], "No such file"),
        (["garbage.vrp"], "garbage.vrp: not a readable VRPLIB file"),
        (["big.vrp"], "client 2 in tiny needs 11"),
        (["tiny.vrp", "--time-limit", "0"], "--time-limit must be a positive number"),
    ],
)
def test_cli_errors(tmp_path, args, message):
    write(tmp_path, "garbage.vrp", "hello\n")
    write(tmp_path, "big.vrp", VRPLIB_TINY.replace("3 5\n", "3 11\n"))
    write(tmp_path, "tiny.vrp", VRPLIB_TINY)
    args = [str(tmp_path / args[0]), *args[1:]]
    with pytest.raises(CommandError, match=message):
        call_command("solve", "vrp", *args, stdout=io.StringIO())

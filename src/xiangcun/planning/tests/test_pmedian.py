"""p-median and facility location solvers: the OR-Library reader, exactness against brute force on small
random instances, capacitated facility location, the `xiangcun solve pmedian` command and one real
instance (pmed1, optimum 5819)."""

import itertools
import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from xiangcun.planning.solvers import SolverInputError, benchmark_data_dir, pmedian
from xiangcun.planning.solvers.orlib import parse_pmedian, read_pmedian_file
from xiangcun.planning.solvers.pmedian import solve_facility_location, solve_file, solve_pmedian

PMED = benchmark_data_dir() / "pmed"
needs_data = pytest.mark.skipif(
    not (PMED / "pmed1.txt").exists(), reason=f"benchmark data not found in {PMED}"
)


def brute_force(dist, p, weights=None):
    """The optimum of a small p-median instance by trying every set of p sites."""
    cost = np.asarray(dist, dtype=float) * (
        1 if weights is None else np.asarray(weights, dtype=float)[:, None]
    )
    return min(
        cost[:, list(sites)].min(axis=1).sum() for sites in itertools.combinations(range(cost.shape[1]), p)
    )


# ------------------------------------------------------------------------------------------- reader


@needs_data
def test_reader_on_pmed1():
    instance = read_pmedian_file(PMED / "pmed1.txt")
    assert (instance.name, instance.n, instance.p) == ("pmed1", 100, 5)
    dist = instance.dist
    assert dist.shape == (100, 100)
    assert np.array_equal(dist, dist.T) and np.all(np.diag(dist) == 0)
    # By hand: all costs are positive integers, so a direct edge of cost 1 (3–4) is the shortest path,
    # and vertex 1's cheapest edge is 1–29 (6; its others cost 30, 31, 88), so d(1, 29) = 6.
    assert dist[2, 3] == 1
    assert dist[0, 28] == 6
    # Edges listed twice: "19 20 22" then "20 19 30", and "30 70 5" then "70 30 74". With the first
    # occurrence the distances would be 22 and 5; the last ones win, and no detour is shorter.
    assert dist[18, 19] == 30
    assert dist[29, 69] == 74


def test_duplicate_edge_last_occurrence_wins_in_either_orientation():
    assert parse_pmedian("2 2 1\n1 2 5\n2 1 7\n").dist[0, 1] == 7
    assert parse_pmedian("2 2 1\n1 2 7\n1 2 5\n").dist[0, 1] == 5
    # The detour 1–3–2 (2 + 2) is shorter than the winning direct edge.
    assert parse_pmedian("3 4 1\n1 2 1\n1 3 2\n3 2 2\n2 1 9\n").dist[0, 1] == 4


def test_zero_cost_edges_and_loops():
    dist = parse_pmedian("3 3 1\n1 2 0\n2 3 5\n3 3 4\n").dist
    assert dist.tolist() == [[0, 0, 5], [0, 0, 5], [5, 5, 0]]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("3 2\n1 2 1\n2 3 1\n", "line 1: expected the header"),
        ("3 x 1\n1 2 1\n", "line 1: expected the header"),
        ("3 2 4\n1 2 1\n2 3 1\n", "1 ≤ p ≤ n"),
        ("3 3 1\n1 2 1\n2 3 1\n", "announces 3 edges but 2"),
        ("3 2 1\n1 2 1\n\n2 3 1 7\n", "line 4: expected an edge"),
        ("3 2 1\n1 2 1\n2 three 1\n", "line 3: expected an edge"),
        ("3 2 1\n1 2 1\n2 4 1\n", "line 3: vertex numbers must lie in 1…3"),
        ("3 2 1\n1 2 -1\n2 3 1\n", "line 2: the cost must be a finite number ≥ 0"),
        ("3 2 1\n1 2 abc\n2 3 1\n", "line 2: the cost 'abc' is not a number"),
        ("4 2 1\n1 2 1\n3 4 1\n", "not connected"),
    ],
)
def test_malformed_files_raise_solver_input_error(text, message):
    with pytest.raises(SolverInputError, match=message):
        parse_pmedian(text)


# ------------------------------------------------------------------------------------------ p-median


def random_instance(rng, n_max=12, m_max=8):
    n, m = int(rng.integers(1, n_max + 1)), int(rng.integers(1, m_max + 1))
    return rng.integers(0, 50, size=(n, m)), int(rng.integers(1, m + 1)), rng.integers(0, 10, size=n)


@pytest.mark.parametrize("method", ["auto", "milp", "local search"])
def test_exact_on_small_random_instances(method):
    rng = np.random.default_rng(2024)
    for _ in range(12):
        dist, p, weights = random_instance(rng)
        result = solve_pmedian(dist, p, weights=weights, time_limit=5, seed=3, method=method)
        solution = result.solution
        assert result.objective == brute_force(dist, p, weights)
        assert len(solution["open_sites"]) == p == len(set(solution["open_sites"]))
        assert solution["open_sites"] == sorted(solution["open_sites"])
        cost = dist * weights[:, None]
        chosen = cost[np.arange(len(dist)), solution["assignment"]]
        assert np.array_equal(chosen, cost[:, solution["open_sites"]].min(axis=1))
        assert set(solution["assignment"]) <= set(solution["open_sites"])
        assert solution["lower_bound"] <= result.objective
        if solution["proven_optimal"]:
            assert solution["lower_bound"] == result.objective and solution["gap_pct"] == 0


def test_local_search_beyond_the_milp_size_is_optimal_and_deterministic():
    """A clustered instance of 60 × 60 points: the search's answer equals the MILP's, for every seed the
    same way run after run."""
    rng = np.random.default_rng(7)
    centers = rng.uniform(0, 100, size=(6, 2))
    points = np.concatenate([c + rng.normal(0, 6, size=(10, 2)) for c in centers])
    dist = np.rint(np.linalg.norm(points[:, None] - points[None], axis=2))
    exact = solve_pmedian(dist, 6, method="milp", time_limit=30)
    assert exact.solution["proven_optimal"]
    first = solve_pmedian(dist, 6, method="local search", seed=5, time_limit=30)
    again = solve_pmedian(dist, 6, method="local search", seed=5, time_limit=30)
    assert first.objective == exact.objective
    assert first.solution["open_sites"] == again.solution["open_sites"]


def test_vns_alone_reaches_the_optimum_and_is_deterministic(monkeypatch):
    """Without the Lagrangian bound's help (it neither proves anything nor proposes starts) the
    variable neighbourhood search still finds the brute-force optimum from the greedy start, stops after
    its stall budget, and gives the same sites for the same seed."""
    monkeypatch.setattr(pmedian, "_lagrangian", lambda cost, p, best, best_cost, **kw: (0.0, best, best_cost))
    rng = np.random.default_rng(99)
    for p in (2, 3, 4, 5, 6):
        dist = rng.integers(1, 100, size=(18, 13))
        weights = rng.integers(1, 5, size=18)
        first = solve_pmedian(dist, p, weights=weights, method="local search", seed=8, time_limit=30)
        again = solve_pmedian(dist, p, weights=weights, method="local search", seed=8, time_limit=30)
        assert first.objective == brute_force(dist, p, weights)
        assert first.solution["open_sites"] == again.solution["open_sites"]
        assert not first.solution["proven_optimal"] and first.seconds < 30


def test_milp_stopped_by_the_clock(monkeypatch):
    """When HiGHS stops at its time limit its incumbent is polished and nothing is claimed proven; when it
    found nothing the search takes over."""
    rng = np.random.default_rng(3)
    dist = rng.integers(1, 100, size=(14, 10))
    optimum = brute_force(dist, 3)
    monkeypatch.setattr(pmedian, "_solve_milp", lambda cost, p, limit: (np.arange(p), None))
    polished = solve_pmedian(dist, 3, method="milp")
    assert polished.objective <= dist[:, :3].min(axis=1).sum()
    assert not polished.solution["proven_optimal"] and polished.solution["lower_bound"] == 0
    monkeypatch.setattr(pmedian, "_solve_milp", lambda cost, p, limit: (None, None))
    searched = solve_pmedian(dist, 3, method="milp")
    assert searched.objective == optimum and searched.solution["method"] == "local search"


def test_fractional_distances_and_zero_weights():
    dist = [[1.5, 0.25], [2.0, 3.75], [0.5, 0.5]]
    result = solve_pmedian(dist, 1, weights=[2, 0, 1])
    assert result.objective == pytest.approx(1.0)  # site 1: 2·0.25 + 0 + 0.5
    assert result.solution["open_sites"] == [1]


def test_all_sites_open_when_p_equals_their_number():
    result = solve_pmedian([[3, 1, 2], [4, 4, 0]], 3)
    assert result.objective == 1 and result.solution["open_sites"] == [0, 1, 2]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"dist": [[1, 2]], "p": 0}, "p must be an integer between 1 and"),
        ({"dist": [[1, 2]], "p": 3}, "p must be an integer between 1 and"),
        ({"dist": [[1, -2]], "p": 1}, "finite and ≥ 0"),
        ({"dist": [[1, np.nan]], "p": 1}, "finite and ≥ 0"),
        ({"dist": [1, 2], "p": 1}, "2-dimensional"),
        ({"dist": [[1, 2]], "p": 1, "weights": [1, 2]}, "one weight per demand point"),
        ({"dist": [[1, 2]], "p": 1, "weights": [-1]}, "Weights must be finite"),
        ({"dist": [[1, 2]], "p": 1, "method": "magic"}, "Unknown p-median method"),
        ({"dist": [[1, 2]], "p": 1, "time_limit": 0}, "positive number of seconds"),
    ],
)
def test_pmedian_input_errors(kwargs, message):
    with pytest.raises(SolverInputError, match=message):
        solve_pmedian(**kwargs)


@needs_data
def test_pmed1_reaches_its_optimum():
    result = solve_file(PMED / "pmed1.txt", time_limit=3)
    assert result.objective == 5819
    assert result.solution["n"] == 100 and result.solution["p"] == 5
    assert result.seconds < 3


# ------------------------------------------------------------------------------- facility location


def brute_force_facility(dist, demand, capacity, fixed, p=None):
    """Least fixed + transport cost over every single-sourcing assignment (None if there is none)."""
    dist, demand = np.asarray(dist, dtype=float), np.asarray(demand, dtype=float)
    best = None
    for assignment in itertools.product(range(dist.shape[1]), repeat=len(demand)):
        used = set(assignment)
        loads = np.bincount(assignment, weights=demand, minlength=dist.shape[1])
        if np.any(loads > np.asarray(capacity)) or (p is not None and len(used) > p):
            continue
        # With exactly p sites, open the cheapest unused ones to make up the number.
        extra = sorted(fixed[j] for j in range(dist.shape[1]) if j not in used)[: (p - len(used)) if p else 0]
        total = (
            sum(fixed[j] for j in used)
            + sum(extra)
            + float((demand * dist[range(len(demand)), assignment]).sum())
        )
        best = total if best is None else min(best, total)
    return best


FACILITY = {
    "dist": [[1, 4, 6], [2, 3, 5], [6, 2, 1], [5, 3, 2], [4, 4, 4]],
    "demand": [3, 2, 4, 1, 2],
    "capacity": [6, 5, 7],
    "fixed_cost": [10, 4, 8],
}


def test_facility_location_matches_brute_force():
    result = solve_facility_location(**FACILITY)
    expected = brute_force_facility(
        FACILITY["dist"], FACILITY["demand"], FACILITY["capacity"], FACILITY["fixed_cost"]
    )
    assert result.objective == pytest.approx(expected)
    solution = result.solution
    assert solution["proven_optimal"]
    assert solution["fixed_cost"] + solution["transport_cost"] == pytest.approx(result.objective)
    loads = np.bincount(solution["assignment"], weights=FACILITY["demand"], minlength=3)
    assert all(loads[j] <= FACILITY["capacity"][j] for j in range(3))
    assert set(solution["assignment"]) <= set(solution["open_sites"])


@pytest.mark.parametrize("p", [1, 2, 3])
def test_facility_location_with_exactly_p_sites(p):
    kwargs = {**FACILITY, "capacity": [12, 12, 12]}
    result = solve_facility_location(**kwargs, p=p)
    assert len(result.solution["open_sites"]) == p
    expected = brute_force_facility(
        kwargs["dist"], kwargs["demand"], kwargs["capacity"], kwargs["fixed_cost"], p=p
    )
    assert result.objective == pytest.approx(expected)


def test_facility_location_random_instances_match_brute_force():
    rng = np.random.default_rng(11)
    for _ in range(8):
        n, m = int(rng.integers(2, 6)), int(rng.integers(2, 4))
        dist = rng.integers(0, 20, size=(n, m))
        demand = rng.integers(1, 6, size=n)
        capacity = rng.integers(5, 15, size=m)
        fixed = rng.integers(0, 30, size=m)
        expected = brute_force_facility(dist, demand, capacity, fixed)
        if expected is None:
            with pytest.raises(SolverInputError, match="Infeasible|cannot be packed"):
                solve_facility_location(dist, demand, capacity, fixed)
        else:
            assert solve_facility_location(dist, demand, capacity, fixed).objective == pytest.approx(expected)


@pytest.mark.parametrize(
    "changes, message",
    [
        (
            {"capacity": [3, 3, 3]},
            "total capacity of all sites \\(9\\) is less than the total demand \\(12\\)",
        ),
        ({"demand": [3, 2, 8, 1, 2], "capacity": [7, 7, 7]}, "demand point 2 needs 8, more than the largest"),
        ({"p": 1}, "the 1 largest capacities together \\(7\\)"),
        # 3 × 6 units into two sites of 10 each: enough in total, but no point can be split.
        (
            {
                "dist": [[1, 1], [1, 1], [1, 1]],
                "demand": [6, 6, 6],
                "capacity": [10, 10],
                "fixed_cost": [0, 0],
            },
            "cannot be packed",
        ),
        ({"demand": [1, 2]}, "one demand per demand point"),
        ({"fixed_cost": [1, -1, 1]}, "fixed costs must be finite"),
        ({"p": 4}, "p must be an integer between 1 and"),
    ],
)
def test_facility_location_infeasible_or_malformed(changes, message):
    with pytest.raises(SolverInputError, match=message):
        solve_facility_location(**{**FACILITY, **changes})


# -------------------------------------------------------------------------------------------- CLI


@needs_data
def test_cli_prints_json():
    out = StringIO()
    call_command("solve", "pmedian", str(PMED / "pmed1.txt"), "--time-limit", "3", stdout=out)
    printed = json.loads(out.getvalue())
    assert set(printed) == {"objective", "solution", "seconds"}
    assert printed["objective"] == 5819
    assert len(printed["solution"]["open_sites"]) == 5


def test_cli_p_override(tmp_path):
    path = tmp_path / "line.txt"
    path.write_text("4 3 1\n1 2 1\n2 3 1\n3 4 1\n")
    out = StringIO()
    call_command("solve", "pmedian", str(path), "--p", "2", stdout=out)
    printed = json.loads(out.getvalue())
    assert printed["objective"] == 2 and printed["solution"]["p"] == 2


def test_cli_errors(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("solve", "pmedian", str(tmp_path / "missing.txt"))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("solve", "pmedian", str(tmp_path))
    bad = tmp_path / "bad.txt"
    bad.write_text("3 2 1\n1 2 1\n2 x 1\n")
    with pytest.raises(CommandError, match="line 3"):
        call_command("solve", "pmedian", str(bad))
    good = tmp_path / "good.txt"
    good.write_text("3 2 1\n1 2 1\n2 3 1\n")
    with pytest.raises(CommandError, match="p must lie between 1 and the number of vertices \\(3\\)"):
        call_command("solve", "pmedian", str(good), "--p", "4")
    with pytest.raises(CommandError, match="--time-limit"):
        call_command("solve", "pmedian", str(good), "--time-limit", "0")

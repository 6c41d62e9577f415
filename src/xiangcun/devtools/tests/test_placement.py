"""The simulator's geometry and random draws (pure functions, no database)."""

import random
from decimal import Decimal

import pytest

from xiangcun.core.geo import haversine_m, point_in_polygon
from xiangcun.devtools.placement import CountyMap, Seat, Spacing, greedy_p_median, offset, place_spaced
from xiangcun.devtools.simulation import draws

# A concave "C"-shaped county about 22 km across (lon 115.0–115.25, lat 36.0–36.2).
RING = [
    [115.0, 36.0],
    [115.25, 36.0],
    [115.25, 36.05],
    [115.05, 36.05],
    [115.05, 36.15],
    [115.25, 36.15],
    [115.25, 36.2],
    [115.0, 36.2],
    [115.0, 36.0],
]
SEATS = [Seat("A", 115.02, 36.1), Seat("B", 115.2, 36.02), Seat("C", 115.2, 36.18)]


def test_fast_point_in_county_agrees_with_core_geo():
    county_map = CountyMap(RING, SEATS)
    rng = random.Random(7)
    for _ in range(5000):
        lon, lat = rng.uniform(114.98, 115.27), rng.uniform(35.98, 36.22)
        assert county_map.contains(lon, lat) == point_in_polygon(lon, lat, RING)
    assert county_map.contains(115.02, 36.1) and not county_map.contains(115.15, 36.1)  # the C's mouth


def test_nearest_seat_breaks_ties_by_code_order():
    # 115.0, 115.25 and 115.5 are exact in binary: the two distances are exactly equal.
    county_map = CountyMap(RING, [Seat("A", 115.0, 36.1), Seat("B", 115.5, 36.1)])
    assert county_map.nearest_seat(115.25, 36.1) == "A"
    assert county_map.nearest_seat(115.2501, 36.1) == "B"


def test_offset_moves_the_given_distance():
    for bearing in (0.0, 1.0, 3.0, 5.5):
        lon, lat = offset(115.1, 36.3, 1000.0, bearing)
        assert haversine_m(115.1, 36.3, lon, lat) == pytest.approx(1000.0, abs=1.0)
    assert offset(115.1, 36.3, 1000.0, 0.0)[0] == 115.1  # due north keeps the longitude


def test_points_are_placed_in_their_township_and_apart():
    county_map = CountyMap(RING, SEATS)
    spacing = Spacing()
    rng = random.Random(3)
    points = [place_spaced(rng, county_map, spacing, "C", min_m=800.0) for _ in range(20)]
    for lon, lat in points:
        assert county_map.in_township(lon, lat, "C")
    for i, a in enumerate(points):
        for b in points[i + 1 :]:
            assert haversine_m(*a, *b) >= 800.0
    near = place_spaced(rng, county_map, spacing, "A", min_m=100.0, near=(115.02, 36.1, 500.0))
    assert haversine_m(*near, 115.02, 36.1) <= 500.0


def test_spacing_relaxes_rather_than_failing():
    county_map = CountyMap(RING, SEATS)
    spacing = Spacing()
    rng = random.Random(1)
    # 30 points 3 km apart cannot fit round seat A's 1 km disc: the separation shrinks until they do.
    points = [
        place_spaced(rng, county_map, spacing, "A", min_m=3000.0, near=(115.02, 36.1, 1000.0), attempts=20)
        for _ in range(30)
    ]
    assert len(set(points)) == 30


def test_greedy_p_median_picks_the_demand_weighted_sites():
    # Demand at lon 0, 1, 2, 10 (weights 1, 1, 1, 5), candidates at each point.
    demand = [(115.0 + x / 100, 36.0, w) for x, w in ((0, 1), (1, 1), (2, 1), (10, 5))]
    candidates = [(f"c{x}", 115.0 + x / 100, 36.0) for x in (0, 1, 2, 10)]
    assert greedy_p_median(demand, candidates, 1) == ["c10"]  # 5 × 0 + (10 + 9 + 8) < others
    assert greedy_p_median(demand, candidates, 2) == ["c10", "c1"]
    # A fixed site already serving the heavy point leaves the first pick to the small cluster.
    assert greedy_p_median(demand, candidates, 1, fixed=[(115.1, 36.0)]) == ["c1"]
    with pytest.raises(ValueError):
        greedy_p_median(demand, candidates, 5)


def test_weighted_sample_is_deterministic_and_skips_zero_weights():
    items = list(range(10))
    weights = [0, 1, 1, 1, 1, 1, 1, 1, 1, 100]
    first = draws.weighted_sample(random.Random(5), items, weights, 4)
    assert first == draws.weighted_sample(random.Random(5), items, weights, 4)
    assert len(set(first)) == 4 and 0 not in first and 9 in first
    assert sorted(draws.weighted_sample(random.Random(5), items, weights, 9)) == list(range(1, 10))


def test_named_streams_and_rounding():
    assert draws.for_step(1, "places").random() == draws.for_step(1, "places").random()
    assert draws.for_step(1, "places").random() != draws.for_step(1, "stations").random()
    assert draws.for_step(1, "places").random() != draws.for_step(2, "places").random()
    assert (draws.area(10.24), draws.area(10.26), draws.area(9.74)) == (
        Decimal("10.0"),
        Decimal("10.5"),
        Decimal("9.5"),
    )
    assert draws.dec(115.1234567) == Decimal("115.123457")
    moment = draws.moment(random.Random(2), draws.at(2018, 1, 2), draws.at(2018, 1, 2))
    assert moment.date().isoformat() == "2018-01-02" and 9 <= moment.hour <= 17
    assert moment.utcoffset().total_seconds() == 8 * 3600

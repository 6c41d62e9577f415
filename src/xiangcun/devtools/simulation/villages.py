"""Village and township facts the division data lacks: coordinates, population, the poor-village
flag, broadband, express outlets (docs/demo.md, "Villages" and "Townships")."""

import random

from xiangcun.core.geo import haversine_m
from xiangcun.network.standard import STATION_LARGE_VILLAGE_POPULATION

from ..placement import CountyMap, Spacing, place_spaced
from . import draws
from .plan import CountyInput

LARGE_VILLAGERS_RANGE = (290, 300)  # villagers' committees with ≥500 residents
POOR_RANGE = (84, 96)  # registered poor villages (villagers' committees only)
POOR_SMALL_RANGE = (12, 20)  # … of which in villages below 500 residents
NO_BROADBAND_RANGE = (33, 52)  # villages without broadband: 92–95 % have it
TOWNSHIPS_WITHOUT_EXPRESS_OUTLET = 1


def place_villages(rng: random.Random, county: CountyInput, county_map: CountyMap):
    """Village code → (lon, lat). Town-centre units cluster round the township seat, the rest spread
    over the township's cell with a minimum separation (docs/demo.md, "Coordinates")."""
    seats = {t.code: t for t in county.townships}
    spacing = Spacing()
    # Town centres first (they sit at the seat), then seat villages, fringe units, ordinary villages.
    order = {"121": 0, "210": 1, "122": 2}
    points = {}
    for v in sorted(county.villages, key=lambda v: (order.get(v.urban_rural_code, 3), v.code)):
        seat = seats[v.township_code]
        residents = v.kind == "residents"
        if v.urban_rural_code == "121":
            near, min_m = (seat.lon, seat.lat, 1200.0), 250.0
        elif v.urban_rural_code == "210":
            near, min_m = (seat.lon, seat.lat, 1500.0), 400.0
        elif v.urban_rural_code == "122":
            near, min_m = (
                (seat.lon, seat.lat, 3000.0 if residents else 4500.0),
                (250.0 if residents else 600.0),
            )
        else:
            near, min_m = None, 800.0
        points[v.code] = place_spaced(rng, county_map, spacing, v.township_code, min_m=min_m, near=near)
    return points


def populations(rng: random.Random, county: CountyInput) -> dict[str, int]:
    villagers = [v for v in county.villages if v.kind == "villagers"]
    # Seat villages and town-centre / fringe villages are more often large.
    size_weight = {"210": 4.0, "121": 3.0, "122": 2.0}
    n_large = rng.randint(*LARGE_VILLAGERS_RANGE)
    large = {
        v.code
        for v in draws.weighted_sample(
            rng, villagers, [size_weight.get(v.urban_rural_code, 1.0) for v in villagers], n_large
        )
    }
    populations = {}
    for v in county.villages:
        if v.kind == "residents":
            populations[v.code] = draws.truncated_lognormal(rng, 2800, 0.45, 900, 9000)
        elif v.code in large:
            median = 2000 if v.urban_rural_code in {"121", "210"} else 1100
            populations[v.code] = draws.truncated_lognormal(rng, median, 0.5, 500, 5000)
        else:
            populations[v.code] = draws.truncated_lognormal(rng, 330, 0.35, 110, 499)
    return populations


def poor_villages(rng: random.Random, county: CountyInput, populations: dict[str, int]) -> set[str]:
    """Registered poor villages: villagers' committees only, clustered by township (a per-township
    propensity), rarely at a town centre."""
    propensity = {t.code: rng.uniform(0.4, 1.6) for t in county.townships}
    place_weight = {"220": 1.0, "122": 0.3, "210": 0.1, "121": 0.1}
    villagers = [v for v in county.villages if v.kind == "villagers"]

    def weights(vs):
        return [propensity[v.township_code] * place_weight[v.urban_rural_code] for v in vs]

    n_poor = rng.randint(*POOR_RANGE)
    n_small = rng.randint(*POOR_SMALL_RANGE)
    small = [v for v in villagers if populations[v.code] < STATION_LARGE_VILLAGE_POPULATION]
    large = [v for v in villagers if populations[v.code] >= STATION_LARGE_VILLAGE_POPULATION]
    chosen = draws.weighted_sample(rng, small, weights(small), n_small)
    chosen += draws.weighted_sample(rng, large, weights(large), n_poor - n_small)
    return {v.code for v in chosen}


def no_broadband(rng, county: CountyInput, populations, points) -> set[str]:
    """Villages without broadband: ordinary (class 220) villagers' committees, more often small ones
    far from their township seat."""
    seats = {t.code: t for t in county.townships}
    candidates = [v for v in county.villages if v.kind == "villagers" and v.urban_rural_code == "220"]
    weights = []
    for v in candidates:
        seat = seats[v.township_code]
        km = haversine_m(*points[v.code], seat.lon, seat.lat) / 1000
        weights.append(
            (2.0 if populations[v.code] < STATION_LARGE_VILLAGE_POPULATION else 1.0) * (1 + km / 5)
        )
    return {v.code for v in draws.weighted_sample(rng, candidates, weights, rng.randint(*NO_BROADBAND_RANGE))}


def express_outlets(
    rng: random.Random, county: CountyInput, seat_code: str, with_center: set[str]
) -> dict[str, bool]:
    """Every township has an express outlet but one 乡 (so the scorecard's 100 % target shows a miss),
    never the county seat nor a township with a delivery center (`with_center`)."""
    rural = [
        t.code
        for t in county.townships
        if t.kind == "township" and t.code != seat_code and t.code not in with_center
    ]
    missing = set(rng.sample(rural, TOWNSHIPS_WITHOUT_EXPRESS_OUTLET))
    return {t.code: t.code not in missing for t in county.townships}

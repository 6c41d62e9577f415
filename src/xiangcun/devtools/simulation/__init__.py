"""The demo county simulator: every fact the official division data lacks, drawn from one seed.

`simulate(county, seed)` takes the county's divisions as plain values (`CountyInput`) and returns a
`DemoPlan`; it writes nothing (the loader in `devtools.services` writes the plan through the domain
services). Every draw comes from a `random.Random` seeded with the seed and the name of the step
("places", "populations", …), never from the global generator or the clock, so a seed always gives
the same plan and changing one step does not reshuffle the others. docs/demo.md documents every
distribution and count used here.
"""

from ..placement import CountyMap, Seat
from . import draws, network
from . import villages as village_facts
from .plan import CountyInput, DemoPlan, SitePlan, TownshipInput, VillageInput, VillagePlan

__all__ = ["CountyInput", "DemoPlan", "SitePlan", "TownshipInput", "VillageInput", "VillagePlan", "simulate"]


def simulate(county: CountyInput, seed: int) -> DemoPlan:
    """The demo plan for `county` and `seed` (deterministic)."""
    seats = [Seat(t.code, t.lon, t.lat) for t in county.townships]
    county_map = CountyMap(county.outline, seats)
    seat_code = county_map.nearest_seat(county.lon, county.lat)
    points = village_facts.place_villages(draws.for_step(seed, "places"), county, county_map)
    populations = village_facts.populations(draws.for_step(seed, "populations"), county)
    poor = village_facts.poor_villages(draws.for_step(seed, "poverty"), county, populations)
    no_broadband = village_facts.no_broadband(draws.for_step(seed, "broadband"), county, populations, points)
    villages = tuple(
        VillagePlan(
            code=v.code,
            population=populations[v.code],
            is_poor=v.code in poor,
            has_broadband=v.code not in no_broadband,
            longitude=draws.dec(points[v.code][0]),
            latitude=draws.dec(points[v.code][1]),
        )
        for v in county.villages
    )
    facilities = network.facilities(
        draws.for_step(seed, "facilities"), county, county_map, seat_code, villages
    )
    with_center = {f.township_code for f in facilities if f.township_code}
    express = village_facts.express_outlets(draws.for_step(seed, "express"), county, seat_code, with_center)
    stations = network.stations(draws.for_step(seed, "stations"), county, villages)
    stations = network.takeovers(draws.for_step(seed, "takeovers"), stations, villages)
    township_user = next(t.code for t in county.townships if t.code != seat_code)
    return DemoPlan(
        seed=seed,
        seat_code=seat_code,
        express_outlets=express,
        villages=villages,
        facilities=facilities,
        stations=stations,
        township_user_township=township_user,
    )

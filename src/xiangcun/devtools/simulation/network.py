"""The demo service network: county center, county warehouse, township delivery centers and village
stations with back-dated status histories and deliberate departures from the standard
(docs/demo.md, "Facilities" and "Stations")."""

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import time, timedelta

from xiangcun.network.choices import FacilityKind, SiteStatus
from xiangcun.network.standard import (
    STATION,
    STATION_LARGE_VILLAGE_POPULATION,
    requirement_codes,
    station_min_area,
)

from ..placement import CountyMap, greedy_p_median, random_offset
from . import draws
from .plan import CountyInput, SitePlan, VillageInput, VillagePlan

STATION_TARGET_RANGE = (360, 368)  # one station per village; the plan asks for ≥350
STATION_MAX = 380  # stations in all, the duplicate funded one included
TOWNSHIP_CENTERS = 5
FINAL_PLANNED = 2  # stations still planned at the end of 2018
FINAL_BUILDING = 3  # … still under construction
FINAL_SUSPENDED = 3  # … operating once, suspended in autumn 2018
# Deliberate departures from the construction standard among operating stations (disjoint sets).
STATION_DEFECTS = {
    "area_below_min": 12,  # 10 in villages needing 10 m², 2 in villages needing 5 m²
    "area_unknown": 4,
    "missing_terminal": 6,
    "missing_door_sign": 4,
    "missing_light_box": 4,
}
AREA_BELOW_MIN_SMALL = 2
OPERATOR = "乡村示范电商运营有限公司（演示）"
CARRIER_OPERATOR = "示范快递物流有限公司（演示）"
OPENS = ((time(8, 0), 60), (time(7, 30), 15), (time(8, 30), 15), (time(9, 0), 10))
CLOSES = ((time(20, 0), 45), (time(19, 0), 20), (time(21, 0), 15), (time(18, 0), 10), (time(18, 30), 10))
# Stations that took over an existing village shop (a former rural Taobao, postal or supply-and-marketing
# co-operative service point) and operated through 2017: the 2017 baseline of the ledger.
TAKEOVER_SHARE = 0.72
TAKEOVER_NOTES = (
    "原农村淘宝服务点改造为电商服务站",  # a former rural Taobao service point
    "原邮政便民服务站改造为电商服务站",  # a former postal service point
    "原供销社便民店改造为电商服务站",  # a former supply-and-marketing co-operative shop
)
SUSPENSION_NOTES = (
    "站长外出务工，暂停营业",  # the manager left to work in the city
    "店面装修，暂停营业",  # the shop is being refitted
    "代购单量不足，暂停运营待整改",  # too few orders, suspended pending a fix
)


def _equipment(kind: str, missing: Sequence[str] = ()) -> dict[str, bool]:
    return {code: code not in missing for code in requirement_codes(kind)}


def facilities(
    rng, county: CountyInput, county_map: CountyMap, seat_code: str, villages
) -> tuple[SitePlan, ...]:
    """County center and warehouse in the county seat; five township delivery centers at the township
    seats chosen by a greedy p-median (see `placement.greedy_p_median`)."""
    seat = next(t for t in county.townships if t.code == seat_code)
    phones = iter(f"1390000{i:04d}" for i in range(1, 100))

    def inside(lon_lat_fn, township_code=None):
        for _ in range(1000):
            lon, lat = lon_lat_fn()
            if (township_code is None and county_map.contains(lon, lat)) or (
                township_code is not None and county_map.in_township(lon, lat, township_code)
            ):
                return lon, lat
        raise RuntimeError("cannot place a facility")

    plans = []
    lon, lat = inside(lambda: random_offset(rng, county.lon, county.lat, 200, 600))
    created = draws.moment(rng, draws.at(2017, 10, 10), draws.at(2017, 10, 20))
    building = draws.moment(rng, draws.at(2017, 10, 25), draws.at(2017, 11, 10))
    operating = draws.moment(rng, draws.at(2017, 12, 15), draws.at(2017, 12, 28))
    plans.append(
        SitePlan(
            code="CC-01",
            kind=FacilityKind.COUNTY_CENTER,
            name=f"{county.name}电子商务公共服务中心",
            township_code=None,
            longitude=draws.dec(lon),
            latitude=draws.dec(lat),
            area_m2=draws.area(rng.uniform(640, 760)),
            rnd_center_area_m2=draws.area(rng.uniform(120, 180)),
            equipment=_equipment(FacilityKind.COUNTY_CENTER),
            address=f"{county.name}{seat.name}",
            operator=OPERATOR,
            manager_name=draws.person(rng),
            manager_phone=next(phones),
            history=(
                (SiteStatus.PLANNED, created),
                (SiteStatus.BUILDING, building),
                (SiteStatus.OPERATING, operating),
            ),
        )
    )
    lon, lat = inside(lambda: random_offset(rng, county.lon, county.lat, 2500, 4000))
    plans.append(
        SitePlan(
            code="WH-01",
            kind=FacilityKind.COUNTY_WAREHOUSE,
            name=f"{county.name}仓储物流配送中心",
            township_code=None,
            longitude=draws.dec(lon),
            latitude=draws.dec(lat),
            area_m2=draws.area(rng.uniform(1000, 1500)),
            equipment=_equipment(FacilityKind.COUNTY_WAREHOUSE),
            address=f"{county.name}{_township_name(county, county_map.nearest_seat(lon, lat))}",
            operator=CARRIER_OPERATOR,
            manager_name=draws.person(rng),
            manager_phone=next(phones),
            history=(
                (SiteStatus.PLANNED, draws.moment(rng, draws.at(2017, 10, 10), draws.at(2017, 10, 20))),
                (SiteStatus.BUILDING, draws.moment(rng, draws.at(2017, 11, 1), draws.at(2017, 11, 15))),
                (SiteStatus.OPERATING, draws.moment(rng, draws.at(2018, 1, 8), draws.at(2018, 1, 20))),
            ),
        )
    )
    warehouse = (float(plans[-1].longitude), float(plans[-1].latitude))
    # Township centers serve the villages; urban communities (residents' committees) get parcels from
    # the county warehouse directly, so they are not part of the demand.
    rural = {v.code for v in county.villages if v.kind == "villagers"}
    demand = [
        (float(v.longitude), float(v.latitude), float(v.population)) for v in villages if v.code in rural
    ]
    candidates = [(t.code, t.lon, t.lat) for t in county.townships if t.code != seat_code]
    chosen = greedy_p_median(demand, candidates, TOWNSHIP_CENTERS, fixed=[warehouse])
    # Cold chain where needed: two centers; one of them lacks its cold-chain vehicle, and another
    # center is short of the 100 m² minimum (the deliberate facility misses).
    cold = set(rng.sample(range(TOWNSHIP_CENTERS), 2))
    no_vehicle = rng.choice(sorted(cold))
    too_small = rng.choice(sorted(set(range(TOWNSHIP_CENTERS)) - cold))
    townships = {t.code: t for t in county.townships}
    for i, code in enumerate(sorted(chosen)):
        t = townships[code]
        lon, lat = inside(lambda t=t: random_offset(rng, t.lon, t.lat, 300, 900), code)
        missing = ["cold_chain_vehicle"] if i == no_vehicle else []
        if i not in cold:
            missing += ["cold_store", "fridge", "cold_chain_vehicle"]
        plans.append(
            SitePlan(
                code=f"TC-{i + 1:02d}",
                kind=FacilityKind.TOWNSHIP_CENTER,
                name=f"{t.name}物流配送中心",
                township_code=code,
                longitude=draws.dec(lon),
                latitude=draws.dec(lat),
                area_m2=draws.area(rng.uniform(85, 95) if i == too_small else rng.uniform(120, 300)),
                cold_chain_needed=i in cold,
                equipment=_equipment(FacilityKind.TOWNSHIP_CENTER, missing),
                address=f"{county.name}{t.name}",
                operator=CARRIER_OPERATOR,
                manager_name=draws.person(rng),
                manager_phone=next(phones),
                history=(
                    (SiteStatus.PLANNED, draws.moment(rng, draws.at(2017, 11, 1), draws.at(2017, 11, 20))),
                    (SiteStatus.BUILDING, draws.moment(rng, draws.at(2017, 12, 1), draws.at(2017, 12, 20))),
                    (SiteStatus.OPERATING, draws.moment(rng, draws.at(2018, 1, 10), draws.at(2018, 1, 31))),
                ),
            )
        )
    return tuple(plans)


def _township_name(county: CountyInput, code: str) -> str:
    return next(t.name for t in county.townships if t.code == code)


def station_villages(rng: random.Random, villages: Sequence[VillagePlan]) -> list[VillagePlan]:
    """The villages that get a station, in priority order: every poor village (largest first), every
    village of ≥500 residents (largest first), then smaller villages up to the target, drawn with
    probability ∝ population. Capped, in that order, at STATION_MAX - 1 (room for the duplicate)."""
    poor = sorted((v for v in villages if v.is_poor), key=lambda v: (-v.population, v.code))
    large = sorted(
        (v for v in villages if not v.is_poor and v.population >= STATION_LARGE_VILLAGE_POPULATION),
        key=lambda v: (-v.population, v.code),
    )
    priority = poor + large
    cap = STATION_MAX - 1
    target = min(max(rng.randint(*STATION_TARGET_RANGE), len(priority)), cap)
    rest = [v for v in villages if not v.is_poor and v.population < STATION_LARGE_VILLAGE_POPULATION]
    fill = draws.weighted_sample(rng, rest, [v.population for v in rest], max(target - len(priority), 0))
    return (priority + fill)[:cap]


def stations(
    rng: random.Random, county: CountyInput, villages: Sequence[VillagePlan]
) -> tuple[SitePlan, ...]:
    chosen = station_villages(rng, villages)
    info = {v.code: v for v in county.villages}
    townships = {t.code: t for t in county.townships}
    # Final statuses: the non-operating ones are in non-poor villages (poor-village coverage is 100 %).
    non_poor = [v for v in chosen if not v.is_poor]
    picks = rng.sample(non_poor, FINAL_PLANNED + FINAL_BUILDING)
    planned = {v.code for v in picks[:FINAL_PLANNED]}
    building = {v.code for v in picks[FINAL_PLANNED:]}
    large_non_poor = [
        v
        for v in non_poor
        if v.population >= STATION_LARGE_VILLAGE_POPULATION and v.code not in planned | building
    ]
    suspended = {v.code for v in rng.sample(large_non_poor, FINAL_SUSPENDED)}
    operating = [v for v in chosen if v.code not in planned | building | suspended]
    # The village with a second funded station, then the deliberate defects, all disjoint.
    duplicate = rng.choice(
        [v for v in operating if not v.is_poor and v.population >= STATION_LARGE_VILLAGE_POPULATION]
    )
    pool = [v for v in operating if v.code != duplicate.code]
    defects: dict[str, str] = {}
    needs_ten = [v for v in pool if station_min_area(population=v.population, is_poor=v.is_poor) == 10]
    needs_five = [v for v in pool if station_min_area(population=v.population, is_poor=v.is_poor) == 5]
    small_picks = rng.sample(needs_five, min(AREA_BELOW_MIN_SMALL, len(needs_five)))
    large_picks = rng.sample(needs_ten, STATION_DEFECTS["area_below_min"] - len(small_picks))
    for v in small_picks + large_picks:
        defects[v.code] = "area_below_min"
    for defect, n in STATION_DEFECTS.items():
        if defect == "area_below_min":
            continue
        free = [v for v in pool if v.code not in defects]
        for v in rng.sample(free, n):
            defects[v.code] = defect
    phones = iter(f"1380000{i:04d}" for i in range(1, 10000))
    plans = []
    for v in sorted(chosen, key=lambda v: v.code):
        final = (
            SiteStatus.PLANNED
            if v.code in planned
            else SiteStatus.BUILDING
            if v.code in building
            else SiteStatus.SUSPENDED
            if v.code in suspended
            else SiteStatus.OPERATING
        )
        plans.append(
            _station(
                rng,
                county,
                info[v.code],
                townships,
                v,
                seq=1,
                final=final,
                defect=defects.get(v.code, ""),
                phone=next(phones),
            )
        )
        if v.code == duplicate.code:
            plans.append(
                _station(
                    rng,
                    county,
                    info[v.code],
                    townships,
                    v,
                    seq=2,
                    final=SiteStatus.OPERATING,
                    defect="",
                    phone=next(phones),
                )
            )
    return tuple(plans)


def _station(rng, county, village: VillageInput, townships, facts: VillagePlan, *, seq, final, defect, phone):
    minimum = station_min_area(population=facts.population, is_poor=facts.is_poor)
    if defect == "area_below_min":
        area = draws.area(rng.uniform(6, 9.5) if minimum == 10 else rng.uniform(3, 4.5))
    elif defect == "area_unknown":
        area = None
    elif minimum == 10:
        area = draws.area(10 + rng.gammavariate(2.0, 6.0))
    else:
        area = draws.area(6 + rng.gammavariate(2.0, 3.0))
    missing = {
        "missing_terminal": ["terminal"],
        "missing_door_sign": ["door_sign"],
        "missing_light_box": ["light_box"],
    }.get(defect, [])
    lon, lat = random_offset(rng, float(facts.longitude), float(facts.latitude), 20, 300)
    notes = {}
    if seq == 1:
        created = draws.moment(rng, draws.at(2017, 10, 9), draws.at(2017, 12, 29))
        if final == SiteStatus.PLANNED:
            history = [(SiteStatus.PLANNED, created)]
        elif final == SiteStatus.BUILDING:
            built = draws.moment(rng, created + timedelta(days=3), draws.at(2018, 7, 31))
            history = [(SiteStatus.PLANNED, created), (SiteStatus.BUILDING, built)]
        else:
            # Opening dates ramp up in spring; poor villages come first (the earlier of two draws).
            def draw():
                return draws.at(2018, 1, 2) + timedelta(days=rng.triangular(0, 241, 100))

            opening = min(draw(), draw()) if facts.is_poor else draw()
            opened = draws.moment(rng, opening, opening)
            gap = max((opened.date() - created.date()).days - 2, 3)
            built = draws.moment(rng, created + timedelta(days=2), created + timedelta(days=min(gap, 60)))
            history = [
                (SiteStatus.PLANNED, created),
                (SiteStatus.BUILDING, built),
                (SiteStatus.OPERATING, opened),
            ]
            if final == SiteStatus.SUSPENDED:
                history.append(
                    (SiteStatus.SUSPENDED, draws.moment(rng, draws.at(2018, 9, 1), draws.at(2018, 11, 30)))
                )
                notes[SiteStatus.SUSPENDED] = rng.choice(SUSPENSION_NOTES)
    else:
        created = draws.moment(rng, draws.at(2018, 3, 1), draws.at(2018, 3, 31))
        built = draws.moment(rng, created + timedelta(days=10), created + timedelta(days=30))
        opened = draws.moment(rng, draws.at(2018, 5, 1), draws.at(2018, 6, 30))
        history = [
            (SiteStatus.PLANNED, created),
            (SiteStatus.BUILDING, built),
            (SiteStatus.OPERATING, opened),
        ]
    township = townships[village.township_code]
    return SitePlan(
        code=f"{village.code}-{seq:02d}",
        village_code=village.code,
        name=f"{village.short_name}电商服务站" if seq == 1 else f"{village.short_name}第二电商服务站",
        township_code=village.township_code,
        longitude=draws.dec(lon),
        latitude=draws.dec(lat),
        area_m2=area,
        equipment=_equipment(STATION, missing),
        address=f"{county.name}{township.name}{village.short_name}",
        operator=OPERATOR,
        manager_name=draws.person(rng),
        manager_phone=phone,
        funded=True,
        opens_at=draws.choice_weighted(rng, OPENS),
        closes_at=draws.choice_weighted(rng, CLOSES),
        history=tuple(history),
        defect=defect,
        transition_notes=notes,
    )


def takeovers(
    rng: random.Random, plans: Sequence[SitePlan], villages: Sequence[VillagePlan]
) -> tuple[SitePlan, ...]:
    """Give TAKEOVER_SHARE of the first stations of villages that open (operating or suspended at the
    end) an earlier history: the program took over an existing shop, refitted in 2016 and operating
    through 2017. Drawn with probability ∝ √population (larger villages more often had a shop). The
    other stations keep their 2018 opening; nothing else of the plan changes."""
    population = {v.code: v.population for v in villages}
    eligible = [
        p
        for p in plans
        if p.code.endswith("-01") and p.final_status in (SiteStatus.OPERATING, SiteStatus.SUSPENDED)
    ]
    chosen = {
        p.code
        for p in draws.weighted_sample(
            rng,
            eligible,
            [population[p.village_code] ** 0.5 for p in eligible],
            round(len(eligible) * TAKEOVER_SHARE),
        )
    }
    out = []
    for p in plans:
        if p.code not in chosen:
            out.append(p)
            continue
        created = draws.moment(rng, draws.at(2016, 3, 1), draws.at(2016, 7, 31))
        built = draws.moment(rng, created + timedelta(days=5), created + timedelta(days=30))
        opened = draws.moment(rng, built + timedelta(days=7), built + timedelta(days=60))
        history = [
            (SiteStatus.PLANNED, created),
            (SiteStatus.BUILDING, built),
            (SiteStatus.OPERATING, opened),
        ]
        history += [h for h in p.history if h[0] == SiteStatus.SUSPENDED]
        notes = {**p.transition_notes, SiteStatus.OPERATING: rng.choice(TAKEOVER_NOTES)}
        out.append(replace(p, history=tuple(history), transition_notes=notes))
    return tuple(out)

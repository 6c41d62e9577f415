"""Registered poor households, staff, charges to stations and the service company of the demo county
(docs/demo.md, "Households, staff and charges"). Pure: plans only, the loader writes them."""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from xiangcun.network.choices import FacilityKind, SiteStatus
from xiangcun.stations.choices import ChargeKind

from . import draws
from .plan import SitePlan, VillagePlan

HOUSEHOLDS_PER_POOR_VILLAGE = (2, 6)
LIFTED_SHARE = 0.35  # lifted out of poverty by the end of 2018
# Facility staff: kind → ((position, how many), …)
FACILITY_STAFF = {
    FacilityKind.COUNTY_CENTER: (("主任", 1), ("运营专员", 3), ("美工设计", 2), ("客服", 2), ("培训讲师", 2)),
    FacilityKind.COUNTY_WAREHOUSE: (("仓库主管", 1), ("仓管员", 3), ("分拣员", 6), ("配送司机", 4)),
    FacilityKind.TOWNSHIP_CENTER: (("站长", 1), ("分拣员", 2), ("配送员", 2)),
}
POOR_HIRE_SHARE = {"facility": 0.25, "assistant": 0.5}  # share of hires from registered poor households
ASSISTANT_SHARE = 0.3  # stations with an assistant besides the manager
LEFT_SHARE = 0.06  # staff who left during 2018
COMPANY_NAME = "大名县农村电子商务服务有限公司（演示）"
CONTRACTOR = "乡村示范电商运营有限公司（演示）"
FORBIDDEN_CHARGE = (ChargeKind.DEPOSIT, Decimal("2000.00"), "加盟押金（违规，应退还）")
ORDINARY_CHARGES = (
    (ChargeKind.SERVICE, (Decimal("50"), Decimal("200")), "物流派送服务费"),
    (ChargeKind.OTHER, (Decimal("200"), Decimal("400")), "宽带安装费"),
    (ChargeKind.SERVICE, (Decimal("100"), Decimal("300")), "网店代运营服务费"),
)
CHARGED_STATIONS = 40


@dataclass(frozen=True)
class HouseholdPlan:
    code: str
    village_code: str
    head_name: str
    members: int
    status: str
    phone: str


@dataclass(frozen=True)
class StaffPlan:
    site_code: str  # facility or station code
    is_station: bool
    name: str
    position: str
    phone: str
    household_code: str  # "" when not from a registered poor household
    from_poor_household: bool
    hired_on: date
    left_on: date | None


@dataclass(frozen=True)
class ChargePlan:
    station_code: str
    charged_on: date
    kind: str
    amount: Decimal
    note: str


def households(rng: random.Random, villages: Sequence[VillagePlan]) -> tuple[HouseholdPlan, ...]:
    """A few registered poor households in every poor village, register number = village code + seq."""
    out = []
    for index, v in enumerate(x for x in villages if x.is_poor):
        for i in range(1, rng.randint(*HOUSEHOLDS_PER_POOR_VILLAGE) + 1):
            out.append(
                HouseholdPlan(
                    code=f"{v.code}{i:03d}",
                    village_code=v.code,
                    head_name=draws.person(rng),
                    members=rng.randint(1, 6),
                    status="lifted" if rng.random() < LIFTED_SHARE else "poor",
                    phone=f"1510{index:03d}{i:04d}",
                )
            )
    return tuple(out)


def _opened(site: SitePlan) -> date | None:
    return next((at.astimezone(draws.TZ).date() for s, at in site.history if s == SiteStatus.OPERATING), None)


def staff(
    rng: random.Random,
    facilities: Sequence[SitePlan],
    stations: Sequence[SitePlan],
    households: Sequence[HouseholdPlan],
    poor_villages: set[str],
) -> tuple[StaffPlan, ...]:
    """Staff of every operating facility and station: facilities by FACILITY_STAFF, each station its
    manager and sometimes an assistant. Poor households are hired first (R7): a share of the facility
    hires and of the assistants of poor villages come from one, linked to it."""
    by_village: dict[str, list[HouseholdPlan]] = {}
    for h in households:
        by_village.setdefault(h.village_code, []).append(h)
    free = list(households)
    rng.shuffle(free)
    used: set[str] = set()
    phones = iter(f"1370000{i:04d}" for i in range(1, 10000))
    out = []

    def person(site, is_station, position, hired, household=None):
        left = None
        if rng.random() < LEFT_SHARE and position not in ("主任", "站长", "站长（经营者）"):
            left = hired + timedelta(days=rng.randint(60, 300))
            left = left if left <= date(2018, 12, 31) else None
        if household is not None:
            used.add(household.code)
        out.append(
            StaffPlan(
                site_code=site.code,
                is_station=is_station,
                name=household.head_name if household is not None else draws.person(rng),
                position=position,
                phone=household.phone if household is not None else next(phones),
                household_code=household.code if household is not None else "",
                from_poor_household=household is not None,
                hired_on=hired,
                left_on=left,
            )
        )

    for site in facilities:
        opened = _opened(site)
        if opened is None:
            continue
        for position, n in FACILITY_STAFF[site.kind]:
            for _ in range(n):
                household = None
                if rng.random() < POOR_HIRE_SHARE["facility"]:
                    household = next((h for h in free if h.code not in used), None)
                person(site, False, position, opened - timedelta(days=rng.randint(0, 30)), household)
    for site in stations:
        opened = _opened(site)
        if opened is None:
            continue
        out.append(
            StaffPlan(
                site_code=site.code,
                is_station=True,
                name=site.manager_name,
                position="站长（经营者）",
                phone=site.manager_phone,
                household_code="",
                from_poor_household=False,
                hired_on=opened,
                left_on=None,
            )
        )
        if rng.random() < ASSISTANT_SHARE:
            household = None
            if site.village_code in poor_villages and rng.random() < POOR_HIRE_SHARE["assistant"]:
                household = next(
                    (h for h in by_village.get(site.village_code, ()) if h.code not in used), None
                )
            person(site, True, "店员", opened + timedelta(days=rng.randint(0, 90)), household)
    return tuple(out)


def charges(rng: random.Random, stations: Sequence[SitePlan]) -> tuple[ChargePlan, ...]:
    """Ordinary fees at CHARGED_STATIONS stations, and exactly one forbidden deposit (R2, R8) at a
    station that opened in 2018, charged a week after its opening."""
    opened = [(s, _opened(s)) for s in stations if _opened(s) is not None]
    out = []
    for site, day in rng.sample(opened, CHARGED_STATIONS):
        kind, (low, high), note = rng.choice(ORDINARY_CHARGES)
        when = max(day, date(2017, 1, 1)) + timedelta(days=rng.randint(10, 200))
        amount = Decimal(rng.randint(int(low), int(high)))
        out.append(ChargePlan(site.code, min(when, date(2018, 12, 20)), kind, amount, note))
    site, day = rng.choice([(s, d) for s, d in opened if d.year == 2018])
    kind, amount, note = FORBIDDEN_CHARGE
    out.append(ChargePlan(site.code, day + timedelta(days=7), kind, amount, note))
    return tuple(sorted(out, key=lambda c: (c.charged_on, c.station_code)))

"""The demo county's parcels (docs/demo.md, "Logistics"): carriers, their presence at the township
centers, tariffs and price benchmarks, and one parcel per shipped proxy purchase (downstream) or proxy
sale (upstream), with its legs and scans. Pure and deterministic: the weather comes from the step
`weather`, the carriers' presence from `carriers`, and each station's parcels from its own generator
(`parcels:<station code>`), so a seed gives the same parcels whatever else changes.

The ledger and the parcels are one story: the ledger simulator (`ledger.station_ledger`) asks the
station's `StationCourier` when a proxy purchase it has just shipped reaches the station
(`downstream`), and records the parcel with the entry's id (`purchase`, `sale`). The parcel's delivery
scan at the station is the entry's "arrived" moment, its signed-for scan the "picked up" one.

Rows come out ready for a bulk insert (`SHIPMENT_COLUMNS`, `LEG_COLUMNS`, `SCAN_COLUMNS`; money in
integer fen, weights as decimal text, UUIDs as 32 hex digits, times as UTC text), with the tracking
fields already set: they are what `logistics.tracking.derive` computes from the scans (tested).
"""

import math
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from . import catalog, draws
from .calendar import SPRING_FESTIVAL
from .draws import utc_text

DAY = 86400
HOUR = 3600
BEIJING = 8 * HOUR
DELIVERY_LIMIT_S = 7 * DAY  # logistics.choices.DELIVERY_LIMIT (R3: warehouse → station in 7 days)
# Version-8 UUIDs (RFC 9562) ordered by a counter in the top 48 bits (see `ordered_uuid`).
_V8_KEEP = ((1 << 76) - 1) & ~(0x3 << 62)
_V8_SET = (0x8 << 76) | (0x2 << 62)


def ordered_uuid(counter: int, drawn: int) -> str:
    """A UUID as 32 hex digits whose top 48 bits are `counter` and whose other bits (but the version
    and variant) come from `drawn` (128 random bits): rows inserted in counter order append to their
    unique (county, uuid) index instead of updating it at random places (about a third of the cost of
    inserting a scan)."""
    return f"{(counter << 80) | (drawn & _V8_KEEP) | _V8_SET:032x}"


DOWN, UP = "downstream", "upstream"


@dataclass(frozen=True)
class CarrierPlan:
    key: str
    name: str
    kind: str  # logistics.choices.CarrierKind
    share: float  # market share of the county's parcels where the carrier is present
    waybill_prefix: str
    contact_name: str
    contact_phone: str
    funded_route: str = ""  # non-empty: receives program funds for this route (R1.3)
    at_every_center: bool = True  # else at CENTERS_OF_THE_THIRD of the five centers


CARRIERS = (
    CarrierPlan("post", "中国邮政大名县分公司（演示）", "postal", 0.40, "98", "刘建华", "0310-6000001"),
    CarrierPlan(
        "common",
        "示范快递物流有限公司（演示）",
        "logistics",
        0.35,
        "DM",
        "王志强",
        "0310-6000002",
        funded_route="县仓储物流配送中心—乡镇物流配送中心—村级服务站（共同配送）",
    ),
    CarrierPlan(
        "express", "乡通快递（演示）", "express", 0.25, "XT", "赵海燕", "0310-6000003", at_every_center=False
    ),
)
CENTERS_OF_THE_THIRD = 3
THIRD_JOINS_WITHIN_DAYS = 60
# Tariffs (首重 1 kg + each further started kg), yuan: {carrier: {direction: {year: (first, per kg)}}}.
# 2018 (共同配送, program-funded lines) is cheaper than 2017, so the cost per parcel falls.
TARIFFS = {
    "post": {DOWN: {2017: ("4.00", "1.50"), 2018: ("3.00", "1.00")}, UP: {2017: (12, 5), 2018: (10, 4)}},
    "common": {DOWN: {2017: ("3.50", "1.00"), 2018: ("2.50", "0.80")}, UP: {2017: (10, 4), 2018: (8, 3)}},
    "express": {DOWN: {2017: ("3.00", "1.50"), 2018: ("2.80", "1.00")}, UP: {2017: (9, 5), 2018: (8, 4)}},
}
TARIFF_YEARS = (2017, 2018)
# What the mainstream platforms' sellers pay for a comparable parcel within the province, quarterly
# (source, weight kg, ((observed on, yuan), …)). The county's cheapest upstream price meets 1 kg every
# quarter and 3 kg in 2018, not in 2017 (the 2017 tariffs charge 4–5 yuan per further kg).
BENCHMARK_SOURCE = "主流电商平台卖家发货均价（河北省内）"
BENCHMARK_DAYS = ((2, 15), (5, 15), (8, 15), (11, 15))
BENCHMARKS = {
    1: ("10.00", "10.00", "9.50", "9.00", "9.00", "8.50", "8.50", "8.00"),
    3: ("17.00", "17.00", "16.50", "16.00", "15.50", "15.00", "15.00", "14.50"),
}

# Transit of a proxy purchase from the merchant to the county warehouse: 1 day + Gamma(2, 0.6) days.
TRANSIT_MIN_DAYS, TRANSIT_SHAPE, TRANSIT_SCALE = 1.0, 2.0, 0.6
# After 11·11 the parcels pile up: shipped 11–14 Nov +1–4 days, 15–20 Nov +0.5–2 days; on the village
# runs of 11–20 Nov the van is full for a parcel with this probability.
BACKLOG = (((11, 11), (11, 14), 1.0, 4.0), ((11, 15), (11, 20), 0.5, 2.0))
BACKLOG_RUNS = ((11, 11), (11, 20), 0.5)
MISSED_RUN = 0.02  # a van breaks down, a parcel is left behind
# A problem parcel (问题件: address unclear, packaging damaged, label torn) is held at the township
# center for 3–14 days before it goes out again.
PROBLEM, PROBLEM_DAYS = 0.03, (3, 14)
# Spring Festival: the carriers (and the centers) stop from 4 days before the festival to 6 days after.
PAUSE = (-4, 6)
# The village runs: daily (Mon–Sat) for DAILY_SHARE of the stations once their township center
# operates, three days a week for the others; before the center (2017), two days a week.
DAILY_SHARE = 0.55
THREE_DAYS = ((0, 2, 4), (1, 3, 5))
TWO_DAYS = ((0, 3), (1, 4), (2, 5))
# Hours (local): the warehouse receives 06:00–21:00; the trunk to the centers leaves 06:30–07:30; the
# village run 09:30–10:30 (a parcel that reaches the center by 09:30 can go the same day) and reaches
# a station 0.5–4 h later; upstream, the center's trunk to the warehouse leaves 16:00–17:00 and the
# line haul out of the county 19:00–21:00.
HUB_HOURS = (6, 21)
TRUNK_DOWN = 6.5
VILLAGE_RUN = 9.5
TRUNK_UP = 16
LINE_HAUL = 19
# Weather (step `weather`): the county is wet on a day with the month's probability; a township is
# rainy on a wet day with WET_TOWNSHIP, on a dry one with DRY_TOWNSHIP; a rainy day makes the village
# roads impassable with HEAVY (HEAVY_SUMMER in July and August). Summer storms: STORMS a year, 2–4
# days county-wide, impassable everywhere.
WET_BY_MONTH = (0.05, 0.07, 0.1, 0.14, 0.16, 0.22, 0.42, 0.38, 0.18, 0.12, 0.08, 0.05)
WET_TOWNSHIP, DRY_TOWNSHIP = 0.75, 0.03
HEAVY, HEAVY_SUMMER = 0.4, 0.7
STORMS = 2
# Upstream destinations (buyers outside the county) and their weights.
DESTINATIONS = (
    ("北京市朝阳区", 18),
    ("天津市河西区", 8),
    ("石家庄市长安区", 12),
    ("邯郸市丛台区", 14),
    ("郑州市金水区", 8),
    ("济南市历下区", 7),
    ("上海市浦东新区", 12),
    ("广州市天河区", 9),
    ("深圳市南山区", 7),
    ("杭州市西湖区", 5),
)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

SHIPMENT_COLUMNS = (
    "id",
    "county_id",
    "carrier_id",
    "waybill_no",
    "direction",
    "station_id",
    "center_id",
    "warehouse_id",
    "destination_text",
    "booked_at",
    "weight_kg",
    "declared_value",
    "cost",
    "cold_chain",
    "transaction_id",
    "status",
    "sent_at",
    "due_at",
    "arrived_at",
    "signed_at",
    "returned_at",
    "current_facility_id",
    "current_station_id",
    "current_since",
    "created_by_id",
    "is_demo",
    "created_at",
    "updated_at",
)
LEG_COLUMNS = (
    "id",
    "county_id",
    "shipment_id",
    "sequence",
    "from_facility_id",
    "from_station_id",
    "to_facility_id",
    "to_station_id",
    "to_text",
    "carrier_id",
    "status",
    "departed_at",
    "arrived_at",
)
SCAN_COLUMNS = (
    "county_id",
    "shipment_id",
    "leg_id",
    "kind",
    "at",
    "facility_id",
    "station_id",
    "site_key",
    "actor_id",
    "device",
    "client_uuid",
    "recorded_at",
)


def local_day(epoch: int) -> int:
    """Days since 1 Jan 1970 of the local (Beijing) date of `epoch`."""
    return (epoch + BEIJING) // DAY


def day_date(day: int) -> date:
    return date.fromordinal(_EPOCH_ORDINAL + day)


def day_index(d: date) -> int:
    return d.toordinal() - _EPOCH_ORDINAL


def midnight(day: int) -> int:
    return day * DAY - BEIJING


def pause_days(years: Sequence[int]) -> frozenset[int]:
    """The local days on which the carriers do not move parcels (around the Spring Festival)."""
    out = set()
    for year in years:
        festival = day_index(SPRING_FESTIVAL[year])
        out.update(range(festival + PAUSE[0], festival + PAUSE[1] + 1))
    return frozenset(out)


def weather(seed: int, township_codes: Sequence[str], first: date, last: date) -> dict[str, frozenset[int]]:
    """Per township (code), the local days its village roads are impassable (see the constants)."""
    rng = draws.for_step(seed, "weather")
    codes = sorted(township_codes)
    blocked: dict[str, set[int]] = {c: set() for c in codes}
    d = first
    while d <= last:
        wet = rng.random() < WET_BY_MONTH[d.month - 1]
        heavy = HEAVY_SUMMER if d.month in (7, 8) else HEAVY
        for code in codes:
            rainy = rng.random() < (WET_TOWNSHIP if wet else DRY_TOWNSHIP)
            if rainy and rng.random() < heavy:
                blocked[code].add(day_index(d))
        d += timedelta(days=1)
    for year in range(first.year, last.year + 1):
        for _ in range(STORMS):
            start = day_index(date(year, 7, 1)) + rng.randrange(0, 58)
            for day in range(start, start + rng.randint(2, 4)):
                for code in codes:
                    blocked[code].add(day)
    return {c: frozenset(v) for c, v in blocked.items()}


@dataclass(frozen=True)
class ParcelStation:
    """What a station's courier needs (database ids included)."""

    station_id: int
    code: str
    index: int
    township_code: str
    center_id: int
    center_code: str
    center_opens: date  # the day the township center began operating
    warehouse_id: int
    warehouse_code: str
    carriers: tuple  # ((carrier index, since date), …): the carriers at its township center
    device: str  # the station's scanning device
    manager_id: int | None


@dataclass(frozen=True)
class CarrierRef:
    id: int
    prefix: str
    share: float
    tariffs: dict  # {(direction, year): (first fen, per further kg fen)}


@dataclass
class ParcelTotals:
    """Counts and sums of the simulated parcels (documentation, the command's summary, tests)."""

    # (year, direction) → [parcels, cost fen, delivered, late]; year of booking
    years: dict = field(default_factory=dict)
    scans: int = 0
    legs: int = 0
    open: int = 0


class Ids:
    """The explicit primary keys of the bulk-inserted rows, counted up from the table's largest."""

    def __init__(self, transaction: int, shipment: int, leg: int, scan: int = 0):
        self.transaction, self.shipment, self.leg = transaction, shipment, leg
        self.scan = scan  # scans have database ids; this only orders their UUIDs


class StationCourier:
    """One station's parcels: delivery times from the logistics model, rows for the bulk insert."""

    def __init__(
        self,
        seed: int,
        st: ParcelStation,
        carriers: Sequence[CarrierRef],
        *,
        blocked: frozenset[int],
        paused: frozenset[int],
        end_epoch: int,
        county_id: int,
        admin_id: int,
        ids: Ids,
        totals: ParcelTotals,
        tz_suffix: str = "",
    ):
        self.rng = rng = draws.for_step(seed, f"parcels:{st.code}")
        self.st, self.carriers, self.blocked, self.paused = st, carriers, blocked, paused
        self.end, self.county_id, self.admin_id, self.ids, self.totals = (
            end_epoch,
            county_id,
            admin_id,
            ids,
            totals,
        )
        self.tz = tz_suffix
        self.center_day = day_index(st.center_opens)
        self.runs_after = (
            frozenset(range(6)) if rng.random() < DAILY_SHARE else frozenset(rng.choice(THREE_DAYS))
        )
        self.runs_before = frozenset(rng.choice(TWO_DAYS))
        self.sequence: dict[int, int] = {}
        self._present: dict = {}
        self.shipments: list[tuple] = []
        self.legs: list[tuple] = []
        self.scans: list[tuple] = []
        self.wh_key, self.center_key, self.station_key = (
            f"F{st.warehouse_id}",
            f"F{st.center_id}",
            f"S{st.station_id}",
        )
        self.wh_device = f"PDA-{st.warehouse_code}-{1 + rng.randrange(3)}"
        self.center_device = f"PDA-{st.center_code}-{1 + rng.randrange(2)}"
        values = [d for d, _w in DESTINATIONS]
        cum, acc = [], 0.0
        for _d, w in DESTINATIONS:
            acc += w
            cum.append(acc)
        self._destinations = (values, cum)

    # --- the logistics model ----------------------------------------------------------------------

    def _open_day(self, day: int) -> int:
        while day in self.paused:
            day += 1
        return day

    def _departure(self, after: int, hour: float, spread_h: float = 1.0) -> int:
        """The first departure of a daily run at `hour` (+ up to `spread_h` h), not in the pause, after
        `after`."""
        day = self._open_day(local_day(after))
        t = midnight(day) + int((hour + spread_h * self.rng.random()) * HOUR)
        if t <= after:
            day = self._open_day(day + 1)
            t = midnight(day) + int((hour + spread_h * self.rng.random()) * HOUR)
        return t

    def downstream(self, shipped: int, u: float) -> tuple[int, int, int, int, int]:
        """(warehouse in, warehouse out, center in, center out, delivered at the station) of a proxy
        purchase the merchant shipped at `shipped`; `u` (uniform, the ledger's draw) places the station
        on the village run."""
        rng = self.rng
        t = shipped + int((TRANSIT_MIN_DAYS + rng.gammavariate(TRANSIT_SHAPE, TRANSIT_SCALE)) * DAY)
        d = day_date(local_day(shipped))
        for first, last, lo, hi in BACKLOG:
            if first <= (d.month, d.day) <= last:
                t += int((lo + (hi - lo) * rng.random()) * DAY)
        day = local_day(t)
        seconds = t - midnight(day)
        if day in self.paused or seconds >= HUB_HOURS[1] * HOUR:
            day = self._open_day(day + (0 if day in self.paused else 1))
            t = midnight(day) + int((HUB_HOURS[0] + 2 * rng.random()) * HOUR)
        elif seconds < HUB_HOURS[0] * HOUR:
            t = midnight(day) + int((HUB_HOURS[0] + 2 * rng.random()) * HOUR)
        wh_in = t
        wh_out = self._departure(wh_in + HOUR, TRUNK_DOWN)
        c_in = wh_out + int((1 + 1.5 * rng.random()) * HOUR)
        day = local_day(c_in)
        if c_in - midnight(day) > VILLAGE_RUN * HOUR:
            day += 1
        if rng.random() < PROBLEM:
            day += rng.randint(*PROBLEM_DAYS)
        random = rng.random
        while True:
            md = day_date(day)
            runs = self.runs_after if day >= self.center_day else self.runs_before
            if (
                (day + 3) % 7 in runs
                and day not in self.paused
                and day not in self.blocked
                and random() >= self._miss(md)
            ):
                break
            day += 1
        c_out = max(midnight(day) + int((VILLAGE_RUN + random()) * HOUR), c_in + 600)
        return wh_in, wh_out, c_in, c_out, c_out + int((0.5 + 3.5 * u) * HOUR)

    @staticmethod
    def _miss(d: date) -> float:
        first, last, p = BACKLOG_RUNS
        return p if first <= (d.month, d.day) <= last else MISSED_RUN

    def collect(self, t: int) -> int:
        """When the carrier collects a parcel the station has ready at `t`: then, or on the first village
        run after the Spring Festival pause."""
        day = local_day(t)
        if day not in self.paused:
            return t
        return midnight(self._open_day(day)) + int((VILLAGE_RUN + self.rng.random()) * HOUR)

    def upstream(self, shipped: int) -> tuple[int, int, int, int, int, int]:
        """(booked, station out, center in, center out, warehouse in, warehouse out) of a proxy sale the
        station shipped at `shipped`; delivery outside the county 1–3 days after it left the warehouse
        (moved past the pause) is returned by `_delivered_outside`."""
        rng = self.rng
        booked = shipped - int((0.5 + 2.5 * rng.random()) * HOUR)
        c_in = shipped + int((0.5 + 2 * rng.random()) * HOUR)
        c_out = self._departure(c_in, TRUNK_UP)
        wh_in = c_out + int((1 + rng.random()) * HOUR)
        wh_out = self._departure(wh_in + HOUR, LINE_HAUL, 2.0)
        return booked, shipped, c_in, c_out, wh_in, wh_out

    def _delivered_outside(self, wh_out: int) -> int:
        t = wh_out + int((1 + 2 * self.rng.random()) * DAY)
        day = local_day(t)
        if day in self.paused:
            t = midnight(self._open_day(day)) + int((9 + 8 * self.rng.random()) * HOUR)
        return t

    # --- parcels ----------------------------------------------------------------------------------

    def in_ledger(self, at: int) -> bool:
        """Whether a parcel entering the three tiers at `at` is in the delivery ledger: from the day the
        station's township center operates. Before, the carriers delivered through their own outlets
        (the model still times those deliveries for the station's ledger: two village runs a week), and
        nobody kept the county's delivery ledger, which the program's network started."""
        return local_day(at) >= self.center_day

    def _carrier(self, day: date) -> int:
        """A carrier for a parcel booked on `day`: by market share among those at the station's township
        center that day (all of them before the center had any)."""
        present = self._present.get(day)
        if present is None:
            present = [(i, self.carriers[i].share) for i, since in self.st.carriers if since <= day]
            if not present:
                present = [(i, c.share) for i, c in enumerate(self.carriers)]
            present = self._present[day] = (present, sum(w for _i, w in present))
        shares, total = present
        r = self.rng.random() * total
        for i, w in shares:
            r -= w
            if r < 0:
                return i
        return shares[-1][0]

    def _weight_g(self, unit_kg: float, qty: int) -> int:
        return max(round((unit_kg * qty * self.rng.lognormvariate(0, 0.1) + 0.05 + 0.05 * qty) * 1000), 50)

    def _waybill(self, carrier: int, year: int) -> str:
        n = self.sequence[carrier] = self.sequence.get(carrier, 0) + 1
        return f"{self.carriers[carrier].prefix}{year % 100:02d}{self.st.index:04d}{n:06d}"

    def _uuid(self) -> str:
        """A scan's client UUID, in the order the scans are inserted (`ordered_uuid`)."""
        self.ids.scan += 1
        return ordered_uuid(self.ids.scan, self.rng.getrandbits(128))

    def purchase(
        self,
        tx_id: int,
        *,
        name: str,
        qty: int,
        amount: int,
        shipped: int,
        timeline: tuple[int, int, int, int, int],
        picked: int | None,
        returned: int | None,
    ) -> None:
        """Record the downstream parcel of a proxy purchase (`timeline` from `downstream`); none before the
        station's township center operates (see `in_ledger`)."""
        wh_in, wh_out, c_in, c_out, delivered = timeline
        if not self.in_ledger(wh_in):
            return
        route = ((self.wh_key, self.center_key), (self.center_key, self.station_key))
        scans = [
            ("out", 0, wh_out, self.wh_key, self.wh_device, self.admin_id),
            ("in", 0, c_in, self.center_key, self.center_device, self.admin_id),
            ("out", 1, c_out, self.center_key, self.center_device, self.admin_id),
            ("delivered", 1, delivered, self.station_key, self.st.device, self.st.manager_id),
        ]
        if picked is not None:
            scans.append(("signed_for", 1, picked, self.station_key, self.st.device, self.st.manager_id))
        if returned is not None:
            scans.append(("returned", 1, returned, self.station_key, self.st.device, self.st.manager_id))
        self._parcel(
            tx_id,
            DOWN,
            booked=shipped,
            unit_kg=catalog.PURCHASE_KG[name],
            qty=qty,
            amount=amount,
            cold=False,
            route=route,
            destination="",
            scans=scans,
        )

    def sale(
        self, tx_id: int, *, name: str, qty: int, amount: int, shipped: int, returned: int | None
    ) -> None:
        """Record the upstream parcel of a proxy sale the station shipped at `shipped`; none before the
        station's township center operates (see `in_ledger`)."""
        if not self.in_ledger(shipped):
            return
        booked, st_out, c_in, c_out, wh_in, wh_out = self.upstream(shipped)
        delivered = self._delivered_outside(wh_out)
        values, cum = self._destinations
        destination = values[bisect(cum, self.rng.random() * cum[-1])]
        route = ((self.station_key, self.center_key), (self.center_key, self.wh_key), (self.wh_key, "X"))
        st, admin = self.st, self.admin_id
        scans = [
            ("out", 0, st_out, self.station_key, st.device, st.manager_id),
            ("in", 0, c_in, self.center_key, self.center_device, admin),
            ("out", 1, c_out, self.center_key, self.center_device, admin),
            ("in", 1, wh_in, self.wh_key, self.wh_device, admin),
            ("out", 2, wh_out, self.wh_key, self.wh_device, admin),
            ("delivered", 2, delivered, "X", "CARRIER-API", admin),
        ]
        if returned is not None:
            # the buyer sent the goods back: nothing after the return counts
            scans = [s for s in scans if s[2] < returned]
            scans.append(("returned", 0, returned, self.station_key, st.device, st.manager_id))
        self._parcel(
            tx_id,
            UP,
            booked=booked,
            unit_kg=catalog.SALE_KG[name],
            qty=qty,
            amount=amount,
            cold=name in catalog.COLD_CHAIN,
            route=route,
            destination=destination,
            scans=scans,
        )

    def _parcel(self, tx_id, direction, *, booked, unit_kg, qty, amount, cold, route, destination, scans):
        end, tz = self.end, self.tz
        booked_on = day_date(local_day(booked))
        carrier = self._carrier(booked_on)
        ref = self.carriers[carrier]
        grams = self._weight_g(unit_kg, qty)
        year = booked_on.year
        first, per_kg = ref.tariffs[(direction, year)]
        cost = first + per_kg * max(math.ceil((grams - 1000) / 1000), 0)
        waybill = self._waybill(carrier, year)
        done = [s for s in scans if s[2] < end]
        tracking = track(route, done, direction, booked)
        # each moment's text once (a scan's time is also a leg's, the parcel's …)
        texts = {at: utc_text(at) + tz for at in {booked, *(s[2] for s in done)}}
        texts[None] = None
        if tracking.due_at is not None:
            texts[tracking.due_at] = utc_text(tracking.due_at) + tz
        sites = SITE_COLUMNS
        ids = self.ids
        county_id, carrier_id = self.county_id, ref.id
        ids.shipment += 1
        shipment_id = ids.shipment
        leg_ids = []
        legs = self.legs
        for sequence, ((frm, to), (status, departed, arrived)) in enumerate(
            zip(route, tracking.legs, strict=True), start=1
        ):
            ids.leg += 1
            leg_ids.append(ids.leg)
            legs.append(
                (
                    ids.leg,
                    county_id,
                    shipment_id,
                    sequence,
                    *sites(frm),
                    *sites(to),
                    destination if to == "X" else "",
                    carrier_id,
                    status,
                    texts[departed],
                    texts[arrived],
                )
            )
        uuid = self._uuid
        append = self.scans.append
        for kind, leg, at, key, device, actor in done:
            text = texts[at]
            append(
                (
                    county_id,
                    shipment_id,
                    leg_ids[leg],
                    kind,
                    text,
                    *sites(key),
                    key,
                    actor,
                    device,
                    uuid(),
                    text,
                )
            )
        self.totals.scans += len(done)
        self.totals.legs += len(route)
        booked_text = texts[booked]
        self.shipments.append(
            (
                shipment_id,
                county_id,
                carrier_id,
                waybill,
                direction,
                self.st.station_id,
                self.st.center_id,
                self.st.warehouse_id,
                destination,
                booked_text,
                f"{grams // 1000}.{grams % 1000:03d}",
                amount,
                cost,
                cold,
                tx_id,
                tracking.status,
                texts[tracking.sent_at],
                texts[tracking.due_at],
                texts[tracking.arrived_at],
                texts[tracking.signed_at],
                texts[tracking.returned_at],
                *sites(tracking.current_key),
                texts[tracking.current_since],
                self.admin_id,
                True,
                booked_text,
                texts[done[-1][2]] if done else booked_text,
            )
        )
        sums = self.totals.years.setdefault((year, direction), [0, 0, 0, 0])
        sums[0] += 1
        sums[1] += cost
        if tracking.arrived_at is not None:
            sums[2] += 1
            if direction == DOWN and tracking.arrived_at - tracking.sent_at > DELIVERY_LIMIT_S:
                sums[3] += 1
        if tracking.status in ("created", "in_transit", "at_site"):
            self.totals.open += 1

    def drain(self) -> tuple[list, list, list]:
        out = self.shipments, self.legs, self.scans
        self.shipments, self.legs, self.scans = [], [], []
        return out


@lru_cache(maxsize=4096)
def SITE_COLUMNS(key: str | None) -> tuple[int | None, int | None]:  # noqa: N802 - a cached table
    """(facility id, station id) of a site key ("F12", "S34", "X" or None)."""
    if key and key[0] == "F":
        return int(key[1:]), None
    if key and key[0] == "S":
        return None, int(key[1:])
    return None, None


@dataclass
class Track:
    status: str
    sent_at: int | None
    due_at: int | None
    arrived_at: int | None
    signed_at: int | None
    returned_at: int | None
    current_key: str | None
    current_since: int | None
    legs: list  # [(status, departed, arrived)]


def track(route, scans, direction: str, booked: int) -> Track:
    """The tracking fields of a parcel whose `scans` ((kind, leg index, epoch, site key, …), in time
    order, none missed) happened on `route` ((from key, to key) per leg) — what
    `logistics.tracking.derive` computes from the same scans (tested), worked out from the last scan."""
    n = len(route)
    progress = [s for s in scans if s[0] != "returned"]
    returned = next((s for s in scans if s[0] == "returned"), None)
    sent = next((s[2] for s in progress if s[0] == "out" and s[1] == 0), None)
    delivered = next((s[2] for s in progress if s[0] == "delivered"), None)
    signed = next((s[2] for s in progress if s[0] == "signed_for"), None)
    legs = []
    for i in range(n):
        departed = next((s[2] for s in progress if s[0] == "out" and s[1] == i), None)
        if i == n - 1:
            arrived = delivered or signed
        else:
            arrived = next((s[2] for s in progress if s[0] == "in" and s[1] == i), None)
        status = "arrived" if arrived is not None else "departed" if departed is not None else "pending"
        legs.append((status, departed, arrived))
    last = progress[-1] if progress else None
    if returned is not None:
        status, key, since = "returned", returned[3], returned[2]
    elif last is None:
        status, key, since = "created", route[0][0], booked
    elif last[0] == "out":
        status, key, since = "in_transit", None, last[2]
    elif last[0] == "in":
        status, key, since = "at_site", last[3], last[2]
    else:
        status, key, since = last[0], route[-1][1], last[2]
    return Track(
        status=status,
        sent_at=sent,
        due_at=sent + DELIVERY_LIMIT_S if sent is not None and direction == DOWN else None,
        arrived_at=delivered if delivered is not None else signed,
        signed_at=signed,
        returned_at=returned[2] if returned is not None else None,
        current_key=key,
        current_since=since,
        legs=legs,
    )

"""The demo ledger: two years (2017 baseline, 2018) of services at every station while it operates
(docs/demo.md, "Ledger"). Pure and deterministic: each station draws from its own generator
(`draws.for_step(seed, "ledger:<code>")`), so a seed gives the same ledger whatever else changes.

Rows come out ready for a bulk insert (`LEDGER_COLUMNS` order; money in integer fen, UUIDs as 32 hex
digits, times as UTC text); the generator also adds every row to the station × month × kind totals
the rollups hold, and the per-day totals of the reconciled kinds.
"""

import calendar as cal
import math
from bisect import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from xiangcun.stations.choices import VOID_STATUSES, TxStatus

from . import catalog, draws
from .calendar import BILL, CASH, IC, KINDS, LIFE, PP, PS, operating_days, season
from .draws import utc_text as _utc_text
from .parcels import StationCourier, ordered_uuid

LEDGER_COLUMNS = (
    "id",
    "county_id",
    "station_id",
    "uuid",
    "kind",
    "status",
    "occurred_at",
    "amount",
    "fee",
    "villager_name",
    "villager_phone",
    "household_id",
    "description",
    "items",
    "marketplace",
    "order_no",
    "payment_method",
    "reference",
    "biller",
    "source",
    "actor_id",
    "recorded_at",
    "status_changed_at",
)
# Station tiers: (name, share, proxy-purchase multiplier median, sigma). The multiplier scales the
# station's proxy purchases; other services scale with its square root (people come for bills and cash
# whatever the manager's sales talent).
TIERS = (("strong", 0.25, 1.75, 0.15), ("average", 0.45, 1.0, 0.12), ("struggling", 0.30, 0.42, 0.2))
# Entries per operating day of an average, established station in mid-2017 (before seasonality).
BASE_PER_DAY = {PP: 1.75, PS: 0.16, BILL: 0.95, CASH: 0.55, IC: 0.035, LIFE: 0.45}
# A county-wide trend (more villagers buy online each year): +4 % a year, continuous.
TREND_PER_YEAR = 0.04
TREND_ORIGIN = date(2017, 7, 1)
# A new station starts at RAMP_START of its level and reaches it after RAMP_DAYS.
RAMP_START, RAMP_DAYS = 0.25, 180
# Share of entries with the villager's phone, share of proxy purchases with an item list.
PHONE_SHARE = 0.85
# Voided entries: proxy purchases cancelled before shipping / returned after arrival, etc.
VOID = {
    PP: {"cancelled": 0.02, "returned": 0.03},
    PS: {"cancelled": 0.04, "returned": 0.02},
    BILL: {"reversed": 0.004},
    CASH: {"reversed": 0.002},
    LIFE: {"reversed": 0.005},
    IC: {"declined": 0.30},
}
DAY = 86400
BEIJING = 8 * 3600


@dataclass(frozen=True)
class OpsStation:
    """What the ledger and uptime simulators need of a station (DB ids included)."""

    id: int
    township_id: int
    code: str
    index: int  # position in code order (fake phone numbers)
    village_code: str
    is_poor: bool
    population: int
    opens: time
    closes: time
    history: tuple  # ((status, effective_at), …)
    has_terminal: bool
    actor_id: int | None


@dataclass(frozen=True)
class HouseholdRef:
    id: int
    village_code: str
    head_name: str
    phone: str


@dataclass
class LedgerTotals:
    """What the generated rows add up to: rollup totals, reconciliation days, counts."""

    # (station_id, township_id, month, kind) → [count, amount, fee, void_count, void_amount] (fen)
    months: dict = field(default_factory=dict)
    # (station_id, day, kind) → [count, total fen] of the non-void entries, on reconciliation days
    reconciled: dict = field(default_factory=dict)
    # (month, kind) → the expected number of entries (the sum of the Poisson means drawn from)
    expected: dict = field(default_factory=dict)
    rows: int = 0
    tiers: dict = field(default_factory=dict)  # station code → tier


def tier_of(seed: int, code: str) -> tuple[str, float]:
    """A station's tier and proxy-purchase multiplier (its own generator: stable whatever the period)."""
    rng = draws.for_step(seed, f"tier:{code}")
    r = rng.random()
    for name, share, median, sigma in TIERS:
        if r < share:
            return name, rng.lognormvariate(math.log(median), sigma)
        r -= share
    name, _share, median, sigma = TIERS[-1]
    return name, rng.lognormvariate(math.log(median), sigma)


def poisson(rng, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    # inversion by sequential search
    u, k, p = rng.random(), 0, math.exp(-lam)
    s = p
    while u > s:
        k += 1
        p *= lam / k
        s += p
    return k


def _midnight_epoch(day: date) -> int:
    """Epoch seconds of local (Beijing) midnight starting `day`."""
    return cal.timegm((day.year, day.month, day.day, 0, 0, 0)) - BEIJING


class Calendar:
    """Seasonal factors per day and kind, computed once for all stations."""

    def __init__(self, first: date, last: date):
        self.first, self.last = first, last
        self.factors: dict[date, tuple[float, ...]] = {}
        day = first
        while day <= last:
            trend = 1 + TREND_PER_YEAR * (day - TREND_ORIGIN).days / 365
            self.factors[day] = tuple(season(k, day) * trend for k in KINDS)
            day += timedelta(days=1)


def _customers(rng, st: OpsStation, households: Sequence[HouseholdRef]):
    """The station's regular customers: (name, phone, household id), most frequent first, and their
    cumulative weights (a few regulars, a long tail). Heads of registered poor households of the
    village are among them."""
    size = min(max(int(st.population * 0.3), 60), 800)
    pool = []
    for i in range(size):
        phone = f"1500{st.index:03d}{i:04d}" if rng.random() < PHONE_SHARE else ""
        pool.append((draws.person(rng), phone, None))
    for h in households:
        pool.insert(rng.randrange(0, min(len(pool), 60)), (h.head_name, h.phone, h.id))
    cum, total = [], 0.0
    for i in range(len(pool)):
        total += 1 / (i + 3) ** 0.7
        cum.append(total)
    return pool, cum


def station_ledger(
    seed: int,
    st: OpsStation,
    households: Sequence[HouseholdRef],
    days_calendar: Calendar,
    totals: LedgerTotals,
    *,
    courier: StationCourier,
    county_id: int,
    scale: float = 1.0,
    reconcile_from: date | None = None,
    tz_suffix: str = "",
) -> Iterator[tuple]:
    """The station's ledger rows over the calendar's period (see module doc). Each row's id is the next
    of `courier.ids`; the proxy purchases take their delivery from the courier's logistics model, and
    every shipped proxy purchase and sale gets its parcel from the courier (`courier.drain()`)."""
    rng = draws.for_step(seed, f"ledger:{st.code}")
    tier, mult = tier_of(seed, st.code)
    totals.tiers[st.code] = tier
    first, last = days_calendar.first, days_calendar.last
    days = operating_days(st.history, st.opens, first, last)
    if not days:
        return
    opened = next(at for status, at in st.history if status == "operating").astimezone(draws.TZ).date()
    kind_mult = {k: (mult if k == PP else mult**0.5) * BASE_PER_DAY[k] * scale for k in KINDS}
    pop_mult = min(max(st.population / 1200, 0.6), 1.6) ** 0.3
    pool, pool_cum = _customers(rng, st, households)
    open_s = st.opens.hour * 3600 + st.opens.minute * 60
    close_s = st.closes.hour * 3600 + st.closes.minute * 60
    end_epoch = _midnight_epoch(last + timedelta(days=1))
    midnights = {d: _midnight_epoch(d) for d in days}
    span_s = close_s - open_s
    random = rng.random
    makers, parcel = _makers(rng, end_epoch, courier)
    ids = courier.ids
    source, actor_id, station_id = "demo", st.actor_id, st.id
    by_month: dict[tuple[int, int], list[date]] = {}
    for d in days:
        by_month.setdefault((d.year, d.month), []).append(d)
    for (year, month), month_days in by_month.items():
        month_first = date(year, month, 1)
        weights = []
        for d in month_days:
            w = days_calendar.factors[d]
            f = pop_mult
            age = (d - opened).days
            if age < RAMP_DAYS:
                f *= RAMP_START + (1 - RAMP_START) * age / RAMP_DAYS
            weights.append((w, f))
        for ki, kind in enumerate(KINDS):
            cum, acc = [], 0.0
            km = kind_mult[kind]
            for w, f in weights:
                acc += w[ki] * f * km
                cum.append(acc)
            key = (month_first, kind)
            totals.expected[key] = totals.expected.get(key, 0.0) + acc
            n = poisson(rng, acc)
            if not n:
                continue
            picks = sorted(rng.choices(month_days, cum_weights=cum, k=n))
            people = rng.choices(pool, cum_weights=pool_cum, k=n)
            make = makers[kind]
            sums = totals.months.setdefault((station_id, st.township_id, month_first, kind), [0, 0, 0, 0, 0])
            for d, (name, phone, household_id) in zip(picks, people, strict=True):
                at = midnights[d] + open_s + int(random() * span_s)
                (amount, fee, desc, items, market, order_no, pay, ref, biller, status, changed) = make(
                    d, at, household_id
                )
                void = status in VOID_STATUSES
                sums[0] += 1
                sums[1] += amount
                sums[2] += fee
                if void:
                    sums[3] += 1
                    sums[4] += amount
                if reconcile_from is not None and kind in (BILL, CASH) and d >= reconcile_from and not void:
                    r = totals.reconciled.setdefault((station_id, d, kind), [0, 0])
                    r[0] += 1
                    r[1] += amount
                drawn = rng.getrandbits(128)
                text = _utc_text(at) + tz_suffix
                ids.transaction += 1
                uuid = ordered_uuid(ids.transaction, drawn)
                if parcel:
                    record, values = parcel.pop()
                    record(ids.transaction, **values)
                yield (
                    ids.transaction,
                    county_id,
                    station_id,
                    uuid,
                    kind,
                    status,
                    text,
                    amount,
                    fee,
                    name,
                    phone,
                    household_id,
                    desc,
                    items,
                    market,
                    order_no,
                    pay,
                    ref,
                    biller,
                    source,
                    actor_id,
                    text,
                    None if changed is None else _utc_text(changed) + tz_suffix,
                )
                totals.rows += 1


# Per kind, the path of statuses an entry walks (each step: status, (min, max) days after the previous
# one). A step after the end of the period has not happened yet: the entry stays in progress.
PATHS = {
    PS: ((TxStatus.SOLD, (0.2, 10)), (TxStatus.SHIPPED, (0.2, 2)), (TxStatus.SETTLED, (5, 12))),
    IC: ((TxStatus.APPROVED, (3, 25)),),
}


# A proxy purchase: shipped 0.1–2 days after it was placed, arrived when the courier's logistics model
# delivers it at the station, picked up 0.05–3 days later, returned 1–7 days after the pickup.
SHIPPED_DAYS, PICKUP_DAYS, RETURN_DAYS = (0.1, 2), (0.05, 3), (1, 7)


def _walk_purchase(rng, at: int, end_epoch: int, void: str | None, courier: StationCourier):
    """A proxy purchase's statuses from `at`, like `_walk`: (status or None, epoch of the last change or
    None, the parcel's moments or None when it never shipped). The ledger's generator draws the same
    numbers as for the other kinds' steps; the uniform of the arrival step places the station on the
    courier's village run."""
    if void == "cancelled":
        t = at + int((0.05 + 0.95 * rng.random()) * DAY)
        return (TxStatus.CANCELLED, t, None) if t < end_epoch else (None, None, None)
    lo, hi = SHIPPED_DAYS
    shipped = at + int((lo + (hi - lo) * rng.random()) * DAY)
    if shipped >= end_epoch:
        return None, None, None
    timeline = courier.downstream(shipped, rng.random())
    arrived = timeline[-1]
    moments = {"shipped": shipped, "timeline": timeline, "picked": None, "returned": None}
    if arrived >= end_epoch:
        return TxStatus.SHIPPED, shipped, moments
    lo, hi = PICKUP_DAYS
    picked = arrived + int((lo + (hi - lo) * rng.random()) * DAY)
    if picked >= end_epoch:
        return TxStatus.ARRIVED, arrived, moments
    moments["picked"] = picked
    if void == "returned":
        lo, hi = RETURN_DAYS
        t = picked + int((lo + (hi - lo) * rng.random()) * DAY)
        if t < end_epoch:
            moments["returned"] = t
            return TxStatus.RETURNED, t, moments
    return TxStatus.PICKED_UP, picked, moments


def _walk(
    rng,
    kind: str,
    at: int,
    end_epoch: int,
    void: str | None,
    steps: list | None = None,
    shipping: Callable[[int], int] | None = None,
):
    """Walk the kind's path from `at` (epoch seconds) to a final status; a step after `end_epoch` has
    not happened yet, so the entry stays in progress. Returns (status or None for the initial one,
    epoch of the last change or None); every step taken is appended to `steps` as (status, epoch).
    `shipping` moves the moment of a "shipped" step (the carrier collects only when it works)."""
    if void == "cancelled":
        # a purchase is cancelled before it ships, a listing withdrawn unsold
        days = 0.05 + 0.95 * rng.random() if kind == PP else 1 + 14 * rng.random()
        t = at + int(days * DAY)
        return (TxStatus.CANCELLED, t) if t < end_epoch else (None, None)
    status, changed, t = None, None, at
    for step, (lo, hi) in PATHS[kind]:
        t += int((lo + (hi - lo) * rng.random()) * DAY)
        if shipping is not None and step == TxStatus.SHIPPED:
            t = shipping(t)
        if t >= end_epoch:
            return status, changed
        if void == "declined":
            return TxStatus.DECLINED, t
        if void == "returned" and step == TxStatus.SETTLED:
            if steps is not None:
                steps.append((TxStatus.RETURNED, t))
            return TxStatus.RETURNED, t  # the buyer sent the goods back
        status, changed = step, t
        if steps is not None:
            steps.append((step, t))
    return status, changed


def _makers(rng, end_epoch: int, courier: StationCourier) -> tuple[dict[str, Callable], list]:
    """Per kind, a function (day, epoch, household id) → the entry's fields (amounts in fen; the
    status reached by `end_epoch` and the epoch of its last change). A shipped proxy purchase or sale
    leaves (courier method, its values) in the returned list, to be recorded with the entry's id."""
    parcel: list = []
    random = rng.random
    lognorm = rng.lognormvariate

    def pick(options):
        values = [o for o, _w in options]
        cum, acc = [], 0.0
        for _o, w in options:
            acc += w
            cum.append(acc)
        return values, cum

    purchases = pick([((n, p, u), w) for n, p, w, u in catalog.PURCHASES])
    pmarkets = pick(catalog.PURCHASE_MARKETS)
    smarkets = pick(catalog.SALE_MARKETS)
    bills = pick([(b, b[3]) for b in catalog.BILLS])
    referrals = pick([(r, r[2]) for r in catalog.REFERRALS])
    lifes = pick([(x, x[3]) for x in catalog.LIFE])
    pays = {k: {y: pick(v) for y, v in years.items()} for k, years in catalog.PAYMENTS.items()}
    sales_by_month = {
        m: pick([((n, p, u), w) for n, p, w, u, months in catalog.SALES if m in months]) for m in range(1, 13)
    }

    def one(options):
        values, cum = options
        return values[bisect(cum, random() * cum[-1])]

    def void_of(kind):
        r = random()
        for status, p in VOID[kind].items():
            if r < p:
                return status
            r -= p
        return None

    def pp(d, at, household_id):
        name, price, most = one(purchases)
        qty = 1 if most == 1 or random() < 0.6 else 1 + int(random() * most)
        unit = max(int(price * lognorm(0, 0.35) * 100), 100)
        amount = min(unit * qty, 5_000_000)
        fee = int(amount * (0.02 + 0.04 * random()))
        items = f'[{{"name": "{name}", "qty": {qty}, "price": "{unit // 100}.{unit % 100:02d}"}}]'
        market = one(pmarkets)
        order_no = f"{d.year % 100:02d}{d.month:02d}{d.day:02d}{rng.getrandbits(40):013d}"
        status, changed, moments = _walk_purchase(rng, at, end_epoch, void_of(PP), courier)
        status = status or TxStatus.PLACED
        if moments is not None:
            parcel.append((courier.purchase, {"name": name, "qty": qty, "amount": amount, **moments}))
        return (amount, fee, name, items, market, order_no, one(pays[PP][d.year]), "", "", status, changed)

    def ps(d, at, household_id):
        name, price, most = one(sales_by_month[d.month])
        qty = 1 + int(random() * most)
        unit = max(int(price * lognorm(0, 0.2) * 100), 50)
        amount = min(unit * qty, 5_000_000)
        fee = int(amount * (0.05 + 0.05 * random()))
        items = f'[{{"name": "{name}", "qty": {qty}, "price": "{unit // 100}.{unit % 100:02d}"}}]'
        market = one(smarkets)
        order_no = f"S{d.year % 100:02d}{d.month:02d}{d.day:02d}{rng.getrandbits(32):010d}"
        steps: list = []
        status, changed = _walk(rng, PS, at, end_epoch, void_of(PS), steps, courier.collect)
        status = status or TxStatus.LISTED
        moments = dict(steps)
        if TxStatus.SHIPPED in moments:
            values = {"name": name, "qty": qty, "amount": amount, "shipped": moments[TxStatus.SHIPPED]}
            parcel.append((courier.sale, {**values, "returned": moments.get(TxStatus.RETURNED)}))
        return (amount, fee, name, items, market, order_no, one(pays[PS][d.year]), "", "", status, changed)

    def bill(d, at, household_id):
        desc, biller, prefix, _w = one(bills)
        if prefix == "SGCC":
            amount = int(lognorm(math.log(85), 0.5) * 100)
        elif prefix == "DMWS":
            amount = int(lognorm(math.log(32), 0.4) * 100)
        elif prefix in ("CMCC", "CUCC"):
            amount = catalog.PHONE_TOPUPS[int(random() * len(catalog.PHONE_TOPUPS))] * 100
        elif prefix == "CTCC":
            amount = 600 * 100 if random() < 0.3 else 50 * 100
        elif prefix == "YB":
            amount = catalog.MEDICAL_PREMIUM[d.year] * (1 + int(random() * 5)) * 100
        else:
            amount = catalog.PENSION_LEVELS[int(random() * len(catalog.PENSION_LEVELS))] * 100
        amount = min(max(amount, 100), 2_000_000)
        fee = 50 if prefix in ("SGCC", "DMWS") else 0
        ref = f"{prefix}{d.year}{d.month:02d}{d.day:02d}{rng.getrandbits(30):09d}"
        status, changed = _one_step(BILL, at)
        return (amount, fee, desc, "[]", "", "", one(pays[BILL][d.year]), ref, biller, status, changed)

    def cash(d, at, household_id):
        amount = min(max(round(lognorm(math.log(600), 0.7) / 100), 1), 30) * 10000
        bank, prefix = catalog.BANKS[0] if random() < 0.6 else catalog.BANKS[1 + int(random() * 2)]
        ref = f"{prefix}{d.year}{d.month:02d}{d.day:02d}{rng.getrandbits(20):07d}"
        status, changed = _one_step(CASH, at)
        return (amount, 100, f"助农取款（{bank}）", "[]", "", "", "bank_card", ref, bank, status, changed)

    def referral(d, at, household_id):
        desc, median, _w, credit = one(referrals)
        if credit and household_id is not None and desc == "扶贫小额信贷":
            amount = 5_000_000
        elif credit:
            amount = min(max(round(lognorm(math.log(median), 0.5) / 1000), 1), 200) * 100000
        else:
            amount = int(median * lognorm(0, 0.3)) * 100
        status, changed = _walk(rng, IC, at, end_epoch, void_of(IC))
        return (amount, 0, desc, "[]", "", "", "", "", "", status or TxStatus.REFERRED, changed)

    def life(d, at, household_id):
        desc, median, share, _w = one(lifes)
        amount = int(median * lognorm(0, 0.4) * 100) if median else 0
        fee = int(amount * share) if median else 0
        status, changed = _one_step(LIFE, at)
        pay = one(pays[LIFE][d.year]) if amount else ""
        return (amount, fee, desc, "[]", "", "", pay, "", "", status, changed)

    def _one_step(kind, at):
        if void_of(kind):
            t = at + 60 + int(random() * 3600)
            if t < end_epoch:
                return TxStatus.REVERSED, t
        return TxStatus.COMPLETED, None

    return {PP: pp, PS: ps, BILL: bill, CASH: cash, IC: referral, LIFE: life}, parcel

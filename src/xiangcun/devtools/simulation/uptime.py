"""The demo terminals' uptime: online spans with outages (docs/demo.md, "Terminals and uptime").

Most terminals stay on day and night while the station operates; the others are switched on a little
before the station opens and off a little after it closes. Outages cut the spans: short network drops
during opening hours (more often at flaky stations), township-wide power cuts (summer storms, grid
maintenance) and a few long outages (a broken terminal waiting for repair, whole days). The online seconds per day are computed
here with the rule of `stations.uptime` (span seconds inside the opening window on operating days), so
the rollups can be written in bulk; tests check them against `uptime_rebuild`.
"""

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from xiangcun.stations.choices import HEARTBEAT_COVER_SECONDS

from . import draws
from .calendar import operating_days
from .ledger import DAY, OpsStation, _midnight_epoch, _utc_text, poisson

# Station profiles: (name, share, network drops per day, median drop minutes).
PROFILES = (("reliable", 0.55, 0.06, 12), ("average", 0.30, 0.3, 20), ("flaky", 0.15, 0.8, 30))
DROP_SIGMA = 1.0
DROP_MINUTES = (6, 300)  # a drop shorter than a heartbeat's cover does not show
SWITCH_ON_EARLY = 40 * 60  # switched on up to 40 min before opening
SWITCH_OFF_LATE = 90 * 60  # … and off up to 90 min after closing
# Township-wide power cuts: per township and year, (month weights) and duration in hours.
POWER_CUTS_PER_YEAR = 6
POWER_CUT_MONTHS = (1, 1, 2, 2, 2, 2, 4, 4, 1, 1, 1, 1)  # storms in July–August, maintenance in spring
POWER_CUT_HOURS = (1, 6)
# Share of terminals left on day and night (a network appliance); the others are switched off with
# the shop's lights.
ALWAYS_ON_SHARE = 0.7
# Long outages: a terminal broken for LONG_DAYS, at LONG_SHARE of the stations with a terminal.
LONG_SHARE = 0.03
LONG_DAYS = (5, 20)


@dataclass
class UptimeTotals:
    # (station_id, day) → online seconds inside the opening window (only days with some)
    days: dict = field(default_factory=dict)
    spans: int = 0
    profiles: dict = field(default_factory=dict)  # station code → profile


def profile_of(r: float) -> tuple[str, float, float]:
    """The profile at the draw `r` in [0, 1): (name, drops per day, median drop minutes)."""
    for name, share, per_day, median in PROFILES:
        if r < share:
            return name, per_day, median
        r -= share
    name, _share, per_day, median = PROFILES[-1]
    return name, per_day, median


def power_cuts(
    seed: int, township_ids: Sequence[int], first: date, last: date
) -> dict[tuple[int, date], tuple]:
    """(township id, day) → (start second of the local day, duration seconds)."""
    rng = draws.for_step(seed, "power-cuts")
    cuts = {}
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    weights = [POWER_CUT_MONTHS[d.month - 1] for d in days]
    years = len(days) / 365
    for township in sorted(township_ids):
        for d in rng.choices(days, weights=weights, k=round(POWER_CUTS_PER_YEAR * years)):
            start = rng.randrange(7 * 3600, 20 * 3600)
            cuts[(township, d)] = (start, int(rng.uniform(*POWER_CUT_HOURS) * 3600))
    return cuts


def station_spans(
    seed: int,
    st: OpsStation,
    first: date,
    last: date,
    cuts: dict,
    totals: UptimeTotals,
    *,
    county_id: int,
    tz_suffix: str = "",
) -> Iterator[tuple]:
    """OnlineSpan rows (county_id, station_id, start, end, heartbeats) of the station's terminal, in
    time order; adds the online seconds per day to `totals`."""
    rng = draws.for_step(seed, f"uptime:{st.code}")
    name, per_day, median = profile_of(rng.random())
    always_on = rng.random() < ALWAYS_ON_SHARE
    totals.profiles[st.code] = name
    days = operating_days(st.history, st.opens, first, last)
    if not days:
        return
    broken: set[date] = set()
    if rng.random() < LONG_SHARE:
        start = rng.randrange(len(days))
        broken = set(days[start : start + rng.randint(*LONG_DAYS)])
    open_s = st.opens.hour * 3600 + st.opens.minute * 60
    close_s = st.closes.hour * 3600 + st.closes.minute * 60
    mu = math.log(median * 60)
    lo, hi = DROP_MINUTES[0] * 60, DROP_MINUTES[1] * 60
    # The terminal's off intervals in epoch seconds, in order: nights (unless always on), days the
    # station does not operate or the terminal is broken, network drops, power cuts.
    off: list[tuple[int, int]] = []
    operating = set(days)
    day, end_day = days[0], days[-1]
    while day <= end_day:
        midnight = _midnight_epoch(day)
        if day not in operating or day in broken:
            off.append((midnight, midnight + DAY))
            day += timedelta(days=1)
            continue
        on = open_s - int(rng.random() * SWITCH_ON_EARLY)
        down = close_s + int(rng.random() * SWITCH_OFF_LATE)
        today = []
        for _ in range(poisson(rng, per_day)):
            begin = rng.randrange(open_s, close_s)
            today.append((begin, begin + min(max(int(rng.lognormvariate(mu, DROP_SIGMA)), lo), hi)))
        cut = cuts.get((st.township_id, day))
        if cut is not None:
            today.append((cut[0], cut[0] + cut[1]))
        if not always_on:
            today += [(0, on), (down, DAY)]
        elif day == days[0]:
            today.append((0, on))  # switched on for the first time on the opening day
        today.sort()
        off += [(midnight + b, midnight + e) for b, e in today]
        day += timedelta(days=1)
    # Spans: the complement of the off intervals; a piece shorter than one heartbeat's cover cannot be
    # seen (the terminal never managed to beat), so it stays off.
    spans, cursor = [], _midnight_epoch(days[0])
    for b, e in off:
        if b - cursor >= HEARTBEAT_COVER_SECONDS:
            spans.append((cursor, b))
        cursor = max(cursor, e)
    period_end = _midnight_epoch(end_day + timedelta(days=1))
    if period_end - cursor >= HEARTBEAT_COVER_SECONDS:
        spans.append((cursor, period_end))
    for s, e in spans:
        # online seconds inside the opening window of each operating day the span touches
        day = first + timedelta(days=(s - _midnight_epoch(first)) // DAY)
        midnight = _midnight_epoch(day)
        while midnight < e:
            if day in operating:
                seconds = min(e, midnight + close_s) - max(s, midnight + open_s)
                if seconds > 0:
                    key = (st.id, day)
                    totals.days[key] = totals.days.get(key, 0) + seconds
            day += timedelta(days=1)
            midnight += DAY
        totals.spans += 1
        yield (
            county_id,
            st.id,
            _utc_text(s) + tz_suffix,
            _utc_text(e) + tz_suffix,
            (e - s - HEARTBEAT_COVER_SECONDS) // 60 + 1,
        )


__all__ = ["DAY", "UptimeTotals", "power_cuts", "station_spans"]

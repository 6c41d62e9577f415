"""The visit schedule of a township delivery center (配送频次): on which weekdays its vehicles visit each
village station, so that the 7-day limit holds and the daily loads are even. Pure functions, no Django.

Weekdays are 0 = Monday … 6 = Sunday; a station's *pattern* is the sorted tuple of its visit weekdays.

The 7-day rule (R3: county warehouse → village station within 7 days). A parcel that reaches the center
just after the day's vehicle left (at the shift start) waits for the station's next visit, `g` days later,
and reaches the station at the latest at the end of that day's shift. It left the county warehouse
`T` days before reaching the center, so it is on time if  g + (shift length in days) ≤ 7 − T, i.e. the
longest gap between two visits of a station, counted round the week, may be at most

    max_gap = floor(7 − T − shift_hours / 24)   days (`allowed_gap_days`).

A frequency of k visits a week is possible only if some k of the delivery weekdays have no gap longer
than that (`min_visits`). Among the patterns of k days, only the evenly spread ones are used (the
smallest longest gap any k delivery days can have: twice a week is Monday/Thursday, not Monday/Tuesday).

Balancing: stations are placed one by one, the largest expected load per visit first (ties by code), each
on the evenly spread pattern that keeps the day loads most even: the least sum of squared expected
parcels per day after placing it, then the least sum of squared stops per day, then the earliest days
(the longest-processing-time-first greedy for balancing loads; deterministic).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import combinations

DAYS_PER_WEEK = 7
LIMIT_DAYS = 7


class ScheduleInfeasible(ValueError):
    """The 7-day limit cannot be met with the given delivery weekdays (message for the user)."""


def gap_days(pattern: Sequence[int]) -> int:
    """The longest gap, in days, between consecutive visits of `pattern`, counted round the week (one
    visit a week: 7)."""
    days = sorted(pattern)
    if not days:
        return math.inf
    gaps = [b - a for a, b in zip(days, days[1:], strict=False)]
    gaps.append(DAYS_PER_WEEK + days[0] - days[-1])
    return max(gaps)


def allowed_gap_days(*, warehouse_to_center_days: float, shift_hours: float) -> int:
    """The longest gap between two visits of a station that keeps every parcel within the 7-day limit
    (see the module docstring); may be < 1, when even daily visits cannot."""
    return math.floor(LIMIT_DAYS - warehouse_to_center_days - shift_hours / 24 + 1e-9)


def spread_patterns(weekdays: Sequence[int], k: int) -> list[tuple[int, ...]]:
    """The evenly spread patterns of k of `weekdays`: those whose longest gap is the least possible."""
    candidates = list(combinations(sorted(weekdays), k))
    if not candidates:
        return []
    best = min(gap_days(c) for c in candidates)
    return [c for c in candidates if gap_days(c) == best]


def min_visits(weekdays: Sequence[int], max_gap: int) -> int:
    """The fewest visits a week, on `weekdays`, with no gap longer than `max_gap` days; raises
    ScheduleInfeasible when even visiting on every delivery weekday leaves a longer gap."""
    for k in range(1, len(weekdays) + 1):
        if gap_days(spread_patterns(weekdays, k)[0]) <= max_gap:
            return k
    raise ScheduleInfeasible(
        f"Even a visit on every delivery weekday leaves a gap of {gap_days(weekdays)} days; "
        f"the 7-day limit allows at most {max_gap}."
    )


def volume_frequency(weekly_parcels: float, *, parcels_per_visit: int, floor: int, ceiling: int) -> int:
    """Visits a week for a station receiving `weekly_parcels` parcels: enough visits that one carries
    about `parcels_per_visit`, at least `floor` (the 7-day limit), at most `ceiling` (delivery days)."""
    wanted = math.ceil(weekly_parcels / parcels_per_visit - 1e-9) if weekly_parcels > 0 else 0
    return max(floor, min(ceiling, wanted))


@dataclass(frozen=True)
class StationDemand:
    code: str
    weekly_parcels: float
    frequency: int


def balance(stations: Iterable[StationDemand], weekdays: Sequence[int]) -> dict[str, tuple[int, ...]]:
    """Each station's visit weekdays (see the module docstring): {code: pattern}. Every station gets
    exactly its frequency of days, evenly spread."""
    stations = sorted(stations, key=lambda s: (-s.weekly_parcels / s.frequency, s.code))
    load = dict.fromkeys(weekdays, 0.0)
    stops = dict.fromkeys(weekdays, 0)
    patterns: dict[int, list[tuple[int, ...]]] = {}
    chosen: dict[str, tuple[int, ...]] = {}
    for s in stations:
        options = patterns.setdefault(s.frequency, spread_patterns(weekdays, s.frequency))
        per_visit = s.weekly_parcels / s.frequency

        def cost(pattern, per_visit=per_visit):
            squares = sum((load[d] + (per_visit if d in pattern else 0)) ** 2 for d in weekdays)
            stop_squares = sum((stops[d] + (1 if d in pattern else 0)) ** 2 for d in weekdays)
            return (round(squares, 6), stop_squares, pattern)

        pattern = min(options, key=cost)
        for d in pattern:
            load[d] += per_visit
            stops[d] += 1
        chosen[s.code] = pattern
    return chosen


def next_visit(day: date, pattern: Sequence[int]) -> date | None:
    """The first day after `day` on one of the pattern's weekdays (None for an empty pattern)."""
    for ahead in range(1, DAYS_PER_WEEK + 1):
        candidate = day + timedelta(days=ahead)
        if candidate.weekday() in pattern:
            return candidate
    return None

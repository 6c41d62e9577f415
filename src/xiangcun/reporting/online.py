"""Terminal online rate (终端在线率) per station, township and county, for a month or a year.

Read from the rollups, never from heartbeats: the numerator is `StationMonthOnline.online_seconds`
(kept fresh by every heartbeat, rebuilt by `xiangcun rollups rebuild`), the denominator the station's
opening seconds on its operating days (`stations.uptime`: the status at each day's opening, from the
station's `StatusChange` rows, read for the whole county in one query). The rule is documented in
`stations/uptime.py`.

Aggregates are ratios of sums (Σ online / Σ opening), not means of rates, so a station open more hours
weighs more. A station counts in a period when it was operating on at least one of its days; stations
never operating in the period are left out (they have no rate). The share of stations meeting the target
compares integers (online × 100 ≥ target × opening): no rounding decides a borderline station.

These are county-level computations (like the scorecard's): the caller checks that the acting user may
see the county (or passes `township=` for a township user). Three queries per call, whatever the period.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from xiangcun.network.models import Station, StatusChange
from xiangcun.stations.uptime import StatusHistory, operating_day_count, window_seconds

from .models import StationMonthOnline

TARGET_PERCENT = 95  # R2: terminal online rate ≥ 95%


@dataclass(frozen=True)
class Online:
    """Seconds online and seconds open in a period (whole seconds)."""

    online_seconds: int = 0
    opening_seconds: int = 0

    @property
    def rate(self) -> float | None:
        """online / opening (0–1), None when there were no opening hours."""
        return self.online_seconds / self.opening_seconds if self.opening_seconds else None

    def meets(self, percent: int = TARGET_PERCENT) -> bool | None:
        """Rate ≥ `percent` %, exactly; None when there were no opening hours."""
        if not self.opening_seconds:
            return None
        return self.online_seconds * 100 >= percent * self.opening_seconds

    def __add__(self, other: "Online") -> "Online":
        return Online(
            self.online_seconds + other.online_seconds, self.opening_seconds + other.opening_seconds
        )


@dataclass(frozen=True)
class OnlineReport:
    """The online rate of a county's stations over [start, end) (a month or a year).

    `stations`: station id → Online (stations operating on at least one day of the period);
    `township_of`: station id → township id; `townships`: township id → Σ of its stations; `county`: Σ
    of all. `measured`: stations with opening hours; `meeting`: those at or above `target_percent`.
    """

    start: date
    end: date
    target_percent: int
    stations: dict[int, Online] = field(default_factory=dict)
    township_of: dict[int, int] = field(default_factory=dict)
    townships: dict[int, Online] = field(default_factory=dict)
    county: Online = Online()
    measured: int = 0
    meeting: int = 0

    @property
    def share_meeting(self) -> float | None:
        """meeting / measured (0–1); None when no station was operating."""
        return self.meeting / self.measured if self.measured else None


class _Hours:
    __slots__ = ("opens_at", "closes_at")

    def __init__(self, opens_at, closes_at):
        self.opens_at, self.closes_at = opens_at, closes_at


def period(year: int, month: int | None = None) -> tuple[date, date]:
    """[start, end) of a calendar year, or of one month of it."""
    if month is None:
        return date(year, 1, 1), date(year + 1, 1, 1)
    return date(year, month, 1), date(year + month // 12, month % 12 + 1, 1)


def _months(start: date, end: date) -> list[date]:
    out, m = [], start.replace(day=1)
    while m < end:
        out.append(m)
        m = date(m.year + m.month // 12, m.month % 12 + 1, 1)
    return out


def station_months(*, county, year: int, township=None) -> dict[int, dict[date, Online]]:
    """Per station id, per month (first day) of `year`: Online. Every station of the county (or of
    `township`) appears with the months it was operating in (or had online seconds); the month tables
    use this, one call for the whole year."""
    start, end = period(year)
    return _load(county=county, township=township, start=start, end=end, by_month=True)[0]


def online_report(
    *, county, year: int, month: int | None = None, township=None, target_percent: int = TARGET_PERCENT
) -> OnlineReport:
    """The online rate of the county's (or `township`'s) stations in `year` or in one `month` of it."""
    start, end = period(year, month)
    per_station, township_of = _load(county=county, township=township, start=start, end=end, by_month=False)
    stations = {sid: months[start] for sid, months in per_station.items()}
    townships: dict[int, Online] = defaultdict(Online)
    total, measured, meeting = Online(), 0, 0
    for sid, online in stations.items():
        townships[township_of[sid]] += online
        total += online
        if online.opening_seconds:
            measured += 1
            meeting += bool(online.meets(target_percent))
    return OnlineReport(
        start=start,
        end=end,
        target_percent=target_percent,
        stations=stations,
        township_of={sid: township_of[sid] for sid in stations},
        townships=dict(townships),
        county=total,
        measured=measured,
        meeting=meeting,
    )


def station_online(*, station, year: int, month: int | None = None) -> Online:
    """One station's Online in `year` or one `month` of it (two small queries)."""
    start, end = period(year, month)
    online = sum(
        StationMonthOnline.objects.filter(
            county_id=station.county_id, station_id=station.pk, month__gte=start, month__lt=end
        ).values_list("online_seconds", flat=True)
    )
    history = StatusHistory.from_rows(
        StatusChange.objects.filter(station_id=station.pk).values_list("effective_at", "pk", "to_status")
    )
    ranges = history.operating_day_ranges(station)
    return Online(online, operating_day_count(ranges, start, end) * window_seconds(station))


def _load(*, county, township, start: date, end: date, by_month: bool):
    """({station id: {month or start: Online}}, {station id: township id}) for [start, end)."""
    stations = Station.objects.filter(county=county)
    months_online = StationMonthOnline.objects.filter(county=county, month__gte=start, month__lt=end)
    changes = StatusChange.objects.filter(county=county, station__isnull=False)
    if township is not None:
        stations = stations.filter(township=township)
        months_online = months_online.filter(township=township)
        changes = changes.filter(station__township=township)
    online: dict[int, dict[date, int]] = defaultdict(dict)
    for sid, month, seconds in months_online.values_list("station_id", "month", "online_seconds"):
        online[sid][month if by_month else start] = online[sid].get(month if by_month else start, 0) + seconds
    rows_by_station: dict[int, list] = defaultdict(list)
    for sid, pk, at, status in changes.values_list("station_id", "pk", "effective_at", "to_status"):
        rows_by_station[sid].append((at, pk, status))
    buckets = [(m, min(_next(m), end)) for m in _months(start, end)] if by_month else [(start, end)]
    out: dict[int, dict[date, Online]] = {}
    township_of: dict[int, int] = {}
    for sid, township_id, opens_at, closes_at in stations.values_list(
        "id", "township_id", "opens_at", "closes_at"
    ):
        hours = _Hours(opens_at, closes_at)
        per_window = window_seconds(hours)
        ranges = StatusHistory.from_rows(rows_by_station.get(sid, ())).operating_day_ranges(hours)
        mine = online.get(sid, {})
        cells = {}
        for b_start, b_end in buckets:
            opening = operating_day_count(ranges, b_start, b_end) * per_window if ranges else 0
            seconds = mine.get(b_start, 0)
            if opening or seconds:
                cells[b_start] = Online(seconds, opening)
        if cells:
            out[sid] = cells
            township_of[sid] = township_id
    return out, township_of


def _next(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)

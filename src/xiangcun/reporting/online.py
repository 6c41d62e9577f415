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
see the county (or passes `township=` for a township user). Three queries per call, whatever the period (four with `now`).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import OuterRef, Subquery, Sum

from xiangcun.core.db import EpochSeconds, as_date, raw_rows
from xiangcun.network.models import Station, StatusChange
from xiangcun.stations.models import OnlineSpan
from xiangcun.stations.uptime import (
    EPOCH_ORDINAL,
    StatusHistory,
    day_start,
    epoch,
    operating_day_count,
    window_seconds,
    windowed_seconds,
)

from .models import StationMonthOnline

TARGET_PERCENT = 95  # R2: terminal online rate ≥ 95%


def hours(seconds: int) -> Decimal:
    """Seconds as hours to 0.1 h, rounded half up (for display only: rates compare whole seconds)."""
    return (Decimal(seconds) / 3600).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


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

    @property
    def online_hours(self) -> Decimal:
        """Online time in hours, to 0.1 h (for display)."""
        return hours(self.online_seconds)

    @property
    def opening_hours(self) -> Decimal:
        return hours(self.opening_seconds)

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


def station_months(
    *, county, year: int, township=None, now: datetime | None = None
) -> dict[int, dict[date, Online]]:
    """Per station id, per month (first day) of `year`: Online. Every station of the county (or of
    `township`) appears with the months it was operating in (or had online seconds); the month tables
    use this, one call for the whole year. With `now`, a month that has not ended counts up to `now`
    (see `_clipped`)."""
    start, end = period(year)
    return _load(county=county, township=township, start=start, end=end, by_month=True, now=now)[0]


def online_report(
    *,
    county,
    year: int,
    month: int | None = None,
    township=None,
    target_percent: int = TARGET_PERCENT,
    now: datetime | None = None,
) -> OnlineReport:
    """The online rate of the county's (or `township`'s) stations in `year` or in one `month` of it.
    With `now`, a period that has not ended counts up to `now` (month or year to date)."""
    start, end = period(year, month)
    per_station, township_of = _load(
        county=county, township=township, start=start, end=end, by_month=False, now=now
    )
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


def station_online(*, station, year: int, month: int | None = None, now: datetime | None = None) -> Online:
    """One station's Online in `year` or one `month` of it (three small queries); with `now`, up to
    `now` when the period has not ended."""
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
    if now is not None and epoch(now) < day_start(end):
        now_s = epoch(now)
        return _clipped(station, ranges, start, end, online, now_s, _ahead([station.pk], now_s)[station.pk])
    return Online(online, operating_day_count(ranges, start, end) * window_seconds(station))


def _ahead(station_ids: list[int], now: int) -> dict[int, list[tuple[int, int]]]:
    """Per station, its spans that end after epoch second `now` (at most a couple: the latest, or two
    when a terminal's clock runs fast), by the (station, end) index."""
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    moment = datetime.fromtimestamp(now, UTC)
    for i in range(0, len(station_ids), 500):
        for sid, s, e in OnlineSpan.objects.filter(
            station_id__in=station_ids[i : i + 500], end__gt=moment
        ).values_list("station_id", "start", "end"):
            out[sid].append((epoch(s), epoch(e)))
    return out


def _clipped(hours, ranges, start: date, end: date, online: int, now: int, ahead: list) -> Online:
    """Online over [start, end) counted up to epoch second `now` (a period not yet over): the opening
    seconds elapsed by `now`, and the online seconds less the parts of the spans `ahead` (those ending
    after `now`) that lie after `now` (a beat vouches for the 5 minutes after it, and a terminal clock
    may run fast). Exact: the rollups hold exactly what the spans cover, second by second."""
    first, stop = day_start(start), day_start(end)
    opening = windowed_seconds(hours, ranges, first, min(now, stop)) if first < now else 0
    after = sum(windowed_seconds(hours, ranges, max(now, first, s), min(e, stop)) for s, e in ahead)
    return Online(online - after, opening)


def _load(*, county, township, start: date, end: date, by_month: bool, now: datetime | None = None):
    """({station id: {month or start: Online}}, {station id: township id}) for [start, end)."""
    now_s = None if now is None or epoch(now) >= day_start(end) else epoch(now)
    stations = _stations(county=county, township=township)
    ahead = _ahead([row[0] for row in stations], now_s) if now_s is not None else {}
    online = _online_seconds(county=county, township=township, start=start, end=end, by_month=by_month)
    buckets = [(m, min(_next(m), end)) for m in _months(start, end)] if by_month else [(start, end)]
    bounds = _day_bounds(buckets)
    out: dict[int, dict[date, Online]] = {}
    township_of: dict[int, int] = {}
    for sid, township_id, hours, ranges in stations:
        per_window = window_seconds(hours)
        days = _day_counts(ranges, bounds)
        mine = online.get(sid, {})
        cells = {}
        for (b_start, b_end), n in zip(buckets, days, strict=True):
            seconds = mine.get(b_start, 0)
            if now_s is not None and now_s < day_start(b_end):
                cell = _clipped(hours, ranges, b_start, b_end, seconds, now_s, ahead.get(sid, ()))
            elif seconds or n:
                cell = Online(seconds, n * per_window)
            else:
                continue
            if cell.opening_seconds or cell.online_seconds:
                cells[b_start] = cell
        if cells:
            out[sid] = cells
            township_of[sid] = township_id
    return out, township_of


def station_year(*, county, year: int) -> dict[int, tuple[Online, list[date]]]:
    """Per station id: its Online over `year` and the months of `year` in which it was operating (had
    opening hours), for the stations `station_months` lists. The same sums as `station_months`, for a
    reader that needs no cell per month (the scorecard): the online seconds are summed by the database."""
    start, end = period(year)
    months = _months(start, end)
    bounds = _day_bounds([(m, _next(m)) for m in months])
    online = _online_seconds(county=county, township=None, start=start, end=end, by_month=False)
    out = {}
    for sid, _township_id, hours, ranges in _stations(county=county, township=None):
        days = _day_counts(ranges, bounds)
        seconds = online.get(sid, {}).get(start, 0)
        opening = sum(days) * window_seconds(hours)
        if seconds or opening:
            out[sid] = (Online(seconds, opening), [m for m, n in zip(months, days, strict=True) if n])
    return out


def _stations(*, county, township) -> list[tuple[int, int, _Hours, list[tuple[int, int | None]]]]:
    """(station id, township id, opening hours, operating day ranges) of each station of the county (or
    of `township`): one query for the stations, one for their status history."""
    stations = Station.objects.filter(county=county)
    changes = StatusChange.objects.filter(county=county, station__isnull=False)
    if township is not None:
        stations = stations.filter(township=township)
        changes = changes.filter(station__township=township)
    # The history as epoch seconds computed by the database (no datetime parsing per row); unordered,
    # StatusHistory sorts each station's changes.
    changes = changes.order_by().annotate(at=EpochSeconds("effective_at"))
    rows_by_station: dict[int, list] = defaultdict(list)
    for sid, pk, status, at in raw_rows(changes.values_list("station_id", "pk", "to_status", "at")):
        rows_by_station[sid].append((at, pk, status))
    out = []
    for sid, township_id, opens_at, closes_at in stations.values_list(
        "id", "township_id", "opens_at", "closes_at"
    ):
        hours = _Hours(opens_at, closes_at)
        out.append(
            (sid, township_id, hours, StatusHistory(rows_by_station.get(sid, ())).operating_day_ranges(hours))
        )
    return out


def _online_seconds(
    *, county, township, start: date, end: date, by_month: bool
) -> dict[int, dict[date, int]]:
    """Station id → {month: online seconds} in [start, end), or {start: the period's total} (summed by
    the database) when not `by_month`."""
    months_online = StationMonthOnline.objects.filter(county=county, month__gte=start, month__lt=end)
    if township is not None:
        months_online = months_online.filter(township=township)
    if not by_month:
        totals = months_online.order_by().values("station_id").annotate(seconds=Sum("online_seconds"))
        return {sid: {start: seconds} for sid, seconds in totals.values_list("station_id", "seconds")}
    online: dict[int, dict[date, int]] = defaultdict(dict)
    for sid, month, seconds in raw_rows(months_online.values_list("station_id", "month", "online_seconds")):
        online[sid][as_date(month)] = seconds
    return online


def _day_bounds(buckets: list[tuple[date, date]]) -> list[tuple[int, int]]:
    """[start, end) dates as local day numbers (see `stations.uptime`)."""
    return [
        (b_start.toordinal() - EPOCH_ORDINAL, b_end.toordinal() - EPOCH_ORDINAL) for b_start, b_end in buckets
    ]


def _day_counts(ranges: list[tuple[int, int | None]], bounds: list[tuple[int, int]]) -> list[int]:
    """For each [lo, hi) of `bounds` (local day numbers), how many of its days lie in the operating
    `ranges`: `operating_day_count` for many periods at once, without converting dates per call."""
    counts = [0] * len(bounds)
    for first, stop in ranges:
        for i, (lo, hi) in enumerate(bounds):
            n = (hi if stop is None or stop > hi else stop) - (lo if lo > first else first)
            if n > 0:
                counts[i] += n
    return counts


def _next(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


# --- the terminals register: one row per station in the user's scope --------------------------------


@dataclass
class TerminalRow:
    """A station, its terminal (None when it has none), its last heartbeat and its Online in the period
    (None when it was not operating on any day of it)."""

    station: Station
    terminal: object
    last_heartbeat: datetime | None
    online: Online | None
    target_percent: int = TARGET_PERCENT

    @property
    def meets(self) -> bool | None:
        return None if self.online is None else self.online.meets(self.target_percent)

    def order(self) -> tuple:
        """Shortfalls first (lowest rate first, compared exactly), then stations meeting the target, then
        stations not operating in the period; ties by station code."""
        if self.online is None or not self.online.opening_seconds:
            return (2, Fraction(0), self.station.code)
        rate = Fraction(self.online.online_seconds, self.online.opening_seconds)
        return (0 if not self.meets else 1, rate, self.station.code)


def terminal_rows(
    *, user, county, year: int, month: int, now: datetime | None = None, target_percent: int = TARGET_PERCENT
) -> list[TerminalRow]:
    """The stations of `county` that `user` may see, with terminal, last heartbeat and online rate in the
    month (up to `now` if given), shortfalls first. Four queries: stations with their terminal and last span end (one indexed
    look-up per station), and the report's three."""
    from xiangcun.network.selectors import station_list
    from xiangcun.stations.uptime import COVER

    last_end = OnlineSpan.objects.filter(station=OuterRef("pk")).order_by("-end").values("end")[:1]
    stations = (
        station_list(user=user)
        .filter(county=county)
        .select_related("terminal")
        .annotate(last_end=Subquery(last_end))
        .order_by("code")
    )
    report = online_report(county=county, year=year, month=month, target_percent=target_percent, now=now)
    rows = []
    for station in stations:
        terminal = getattr(station, "terminal", None)
        last = None if station.last_end is None else station.last_end - COVER
        rows.append(TerminalRow(station, terminal, last, report.stations.get(station.pk), target_percent))
    rows.sort(key=TerminalRow.order)
    return rows


def station_days(
    *, station, start: date, end: date, now: datetime | None = None
) -> list[tuple[date, Online]]:
    """One station's Online per day of [start, end) from the day rollups, latest first; a day not over
    at `now` counts up to `now`. Days it was not operating have no opening seconds."""
    from datetime import timedelta

    from xiangcun.reporting.models import StationDayOnline

    online = dict(
        StationDayOnline.objects.filter(
            county_id=station.county_id, station_id=station.pk, day__gte=start, day__lt=end
        ).values_list("day", "online_seconds")
    )
    history = StatusHistory.from_rows(
        StatusChange.objects.filter(station_id=station.pk).values_list("effective_at", "pk", "to_status")
    )
    ranges = history.operating_day_ranges(station)
    now_s = None if now is None else epoch(now)
    ahead = _ahead([station.pk], now_s)[station.pk] if now_s is not None else []
    out = []
    day = end - timedelta(days=1)
    while day >= start:
        following = day + timedelta(days=1)
        if now_s is not None and now_s < day_start(following):
            cell = _clipped(station, ranges, day, following, online.get(day, 0), now_s, ahead)
        else:
            cell = Online(
                online.get(day, 0), operating_day_count(ranges, day, following) * window_seconds(station)
            )
        out.append((day, cell))
        day -= timedelta(days=1)
    return out

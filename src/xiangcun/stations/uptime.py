"""Terminal uptime: heartbeats → online spans → online seconds within opening hours.

The rule (documented for terminal vendors and auditors):
- A terminal beats about once a minute. A heartbeat at time t vouches for [t, t + 5 min)
  (`HEARTBEAT_COVER_SECONDS`): up to four missed beats in a row still count as online, a longer gap is
  an outage from the end of the last cover to the next beat.
- Covers that overlap or touch are merged into one `OnlineSpan` [start, end); spans never overlap.
- A station's opening window on a day is [opens_at, closes_at) in Beijing time (08:00–18:00 when the
  station has no recorded hours). Only days on which the station is operating count.
- Online rate of a period = seconds of spans inside the opening windows of its operating days / the
  seconds of those windows. Computed exactly, in whole seconds; heartbeats may arrive late or out of
  order (a terminal that was offline sends its buffered beats) and give the same result.

The day and month online rollups are kept fresh by `heartbeat_record` (adding exactly the seconds a beat
newly covers) and recomputed from the spans by `uptime_rebuild`.
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from xiangcun.network.choices import SiteStatus
from xiangcun.reporting.models import StationDayOnline, StationMonthOnline

from .choices import HEARTBEAT_COVER_SECONDS
from .models import OnlineSpan

TZ = ZoneInfo("Asia/Shanghai")
COVER = timedelta(seconds=HEARTBEAT_COVER_SECONDS)
DEFAULT_HOURS = (time(8, 0), time(18, 0))


def opening_hours(station) -> tuple[time, time]:
    if (
        station.opens_at is not None
        and station.closes_at is not None
        and station.closes_at > station.opens_at
    ):
        return station.opens_at, station.closes_at
    return DEFAULT_HOURS


def window(station, day: date) -> tuple[datetime, datetime]:
    """The station's opening window on `day` as aware datetimes."""
    opens, closes = opening_hours(station)
    return datetime.combine(day, opens, tzinfo=TZ), datetime.combine(day, closes, tzinfo=TZ)


def window_seconds(station) -> int:
    opens, closes = opening_hours(station)
    return (closes.hour * 3600 + closes.minute * 60 + closes.second) - (
        opens.hour * 3600 + opens.minute * 60 + opens.second
    )


def seconds_in_windows(station, start: datetime, end: datetime) -> dict[date, int]:
    """Seconds of [start, end) inside the station's opening windows, per local day."""
    out: dict[date, int] = {}
    if end <= start:
        return out
    day = start.astimezone(TZ).date()
    last = end.astimezone(TZ).date()
    while day <= last:
        w_start, w_end = window(station, day)
        overlap = (min(end, w_end) - max(start, w_start)).total_seconds()
        if overlap > 0:
            out[day] = out.get(day, 0) + int(overlap)
        day += timedelta(days=1)
    return out


def _subtract(start: datetime, end: datetime, spans: list[tuple[datetime, datetime]]):
    """Parts of [start, end) not covered by the sorted, disjoint `spans`."""
    cursor = start
    for s, e in spans:
        if e <= cursor:
            continue
        if s >= end:
            break
        if s > cursor:
            yield cursor, min(s, end)
        cursor = max(cursor, e)
        if cursor >= end:
            return
    if cursor < end:
        yield cursor, end


def _add_online(station, per_day: dict[date, int]) -> None:
    """Add seconds to the day and month online rollups (upserts with increments)."""
    if not per_day:
        return
    per_month: dict[date, int] = defaultdict(int)
    for day, seconds in per_day.items():
        per_month[day.replace(day=1)] += seconds
    qn = connection.ops.quote_name
    day_table, month_table = qn(StationDayOnline._meta.db_table), qn(StationMonthOnline._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {day_table} (county_id, station_id, day, online_seconds) VALUES (%s, %s, %s, %s) "
            f"ON CONFLICT (county_id, station_id, day) DO UPDATE SET "
            f"online_seconds = {day_table}.online_seconds + excluded.online_seconds",
            [(station.county_id, station.pk, day, seconds) for day, seconds in per_day.items()],
        )
        cursor.executemany(
            f"INSERT INTO {month_table} (county_id, township_id, station_id, month, online_seconds) "
            f"VALUES (%s, %s, %s, %s, %s) ON CONFLICT (county_id, station_id, month) DO UPDATE SET "
            f"online_seconds = {month_table}.online_seconds + excluded.online_seconds",
            [(station.county_id, station.township_id, station.pk, m, s) for m, s in per_month.items()],
        )


@transaction.atomic
def heartbeat_record(*, station, at: datetime) -> int:
    """Record that `station`'s terminal was up at `at`; returns the seconds of opening hours newly
    counted as online. Merges the beat's cover into the station's spans (in order or not).

    Times are truncated to whole seconds so that adding beat by beat and `uptime_rebuild` agree to the
    second. The live path counts the beat if the station is operating now; the rebuild applies the
    status history day by day.
    """
    at = at.replace(microsecond=0)
    end = at + COVER
    touching = list(
        OnlineSpan.objects.select_for_update()
        .filter(station_id=station.pk, start__lte=end, end__gte=at)
        .order_by("start")
    )
    if not touching:
        OnlineSpan.objects.create(county_id=station.county_id, station_id=station.pk, start=at, end=end)
        new_parts = [(at, end)]
    else:
        first = touching[0]
        merged_start = min(at, first.start)
        merged_end = max(end, touching[-1].end)
        new_parts = list(_subtract(merged_start, merged_end, [(s.start, s.end) for s in touching]))
        first.start, first.end = merged_start, merged_end
        first.heartbeats = sum(s.heartbeats for s in touching) + 1
        first.save(update_fields=["start", "end", "heartbeats"])
        if len(touching) > 1:
            OnlineSpan.objects.filter(pk__in=[s.pk for s in touching[1:]]).delete()
    if station.status != SiteStatus.OPERATING:
        return 0
    per_day: dict[date, int] = defaultdict(int)
    for s, e in new_parts:
        for day, seconds in seconds_in_windows(station, s, e).items():
            per_day[day] += seconds
    _add_online(station, per_day)
    return sum(per_day.values())


def operating_days(station, changes, start: date, end: date) -> list[date]:
    """Days in [start, end) on which the station was operating, from its StatusChange rows (any order).

    A day counts when the station was operating at the opening of its window that day."""
    history = sorted((c.effective_at, c.to_status) for c in changes)
    days = []
    day = start
    i = 0
    status = None
    while day < end:
        opens, _closes = window(station, day)
        while i < len(history) and history[i][0] <= opens:
            status = history[i][1]
            i += 1
        if status == SiteStatus.OPERATING:
            days.append(day)
        day += timedelta(days=1)
    return days


@transaction.atomic
def uptime_rebuild(*, county=None) -> int:
    """Recompute the day and month online rollups from the spans and status histories (idempotent).
    Returns the number of station-days written."""
    from xiangcun.network.models import Station

    scope = {"county": county} if county is not None else {}
    StationDayOnline.objects.filter(**scope).delete()
    StationMonthOnline.objects.filter(**scope).delete()
    stations = Station.objects.filter(**scope).prefetch_related("changes")
    spans_by_station: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for station_id, s, e in OnlineSpan.objects.filter(**scope).values_list("station_id", "start", "end"):
        spans_by_station[station_id].append((s, e))
    day_rows, month_totals = [], defaultdict(int)
    for station in stations:
        spans = spans_by_station.get(station.pk)
        if not spans:
            continue
        first = min(s for s, _e in spans).astimezone(TZ).date()
        last = max(e for _s, e in spans).astimezone(TZ).date() + timedelta(days=1)
        operating = set(operating_days(station, station.changes.all(), first, last))
        per_day: dict[date, int] = defaultdict(int)
        for s, e in spans:
            for day, seconds in seconds_in_windows(station, s, e).items():
                if day in operating:
                    per_day[day] += seconds
        for day, seconds in per_day.items():
            day_rows.append(
                StationDayOnline(
                    county_id=station.county_id, station=station, day=day, online_seconds=seconds
                )
            )
            month_totals[(station.county_id, station.township_id, station.pk, day.replace(day=1))] += seconds
    StationDayOnline.objects.bulk_create(day_rows, batch_size=5000)
    StationMonthOnline.objects.bulk_create(
        [
            StationMonthOnline(county_id=c, township_id=t, station_id=s, month=m, online_seconds=v)
            for (c, t, s, m), v in month_totals.items()
        ],
        batch_size=5000,
    )
    return len(day_rows)


def opening_seconds(station, changes, start: date, end: date) -> int:
    """Seconds of opening hours on the station's operating days in [start, end): the online-rate
    denominator."""
    return len(operating_days(station, changes, start, end)) * window_seconds(station)

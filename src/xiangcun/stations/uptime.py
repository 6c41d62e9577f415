"""Terminal uptime: heartbeats → online spans → online seconds within opening hours.

The rule (documented for terminal vendors and auditors):
- A terminal beats about once a minute. A heartbeat at t vouches for [t, t + 5 min)
  (`HEARTBEAT_COVER_SECONDS`): up to four missed beats in a row still count as online (a gap of 4 min
  between beats is covered), a longer gap is an outage from the end of the last cover to the next beat
  (beats 6 min apart leave 1 min offline). Beat times are truncated to whole seconds.
- Covers that overlap or touch are merged into one `OnlineSpan` [start, end); spans never overlap or
  touch. A span's `heartbeats` counts the beats merged into it (duplicates included).
- A station's opening window on a day is [opens_at, closes_at) in Beijing time (08:00–18:00 when the
  station has no recorded hours). A day is an *operating day* when the station's status at the opening
  of that day's window was `operating`, read from its `StatusChange` rows (applied in order of
  `effective_at`, then id). Only operating days count, in the numerator and in the denominator.
- Online rate of a period = seconds of spans inside the opening windows of its operating days / the
  seconds of those windows (`opening_seconds`). Exact, in whole seconds; heartbeats may arrive late, out
  of order or twice (a terminal that was offline sends its buffered beats) and give the same result.

The day and month online rollups (`reporting.StationDayOnline`, `StationMonthOnline`) are kept fresh by
`heartbeats_record`, which adds exactly the seconds each beat newly covers, and recomputed from the spans
by `uptime_rebuild`; both give the same rows (tested). The rollups measure the past with the station's
*current* opening hours and status history: changing the hours, or recording a status change back-dated
before a day's opening, changes how those days count, and the station's rollups must then be recomputed
with `uptime_rebuild(station=…)`.

Asia/Shanghai has had no daylight saving time since 1991, so local days are computed with a fixed
+08:00 offset in integer seconds (the hot path and the rebuild share this arithmetic).
"""

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiangcun.core.db import write_lock
from xiangcun.network.choices import SiteStatus
from xiangcun.network.models import StatusChange
from xiangcun.reporting.models import StationDayOnline, StationMonthOnline

from .choices import HEARTBEAT_COVER_SECONDS
from .models import OnlineSpan

TZ = ZoneInfo("Asia/Shanghai")
COVER = timedelta(seconds=HEARTBEAT_COVER_SECONDS)
DEFAULT_HOURS = (time(8, 0), time(18, 0))
OPERATING = SiteStatus.OPERATING.value
MAX_BEATS = 1000  # per call: a terminal's offline buffer is sent in batches of at most this many
CLOCK_SKEW = timedelta(minutes=10)  # a terminal's clock may run a little fast

DAY = 86400
LOCAL_OFFSET = 8 * 3600  # Beijing time, no DST since 1991
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
COVER_S = HEARTBEAT_COVER_SECONDS
# pg_advisory_xact_lock(class, station id): serialises one station's heartbeats on PostgreSQL.
PG_LOCK_CLASS = 0x5843  # "XC"


# --- time arithmetic -------------------------------------------------------------------------------


def _epoch(moment: datetime) -> int:
    """Whole seconds since 1970 (UTC) of an aware datetime (sub-seconds dropped)."""
    return int(moment.timestamp() // 1)


def _from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _local_day(seconds: int) -> int:
    """Local (Beijing) day number since 1970-01-01 of an epoch second."""
    return (seconds + LOCAL_OFFSET) // DAY


def _day_date(day: int) -> date:
    return date.fromordinal(day + EPOCH_ORDINAL)


def _date_day(d: date) -> int:
    return d.toordinal() - EPOCH_ORDINAL


def _tod(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def opening_hours(station) -> tuple[time, time]:
    """The station's [opens, closes) times of day (whole seconds); 08:00–18:00 when not recorded."""
    opens, closes = station.opens_at, station.closes_at
    if opens is not None and closes is not None:
        opens, closes = opens.replace(microsecond=0), closes.replace(microsecond=0)
        if closes > opens:
            return opens, closes
    return DEFAULT_HOURS


def _hours_s(station) -> tuple[int, int]:
    """Opening window as seconds after local midnight."""
    opens, closes = opening_hours(station)
    return _tod(opens), _tod(closes)


def window(station, day: date) -> tuple[datetime, datetime]:
    """The station's opening window on `day` as aware datetimes."""
    opens, closes = opening_hours(station)
    return datetime.combine(day, opens, tzinfo=TZ), datetime.combine(day, closes, tzinfo=TZ)


def window_seconds(station) -> int:
    """Seconds in one opening window of the station."""
    opens, closes = _hours_s(station)
    return closes - opens


def _window_overlaps(opens: int, closes: int, start: int, end: int) -> Iterable[tuple[int, int]]:
    """(local day, seconds) of [start, end) (epoch seconds) inside the daily windows [opens, closes)."""
    if end <= start:
        return
    day = _local_day(start)
    last = _local_day(end - 1)
    while day <= last:
        base = day * DAY - LOCAL_OFFSET
        overlap = min(end, base + closes) - max(start, base + opens)
        if overlap > 0:
            yield day, overlap
        day += 1


def seconds_in_windows(station, start: datetime, end: datetime) -> dict[date, int]:
    """Seconds of [start, end) inside the station's opening windows, per local day."""
    opens, closes = _hours_s(station)
    return {_day_date(d): s for d, s in _window_overlaps(opens, closes, _epoch(start), _epoch(end))}


# --- status history --------------------------------------------------------------------------------


class StatusHistory:
    """A station's status changes in the order they apply: by `effective_at`, then by id."""

    __slots__ = ("moments", "statuses")

    def __init__(self, changes: Iterable[tuple[int, int, str]]):
        """`changes`: (effective_at as epoch seconds, id, to_status), in any order."""
        rows = sorted(changes)
        self.moments = [r[0] for r in rows]
        self.statuses = [r[2] for r in rows]

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[datetime, int, str]]) -> "StatusHistory":
        """From (effective_at, id, to_status) rows, in any order."""
        return cls((_epoch(at), pk, status) for at, pk, status in rows)

    @classmethod
    def of(cls, changes) -> "StatusHistory":
        """From StatusChange rows (any order), or return `changes` if it already is a history."""
        if isinstance(changes, StatusHistory):
            return changes
        return cls((_epoch(c.effective_at), c.pk, c.to_status) for c in changes)

    def at(self, moment: int) -> str | None:
        """The status at epoch second `moment` (None before the first change)."""
        i = bisect_right(self.moments, moment)
        return self.statuses[i - 1] if i else None

    def operating_day_ranges(self, station) -> list[tuple[int, int | None]]:
        """[first, end) local day numbers of the operating days (end None: still operating)."""
        opens, _closes = _hours_s(station)
        out = []
        n = len(self.moments)
        for i in range(n):
            if self.statuses[i] != OPERATING:
                continue
            first = _first_opening_at_or_after(self.moments[i], opens)
            end = _first_opening_at_or_after(self.moments[i + 1], opens) if i + 1 < n else None
            if end is None or end > first:
                out.append((first, end))
        return out


def _first_opening_at_or_after(moment: int, opens: int) -> int:
    """The first local day whose window opens at or after epoch second `moment`."""
    day = _local_day(moment)
    if day * DAY - LOCAL_OFFSET + opens < moment:
        day += 1
    return day


def operating_day_count(ranges: list[tuple[int, int | None]], start: date, end: date) -> int:
    """How many days of [start, end) lie in the operating `ranges` (from `operating_day_ranges`)."""
    lo, hi = _date_day(start), _date_day(end)
    total = 0
    for first, stop in ranges:
        n = min(hi, stop if stop is not None else hi) - max(lo, first)
        if n > 0:
            total += n
    return total


def operating_days(station, changes, start: date, end: date) -> list[date]:
    """Days in [start, end) on which the station was operating (status at the window's opening), from
    its StatusChange rows (any order) or a `StatusHistory`."""
    lo, hi = _date_day(start), _date_day(end)
    days = []
    for first, stop in StatusHistory.of(changes).operating_day_ranges(station):
        days.extend(_day_date(d) for d in range(max(lo, first), min(hi, stop if stop is not None else hi)))
    return days


def in_ranges(day: int, ranges: list[tuple[int, int | None]]) -> bool:
    """Is local day number `day` in the operating `ranges` (from `operating_day_ranges`)?"""
    return any(first <= day and (stop is None or day < stop) for first, stop in ranges)


def day_start(d: date) -> int:
    """Epoch seconds of local (Beijing) midnight at the start of `d`."""
    return _date_day(d) * DAY - LOCAL_OFFSET


def epoch(moment: datetime) -> int:
    """Whole epoch seconds of an aware datetime."""
    return _epoch(moment)


def windowed_seconds(station, ranges: list[tuple[int, int | None]], start: int, end: int) -> int:
    """Seconds of [start, end) (epoch seconds) inside the station's opening windows on its operating
    days (`ranges`): a part of the online-rate denominator, or of a span's contribution to the numerator."""
    opens, closes = _hours_s(station)
    return sum(s for d, s in _window_overlaps(opens, closes, start, end) if in_ranges(d, ranges))


def opening_seconds(station, changes, start: date, end: date) -> int:
    """Seconds of opening hours on the station's operating days in [start, end): the online-rate
    denominator. `changes`: its StatusChange rows or a `StatusHistory`."""
    ranges = StatusHistory.of(changes).operating_day_ranges(station)
    return operating_day_count(ranges, start, end) * window_seconds(station)


# --- recording heartbeats --------------------------------------------------------------------------


@dataclass(frozen=True)
class HeartbeatResult:
    recorded: int
    online_seconds_added: int


class InvalidBeats(ValidationError):
    """Some beats were refused; `by_index` maps the position of each refused beat to its message.

    The messages are lazy: the heartbeat endpoint renders them in the client's language, whatever
    language (if any) was active where the beats were checked."""

    def __init__(self, by_index: dict[int, str]):
        self.by_index = by_index
        super().__init__(
            {"beats": [format_lazy("[{}] {}", i, message) for i, message in sorted(by_index.items())]}
        )


class _Sql:
    """The recorder's statements for one database vendor and parameter style ("%s" for Django's
    cursors, "?" for a raw sqlite3 cursor). Built once per process; only table and column names from
    the models are formatted in, values are always parameters. Timestamps are read as whole epoch
    seconds computed by the database (no parsing in Python)."""

    _cache: dict = {}

    @classmethod
    def get(cls, db, style: str) -> "_Sql":
        key = (db.vendor, style)
        sql = cls._cache.get(key)
        if sql is None:
            sql = cls._cache[key] = cls(db, style)
        return sql

    def __init__(self, db, style: str):
        qn = db.ops.quote_name
        span, change = qn(OnlineSpan._meta.db_table), qn(StatusChange._meta.db_table)
        day, month = qn(StationDayOnline._meta.db_table), qn(StationMonthOnline._meta.db_table)
        end = qn("end")
        self.vendor = db.vendor
        self.style = style
        if self.vendor == "sqlite":

            def ep(column: str) -> str:
                return f"CAST(strftime('%%s', {column}) AS INTEGER)"
        else:

            def ep(column: str) -> str:
                return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"

        last_change = (
            f"FROM {change} c WHERE c.station_id = %s ORDER BY c.effective_at DESC, c.id DESC LIMIT 1"
        )
        statements = {
            # The last status change (when, to what) and the first one's time.
            "status": f"SELECT (SELECT {ep('c.effective_at')} {last_change}), (SELECT c.to_status {last_change}), "
            f"(SELECT MIN({ep('c.effective_at')}) FROM {change} c WHERE c.station_id = %s)",
            # The latest span (greatest end).
            "latest": f"SELECT id, {ep('start')}, {ep(end)} FROM {span} WHERE station_id = %s "
            f"ORDER BY {end} DESC LIMIT 1",
            "insert_span": f"INSERT INTO {span} (county_id, station_id, start, {end}, heartbeats) "
            f"VALUES (%s, %s, %s, %s, %s)",
            "extend_span": f"UPDATE {span} SET {end} = %s, heartbeats = heartbeats + %s WHERE id = %s",
            "touching": f"SELECT id, {ep('start')}, {ep(end)}, heartbeats FROM {span} "
            f"WHERE station_id = %s AND start <= %s AND {end} >= %s ORDER BY start",
            "set_span": f"UPDATE {span} SET start = %s, {end} = %s, heartbeats = %s WHERE id = %s",
            "delete_span": f"DELETE FROM {span} WHERE id = %s",
            "history": f"SELECT {ep('effective_at')}, id, to_status FROM {change} WHERE station_id = %s",
            "add_day": f"INSERT INTO {day} (county_id, station_id, day, online_seconds) VALUES (%s, %s, %s, %s) "
            f"ON CONFLICT (county_id, station_id, day) DO UPDATE SET "
            f"online_seconds = {day}.online_seconds + excluded.online_seconds",
            "add_month": f"INSERT INTO {month} (county_id, township_id, station_id, month, online_seconds) "
            f"VALUES (%s, %s, %s, %s, %s) ON CONFLICT (county_id, station_id, month) DO UPDATE SET "
            f"online_seconds = {month}.online_seconds + excluded.online_seconds",
        }
        if self.vendor == "postgresql":
            statements["touching"] += " FOR UPDATE"
        for name, sql in statements.items():
            if style == "?":
                sql = sql.replace("%%s", "\0").replace("%s", "?").replace("\0", "%s")
            setattr(self, name, sql)

    def moment(self, seconds: int):
        """A timestamp parameter: naive UTC text on SQLite (as Django stores it), aware elsewhere."""
        value = datetime.fromtimestamp(seconds, UTC)
        return value.replace(tzinfo=None).isoformat(" ") if self.vendor == "sqlite" else value


@contextmanager
def _write_transaction(db):
    """A transaction and a DB-API cursor with its `_Sql`.

    On SQLite outside any atomic block (a request in production), under the machine's write lock
    (`core.db.write_lock`, ADR 0006), the raw sqlite3 connection runs `BEGIN IMMEDIATE … COMMIT`
    itself: Django's transaction and cursor wrappers cost more than the heartbeat's statements
    (docs/adr/0004-heartbeat-fast-path.md). Otherwise (PostgreSQL, or inside a
    caller's atomic block, as in most tests) Django's `atomic` and cursor; the statements are the same.
    """
    if db.vendor == "sqlite" and not db.in_atomic_block:
        db.ensure_connection()
        raw = db.connection
        # Writers of this machine queue on the file lock rather than in SQLite's busy handler (ADR 0006).
        with write_lock():
            cursor = raw.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor, _Sql.get(db, "?")
            except BaseException:
                raw.rollback()
                raise
            else:
                raw.commit()
            finally:
                cursor.close()
    else:
        with transaction.atomic(using=db.alias), db.cursor() as cursor:
            yield cursor, _Sql.get(db, "%s")


class _Latest:
    """The station's latest span (greatest end), as held in memory while beats are applied."""

    __slots__ = ("id", "start", "end", "added", "dirty")

    def __init__(self, id_, start: int, end: int, added: int = 0):
        self.id, self.start, self.end, self.added, self.dirty = id_, start, end, added, id_ is None


class _Recorder:
    """Applies sorted beats (epoch seconds) to one station's spans inside a transaction."""

    def __init__(self, station, cursor, sql: _Sql, status: tuple):
        self.station = station
        self.cursor = cursor
        self.sql = sql
        self.opens, self.closes = _hours_s(station)
        self.per_day: dict[int, int] = defaultdict(int)
        self.history: StatusHistory | None = None
        last_at, last_status, _first_at = status
        self.last_change = None if last_at is None else (last_at, last_status)

    def load(self) -> None:
        """Read the station's latest span."""
        self.cursor.execute(self.sql.latest, (self.station.pk,))
        row = self.cursor.fetchone()
        self.latest = None if row is None else _Latest(*row)

    def flush(self) -> None:
        """Write the latest span if it changed in memory."""
        latest = self.latest
        if latest is None or not latest.dirty:
            return
        moment = self.sql.moment
        if latest.id is None:
            station = self.station
            self.cursor.execute(
                self.sql.insert_span,
                (station.county_id, station.pk, moment(latest.start), moment(latest.end), latest.added),
            )
        else:
            self.cursor.execute(self.sql.extend_span, (moment(latest.end), latest.added, latest.id))
        latest.dirty = False
        latest.added = 0

    def count(self, start: int, end: int) -> None:
        for day, seconds in _window_overlaps(self.opens, self.closes, start, end):
            self.per_day[day] += seconds

    def beat(self, at: int) -> None:
        end = at + COVER_S
        latest = self.latest
        if latest is not None and latest.start <= at <= latest.end:
            # In order (the common case): the beat extends, or falls inside, the latest span.
            if end > latest.end:
                self.count(latest.end, end)
                latest.end = end
            latest.added += 1
            latest.dirty = True
        elif latest is None or at > latest.end:
            # After a gap: a new span (nothing lies after the latest span).
            self.flush()
            self.latest = _Latest(None, at, end, 1)
            self.count(at, end)
        else:
            # Late: the beat falls before the latest span; merge it with the spans it touches.
            self.flush()
            self.merge(at, end)
            self.load()

    def merge(self, at: int, end: int) -> None:
        """The general case: merge [at, end) with every span it overlaps or touches, counting the gaps
        between them that it fills."""
        sql, cursor, moment = self.sql, self.cursor, self.sql.moment
        cursor.execute(sql.touching, (self.station.pk, moment(end), moment(at)))
        touching = cursor.fetchall()
        if not touching:
            station = self.station
            cursor.execute(sql.insert_span, (station.county_id, station.pk, moment(at), moment(end), 1))
            self.count(at, end)
            return
        merged_start, merged_end = min(at, touching[0][1]), max(end, max(e for _pk, _s, e, _n in touching))
        covered = merged_start
        for _pk, s, e, _n in touching:
            if s > covered:
                self.count(covered, s)
            covered = max(covered, e)
        if merged_end > covered:
            self.count(covered, merged_end)
        heartbeats = sum(n for _pk, _s, _e, n in touching) + 1
        cursor.execute(sql.set_span, (moment(merged_start), moment(merged_end), heartbeats, touching[0][0]))
        for pk, _s, _e, _n in touching[1:]:
            cursor.execute(sql.delete_span, (pk,))

    def operating(self, day: int) -> bool:
        """Was the station operating at the opening of local day `day`?"""
        if self.last_change is None:
            return False
        opening = day * DAY - LOCAL_OFFSET + self.opens
        if opening >= self.last_change[0]:
            return self.last_change[1] == OPERATING
        if self.history is None:  # a day before the latest status change: read the whole history
            self.cursor.execute(self.sql.history, (self.station.pk,))
            self.history = StatusHistory(self.cursor.fetchall())
        return self.history.at(opening) == OPERATING

    def add_online(self) -> int:
        """Add the counted seconds of operating days to the day and month rollups; returns the total."""
        days = [(d, s) for d, s in self.per_day.items() if s and self.operating(d)]
        if not days:
            return 0
        station, cursor = self.station, self.cursor
        per_month: dict[str, int] = defaultdict(int)
        for d, s in days:
            day = _day_date(d)
            cursor.execute(self.sql.add_day, (station.county_id, station.pk, day.isoformat(), s))
            per_month[day.replace(day=1).isoformat()] += s
        for m, s in per_month.items():
            cursor.execute(self.sql.add_month, (station.county_id, station.township_id, station.pk, m, s))
        return sum(s for _d, s in days)


def status_summary(db, station_id: int) -> tuple[int | None, str | None, int | None]:
    """(time of the last status change, its status, time of the first change) of a station, in epoch
    seconds (None when it has no status history)."""
    sql = _Sql.get(db, "%s")
    with db.cursor() as cursor:
        cursor.execute(sql.status, (station_id,) * 3)
        return tuple(cursor.fetchone())


def existed_from(station, first_change: int | None) -> int:
    """When the station began to exist for the platform (epoch seconds): its creation, or its first
    status change if that was dated earlier (a station entered after it was built)."""
    created = _epoch(station.created_at)
    return created if first_change is None else min(created, first_change)


def heartbeats_record(*, station, beats: Sequence[datetime], now: datetime | None = None) -> HeartbeatResult:
    """Record that `station`'s terminal was up at each of `beats` (aware datetimes, any order,
    duplicates allowed, at most `MAX_BEATS`); returns how many were recorded and the seconds of opening
    hours they newly counted as online.

    `station` is a Station, or any object with its `pk`, `county_id`, `township_id`, `opens_at`,
    `closes_at` and `created_at`. A beat without a UTC offset, more than `CLOCK_SKEW` in the future or
    before the station existed is refused (`InvalidBeats`), and then nothing is written.

    Heartbeats are machine telemetry, not decisions of a person: they are not audit-logged (the spans
    with their beat counts are the record). One transaction (see `heartbeats_record_many`).
    """
    if len(beats) > MAX_BEATS:
        raise ValidationError({"beats": [_("At most %(n)s beats per request.") % {"n": MAX_BEATS}]})
    (outcome,) = heartbeats_record_many([(station, beats)], now=now)
    if isinstance(outcome, InvalidBeats):
        raise outcome
    return outcome


def _checked(station, beats: Sequence[datetime], now: datetime, db) -> tuple[list[int], tuple]:
    """(sorted epoch seconds, status summary) of one station's beats; InvalidBeats if any is refused."""
    errors: dict[int, str] = {}
    for i, at in enumerate(beats):
        if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
            errors[i] = gettext_lazy("A time needs its UTC offset, e.g. 2018-05-01T09:30:00+08:00.")
        elif at > now + CLOCK_SKEW:
            errors[i] = gettext_lazy("This time is in the future.")
    if errors:
        raise InvalidBeats(errors)
    moments = [_epoch(at) for at in beats]
    status = getattr(station, "status_summary", None) or status_summary(db, station.pk)
    since = existed_from(station, status[2])
    early = {
        i: gettext_lazy("This time is before the station existed.")
        for i, at in enumerate(moments)
        if at < since
    }
    if early:
        raise InvalidBeats(early)
    moments.sort()
    return moments, status


def heartbeats_record_many(
    items: Sequence[tuple[object, Sequence[datetime]]], now: datetime | None = None
) -> list[HeartbeatResult | InvalidBeats]:
    """Record several stations' beats (`(station, beats)` pairs, as for `heartbeats_record`, a station
    may appear more than once) in **one** write transaction; per item, its HeartbeatResult, or the
    InvalidBeats that refused it (a refused item writes nothing; the others are recorded).

    The heartbeat endpoint records the beats that arrive together this way (group commit, ADR 0004):
    the write lock, BEGIN and COMMIT are paid once per group instead of once per beat. In the common
    case (beats in order, each extending the station's latest span) an item runs four statements
    whatever its number of beats: read the latest span, update (or insert) it, add to the day and month
    rollups. The status changes are read before the transaction (`station.status_summary`, if present,
    saves that read: the endpoint reads it with the token). A beat older than the latest span goes
    through the general merge. On PostgreSQL a per-station advisory lock, taken in station order,
    serialises concurrent calls; on SQLite the IMMEDIATE transaction does. A database error rolls back
    the whole group and propagates.
    """
    now = now or timezone.now()
    db = connections[DEFAULT_DB_ALIAS]
    outcomes: list[HeartbeatResult | InvalidBeats | None] = [None] * len(items)
    valid = []
    # The status history is read before the write transaction, which then holds the write lock for the
    # span and rollup statements only (a status change is a rare, human act; one committed while a
    # heartbeat is being recorded is ordered after it).
    for i, (station, beats) in enumerate(items):
        try:
            valid.append((station.pk, i, station, *_checked(station, beats, now, db)))
        except InvalidBeats as exc:
            outcomes[i] = exc
    if valid:
        valid.sort(key=lambda item: item[:2])  # station order: advisory locks never wait in a cycle
        with _write_transaction(db) as (cursor, sql):
            locked = set()
            for pk, i, station, moments, status in valid:
                if sql.vendor == "postgresql" and pk not in locked:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", (PG_LOCK_CLASS, pk & 0x7FFFFFFF))
                    locked.add(pk)
                recorder = _Recorder(station, cursor, sql, status)
                recorder.load()
                for at in moments:
                    recorder.beat(at)
                recorder.flush()
                outcomes[i] = HeartbeatResult(
                    recorded=len(moments), online_seconds_added=recorder.add_online()
                )
    return outcomes


def heartbeat_record(*, station, at: datetime) -> int:
    """Record one beat (see `heartbeats_record`); returns the seconds newly counted as online."""
    return heartbeats_record(station=station, beats=[at]).online_seconds_added


def last_heartbeat(station) -> datetime | None:
    """The time of the station's latest heartbeat: the end of its latest span minus the cover."""
    end = (
        OnlineSpan.objects.filter(station_id=station.pk)
        .order_by("-end")
        .values_list("end", flat=True)
        .first()
    )
    return None if end is None else end - COVER


# --- rebuilding the rollups ------------------------------------------------------------------------


def _lock_spans_for_rebuild() -> None:
    """On PostgreSQL, hold off heartbeat writers until the rebuild commits (they then add to the new
    rows); on SQLite the IMMEDIATE transaction already excludes every other writer."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"LOCK TABLE {connection.ops.quote_name(OnlineSpan._meta.db_table)} IN SHARE ROW EXCLUSIVE MODE"
            )


@transaction.atomic
def uptime_rebuild(*, county=None, station=None) -> int:
    """Recompute the day and month online rollups (of one station, one county, or all) from the spans
    and status histories. Idempotent. Returns the number of station-days written."""
    from xiangcun.network.models import Station

    _lock_spans_for_rebuild()
    scope = {"county": county} if county is not None else {}
    if station is not None:
        scope["station"] = station
    StationDayOnline.objects.filter(**scope).delete()
    StationMonthOnline.objects.filter(**scope).delete()
    station_scope = {"county": county} if county is not None else {}
    if station is not None:
        station_scope["pk"] = station.pk
    stations = Station.objects.filter(**station_scope).only(
        "id", "county", "township", "opens_at", "closes_at"
    )
    spans_by_station: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for station_id, s, e in OnlineSpan.objects.filter(**scope).values_list("station_id", "start", "end"):
        spans_by_station[station_id].append((_epoch(s), _epoch(e)))
    changes: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    change_scope = {f"station__{k}" if k != "station" else "station": v for k, v in scope.items()}
    for station_id, pk, at, to in StatusChange.objects.filter(
        station__isnull=False, **change_scope
    ).values_list("station_id", "pk", "effective_at", "to_status"):
        changes[station_id].append((_epoch(at), pk, to))
    day_rows, month_totals = [], defaultdict(int)
    for st in stations:
        spans = spans_by_station.get(st.pk)
        if not spans:
            continue
        ranges = StatusHistory(changes.get(st.pk, ())).operating_day_ranges(st)
        if not ranges:
            continue
        opens, closes = _hours_s(st)
        per_day: dict[int, int] = defaultdict(int)
        for s, e in spans:
            for day, seconds in _window_overlaps(opens, closes, s, e):
                per_day[day] += seconds
        for day, seconds in sorted(per_day.items()):
            if not in_ranges(day, ranges):
                continue
            d = _day_date(day)
            day_rows.append(
                StationDayOnline(county_id=st.county_id, station_id=st.pk, day=d, online_seconds=seconds)
            )
            month_totals[(st.county_id, st.township_id, st.pk, d.replace(day=1))] += seconds
    StationDayOnline.objects.bulk_create(day_rows, batch_size=5000)
    StationMonthOnline.objects.bulk_create(
        [
            StationMonthOnline(county_id=c, township_id=t, station_id=s, month=m, online_seconds=v)
            for (c, t, s, m), v in month_totals.items()
        ],
        batch_size=5000,
    )
    return len(day_rows)

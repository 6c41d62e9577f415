"""Database helpers for the write-heavy paths (ledger sync, heartbeats).

SQLite allows one writer at a time. A writer that finds the database locked waits in SQLite's busy
handler, which sleeps in coarse steps (1, 2, 5, 10 … 100 ms) and so wakes long after the lock is free:
with two server processes writing small transactions back to back, most of the time goes to sleeping.
`write_lock()` queues the hot writers of this machine on an OS file lock instead (`flock`), which hands
the lock over as soon as it is released. On PostgreSQL (row locks, MVCC) it does nothing.
"""

import fcntl
import os
import threading
from contextlib import contextmanager
from datetime import date

from django.db import connection
from django.db.models import BigIntegerField, DateField, Func

_handles: dict[str, int] = {}
# flock excludes other processes; threads of one process share the descriptor, so they also queue here.
_thread_lock = threading.Lock()


def _lock_fd(path: str) -> int:
    fd = _handles.get(path)
    if fd is None:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        _handles[path] = fd
    return fd


@contextmanager
def write_lock():
    """Hold the machine-wide write lock of the SQLite database around a write transaction."""
    name = connection.settings_dict.get("NAME")
    if connection.vendor != "sqlite" or not name or str(name).startswith((":memory:", "file:memorydb")):
        yield
        return
    with _thread_lock:
        fd = _lock_fd(f"{name}.write-lock")
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)


def raw_rows(queryset) -> list[tuple]:
    """The rows of a `values_list` queryset as the database driver returns them, skipping Django's
    per-row field converters (for large reads of plain columns). Dates come back as `date` on
    PostgreSQL and as ISO strings on SQLite (see `as_date`); money columns as integer fen. The columns
    come in the SQL's order: model fields first, then annotations, so list annotations last."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def as_date(value) -> date:
    """A date column's raw value (a `date`, or an ISO string on SQLite) as a `date`."""
    return value if isinstance(value, date) else date.fromisoformat(value)


class EpochSeconds(Func):
    """Whole seconds since 1970 (UTC) of a datetime column, computed by the database: an integer, so a
    large read has no per-row datetime parsing in Python. Sub-seconds are dropped (rounded down), as
    `stations.uptime.epoch` does."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite stores UTC datetimes as text; strftime('%s') reads them. '%%%%' survives the template
        # and the driver's parameter formatting as a single '%'.
        template = "CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        template = "CAST(FLOOR(EXTRACT(EPOCH FROM %(expressions)s)) AS BIGINT)"
        return self.as_sql(compiler, connection, template=template, **extra_context)


class BeijingMonth(Func):
    """The first day of the Beijing-time (UTC+8, no daylight saving since 1991) month of a datetime
    column, computed natively: what `TruncMonth(column, tzinfo=Asia/Shanghai)` gives, without Django's
    per-row Python function on SQLite (a rollup rebuild over half a million parcels spent most of its
    time there). NULL stays NULL."""

    output_field = DateField()

    def as_sqlite(self, compiler, connection, **extra_context):
        template = "date(%(expressions)s, '+8 hours', 'start of month')"
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        template = "CAST(date_trunc('month', %(expressions)s AT TIME ZONE 'Asia/Shanghai') AS date)"
        return self.as_sql(compiler, connection, template=template, **extra_context)

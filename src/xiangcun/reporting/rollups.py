"""Keeping the monthly ledger rollups fresh, and rebuilding them from the raw ledger.

Writers call `ledger_add` inside their transaction with the change they made (new entries, or entries
that became void). The three levels (station, township, county) are upserted with integer increments,
so concurrent writers add up instead of overwriting each other. `ledger_rebuild` recomputes everything
from the ledger and must give the same rows (tested).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, DateField, Q, Sum
from django.db.models.functions import Trunc

from xiangcun.stations.choices import VOID_STATUSES

from .models import CountyMonth, StationMonth, TownshipMonth

TZ = ZoneInfo("Asia/Shanghai")
TOTAL_COLUMNS = ("count", "amount", "fee", "void_count", "void_amount")


def month_of(moment: datetime) -> date:
    """The first day of the Beijing-time calendar month of an aware datetime."""
    local = moment.astimezone(TZ)
    return date(local.year, local.month, 1)


@dataclass(frozen=True)
class LedgerDelta:
    """A change to the totals of one station, month and service kind (amounts in fen)."""

    county_id: int
    township_id: int
    station_id: int
    month: date
    kind: str
    count: int = 0
    amount: int = 0
    fee: int = 0
    void_count: int = 0
    void_amount: int = 0


def _upsert(
    table: str, keys: tuple[str, ...], conflict: tuple[str, ...], rows: dict[tuple, list[int]]
) -> None:
    """Add `rows` ({key values: totals}) to `table`, whose unique constraint is on `conflict`."""
    if not rows:
        return
    qn = connection.ops.quote_name
    columns = [*keys, *TOTAL_COLUMNS]
    updates = ", ".join(f"{qn(c)} = {qn(table)}.{qn(c)} + excluded.{qn(c)}" for c in TOTAL_COLUMNS)
    # Only table and column names from the models are formatted in; values are parameters.
    sql = (
        f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(qn(k) for k in conflict)}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[*key, *totals] for key, totals in rows.items()])


def ledger_add(deltas: Iterable[LedgerDelta]) -> None:
    """Add `deltas` to the station, township and county month rollups (call inside the writer's
    transaction)."""
    station_rows: dict[tuple, list[int]] = defaultdict(lambda: [0] * 5)
    for d in deltas:
        totals = station_rows[(d.county_id, d.township_id, d.station_id, d.month, d.kind)]
        totals[0] += d.count
        totals[1] += d.amount
        totals[2] += d.fee
        totals[3] += d.void_count
        totals[4] += d.void_amount
    ledger_add_station_rows(station_rows)


def ledger_add_station_rows(station_rows: dict[tuple, list[int]]) -> None:
    """Add totals keyed by (county_id, township_id, station_id, month, kind) → [count, amount fen, fee
    fen, void_count, void_amount fen] to all three rollup levels."""
    township_rows: dict[tuple, list[int]] = defaultdict(lambda: [0] * 5)
    county_rows: dict[tuple, list[int]] = defaultdict(lambda: [0] * 5)
    for (county_id, township_id, _station_id, month, kind), values in station_rows.items():
        for totals in (
            township_rows[(county_id, township_id, month, kind)],
            county_rows[(county_id, month, kind)],
        ):
            for i, v in enumerate(values):
                totals[i] += v
    _upsert(
        StationMonth._meta.db_table,
        ("county_id", "township_id", "station_id", "month", "kind"),
        ("county_id", "station_id", "month", "kind"),
        station_rows,
    )
    township_keys = ("county_id", "township_id", "month", "kind")
    _upsert(TownshipMonth._meta.db_table, township_keys, township_keys, township_rows)
    county_keys = ("county_id", "month", "kind")
    _upsert(CountyMonth._meta.db_table, county_keys, county_keys, county_rows)


def ledger_aggregate(transactions) -> list[dict]:
    """Station × month × kind totals of a Transaction queryset, computed from the raw rows."""
    void = Q(status__in=VOID_STATUSES)
    return list(
        transactions.annotate(month=Trunc("occurred_at", "month", output_field=DateField(), tzinfo=TZ))
        .values("county_id", "station__township_id", "station_id", "month", "kind")
        .annotate(
            n=Count("id"),
            total=Sum("amount"),
            fees=Sum("fee"),
            void_n=Count("id", filter=void),
            void_total=Sum("amount", filter=void),
        )
        .order_by()
    )


@transaction.atomic
def ledger_rebuild(*, county=None) -> int:
    """Recompute the ledger rollups (of one county, or all) from the ledger; returns station-month rows.

    Idempotent: the rollup rows are deleted and recreated in one transaction.
    """
    from xiangcun.stations.models import Transaction

    scope = {"county": county} if county is not None else {}
    for model in (StationMonth, TownshipMonth, CountyMonth):
        model.objects.filter(**scope).delete()
    deltas = [
        LedgerDelta(
            county_id=row["county_id"],
            township_id=row["station__township_id"],
            station_id=row["station_id"],
            month=row["month"],
            kind=row["kind"],
            count=row["n"],
            amount=_fen(row["total"]),
            fee=_fen(row["fees"]),
            void_count=row["void_n"],
            void_amount=_fen(row["void_total"]),
        )
        for row in ledger_aggregate(Transaction.objects.filter(**scope))
    ]
    ledger_add(deltas)
    return len(deltas)


def _fen(value) -> int:
    return 0 if value is None else int(value * 100)

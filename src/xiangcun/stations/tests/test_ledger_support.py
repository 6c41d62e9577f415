"""Builders shared by the ledger tests (sync, ledger API, reconciliation, charges): no tests here.

`ledger_world()` builds two stations of 大名县 in different townships, one station in 邻县, their
managers and terminals, and users of the other roles. `tx_item()` is a valid sync item.
"""

import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

from django.db import connection, connections

from xiangcun.core.models import AuditEvent
from xiangcun.core.testing import make_station, make_user
from xiangcun.regions.models import Village
from xiangcun.reporting.models import CountyMonth, StationMonth, TownshipMonth
from xiangcun.reporting.rollups import ledger_rebuild
from xiangcun.stations.models import Transaction, TransactionEvent
from xiangcun.stations.terminals import terminal_issue

BEIJING = timezone(timedelta(hours=8))
S1, S2, S3 = "130425100201-01", "130425201201-01", "130426100201-01"


def sync_url(code: str) -> str:
    return f"/api/v1/stations/{code}/sync"


def ledger_world(county, other_county, superuser, bureau, contractor, auditor, other_bureau):
    villages = {v.code: v for v in Village.objects.all()}
    s1 = make_station(villages["130425100201"], status="operating", name="甲1村服务站")
    s2 = make_station(villages["130425201201"], status="operating", name="乙1村服务站")
    s3 = make_station(villages["130426100201"], status="operating", name="邻县服务站")
    terminal1, token1 = terminal_issue(actor=superuser, station=s1)
    terminal2, token2 = terminal_issue(actor=superuser, station=s2)
    t1, t2 = county.townships.order_by("code")
    return SimpleNamespace(
        county=county,
        other_county=other_county,
        s1=s1,
        s2=s2,
        s3=s3,
        t1=t1,
        t2=t2,
        terminal1=terminal1,
        token1=token1,
        terminal2=terminal2,
        token2=token2,
        superuser=superuser,
        bureau=bureau,
        contractor=contractor,
        auditor=auditor,
        other_bureau=other_bureau,
        manager1=make_user("station_manager", county, username="manager1", station=s1),
        manager2=make_user("station_manager", county, username="manager2", station=s2),
        manager3=make_user("station_manager", other_county, username="manager3", station=s3),
        township1=make_user("contractor", county, username="township1", township=t1),
    )


def tx_item(n: int = 0, **fields) -> dict:
    """A valid sync item; `n` varies the time (minutes after 2018-05-01 08:00 Beijing) and amount."""
    item = {
        "uuid": str(uuid.uuid4()),
        "kind": "proxy_purchase",
        "occurred_at": (datetime(2018, 5, 1, 8, 0, tzinfo=BEIJING) + timedelta(minutes=n)).isoformat(),
        "amount": f"{10 + n % 90}.{n % 100:02d}",
        "villager_name": f"村民{n}",
        "description": f"代购 {n}",
    }
    item.update(fields)
    return item


KINDS = [
    "proxy_purchase",
    "proxy_sale",
    "bill_payment",
    "cash_withdrawal",
    "insurance_credit",
    "life_service",
]


def varied_items(count: int, *, start: int = 0) -> list[dict]:
    """`count` valid items of every kind, spread over several months (including month ends in Beijing
    time that are still the previous month in UTC)."""
    items = []
    for n in range(start, start + count):
        moment = datetime(2018, 1 + n % 12, 1, 0, 30, tzinfo=BEIJING) + timedelta(hours=n % 7)
        items.append(
            tx_item(
                n,
                kind=KINDS[n % len(KINDS)],
                occurred_at=moment.isoformat(),
                amount=f"{(n * 37) % 900 + 1}.{n % 100:02d}",
                fee=f"{n % 5}.50",
            )
        )
    return items


def ledger_rows(**filters) -> list[tuple]:
    """The stored ledger as comparable tuples, sorted by UUID."""
    return sorted(
        (
            str(t.uuid),
            t.station_id,
            t.county_id,
            t.kind,
            t.status,
            t.occurred_at,
            t.amount,
            t.fee,
            t.villager_name,
            t.description,
        )
        for t in Transaction.objects.filter(**filters)
    )


def intended_rows(items: list[dict], station) -> list[tuple]:
    """What storing `items` (valid, distinct UUIDs) at `station` must give, as `ledger_rows()` tuples."""
    from xiangcun.stations.choices import INITIAL_STATUS

    return sorted(
        (
            i["uuid"],
            station.pk,
            station.county_id,
            i["kind"],
            INITIAL_STATUS[i["kind"]],
            datetime.fromisoformat(i["occurred_at"]),
            Decimal(i["amount"]),
            Decimal(i.get("fee", "0")),
            i.get("villager_name", ""),
            i.get("description", ""),
        )
        for i in items
    )


def rollup_rows() -> list:
    """All three rollup levels as comparable tuples."""
    columns = ("month", "kind", "count", "amount", "fee", "void_count", "void_amount")
    return [
        sorted(StationMonth.objects.values_list("county_id", "station_id", *columns)),
        sorted(TownshipMonth.objects.values_list("county_id", "township_id", *columns)),
        sorted(CountyMonth.objects.values_list("county_id", *columns)),
    ]


def assert_rollups_equal_rebuild() -> list:
    """The rollups kept by the writers equal a fresh `ledger_rebuild()`; returns them."""
    kept = rollup_rows()
    ledger_rebuild()
    assert rollup_rows() == kept
    return kept


def ledger_state() -> tuple:
    """Everything a refused ledger write must leave alone."""
    return (
        ledger_rows(),
        list(TransactionEvent.objects.order_by("pk").values()),
        rollup_rows(),
        AuditEvent.objects.count(),
    )


@contextmanager
def file_database(tmp_path):
    """Threads of a test share a file-backed copy of the in-memory SQLite test database (shared-cache
    memory databases fail concurrent writers with "table is locked" instead of queueing them).

    The copy (schema and the rows made so far) is what connections opened inside the block use; the
    in-memory database is left as it was. Only worker threads may use the database inside the block.
    On PostgreSQL (a real server) nothing changes.
    """
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    import sqlite3

    path = str(tmp_path / "ledger.sqlite3")
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.execute("PRAGMA journal_mode=WAL")
    target.close()
    settings = connections.settings["default"]
    assert settings is connection.settings_dict
    memory = settings["NAME"]
    settings["NAME"] = path
    try:
        yield
    finally:
        settings["NAME"] = memory


def in_thread(function, *args):
    """Run `function(*args)` in a new thread with its own database connection; its result (or raise)."""
    import threading

    outcome = {}

    def run():
        try:
            outcome["value"] = function(*args)
        except BaseException as exc:  # re-raised in the caller
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def run_concurrently(*functions) -> list:
    """Run each function in its own thread (own database connection), all released at once; their
    results in order (the first error is re-raised)."""
    import threading

    barrier = threading.Barrier(len(functions))
    outcomes: list[dict] = [{} for _ in functions]

    def run(function, outcome):
        try:
            barrier.wait()
            outcome["value"] = function()
        except BaseException as exc:  # re-raised in the caller
            outcome["error"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in zip(functions, outcomes, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for outcome in outcomes:
        if "error" in outcome:
            raise outcome["error"]
    return [outcome["value"] for outcome in outcomes]

"""Loading the demo county's station operations: households, staff, the service company, charges,
terminals with their uptime, two years of ledger, reconciliations and the rollups (docs/demo.md).

The network is written through the domain services (devtools.services); operations are far too many
rows for that (about a million ledger entries), so they are bulk-written here: the ledger and the
online spans with a raw multi-row insert (`executemany` on SQLite, `COPY` on PostgreSQL) inside
`core.db.write_lock()`, the rest with `bulk_create`. The rollups are written from the totals the
simulator adds up while generating, exactly what `ledger_rebuild` / `uptime_rebuild` compute from the
rows (tested). One audit event per bulk step records what was loaded and by whom.
"""

import hashlib
import multiprocessing
import secrets
import sqlite3
import traceback
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import islice

from django.db import connection

from xiangcun.accounts.choices import Role
from xiangcun.accounts.models import User
from xiangcun.core.audit import audit_record
from xiangcun.core.db import write_lock
from xiangcun.core.money import from_fen
from xiangcun.households.models import Household
from xiangcun.network.models import Facility, StaffMember, Station
from xiangcun.regions.models import County
from xiangcun.reporting.models import StationDayOnline, StationMonthOnline
from xiangcun.reporting.rollups import ledger_add_station_rows
from xiangcun.stations.models import (
    DailyReconciliation,
    OnlineSpan,
    ServiceCompany,
    StationCharge,
    Terminal,
    Transaction,
)

from .simulation import DemoPlan, draws, people
from .simulation.ledger import (
    LEDGER_COLUMNS,
    Calendar,
    HouseholdRef,
    LedgerTotals,
    OpsStation,
    station_ledger,
)
from .simulation.uptime import UptimeTotals, power_cuts, station_spans

FIRST_DAY, LAST_DAY = date(2017, 1, 1), date(2018, 12, 31)
RECONCILED_DAYS = 31  # the last month of the period is reconciled day by day
RECONCILIATION_DIFFERENCES = 8
CHUNK = 5000
# Simulate in a child process while the parent inserts (see `_messages`); tests may switch it off.
PARALLEL = True
SPAN_COLUMNS = ("county_id", "station_id", "start", "end", "heartbeats")


@dataclass
class OperationsSummary:
    households: int = 0
    staff: int = 0
    charges: int = 0
    terminals: int = 0
    transactions: int = 0
    spans: int = 0
    reconciliations: int = 0
    by_year: dict = field(default_factory=dict)  # year → (entries, amount yuan)
    tiers: dict = field(default_factory=dict)  # tier → stations


def operations_load(
    *,
    admin: User,
    county: County,
    plan: DemoPlan,
    progress,
    scale: float = 1.0,
    first: date = FIRST_DAY,
    last: date = LAST_DAY,
) -> OperationsSummary:
    """Write the demo county's operations for `plan.seed` (inside the caller's transaction). `scale`
    multiplies the ledger's volume (tests use a small one); everything else is the same."""
    summary = OperationsSummary()
    seed = plan.seed
    villages = {v.code: v for v in county.villages.all()}
    progress.start("households", 1)
    planned_households = people.households(draws.for_step(seed, "households"), plan.villages)
    households = _households(county, planned_households, villages)
    summary.households = len(households)
    progress.advance()
    stations = _ops_stations(county, plan)
    progress.start("staff", 1)
    summary.staff = _staff(county, plan, planned_households, households)
    summary.charges = _company_and_charges(admin, county, plan)
    progress.advance()
    summary.terminals = _terminals(admin, county, stations)
    job = operations_job(county, plan, scale=scale, first=first, last=last)
    with_terminal = job.with_terminal
    messages = _messages(job)
    progress.start("ledger", len(stations))
    done: dict = {}
    _bulk_insert(Transaction._meta.db_table, LEDGER_COLUMNS, _rows(messages, "ledger", progress, done))
    totals: LedgerTotals = done["ledger"]
    summary.transactions = totals.rows
    progress.start("uptime", len(with_terminal))
    _bulk_insert(OnlineSpan._meta.db_table, SPAN_COLUMNS, _rows(messages, "spans", progress, done))
    uptime: UptimeTotals = done["spans"]
    progress.start("rollups", 1)
    ledger_add_station_rows(
        {(county.pk, t, s, m, k): v for (s, t, m, k), v in totals.months.items()},
    )
    for (_s, _t, month, _k), (n, amount, *_rest) in totals.months.items():
        count, total = summary.by_year.get(month.year, (0, 0))
        summary.by_year[month.year] = (count + n, total + amount)
    summary.by_year = {y: (n, from_fen(a)) for y, (n, a) in sorted(summary.by_year.items())}
    for tier in totals.tiers.values():
        summary.tiers[tier] = summary.tiers.get(tier, 0) + 1
    summary.spans = uptime.spans
    _online_rollups(county, stations, uptime)
    summary.reconciliations = _reconciliations(admin, county, seed, totals)
    progress.advance()
    audit_record(
        actor=admin,
        action="demo.operations_load",
        instance=county,
        note=(
            f"seed {seed}, scale {scale}: {summary.transactions} ledger entries, {summary.spans} online spans, "
            f"{summary.terminals} terminals, {summary.households} households, {summary.staff} staff, "
            f"{summary.charges} charges, {summary.reconciliations} reconciliations"
        ),
    )
    return summary


def operations_job(county: County, plan: DemoPlan, *, scale: float, first: date, last: date) -> "_Job":
    """The simulators' input for a county whose stations, households and terminals are loaded (tests
    use it to run the simulation again and compare)."""
    stations = _ops_stations(county, plan)
    ids = dict(Household.objects.filter(county=county).values_list("code", "pk"))
    refs = defaultdict(list)
    for h in people.households(draws.for_step(plan.seed, "households"), plan.villages):
        refs[h.village_code].append(HouseholdRef(ids[h.code], h.village_code, h.head_name, h.phone))
    terminals = set(Terminal.objects.filter(county=county).values_list("station_id", flat=True))
    return _Job(
        seed=plan.seed,
        county_id=county.pk,
        stations=stations,
        with_terminal=[s for s in stations if s.id in terminals],
        households=dict(refs),
        first=first,
        last=last,
        scale=scale,
        reconcile_from=last - timedelta(days=RECONCILED_DAYS - 1),
        tz_suffix="" if connection.vendor == "sqlite" else "+00",
    )


@dataclass
class _Job:
    """What the ledger and uptime simulators need, plain values only (it may go to another process)."""

    seed: int
    county_id: int
    stations: list[OpsStation]
    with_terminal: list[OpsStation]
    households: dict[str, list[HouseholdRef]]
    first: date
    last: date
    scale: float
    reconcile_from: date
    tz_suffix: str


def simulate_operations(job: _Job) -> Iterator[tuple]:
    """The simulators' output as messages: ("ledger", rows) chunks and ("advance", None) per station,
    ("ledger_done", LedgerTotals), then the same for "spans" and ("spans_done", UptimeTotals)."""
    days = Calendar(job.first, job.last)
    totals = LedgerTotals()
    chunk: list[tuple] = []
    for st in job.stations:
        for row in station_ledger(
            job.seed,
            st,
            job.households.get(st.village_code, ()),
            days,
            totals,
            county_id=job.county_id,
            scale=job.scale,
            reconcile_from=job.reconcile_from,
            tz_suffix=job.tz_suffix,
        ):
            chunk.append(row)
            if len(chunk) == CHUNK:
                yield "ledger", chunk
                chunk = []
        yield "advance", None
    yield "ledger", chunk
    yield "ledger_done", totals
    uptime = UptimeTotals()
    cuts = power_cuts(job.seed, sorted({s.township_id for s in job.stations}), job.first, job.last)
    chunk = []
    for st in job.with_terminal:
        for row in station_spans(
            job.seed, st, job.first, job.last, cuts, uptime, county_id=job.county_id, tz_suffix=job.tz_suffix
        ):
            chunk.append(row)
            if len(chunk) == CHUNK:
                yield "spans", chunk
                chunk = []
        yield "advance", None
    yield "spans", chunk
    yield "spans_done", uptime


def _child(job: _Job, queue) -> None:
    try:
        for message in simulate_operations(job):
            queue.put(message)
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises
        queue.put(("error", traceback.format_exc()))


def _messages(job: _Job) -> Iterator[tuple]:
    """The producer's messages. With `fork` available (Linux) it runs in a child process, so the
    simulation (one core) overlaps the inserts (the other core); elsewhere it runs inline. The child
    only computes: it never touches the database connection it inherits."""
    if PARALLEL and "fork" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("fork")
        queue = context.Queue(maxsize=16)
        child = context.Process(target=_child, args=(job, queue), daemon=True)
        child.start()
        try:
            while True:
                message = queue.get()
                if message[0] == "error":
                    raise RuntimeError(f"demo simulation failed:\n{message[1]}")
                yield message
                if message[0] == "spans_done":
                    break
        finally:
            if child.is_alive():
                child.terminate()
            child.join()
    else:
        yield from simulate_operations(job)


def _rows(messages: Iterator[tuple], what: str, progress, done: dict) -> Iterator[tuple]:
    """The rows of the `what` messages, advancing `progress` per station; the closing totals go to
    `done[what]`."""
    for kind, payload in messages:
        if kind == what:
            yield from payload
        elif kind == "advance":
            progress.advance()
        elif kind == f"{what}_done":
            done[what] = payload
            return


def _households(county: County, planned, villages) -> dict[str, Household]:
    rows = Household.objects.bulk_create(
        [
            Household(
                county=county,
                village=villages[h.village_code],
                code=h.code,
                head_name=h.head_name,
                members=h.members,
                status=h.status,
                is_demo=True,
            )
            for h in planned
        ]
    )
    return {h.code: h for h in rows}


def _ops_stations(county: County, plan: DemoPlan) -> list[OpsStation]:
    histories = {s.code: s for s in plan.stations}
    poor = {v.code: v for v in plan.villages}
    managers = dict(
        User.objects.filter(role=Role.STATION_MANAGER, station__county=county).values_list("station_id", "pk")
    )
    admin_id = User.objects.get(username="admin", is_demo=True).pk
    out = []
    rows = Station.objects.filter(county=county).order_by("code")
    for index, s in enumerate(
        rows.values("pk", "township_id", "code", "village__code", "opens_at", "closes_at", "equipment")
    ):
        site = histories[s["code"]]
        village = poor[s["village__code"]]
        out.append(
            OpsStation(
                id=s["pk"],
                township_id=s["township_id"],
                code=s["code"],
                index=index,
                village_code=s["village__code"],
                is_poor=village.is_poor,
                population=village.population,
                opens=s["opens_at"],
                closes=s["closes_at"],
                history=site.history,
                has_terminal=bool(s["equipment"].get("terminal")),
                actor_id=managers.get(s["pk"], admin_id),
            )
        )
    return out


def _staff(county: County, plan: DemoPlan, planned_households, households: dict[str, Household]) -> int:
    planned = people.staff(
        draws.for_step(plan.seed, "staff"),
        plan.facilities,
        plan.stations,
        planned_households,
        {v.code for v in plan.villages if v.is_poor},
    )
    facilities = dict(Facility.objects.filter(county=county).values_list("code", "pk"))
    stations = dict(Station.objects.filter(county=county).values_list("code", "pk"))
    rows = StaffMember.objects.bulk_create(
        [
            StaffMember(
                county=county,
                facility_id=None if p.is_station else facilities[p.site_code],
                station_id=stations[p.site_code] if p.is_station else None,
                name=p.name,
                position=p.position,
                phone=p.phone,
                from_poor_household=p.from_poor_household,
                household=households[p.household_code] if p.household_code else None,
                hired_on=p.hired_on,
                left_on=p.left_on,
                is_demo=True,
            )
            for p in planned
        ],
        batch_size=1000,
    )
    return len(rows)


def _company_and_charges(admin: User, county: County, plan: DemoPlan) -> int:
    company = ServiceCompany.objects.create(
        county=county,
        name=people.COMPANY_NAME,
        is_demo=True,
        **dict.fromkeys(ServiceCompany.OFFER_FIELDS, True),
    )
    audit_record(actor=admin, action="service_company.create", instance=company)
    stations = dict(Station.objects.filter(county=county).values_list("code", "pk"))
    planned = people.charges(draws.for_step(plan.seed, "charges"), plan.stations)
    StationCharge.objects.bulk_create(
        [
            StationCharge(
                county=county,
                station_id=stations[c.station_code],
                charged_on=c.charged_on,
                kind=c.kind,
                amount=c.amount,
                charged_by=people.CONTRACTOR,
                note=c.note,
                recorded_by=admin,
            )
            for c in planned
        ]
    )
    return len(planned)


def _terminals(admin: User, county: County, stations: list[OpsStation]) -> int:
    """A terminal for every station with one in its equipment that operated in the period. Demo
    terminals hold no usable token (a hash of nothing anyone knows): issue one on the terminals page."""
    rows = []
    for st in stations:
        if not st.has_terminal or not any(s == "operating" for s, _at in st.history):
            continue
        rows.append(
            Terminal(
                county=county,
                station_id=st.id,
                serial=f"DM-T{st.index + 1:04d}",
                token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
                token_prefix="demo",
            )
        )
    Terminal.objects.bulk_create(rows)
    audit_record(actor=admin, action="demo.terminals_load", instance=county, note=f"{len(rows)} terminals")
    return len(rows)


def _bulk_insert(table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """Insert `rows` into `table` in chunks: sqlite3 `executemany` or PostgreSQL `COPY`."""
    qn = connection.ops.quote_name
    names = ", ".join(qn(c) for c in columns)
    rows = iter(rows)
    with write_lock(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # The indexes of a million rows (a random UUID, two time orders) outgrow SQLite's default
            # 2 MB page cache: with 256 MB the insert runs several times faster.
            cursor.execute("PRAGMA cache_size = -262144")
            # Only table and column names from the models are formatted in; values are parameters.
            sql = f"INSERT INTO {qn(table)} ({names}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
            while chunk := list(islice(rows, CHUNK)):
                sqlite3.Cursor.executemany(cursor.cursor, sql, chunk)
        elif connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {qn(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:  # pragma: no cover - other backends: Django's executemany
            sql = f"INSERT INTO {qn(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
            while chunk := list(islice(rows, CHUNK)):
                cursor.executemany(sql, chunk)


def _online_rollups(county: County, stations: list[OpsStation], uptime: UptimeTotals) -> None:
    """StationDayOnline and StationMonthOnline from the per-day online seconds (raw insert: ~200,000
    station-days)."""
    township = {s.id: s.township_id for s in stations}
    months: dict[tuple[int, date], int] = defaultdict(int)
    for (station_id, day), seconds in uptime.days.items():
        months[(station_id, day.replace(day=1))] += seconds
    sqlite = connection.vendor == "sqlite"
    _bulk_insert(
        StationDayOnline._meta.db_table,
        ("county_id", "station_id", "day", "online_seconds"),
        (
            (county.pk, station_id, day.isoformat() if sqlite else day, seconds)
            for (station_id, day), seconds in sorted(uptime.days.items())
        ),
    )
    StationMonthOnline.objects.bulk_create(
        [
            StationMonthOnline(
                county_id=county.pk, township_id=township[s], station_id=s, month=m, online_seconds=v
            )
            for (s, m), v in sorted(months.items())
        ],
        batch_size=5000,
    )


def _reconciliations(admin: User, county: County, seed: int, totals: LedgerTotals) -> int:
    """Every station's cash and bill totals of the reconciled days, against the statement: equal but
    for RECONCILIATION_DIFFERENCES days where the statement shows a difference (a reversal not yet
    entered, a withdrawal entered twice)."""
    rng = draws.for_step(seed, "reconciliations")
    keys = sorted(totals.reconciled, key=lambda k: (k[0], k[1], k[2]))
    differ = set(rng.sample(keys, min(RECONCILIATION_DIFFERENCES, len(keys))))
    rows = []
    for key in keys:
        station_id, day, kind = key
        n, total = totals.reconciled[key]
        statement, note = total, ""
        if key in differ:
            delta = rng.choice((-10000, -5000, -2000, 5000, 10000))
            statement = max(total + delta, 0)
            note = (
                "银行流水与台账不符，待核查"
                if kind == "cash_withdrawal"
                else "缴费机构对账单与台账不符，待核查"
            )
        rows.append(
            DailyReconciliation(
                county=county,
                station_id=station_id,
                day=day,
                kind=kind,
                ledger_count=n,
                ledger_total=from_fen(total),
                statement_total=from_fen(statement),
                recorded_by=admin,
                note=note,
            )
        )
    DailyReconciliation.objects.bulk_create(rows, batch_size=2000)
    return len(rows)

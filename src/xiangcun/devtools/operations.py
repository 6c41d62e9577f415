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
from decimal import Decimal
from itertools import islice

from django.core.management.color import no_style
from django.db import connection

from xiangcun.accounts.choices import Role
from xiangcun.accounts.models import User
from xiangcun.core.audit import audit_record
from xiangcun.core.db import write_lock
from xiangcun.core.money import from_fen
from xiangcun.households.models import Household
from xiangcun.logistics import services as logistics_services
from xiangcun.logistics.models import Leg, Scan, Shipment
from xiangcun.logistics.rollups import delivery_rollup_rebuild
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

from .simulation import DemoPlan, draws, parcels, people
from .simulation.ledger import (
    LEDGER_COLUMNS,
    Calendar,
    HouseholdRef,
    LedgerTotals,
    OpsStation,
    station_ledger,
)
from .simulation.parcels import (
    LEG_COLUMNS,
    SCAN_COLUMNS,
    SHIPMENT_COLUMNS,
    CarrierRef,
    Ids,
    ParcelStation,
    ParcelTotals,
    StationCourier,
)
from .simulation.uptime import UptimeTotals, power_cuts, station_spans

FIRST_DAY, LAST_DAY = date(2017, 1, 1), date(2018, 12, 31)
RECONCILED_DAYS = 31  # the last month of the period is reconciled day by day
RECONCILIATION_DIFFERENCES = 8
CHUNK = 5000
# Simulate in a child process while the parent inserts (see `_messages`); tests may switch it off.
PARALLEL = True
# SQLite: drop the indexes of the ledger and parcel tables during their insert, create them after.
DROP_INDEXES = True
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
    carriers: int = 0
    shipments: int = 0
    legs: int = 0
    scans: int = 0
    parcels: ParcelTotals | None = None
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
    summary.carriers = _carriers(admin, county, plan)
    job = operations_job(county, plan, scale=scale, first=first, last=last)
    with_terminal = job.with_terminal
    messages = _messages(job)
    progress.start("ledger", len(stations))
    done: dict = {}
    counts = _insert_streams(
        messages,
        {
            "ledger": (Transaction, LEDGER_COLUMNS),
            "shipments": (Shipment, SHIPMENT_COLUMNS),
            "legs": (Leg, LEG_COLUMNS),
            "scans": (Scan, SCAN_COLUMNS),
        },
        progress,
        done,
        until="ledger_done",
    )
    totals: LedgerTotals
    totals, parcel_totals = done["ledger_done"]
    summary.transactions = totals.rows
    summary.shipments, summary.legs, summary.scans = counts["shipments"], counts["legs"], counts["scans"]
    summary.parcels = parcel_totals
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
    delivery_rollup_rebuild(county=county)
    progress.advance()
    audit_record(
        actor=admin,
        action="demo.operations_load",
        instance=county,
        county=county,
        note=(
            f"seed {seed}, scale {scale}: {summary.transactions} ledger entries, {summary.spans} online spans, "
            f"{summary.terminals} terminals, {summary.households} households, {summary.staff} staff, "
            f"{summary.charges} charges, {summary.reconciliations} reconciliations"
        ),
    )
    audit_record(
        actor=admin,
        action="demo.shipments_load",
        instance=county,
        county=county,
        note=(
            f"seed {seed}, scale {scale}: {summary.shipments} parcels, {summary.legs} legs, "
            f"{summary.scans} scans of {summary.carriers} carriers"
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
    terminals = dict(Terminal.objects.filter(county=county).values_list("station_id", "serial"))
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
        parcel_stations=_parcel_stations(county, plan, stations, terminals),
        carriers=_carrier_refs(county),
        township_codes=dict(county.townships.values_list("pk", "code")),
        admin_id=User.objects.get(username="admin", is_demo=True).pk,
        ids=_next_ids(),
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
    parcel_stations: dict[int, ParcelStation]  # station id → what its courier needs
    carriers: list[CarrierRef]
    township_codes: dict[int, str]
    admin_id: int
    ids: tuple[int, int, int]  # the largest transaction, shipment and leg ids before the load


def couriers(job: _Job, ids: Ids, totals: ParcelTotals) -> dict[int, StationCourier]:
    """Every station's courier (the logistics model and parcel rows of `simulation.parcels`)."""
    blocked = parcels.weather(job.seed, sorted(set(job.township_codes.values())), job.first, job.last)
    paused = parcels.pause_days(range(job.first.year, job.last.year + 2))
    end_epoch = parcels.midnight(parcels.day_index(job.last + timedelta(days=1)))
    return {
        st.id: StationCourier(
            job.seed,
            job.parcel_stations[st.id],
            job.carriers,
            blocked=blocked[job.township_codes[st.township_id]],
            paused=paused,
            end_epoch=end_epoch,
            county_id=job.county_id,
            admin_id=job.admin_id,
            ids=ids,
            totals=totals,
            tz_suffix=job.tz_suffix,
        )
        for st in job.stations
    }


def simulate_operations(job: _Job) -> Iterator[tuple]:
    """The simulators' output as messages: ("ledger", rows), ("shipments", rows), ("legs", rows) and
    ("scans", rows) chunks, ("advance", None) per station, ("ledger_done", (LedgerTotals,
    ParcelTotals)), then ("spans", rows) chunks, ("advance", None) per terminal and ("spans_done",
    UptimeTotals)."""
    days = Calendar(job.first, job.last)
    totals = LedgerTotals()
    parcel_totals = ParcelTotals()
    ids = Ids(*job.ids)
    by_station = couriers(job, ids, parcel_totals)
    chunks: dict[str, list[tuple]] = {"ledger": [], "shipments": [], "legs": [], "scans": []}
    for st in job.stations:
        courier = by_station[st.id]
        chunk = chunks["ledger"]
        for row in station_ledger(
            job.seed,
            st,
            job.households.get(st.village_code, ()),
            days,
            totals,
            courier=courier,
            county_id=job.county_id,
            scale=job.scale,
            reconcile_from=job.reconcile_from,
            tz_suffix=job.tz_suffix,
        ):
            chunk.append(row)
            if len(chunk) == CHUNK:
                yield "ledger", chunk
                chunk = chunks["ledger"] = []
        for what, rows in zip(("shipments", "legs", "scans"), courier.drain(), strict=True):
            chunks[what].extend(rows)
        if len(chunks["scans"]) >= CHUNK:
            # Parents before children (entries, parcels, legs, scans): a row whose parent is not there yet
            # is a pending deferred foreign-key violation, and while one is pending SQLite searches the
            # child table for every parent row inserted.
            for what, rows in chunks.items():
                yield what, rows
                chunks[what] = []
        yield "advance", None
    for what, rows in chunks.items():
        yield what, rows
    yield "ledger_done", (totals, parcel_totals)
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


def _insert_streams(messages: Iterator[tuple], tables: dict, progress, done: dict, *, until: str) -> dict:
    """Insert the row chunks of several tables as they come ({message kind: (model, columns)}), until
    the `until` message (its payload goes to `done[until]`); the number of rows per kind. Foreign keys
    between the tables are checked at commit (deferred), so the order of the chunks does not matter."""
    counts = dict.fromkeys(tables, 0)
    with write_lock(), connection.cursor() as cursor:
        vendor = connection.vendor
        qn = connection.ops.quote_name
        statements = {}
        for kind, (model, columns) in tables.items():
            names = ", ".join(qn(c) for c in columns)
            table = qn(model._meta.db_table)
            if vendor == "postgresql":
                statements[kind] = f"COPY {table} ({names}) FROM STDIN"
            else:
                marks = ", ".join(("?" if vendor == "sqlite" else "%s") for _c in columns)
                # Only table and column names from the models are formatted in; values are parameters.
                statements[kind] = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
        rebuild = []
        if vendor == "sqlite":
            cursor.execute("PRAGMA cache_size = -262144")  # see _bulk_insert
            if DROP_INDEXES:
                rebuild = _drop_indexes(cursor, [model._meta.db_table for model, _c in tables.values()])
        for kind, payload in messages:
            if kind in tables:
                counts[kind] += len(payload)
                if not payload:
                    continue
                if vendor == "sqlite":
                    sqlite3.Cursor.executemany(cursor.cursor, statements[kind], payload)
                elif vendor == "postgresql":
                    with cursor.cursor.copy(statements[kind]) as copy:
                        for row in payload:
                            copy.write_row(row)
                else:  # pragma: no cover - other backends: Django's executemany
                    cursor.executemany(statements[kind], payload)
            elif kind == "advance":
                progress.advance()
            elif kind == until:
                done[until] = payload
                break
        for sql in rebuild:
            cursor.execute(sql)
        # The rows carry explicit ids: move PostgreSQL's sequences past them (SQLite does it itself).
        for sql in connection.ops.sequence_reset_sql(no_style(), [model for model, _c in tables.values()]):
            cursor.execute(sql)
    return counts


def _drop_indexes(cursor, tables: list[str]) -> list[str]:
    """Drop the secondary indexes of `tables` (SQLite, inside the load's transaction) and return the
    statements that create them again. Building an index once over millions of sorted keys is several
    times cheaper than updating it row by row; a unique index refuses duplicates when it is created
    again, and the transaction makes the drop invisible to other connections and undoes it on failure."""
    marks = ", ".join(["%s"] * len(tables))
    cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "  # noqa: S608
        f"AND tbl_name IN ({marks}) ORDER BY name",
        tables,
    )
    found = cursor.fetchall()
    for name, _sql in found:
        cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [sql for _name, sql in found]


def _next_ids() -> tuple[int, int, int]:
    """The largest ids of the tables whose rows the simulator numbers (0 when empty)."""
    out = []
    for model in (Transaction, Shipment, Leg):
        out.append(model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
    return tuple(out)


def _carriers(admin: User, county: County, plan: DemoPlan) -> int:
    """The carriers, their presence at the township centers, their tariffs, the platforms' prices
    (`simulation.parcels`), through the logistics services as the demo superuser; the demo carrier
    user works for the funded company."""
    rng = draws.for_step(plan.seed, "carriers")
    centers = sorted((f for f in plan.facilities if f.kind == "township_center"), key=lambda f: f.code)
    rows = {f.code: f for f in Facility.objects.filter(county=county)}
    third_at = set(rng.sample([f.code for f in centers], parcels.CENTERS_OF_THE_THIRD))
    for plan_carrier in parcels.CARRIERS:
        carrier = logistics_services.carrier_create(
            actor=admin,
            county=county,
            name=plan_carrier.name,
            kind=plan_carrier.kind,
            contact_name=plan_carrier.contact_name,
            contact_phone=plan_carrier.contact_phone,
            funded=bool(plan_carrier.funded_route),
            funded_route=plan_carrier.funded_route,
        )
        for center in centers:
            opened = next(at for status, at in center.history if status == "operating").astimezone(draws.TZ)
            since = opened.date()
            if not plan_carrier.at_every_center:
                if center.code not in third_at:
                    continue
                since += timedelta(days=rng.randint(0, parcels.THIRD_JOINS_WITHIN_DAYS))
            logistics_services.presence_record(
                actor=admin, carrier=carrier, facility=rows[center.code], since=since
            )
        for direction, years in parcels.TARIFFS[plan_carrier.key].items():
            for year in parcels.TARIFF_YEARS:
                first, per_kg = years[year]
                logistics_services.tariff_record(
                    actor=admin,
                    carrier=carrier,
                    direction=direction,
                    first_price=Decimal(str(first)),
                    extra_price_per_kg=Decimal(str(per_kg)),
                    valid_from=date(year, 1, 1),
                    valid_until=date(year, 12, 31) if year < parcels.TARIFF_YEARS[-1] else None,
                )
        if plan_carrier.funded_route:
            user = User.objects.get(username="carrier", is_demo=True)
            logistics_services.carrier_account_set(actor=admin, user=user, carrier=carrier)
    for weight, prices in parcels.BENCHMARKS.items():
        observed = [date(y, m, d) for y in parcels.TARIFF_YEARS for m, d in parcels.BENCHMARK_DAYS]
        for on, price in zip(observed, prices, strict=True):
            logistics_services.benchmark_record(
                actor=admin,
                county=county,
                source=parcels.BENCHMARK_SOURCE,
                weight_kg=Decimal(weight),
                price=Decimal(price),
                observed_on=on,
            )
    return len(parcels.CARRIERS)


def _carrier_refs(county: County) -> list[CarrierRef]:
    """The demo carriers in `parcels.CARRIERS` order, with their tariffs in fen per direction and year."""
    from xiangcun.core.money import to_fen
    from xiangcun.logistics.models import Carrier, Tariff

    by_name = {c.name: c for c in Carrier.objects.filter(county=county)}
    refs = []
    for plan_carrier in parcels.CARRIERS:
        carrier = by_name[plan_carrier.name]
        tariffs = {
            (t.direction, t.valid_from.year): (to_fen(t.first_price), to_fen(t.extra_price_per_kg))
            for t in Tariff.objects.filter(carrier=carrier)
        }
        refs.append(CarrierRef(carrier.pk, plan_carrier.waybill_prefix, plan_carrier.share, tariffs))
    return refs


def _parcel_stations(
    county: County, plan: DemoPlan, stations: list[OpsStation], terminals: dict[int, str]
) -> dict[int, ParcelStation]:
    """What each station's courier needs: the center serving it and the warehouse (the rules of
    `logistics.services.serving_center` / `county_warehouse`, which book real parcels), the carriers at
    that center from when."""
    from xiangcun.logistics.models import Carrier, CarrierPresence

    warehouse = logistics_services.county_warehouse(county)
    opened = {
        f.code: next(at for status, at in f.history if status == "operating").astimezone(draws.TZ).date()
        for f in plan.facilities
    }
    index = {c.name: i for i, c in enumerate(parcels.CARRIERS)}
    names = dict(Carrier.objects.filter(county=county).values_list("pk", "name"))
    presences = defaultdict(list)
    for p in CarrierPresence.objects.filter(county=county).order_by("facility_id", "since", "carrier_id"):
        presences[p.facility_id].append((index[names[p.carrier_id]], p.since))
    out = {}
    objects = Station.objects.filter(county=county).select_related("township")
    by_id = {s.pk: s for s in objects}
    for st in stations:
        station = by_id[st.id]
        center = logistics_services.serving_center(station)
        out[st.id] = ParcelStation(
            station_id=st.id,
            code=st.code,
            index=st.index,
            township_code=station.township.code,
            center_id=center.pk,
            center_code=center.code,
            center_opens=opened[center.code],
            warehouse_id=warehouse.pk,
            warehouse_code=warehouse.code,
            carriers=tuple(presences[center.pk]),
            device=terminals.get(st.id) or f"PHONE-{st.code}",
            manager_id=st.actor_id,
        )
    return out


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
    audit_record(
        actor=admin,
        action="demo.terminals_load",
        instance=county,
        county=county,
        note=f"{len(rows)} terminals",
    )
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

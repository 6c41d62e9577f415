"""The demo county, loaded once for this module (seed 1) and checked from every side.

The load takes ~25 s (with the ledger at 2 % of its size: `--scale 0.02`; test_demo_full.py loads it
at full size), so it runs once in a module-scoped fixture outside the per-test transactions;
each test still runs in its own rolled-back transaction, so tests that reset or refuse leave the
loaded county as it was. The module runs on one worker (`make test` distributes by file), with one load.
"""

from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F, Max, Min, Sum
from django.utils import translation

from xiangcun.accounts.models import User
from xiangcun.core.geo import haversine_m
from xiangcun.core.models import AuditEvent
from xiangcun.core.money import to_fen
from xiangcun.core.testing import make_county, make_user
from xiangcun.devtools.operations import FIRST_DAY, LAST_DAY, couriers, operations_job, simulate_operations
from xiangcun.devtools.placement import CountyMap, Seat
from xiangcun.devtools.selectors import demo_digest, operations_digest
from xiangcun.devtools.services import county_input, demo_delete
from xiangcun.devtools.simulation import parcels as parcels_sim
from xiangcun.devtools.simulation import simulate
from xiangcun.devtools.simulation.calendar import operating_days, status_on
from xiangcun.devtools.simulation.catalog import COLD_CHAIN
from xiangcun.devtools.simulation.ledger import Calendar, LedgerTotals, station_ledger
from xiangcun.devtools.simulation.network import TAKEOVER_SHARE
from xiangcun.devtools.simulation.parcels import Ids, ParcelTotals
from xiangcun.devtools.users import DEMO_PASSWORD
from xiangcun.households.models import Household
from xiangcun.logistics.choices import OPEN_STATUSES
from xiangcun.logistics.models import (
    Carrier,
    CarrierAccount,
    CarrierPresence,
    Leg,
    PriceBenchmark,
    Scan,
    Shipment,
    Tariff,
)
from xiangcun.logistics.selectors import price_comparison
from xiangcun.logistics.services import county_warehouse, plan_legs, serving_center
from xiangcun.logistics.tracking import ScanFact, _key_to_fields, derive, route_of
from xiangcun.network.checks import facility_findings, is_compliant
from xiangcun.network.choices import SITE_TRANSITIONS
from xiangcun.network.models import Facility, StaffMember, Station, StatusChange
from xiangcun.network.selectors import coverage_counts, station_compliance, station_list
from xiangcun.regions.models import County, Township, Village
from xiangcun.reporting.models import (
    CountyMonth,
    StationDayOnline,
    StationMonth,
    StationMonthOnline,
    TownshipMonth,
)
from xiangcun.reporting.rollups import ledger_rebuild
from xiangcun.stations.choices import (
    INITIAL_STATUS,
    MAX_AMOUNT,
    TX_TRANSITIONS,
    VOID_STATUSES,
    Marketplace,
    ServiceKind,
)
from xiangcun.stations.models import (
    DailyReconciliation,
    OnlineSpan,
    ServiceCompany,
    StationCharge,
    Terminal,
    Transaction,
)
from xiangcun.stations.uptime import uptime_rebuild

pytestmark = [pytest.mark.django_db]
TZ = ZoneInfo("Asia/Shanghai")
SCALE = "0.02"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo county with seed 1 once; delete it after the module."""
    with django_db_blocker.unblock():
        out, err = StringIO(), StringIO()
        with translation.override("en"):  # module-scoped: runs before the per-test language fixture
            call_command("demo", "--seed", "1", "--scale", SCALE, stdout=out, stderr=err)
        loaded = {
            "stdout": out.getvalue(),
            "stderr": err.getvalue(),
            "digest": demo_digest(),
            "operations": operations_digest(),
        }
    yield loaded
    with django_db_blocker.unblock():
        demo_delete()
        assert not County.objects.exists() and not User.objects.exists()
        assert not Transaction.objects.exists() and not OnlineSpan.objects.exists()
        assert not Shipment.objects.exists() and not Scan.objects.exists() and not Leg.objects.exists()
        assert not Carrier.objects.exists() and not Tariff.objects.exists()
        assert not PriceBenchmark.objects.exists() and not CarrierPresence.objects.exists()
        assert not AuditEvent.objects.exists()


@pytest.fixture
def county(demo):
    return County.objects.get(is_demo=True)


def test_network_counts_and_demo_flags(demo, county):
    kinds = Counter(Facility.objects.values_list("kind", flat=True))
    assert kinds == {"county_center": 1, "county_warehouse": 1, "township_center": 5}
    stations = Station.objects.filter(county=county)
    assert stations.count() == 369  # seed 1: 368 villages + the deliberate second funded station
    assert 350 <= stations.count() <= 380
    assert Counter(stations.values_list("status", flat=True)) == {
        "operating": 361,
        "suspended": 3,
        "building": 3,
        "planned": 2,
    }
    assert county.is_demo and county.townships.count() == 20 and county.villages.count() == 651
    assert not Station.objects.filter(is_demo=False).exists()
    assert not Facility.objects.filter(is_demo=False).exists()
    assert set(county.villages.values_list("facts_source", flat=True)) == {"demo"}
    assert set(county.townships.values_list("express_outlet_source", flat=True)) == {"demo"}
    assert county.townships.filter(has_express_outlet=True).count() == 19
    # The township without an outlet is a 乡 with no delivery center (seed 1: 北峰乡).
    without = county.townships.get(has_express_outlet=False)
    assert (without.name, without.kind, without.facilities.exists()) == ("北峰乡", "township", False)


def test_progress_and_summary_are_printed(demo):
    for step in ("divisions", "villages", "facilities", "stations", "users"):
        assert step in demo["stderr"]
    out = demo["stdout"]
    assert "Demo county 大名县 (130425) loaded with seed 1" in out
    assert "369 stations (361 operating, 3 suspended, 3 under construction, 2 planned), 32 short" in out
    assert "7 facilities (1 county center, 1 county warehouse, 5 township centers), 2 short" in out
    assert f"Password of every demo user: {DEMO_PASSWORD}" in out  # test settings: DEMO_MODE on


def test_every_poor_and_large_village_has_one_funded_station(county):
    with_station = set(Station.objects.filter(county=county).values_list("village_id", flat=True))
    must = county.villages.filter(is_poor=True) | county.villages.filter(population__gte=500)
    assert must.count() == 352  # seed 1: 90 poor villages, 338 of ≥500 residents, 76 both
    assert set(must.values_list("pk", flat=True)) <= with_station
    funded = Counter(
        Station.objects.filter(county=county, funded=True).values_list("village__code", flat=True)
    )
    doubles = {code: n for code, n in funded.items() if n > 1}
    assert len(doubles) == 1 and list(doubles.values()) == [2]
    (code,) = doubles
    assert sorted(Station.objects.filter(village__code=code).values_list("code", flat=True)) == [
        f"{code}-01",
        f"{code}-02",
    ]


def test_the_standards_check_finds_the_deliberate_misses(county):
    findings = station_compliance(Station.objects.filter(county=county))
    codes = Counter(
        (f.code, f.requirement) for station_findings in findings.values() for f in station_findings
    )
    assert codes == {
        ("area_below_min", ""): 12,
        ("area_unknown", ""): 4,
        ("missing_equipment", "terminal"): 6,
        ("missing_signage", "door_sign"): 4,
        ("missing_signage", "light_box"): 4,
        ("duplicate_funded_station", ""): 2,
    }
    assert sum(1 for f in findings.values() if not is_compliant(f)) == 32
    facility = {
        f.code: sorted((x.code, x.requirement) for x in facility_findings(f))
        for f in Facility.objects.filter(county=county)
    }
    misses = {code: f for code, f in facility.items() if f}
    assert sorted(misses.values()) == [
        [("area_below_min", "")],
        [("missing_equipment", "cold_chain_vehicle")],
    ]
    assert all(code.startswith("TC-") for code in misses)


def test_status_histories_follow_the_schedule(county):
    start, end = datetime(2016, 3, 1, tzinfo=TZ), datetime(2018, 12, 31, 23, 59, tzinfo=TZ)
    by_site: dict = {}
    for change in StatusChange.objects.filter(county=county).order_by("effective_at", "id"):
        by_site.setdefault((change.facility_id, change.station_id), []).append(change)
    assert len(by_site) == 7 + 369
    for changes in by_site.values():
        assert changes[0].from_status == "" and changes[0].to_status == "planned"
        for before, after in zip(changes, changes[1:], strict=False):
            assert after.from_status == before.to_status
            assert after.to_status in SITE_TRANSITIONS[before.to_status]
            assert after.effective_at > before.effective_at
        assert start <= changes[0].effective_at and changes[-1].effective_at <= end
        assert changes[-1].actor.username == "admin"
    # Logistics centers operate by the end of January 2018 (R10).
    facility_opened = Facility.objects.filter(county=county).values_list("opened_on", flat=True)
    assert max(facility_opened) <= date(2018, 1, 31)
    # Stations that took over an existing shop opened in 2016 (with a note) and operated through 2017;
    # the others open between January and August 2018. The suspended ones stop in the autumn with a note.
    opened = Station.objects.filter(county=county).exclude(opened_on=None).values_list("opened_on", flat=True)
    takeovers = [d for d in opened if d.year == 2016]
    assert len(takeovers) == round(TAKEOVER_SHARE * 363)  # of the 363 first stations that ever operate
    assert all(date(2016, 3, 1) <= d <= date(2016, 10, 31) for d in takeovers)
    assert all(date(2018, 1, 2) <= d <= date(2018, 8, 31) for d in opened if d.year != 2016)
    notes = StatusChange.objects.filter(county=county, to_status="operating", effective_at__year=2016)
    assert notes.count() == len(takeovers) and all("改造为电商服务站" in n.note for n in notes)
    suspensions = StatusChange.objects.filter(county=county, to_status="suspended")
    assert suspensions.count() == 3 and all(s.note for s in suspensions)
    assert all(
        date(2018, 9, 1) <= s.effective_at.astimezone(TZ).date() <= date(2018, 11, 30) for s in suspensions
    )


def test_coverage_meets_the_plan_at_the_end_of_2018(county):
    counts = coverage_counts(county=county, at=datetime(2018, 12, 31, 23, 59, tzinfo=TZ))
    assert counts["poor_villages_with_station"] == counts["poor_villages"] == 90
    assert counts["villages_with_station"] == 360  # 361 operating stations, one village has two
    assert counts["villages_with_station"] * 2 >= counts["villages"]  # R1.5: ≥50 %
    assert counts["broadband_villages"] == 612 and counts["broadband_villages"] * 10 >= 9 * 651
    assert counts["facilities_operating_township_center"] == 5
    assert counts["townships_with_express_outlet"] == 19 and counts["townships_express_known"] == 20


def test_village_facts_follow_the_documented_distributions(county):
    villages = list(county.villages.select_related("township"))
    residents = [v.population for v in villages if v.kind == "residents"]
    villagers = [v.population for v in villages if v.kind == "villagers"]
    assert len(residents) == 42 and min(residents) >= 900 and max(residents) <= 9000
    assert min(villagers) >= 110 and max(villagers) <= 5000
    assert 290 <= sum(p >= 500 for p in villagers) <= 300
    poor = [v for v in villages if v.is_poor]
    assert 84 <= len(poor) <= 96 and {v.kind for v in poor} == {"villagers"}
    assert 12 <= sum(v.population < 500 for v in poor) <= 20
    assert 0.92 <= sum(v.has_broadband for v in villages) / 651 <= 0.95
    assert all(v.has_broadband for v in villages if v.kind == "residents")


def test_villages_lie_in_their_township_and_stations_near_their_village(county):
    county_map = CountyMap(
        county.outline["coordinates"][0],
        [Seat(t.code, float(t.longitude), float(t.latitude)) for t in county.townships.order_by("code")],
    )
    points = {}
    for v in county.villages.select_related("township"):
        lon, lat = float(v.longitude), float(v.latitude)
        assert county_map.in_township(lon, lat, v.township.code), v.code
        points[v.pk] = (lon, lat)
    for s in Station.objects.filter(county=county):
        d = haversine_m(float(s.longitude), float(s.latitude), *points[s.village_id])
        assert 19 <= d <= 301, s.code


def test_demo_users_cover_every_role_with_the_public_password(county):
    users = {u.username: u for u in User.objects.filter(is_demo=True).select_related("station", "township")}
    assert {u: users[u].role for u in users} == {
        "admin": "",
        "bureau": "bureau_admin",
        "finance": "finance",
        "poverty": "poverty_office",
        "contractor": "contractor",
        "carrier": "carrier",
        "trainer": "trainer",
        "auditor": "auditor",
        "township": "bureau_admin",
        "zhan01": "station_manager",
        "zhan02": "station_manager",
        "zhan03": "station_manager",
    }
    assert users["admin"].is_superuser
    assert all(u.check_password(DEMO_PASSWORD) for u in users.values())
    assert users["township"].township.name == "杨桥镇"
    managers = [users[f"zhan0{i}"].station for i in (1, 2, 3)]
    assert all(s.status == "operating" for s in managers) and len({s.pk for s in managers}) == 3
    findings = station_compliance(Station.objects.filter(pk__in=[s.pk for s in managers]))
    assert [is_compliant(findings[s.pk]) for s in managers] == [True, True, False]
    assert managers[0].township == users["township"].township and managers[1].village.is_poor
    # A station manager sees their own station only.
    assert list(station_list(user=users["zhan01"])) == [managers[0]]


def test_loading_twice_without_reset_fails_and_changes_nothing(demo):
    with pytest.raises(CommandError) as exc:
        call_command("demo", "--seed", "1", stdout=StringIO(), stderr=StringIO())
    assert exc.value.returncode == 1
    assert "already loaded" in str(exc.value) and "--reset" in str(exc.value)
    assert demo_digest() == demo["digest"]


def test_reset_reloads_identically_and_keeps_non_demo_users(demo):
    root = make_user(None, None, username="root")
    call_command(
        "demo", "--reset", "--seed", "1", "--scale", SCALE, "-v", "0", stdout=StringIO(), stderr=StringIO()
    )
    assert demo_digest() == demo["digest"]
    assert operations_digest() == demo["operations"]
    assert User.objects.filter(pk=root.pk, is_demo=False).exists()
    assert County.objects.count() == 1 and Station.objects.count() == 369
    # Nothing of the first load is left behind: one creation event per site.
    assert AuditEvent.objects.filter(action="station.create").count() == 369


def test_a_seed_fixes_the_plan_and_another_seed_changes_it(county):
    data = county_input(county)
    first, again, other = simulate(data, 1), simulate(data, 1), simulate(data, 2)
    assert first.digest() == again.digest() != other.digest()
    loaded = set(Station.objects.values_list("code", flat=True))
    assert {s.code for s in first.stations} == loaded
    assert {s.code for s in other.stations} != loaded
    populations = dict(county.villages.values_list("code", "population"))
    assert {v.code: v.population for v in first.villages} == populations
    assert {v.code: v.population for v in other.villages} != populations
    point = Village.objects.values_list("longitude", "latitude").get(code=first.villages[0].code)
    assert (first.villages[0].longitude, first.villages[0].latitude) == point
    assert (other.villages[0].longitude, other.villages[0].latitude) != point


def test_refuses_when_non_demo_data_exists(demo):
    make_county("130426", "邻县")
    with pytest.raises(CommandError) as exc:
        call_command("demo", "--reset", stdout=StringIO(), stderr=StringIO())
    assert "non-demo data (county 邻县 (130426))" in str(exc.value)
    assert demo_digest() == demo["digest"]


def test_if_empty_skips_a_loaded_database(demo):
    out = StringIO()
    call_command("demo", "--if-empty", "--seed", "2", stdout=out, stderr=StringIO())
    assert out.getvalue() == "A county is already loaded; skipping the demo county.\n"
    assert demo_digest() == demo["digest"]


def test_reset_and_if_empty_exclude_each_other(demo):
    with pytest.raises(CommandError, match="not allowed with argument"):
        call_command("demo", "--reset", "--if-empty", stdout=StringIO(), stderr=StringIO())


def test_non_demo_user_in_the_demo_county_blocks_reset(county, demo):
    make_user("bureau_admin", county, username="real-officer")
    with pytest.raises(CommandError, match="Non-demo users belong to the demo county: real-officer"):
        call_command("demo", "--reset", stdout=StringIO(), stderr=StringIO())
    assert demo_digest() == demo["digest"]


def test_station_fields_look_like_the_plan(county):
    station = Station.objects.select_related("village", "township").get(code="130425100001-01")
    assert station.name == f"{station.village.short_name}电商服务站"
    assert station.address == f"大名县{station.township.name}{station.village.short_name}"
    assert station.manager_phone.startswith("1380000") and len(station.manager_phone) == 11
    assert station.opens_at < station.closes_at and station.funded
    areas = Station.objects.filter(county=county).exclude(area_m2=None).values_list("area_m2", flat=True)
    assert all(a * 2 == int(a * 2) for a in areas)  # surveyed to the half square metre
    assert min(areas) >= Decimal("3") and Station.objects.filter(area_m2=None).count() == 4
    assert Township.objects.filter(facilities__kind="township_center").count() == 5


# --- operations (ledger, uptime, households, staff, charges) -----------------------------------------

END = datetime(2019, 1, 1, tzinfo=TZ)


def _plan(county):
    return simulate(county_input(county), 1)


def _job(county):
    return operations_job(county, _plan(county), scale=float(SCALE), first=FIRST_DAY, last=LAST_DAY)


def _simulated_ledger(county) -> LedgerTotals:
    """The ledger totals of seed 1, simulated again in memory (rows discarded)."""
    for kind, payload in simulate_operations(_job(county)):
        if kind == "ledger_done":
            return payload[0]
    raise AssertionError("no ledger totals")


def test_the_ledger_is_the_simulation_of_the_seed(county):
    """Loading wrote exactly what the simulator generates for seed 1 (run again here): same totals per
    station, month and kind, in the ledger itself and in the rollups."""
    totals = _simulated_ledger(county)
    code = dict(Station.objects.values_list("pk", "code"))
    expected = {
        (code[s], m, k): (v[0], v[1], v[2], v[3], v[4]) for (s, _t, m, k), v in totals.months.items() if v[0]
    }
    rows = {
        (r.station.code, r.month, r.kind): (
            r.count,
            to_fen(r.amount),
            to_fen(r.fee),
            r.void_count,
            to_fen(r.void_amount),
        )
        for r in StationMonth.objects.filter(county=county).select_related("station")
    }
    assert rows == expected
    assert (
        Transaction.objects.filter(county=county).count() == totals.rows == sum(v[0] for v in rows.values())
    )
    assert set(Transaction.objects.values_list("source", flat=True)) == {"demo"}


def test_the_same_seed_gives_the_same_rows_and_another_seed_others(county):
    job = _job(county)
    station = next(
        s for s in job.stations if s.history[-1][0] == "operating" and s.history[2][1].year == 2016
    )
    calendar_ = Calendar(date(2018, 1, 1), date(2018, 3, 31))

    def rows(seed):
        courier = couriers(replace(job, seed=seed), Ids(0, 0, 0), ParcelTotals())[station.id]
        ledger = list(
            station_ledger(seed, station, [], calendar_, LedgerTotals(), courier=courier, county_id=1)
        )
        return ledger, courier.drain()

    first, again, other = rows(1), rows(1), rows(2)
    assert first == again and len(first[0]) > 100 and len(first[1][0]) > 20  # entries, parcels
    assert first[0] != other[0] and first[1] != other[1]


def test_rollups_equal_what_the_rebuilds_compute(county):
    def ledger():
        return (
            sorted(
                (
                    r.station_id,
                    r.township_id,
                    r.month,
                    r.kind,
                    r.count,
                    r.amount,
                    r.fee,
                    r.void_count,
                    r.void_amount,
                )
                for r in StationMonth.objects.filter(county=county)
            ),
            sorted(
                TownshipMonth.objects.filter(county=county).values_list(
                    "township_id", "month", "kind", "count", "amount", "fee", "void_count", "void_amount"
                )
            ),
            sorted(
                CountyMonth.objects.filter(county=county).values_list(
                    "month", "kind", "count", "amount", "fee", "void_count", "void_amount"
                )
            ),
        )

    def online():
        return sorted(
            StationDayOnline.objects.filter(county=county).values_list("station_id", "day", "online_seconds")
        ), sorted(
            StationMonthOnline.objects.filter(county=county).values_list(
                "station_id", "township_id", "month", "online_seconds"
            )
        )

    loaded_ledger, loaded_online = ledger(), online()
    assert loaded_ledger[2] and loaded_online[0]
    ledger_rebuild(county=county)
    uptime_rebuild(county=county)
    assert ledger() == loaded_ledger
    assert online() == loaded_online


def test_stations_record_business_only_while_they_operate_and_2017_is_the_baseline(county):
    plan = _plan(county)
    takeovers = {s.code for s in plan.stations if len(s.history) > 2 and s.history[2][1].year == 2016}
    with_2017 = set(
        Transaction.objects.filter(county=county, occurred_at__lt=datetime(2018, 1, 1, tzinfo=TZ))
        .values_list("station__code", flat=True)
        .distinct()
    )
    assert with_2017 == takeovers and len(takeovers) > 250
    months_2017 = set(
        CountyMonth.objects.filter(county=county, month__year=2017).values_list("month", flat=True)
    )
    assert months_2017 == {date(2017, m, 1) for m in range(1, 13)}
    # Nothing before a station opened, nothing on a day it was not operating at opening time.
    histories = {s.code: s for s in plan.stations}
    for code, opens, first_at, last_at in (
        Transaction.objects.filter(county=county)
        .values("station__code", "station__opens_at")
        .annotate(first=Min("occurred_at"), last=Max("occurred_at"))
        .values_list("station__code", "station__opens_at", "first", "last")
    ):
        site = histories[code]
        for at in (first_at, last_at):
            local = at.astimezone(TZ)
            assert status_on(site.history, datetime.combine(local.date(), opens, tzinfo=TZ)) == "operating"
            assert local.time() >= opens
    planned = [s.code for s in plan.stations if s.final_status in ("planned", "building")]
    assert not Transaction.objects.filter(station__code__in=planned).exists()


def test_statuses_follow_each_kinds_state_machine(county):
    pairs = set(Transaction.objects.filter(county=county).values_list("kind", "status").distinct())
    for kind, status in pairs:
        assert status in TX_TRANSITIONS[kind], (kind, status)
    assert {k for k, _s in pairs} == set(ServiceKind.values)
    # An entry still in its first status has no status change; others changed after they occurred and
    # before the end of 2018.
    for kind, initial in INITIAL_STATUS.items():
        entries = Transaction.objects.filter(county=county, kind=kind)
        assert not entries.filter(status=initial).exclude(status_changed_at=None).exists()
        assert not entries.exclude(status=initial).filter(status_changed_at=None).exists()
    changed = Transaction.objects.filter(county=county).exclude(status_changed_at=None)
    assert not changed.filter(status_changed_at__lt=F("occurred_at")).exists()
    assert not changed.filter(status_changed_at__gte=END).exists()
    # In progress only near the end: the longest paths take 2 days to ship (purchases; their parcels'
    # delivery: test_parcels_agree_with_the_ledger), 24 (sales), 25 (referrals).
    in_progress = {
        "proxy_purchase": (["placed"], 2),
        "proxy_sale": (["listed", "sold", "shipped"], 24),
        "insurance_credit": (["referred"], 25),
    }
    for kind, (statuses, days) in in_progress.items():
        entries = Transaction.objects.filter(county=county, kind=kind, status__in=statuses)
        assert entries.exists()
        assert not entries.filter(occurred_at__lt=END - timedelta(days=days)).exists()
    finals = Transaction.objects.filter(county=county, kind="proxy_purchase", status="picked_up").count()
    voided = Transaction.objects.filter(county=county, status__in=VOID_STATUSES).count()
    assert 0 < voided < finals / 5


def test_entries_look_like_the_services(county):
    entries = Transaction.objects.filter(county=county)
    cash = entries.filter(kind="cash_withdrawal")
    assert not cash.exclude(payment_method="bank_card").exists()
    assert not cash.filter(reference="").exists() and not cash.filter(biller="").exists()
    assert not cash.filter(amount__gt=MAX_AMOUNT["cash_withdrawal"]).exists()
    bills = entries.filter(kind="bill_payment")
    assert not bills.filter(reference="").exists() and not bills.filter(biller="").exists()
    purchases = entries.filter(kind="proxy_purchase")
    assert not purchases.filter(marketplace="").exists() and not purchases.filter(order_no="").exists()
    assert set(purchases.values_list("marketplace", flat=True)) <= set(Marketplace.values)
    for kind, limit in MAX_AMOUNT.items():
        assert not entries.filter(kind=kind, amount__gt=limit).exists()
    assert not entries.filter(villager_name="").exists()
    assert entries.exclude(villager_phone="").count() > entries.count() * 0.7
    linked = entries.exclude(household=None)
    assert linked.exists()
    # Linked entries are the households' heads, at the station of their own village.
    for tx in linked.select_related("household__village", "station__village")[:200]:
        assert tx.villager_name == tx.household.head_name
        assert tx.station.village_id == tx.household.village_id


def test_expected_seasonality_and_spread(county):
    """The simulator's own expectations (the Poisson means) show the seasons; the loaded counts follow
    them within Poisson noise."""
    totals = _simulated_ledger(county)
    expected = totals.expected
    counts = {
        (r["month"], r["kind"]): r["count"]
        for r in CountyMonth.objects.filter(county=county).values("month", "kind", "count")
    }
    for key, mean in expected.items():
        assert abs(counts.get(key, 0) - mean) <= 5 * mean**0.5 + 3, key

    def e(kind, y, m):
        return expected[(date(y, m, 1), kind)]

    for y in (2017, 2018):
        others = [e("proxy_purchase", y, m) for m in (3, 4, 5, 7, 8, 9)]
        assert e("proxy_purchase", y, 11) > 1.2 * max(others)  # 11·11
        assert e("proxy_purchase", y, 6) > 1.1 * max(others[:3])  # 6·18
        quiet = max(e("proxy_sale", y, m) for m in (3, 4, 7, 8))
        assert min(e("proxy_sale", y, m) for m in (6, 9, 10)) > 1.5 * quiet  # harvests
    # Spring Festival: the weeks before (January 2017, early February 2018) surge, the festival dips.
    assert e("cash_withdrawal", 2017, 1) > 1.4 * e("cash_withdrawal", 2017, 3)
    assert e("proxy_purchase", 2017, 2) < e("proxy_purchase", 2017, 3)
    # Strong stations sell more by proxy than average ones, which sell more than struggling ones.
    per_tier: dict = {}
    code = dict(Station.objects.values_list("pk", "code"))
    for (station_id, _t, month, kind), v in totals.months.items():
        if kind == "proxy_purchase" and month.year == 2017:
            per_tier.setdefault(totals.tiers[code[station_id]], []).append(v[0])
    mean = {t: sum(v) / len(v) for t, v in per_tier.items()}
    assert mean["strong"] > 1.3 * mean["average"] > 1.3 * 1.3 * mean["struggling"]


def test_terminals_and_online_rates(county):
    plan = _plan(county)
    stations = {s.pk: s for s in Station.objects.filter(county=county)}
    with_terminal = {s.pk for s in stations.values() if s.equipment.get("terminal") and s.opened_on}
    assert set(Terminal.objects.filter(county=county).values_list("station_id", flat=True)) == with_terminal
    histories = {s.code: s.history for s in plan.stations}
    online = defaultdict(int)
    for station_id, month, seconds in StationMonthOnline.objects.filter(
        county=county, month__year=2018
    ).values_list("station_id", "month", "online_seconds"):
        online[station_id] += seconds
    rates = []
    for station_id in with_terminal:
        s = stations[station_id]
        days = operating_days(histories[s.code], s.opens_at, date(2018, 1, 1), date(2018, 12, 31))
        window = (s.closes_at.hour * 60 + s.closes_at.minute - s.opens_at.hour * 60 - s.opens_at.minute) * 60
        if days:
            rates.append(online[station_id] / (len(days) * window))
    assert len(rates) == len(with_terminal)
    assert all(0 < r <= 1 for r in rates)
    assert sum(0.93 <= r <= 0.999 for r in rates) > 0.75 * len(rates)
    assert sum(r < 0.95 for r in rates) >= 5
    assert OnlineSpan.objects.filter(county=county).count() > 10 * len(with_terminal)


def test_households_staff_company_charges_and_reconciliations(county):
    households = Household.objects.filter(county=county)
    assert 200 <= households.count() <= 600 and all(h.is_demo for h in households)
    assert set(households.values_list("village__is_poor", flat=True)) == {True}
    staff = StaffMember.objects.filter(county=county)
    assert staff.filter(facility__kind="county_center").exists()
    assert staff.filter(facility__kind="county_warehouse").exists()
    assert staff.filter(facility__kind="township_center").count() >= 5 * 5
    assert (
        staff.filter(station__isnull=False).values("station").distinct().count()
        == Station.objects.filter(county=county).exclude(opened_on=None).count()
    )
    poor_hires = staff.filter(from_poor_household=True)
    assert (
        poor_hires.filter(station__isnull=False).exists()
        and poor_hires.filter(facility__isnull=False).exists()
    )
    assert not poor_hires.filter(household=None).exists()
    (company,) = ServiceCompany.objects.filter(county=county)
    assert company.offers_everything and company.is_demo
    charges = StationCharge.objects.filter(county=county)
    forbidden = [c for c in charges if c.forbidden]
    assert len(forbidden) == 1 and forbidden[0].kind == "deposit" and charges.count() > 10
    # Reconciliations: every station-day of December 2018 with cash or bill entries, the ledger side
    # equal to the non-void entries of that day; a few statements differ.
    recs = DailyReconciliation.objects.filter(county=county)
    assert {r.day.month for r in recs} == {12}
    for r in recs.order_by("station_id", "day", "kind")[:300]:
        start = datetime.combine(r.day, datetime.min.time(), tzinfo=TZ)
        entries = Transaction.objects.filter(
            station_id=r.station_id,
            kind=r.kind,
            occurred_at__gte=start,
            occurred_at__lt=start + timedelta(days=1),
        ).exclude(status__in=VOID_STATUSES)
        assert (entries.count(), entries.aggregate(t=Sum("amount"))["t"]) == (r.ledger_count, r.ledger_total)
    assert sum(1 for r in recs if r.difference) == 8
    assert all(r.note for r in recs if r.difference)


# --- logistics (carriers, tariffs, parcels, scans) ----------------------------------------------------

SHIPPED_PURCHASE = ("shipped", "arrived", "picked_up", "returned")
SHIPPED_SALE = ("shipped", "settled", "returned")


def _local_day(moment: datetime) -> date:
    return moment.astimezone(TZ).date()


def test_carriers_their_presence_tariffs_and_the_platforms_prices(county):
    carriers = list(Carrier.objects.filter(county=county))
    assert {c.kind for c in carriers} == {"postal", "logistics", "express"}
    assert all(c.is_demo for c in carriers)
    (funded,) = [c for c in carriers if c.funded]
    assert funded.funded_route and CarrierAccount.objects.get(user__username="carrier").carrier == funded
    centers = Facility.objects.filter(county=county, kind="township_center")
    for center in centers:
        opened = StatusChange.objects.get(facility=center, to_status="operating").effective_at
        here = CarrierPresence.objects.filter(facility=center)
        assert here.count() >= 2
        assert all(p.since >= _local_day(opened) and p.until is None for p in here)
    assert CarrierPresence.objects.filter(carrier=funded).count() == centers.count()
    # 2017 and a cheaper 2018 tariff per carrier and direction.
    for carrier in carriers:
        for direction in ("downstream", "upstream"):
            old, new = Tariff.objects.filter(carrier=carrier, direction=direction).order_by("valid_from")
            assert (old.valid_from, old.valid_until, new.valid_from) == (
                date(2017, 1, 1),
                date(2017, 12, 31),
                date(2018, 1, 1),
            )
            for kg in (1, 3, 10):
                assert new.price_for(kg) < old.price_for(kg)
    # Quarterly observations of 1 kg and 3 kg: the county's cheapest upstream price meets 12 of the 16
    # (every one but the 3-kg ones of 2017), and all that the selector shows at the end of 2018.
    met = []
    admin = User.objects.get(username="admin")
    for bench in PriceBenchmark.objects.filter(county=county):
        (row,) = [
            r
            for r in price_comparison(user=admin, county=county, on=bench.observed_on)
            if r.weight_kg == bench.weight_kg
        ]
        met.append((bench.observed_on.year, int(bench.weight_kg), row.county_price <= bench.price))
    assert len(met) == 16 and sum(ok for *_k, ok in met) == 12
    assert not any(ok for year, kg, ok in met if (year, kg) == (2017, 3))
    latest = price_comparison(user=admin, county=county, on=date(2018, 12, 31))
    assert len(latest) == 2 and all(r.county_price <= r.benchmark for r in latest)


def _center_days(county) -> dict[int, date]:
    """Station id → the local day its serving township center began operating (the delivery ledger
    starts there: parcels entering the three tiers before it are not recorded)."""
    opened = {
        facility_id: _local_day(at)
        for facility_id, at in StatusChange.objects.filter(
            facility__county=county, facility__kind="township_center", to_status="operating"
        ).values_list("facility_id", "effective_at")
    }
    return {s.pk: opened[serving_center(s).pk] for s in Station.objects.filter(county=county)}


def test_one_parcel_per_shipped_order(county):
    entries = Transaction.objects.filter(county=county)
    purchases = entries.filter(kind="proxy_purchase")
    sales = entries.filter(kind="proxy_sale")
    parcels = Shipment.objects.filter(county=county)
    down, up = parcels.filter(direction="downstream"), parcels.filter(direction="upstream")
    # From the day a station's township center operates, every shipped order has its parcel; orders
    # that reached the carriers well before it have none (they went through the carriers' old outlets).
    center_day = _center_days(county)
    linked = set(parcels.values_list("transaction_id", flat=True))
    shipped = [
        (pk, _local_day(at), center_day[station])
        for pk, at, station in purchases.filter(status__in=SHIPPED_PURCHASE).values_list(
            "pk", "occurred_at", "station_id"
        )
    ] + [
        (pk, _local_day(at), center_day[station])
        for pk, at, station in sales.filter(status__in=SHIPPED_SALE).values_list(
            "pk", "occurred_at", "station_id"
        )
    ]
    after = [pk for pk, day, opened in shipped if day >= opened]
    before = [pk for pk, day, opened in shipped if day < opened - timedelta(days=20)]
    assert len(after) > 1000 and len(before) > 1000
    assert set(after) <= linked and not linked & set(before)
    assert down.count() > 1000 and up.count() > 100
    for shipment_id, station_id, sent in parcels.exclude(sent_at=None).values_list(
        "pk", "station_id", "sent_at"
    ):
        assert _local_day(sent) >= center_day[station_id], shipment_id
    assert not down.exclude(transaction__kind="proxy_purchase").exists()
    assert not up.exclude(transaction__kind="proxy_sale").exists()
    assert not down.exclude(transaction__status__in=SHIPPED_PURCHASE).exists()
    assert not up.exclude(transaction__status__in=SHIPPED_SALE).exists()
    assert parcels.values("transaction").distinct().count() == parcels.count()
    assert not parcels.exclude(station=F("transaction__station")).exists()
    assert not parcels.exclude(declared_value=F("transaction__amount")).exists()
    assert not parcels.filter(is_demo=False).exists() and not parcels.filter(weight_kg__lte=0).exists()
    for carrier in Carrier.objects.filter(county=county):
        mine = parcels.filter(carrier=carrier)
        assert mine.values("waybill_no").distinct().count() == mine.count() > 0
    # The route: the serving township center and the county warehouse, as booking a parcel plans it.
    warehouse = county_warehouse(county)
    assert not parcels.exclude(warehouse=warehouse).exists()
    stations = {s.pk: s for s in Station.objects.filter(county=county)}
    centers = {p["station_id"]: p["center_id"] for p in parcels.values("station_id", "center_id").distinct()}
    for station_id, center_id in centers.items():
        assert serving_center(stations[station_id]).pk == center_id
    legs = Leg.objects.filter(shipment__in=parcels[:200]).select_related("shipment")
    for leg in legs:
        planned = plan_legs(
            direction=leg.shipment.direction,
            warehouse=leg.shipment.warehouse,
            center=leg.shipment.center,
            station=leg.shipment.station,
            destination_text=leg.shipment.destination_text,
        )[leg.sequence - 1]
        assert {k: getattr(v, "pk", v) for k, v in planned.items()} == {
            k: getattr(leg, f"{k}_id" if k != "to_text" else k) for k in planned
        }
        assert leg.carrier_id == leg.shipment.carrier_id
    assert {leg.shipment.legs.count() for leg in legs} <= {2, 3}
    # Cold chain: the fresh products going up, nothing else.
    cold = parcels.filter(cold_chain=True)
    assert cold.exists() and not cold.filter(direction="downstream").exists()
    assert set(cold.values_list("transaction__description", flat=True)) <= COLD_CHAIN
    assert not up.filter(cold_chain=False, transaction__description__in=COLD_CHAIN).exists()


def test_parcels_agree_with_the_ledger(county):
    """The ledger's arrived moment is the delivery scan at the station, picked up the signed-for scan,
    returned the returned scan; a purchase still shipped has no delivery yet; a sale ships with the
    station's out scan."""
    scans = defaultdict(dict)
    for tx_id, kind, at in Scan.objects.filter(county=county).values_list(
        "shipment__transaction_id", "kind", "at"
    ):
        if kind != "out" or kind not in scans[tx_id]:
            scans[tx_id].setdefault(kind, at)
    checked = Counter()
    for tx_id, kind, status, changed in Transaction.objects.filter(
        county=county, kind__in=("proxy_purchase", "proxy_sale"), shipments__isnull=False
    ).values_list("pk", "kind", "status", "status_changed_at"):
        mine = scans.get(tx_id, {})
        if kind == "proxy_purchase" and status in SHIPPED_PURCHASE:
            moment = {"arrived": "delivered", "picked_up": "signed_for", "returned": "returned"}.get(status)
            if moment:
                assert mine[moment] == changed, (tx_id, status)
            else:
                assert "delivered" not in mine and "signed_for" not in mine
            if status == "returned":
                assert "signed_for" in mine
            checked[status] += 1
        elif kind == "proxy_sale" and status == "shipped":
            assert mine["out"] == changed
            checked["sale shipped"] += 1
    assert min(checked.values()) > 0 and len(checked) == 5
    shipped = Shipment.objects.filter(transaction__kind="proxy_purchase", transaction__status="shipped")
    assert not shipped.exclude(booked_at=F("transaction__status_changed_at")).exists()
    # Still under way at the end of 2018: the aging list has them.
    open_parcels = Shipment.objects.filter(county=county, status__in=OPEN_STATUSES)
    assert open_parcels.exists()
    assert not open_parcels.filter(booked_at__lt=END - timedelta(days=45)).exists()
    assert not Scan.objects.filter(county=county, at__gte=END).exists()


def test_tracking_fields_are_what_the_scans_give(county):
    """The stored status, times, current site and legs equal `logistics.tracking.derive` of the scans:
    every parcel not signed for and a sample of those signed for."""
    parcels = Shipment.objects.filter(county=county)
    sample = list(parcels.exclude(status="signed_for")) + list(parcels.filter(status="signed_for")[::20])
    assert {s.status for s in sample} >= {
        "created",
        "in_transit",
        "at_site",
        "delivered",
        "signed_for",
        "returned",
    }
    legs_of = defaultdict(list)
    for leg in Leg.objects.filter(shipment__in=sample).order_by("sequence"):
        legs_of[leg.shipment_id].append(leg)
    scans_of = defaultdict(list)
    for shipment_id, kind, key, at in Scan.objects.filter(shipment__in=sample).values_list(
        "shipment_id", "kind", "site_key", "at"
    ):
        scans_of[shipment_id].append(ScanFact(kind, key, at))
    for s in sample:
        legs = legs_of[s.pk]
        t = derive(route_of(legs), scans_of[s.pk], direction=s.direction, booked_at=s.booked_at)
        derived = {"status": t.status, "current_since": t.current_since, **_key_to_fields(t.current_key)}
        derived |= {f: getattr(t, f) for f in ("sent_at", "due_at", "arrived_at", "signed_at", "returned_at")}
        assert {f: getattr(s, f) for f in derived} == derived, s.waybill_no
        assert [(leg.status, leg.departed_at, leg.arrived_at) for leg in legs] == [
            (state.status, state.departed_at, state.arrived_at) for state in t.legs
        ]
    # Each scan belongs to the leg its rank puts it on, with a device and its own UUID.
    scans = Scan.objects.filter(county=county)
    assert not scans.filter(device="").exists()
    assert scans.values("client_uuid").distinct().count() == scans.count()


def _delivered_down(county):
    return Shipment.objects.filter(county=county, direction="downstream").exclude(arrived_at=None)


def test_a_minority_of_parcels_is_late(county):
    late = Counter()
    for sent, arrived in _delivered_down(county).values_list("sent_at", "arrived_at"):
        late[arrived - sent > timedelta(days=7)] += 1
    assert 0.02 <= late[True] / (late[True] + late[False]) <= 0.06, late


def test_weather_festival_and_backlog_slow_the_parcels(county):
    # No village run on a day the township's roads are impassable, nothing moves in the festival pause.
    blocked = parcels_sim.weather(
        1, list(Township.objects.values_list("code", flat=True)), FIRST_DAY, LAST_DAY
    )
    paused = parcels_sim.pause_days([2017, 2018])
    runs = Scan.objects.filter(county=county, kind="out", shipment__direction="downstream", leg__sequence=2)
    for at, township in runs.values_list("at", "shipment__station__township__code"):
        day = parcels_sim.day_index(_local_day(at))
        assert day not in blocked[township] and day not in paused
    moves = Scan.objects.filter(county=county).exclude(kind__in=("signed_for", "returned"))
    for at in moves.values_list("at", flat=True):
        assert parcels_sim.day_index(_local_day(at)) not in paused
    # Parcels shipped in the ten days before the festival, or right after 11·11, take longer.
    days = defaultdict(list)
    festivals = {date(2017, 1, 28), date(2018, 2, 16)}
    for booked, arrived in _delivered_down(county).values_list("booked_at", "arrived_at"):
        d = _local_day(booked)
        group = (
            "festival"
            if any(0 <= (f - d).days <= 10 for f in festivals)
            else "11.11"
            if (d.month, d.day) in ((11, 11), (11, 12), (11, 13))
            else "other"
        )
        days[group].append((arrived - booked).total_seconds() / 86400)
    mean = {k: sum(v) / len(v) for k, v in days.items()}
    assert mean["festival"] > 2 * mean["other"] and mean["11.11"] > 1.5 * mean["other"], mean


def test_costs_are_the_tariffs_and_below_what_2017_tariffs_charged(county):
    tariffs = defaultdict(list)
    for t in Tariff.objects.filter(county=county):
        tariffs[t.carrier_id, t.direction].append(t)
    costs = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for s in Shipment.objects.filter(county=county).only(
        "carrier_id", "direction", "booked_at", "weight_kg", "cost"
    ):
        day = _local_day(s.booked_at)
        (tariff,) = [
            t
            for t in tariffs[s.carrier_id, s.direction]
            if t.valid_from <= day <= (t.valid_until or date.max)
        ]
        assert s.cost == tariff.price_for(s.weight_kg)
        (old,) = [t for t in tariffs[s.carrier_id, s.direction] if t.valid_from.year == 2017]
        costs[s.direction][0] += s.cost
        costs[s.direction][1] += old.price_for(s.weight_kg)
    # The same parcels at the carriers' 2017 prices would have cost over 10 % more.
    for direction in ("downstream", "upstream"):
        paid, at_2017_prices = costs[direction]
        assert paid < at_2017_prices * Decimal("0.9"), direction

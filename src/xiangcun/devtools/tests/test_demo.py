"""The demo county, loaded once for this module (seed 1) and checked from every side.

The load takes ~10 s, so it runs once in a module-scoped fixture outside the per-test transactions;
each test still runs in its own rolled-back transaction, so tests that reset or refuse leave the
loaded county as it was. The module's tests share one xdist group (one worker, one load).
"""

from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from xiangcun.accounts.models import User
from xiangcun.core.geo import haversine_m
from xiangcun.core.models import AuditEvent
from xiangcun.core.testing import make_county, make_user
from xiangcun.devtools.placement import CountyMap, Seat
from xiangcun.devtools.selectors import demo_digest
from xiangcun.devtools.services import county_input, demo_delete
from xiangcun.devtools.simulation import simulate
from xiangcun.devtools.users import DEMO_PASSWORD
from xiangcun.network.checks import facility_findings, is_compliant
from xiangcun.network.choices import SITE_TRANSITIONS
from xiangcun.network.models import Facility, Station, StatusChange
from xiangcun.network.selectors import coverage_counts, station_compliance, station_list
from xiangcun.regions.models import County, Township, Village

pytestmark = [pytest.mark.xdist_group("demo"), pytest.mark.django_db]
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo county with seed 1 once; delete it after the module."""
    with django_db_blocker.unblock():
        out, err = StringIO(), StringIO()
        with translation.override("en"):  # module-scoped: runs before the per-test language fixture
            call_command("demo", "--seed", "1", stdout=out, stderr=err)
        loaded = {"stdout": out.getvalue(), "stderr": err.getvalue(), "digest": demo_digest()}
    yield loaded
    with django_db_blocker.unblock():
        demo_delete()
        assert not County.objects.exists() and not User.objects.exists()


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
    start, end = datetime(2017, 10, 1, tzinfo=TZ), datetime(2018, 12, 31, 23, 59, tzinfo=TZ)
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
    # Stations open between January and August 2018, the suspended ones stop in the autumn with a note.
    opened = Station.objects.filter(county=county).exclude(opened_on=None).values_list("opened_on", flat=True)
    assert min(opened) >= date(2018, 1, 2) and max(opened) <= date(2018, 8, 31)
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
    call_command("demo", "--reset", "--seed", "1", "-v", "0", stdout=StringIO(), stderr=StringIO())
    assert demo_digest() == demo["digest"]
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

"""The visit schedule: the 7-day rule, frequencies, balanced days (pure functions and the service)."""

import itertools
from datetime import date, timedelta

import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from xiangcun.core.errors import ApplicationError
from xiangcun.planning import schedule, services
from xiangcun.planning.models import Plan

from .routes_world import DAY, T0, parcel

MON_SAT = [0, 1, 2, 3, 4, 5]


def test_gap_days():
    assert schedule.gap_days([0]) == 7
    assert schedule.gap_days([0, 3]) == 4
    assert schedule.gap_days([5, 0]) == 5  # Saturday → Monday 2, Monday → Saturday 5
    assert schedule.gap_days(MON_SAT) == 2


def test_allowed_gap_follows_the_7_day_limit():
    # 1 day to the center, a 10-hour shift: 7 - 1 - 10/24 = 5.58 → 5 days.
    assert schedule.allowed_gap_days(warehouse_to_center_days=1, shift_hours=10) == 5
    assert schedule.allowed_gap_days(warehouse_to_center_days=3, shift_hours=10) == 3
    assert schedule.allowed_gap_days(warehouse_to_center_days=0, shift_hours=0) == 7


def test_min_visits_and_spread_patterns():
    assert schedule.min_visits(MON_SAT, 5) == 2
    assert schedule.min_visits(MON_SAT, 7) == 1
    assert schedule.min_visits(MON_SAT, 3) == 3
    assert schedule.spread_patterns(MON_SAT, 2) == [(0, 3), (0, 4), (1, 4), (1, 5), (2, 5)]
    assert all(schedule.gap_days(p) == 4 for p in schedule.spread_patterns(MON_SAT, 2))
    with pytest.raises(schedule.ScheduleInfeasible):
        schedule.min_visits([0, 3], 2)


def test_volume_frequency():
    kwargs = {"parcels_per_visit": 10, "floor": 2, "ceiling": 6}
    assert schedule.volume_frequency(0, **kwargs) == 2
    assert schedule.volume_frequency(25, **kwargs) == 3
    assert schedule.volume_frequency(30, **kwargs) == 3
    assert schedule.volume_frequency(500, **kwargs) == 6


@settings(max_examples=60, deadline=None)
@given(
    volumes=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=40),
    floor=st.integers(min_value=1, max_value=3),
)
def test_balance_gives_every_station_its_frequency_evenly_spread(volumes, floor):
    stations = [
        schedule.StationDemand(
            f"S{i:03d}", v, schedule.volume_frequency(v, parcels_per_visit=10, floor=floor, ceiling=6)
        )
        for i, v in enumerate(volumes)
    ]
    chosen = schedule.balance(stations, MON_SAT)
    for s in stations:
        pattern = chosen[s.code]
        assert len(pattern) == s.frequency and set(pattern) <= set(MON_SAT)
        assert schedule.gap_days(pattern) == schedule.gap_days(
            schedule.spread_patterns(MON_SAT, s.frequency)[0]
        )
    # Stops are balanced: with equal loads no day has more than one stop above any other
    if all(v == 0 for v in volumes):
        stops = [sum(d in p for p in chosen.values()) for d in MON_SAT]
        assert max(stops) - min(stops) <= max(s.frequency for s in stations)


def test_balance_evens_the_parcels():
    # Twelve once-a-week-ish stations of equal volume on six days: two each.
    stations = [schedule.StationDemand(f"S{i:02d}", 5.0, 1) for i in range(12)]
    chosen = schedule.balance(stations, MON_SAT)
    per_day = [sum(d in p for p in chosen.values()) for d in MON_SAT]
    assert per_day == [2] * 6
    # Unequal volumes: the greedy's largest day is within the largest station's load of the mean.
    stations = [
        schedule.StationDemand(f"S{i:02d}", float(v), 2) for i, v in enumerate([40, 30, 20, 20, 10, 10, 8, 6])
    ]
    chosen = schedule.balance(stations, MON_SAT)
    load = [sum(s.weekly_parcels / 2 for s in stations if d in chosen[s.code]) for d in MON_SAT]
    assert max(load) - sum(load) / 6 <= 20


def test_next_visit():
    wednesday = date(2018, 5, 2)
    assert schedule.next_visit(wednesday, (0, 3)) == date(2018, 5, 3)
    assert schedule.next_visit(wednesday, (0,)) == date(2018, 5, 7)
    assert schedule.next_visit(wednesday, (2,)) == date(2018, 5, 9)


# --- the service -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_schedule_from_volumes_holds_the_7_day_rule(rw, bureau):
    # Over the 4 weeks before 2018-05-28: s1 gets 12 parcels (3 a week), the others none.
    for week in range(4):
        for k in range(3):
            parcel(rw, rw.s1, booked=T0 + timedelta(days=7 * week + k))
    plan = services.visit_schedule_create(
        actor=bureau, center=rw.center, as_of="2018-05-28", history_weeks=4, parcels_per_visit=1
    )
    assert (plan.kind, plan.solver, plan.center, plan.service_date, plan.distance_source) == (
        "schedule",
        "visit_balancing",
        rw.center,
        None,
        "none",
    )
    rows = {r["code"]: r for r in plan.result["stations"]}
    assert set(rows) == {rw.s1.code, rw.s2.code, rw.s3.code, rw.s4.code}
    assert rows[rw.s1.code]["weekly_parcels"] == 3.0
    assert rows[rw.s1.code]["frequency"] == 3 and rows[rw.s1.code]["frequency_source"] == "volume"
    # Leg 1 took 8 hours (out 10:00, in 18:00): 0.34 days → 0.4; 7 - 0.4 - 10/24 → 6 days between visits.
    assert plan.result["warehouse_to_center_days"] == 0.4
    assert plan.result["warehouse_to_center_source"] == "measured"
    assert plan.result["max_gap_days"] == 6 and plan.result["min_visits"] == 2
    for row in rows.values():
        assert len(row["days"]) == row["frequency"]
        assert schedule.gap_days(row["days"]) <= plan.result["max_gap_days"]
    assert rows[rw.s2.code]["frequency"] == 2
    assert sum(d["stops"] for d in plan.result["days"]) == 3 + 2 + 2 + 2
    assert plan.objective == max(d["parcels"] for d in plan.result["days"])


@pytest.mark.django_db
def test_schedule_with_given_frequencies(rw, bureau):
    plan = services.visit_schedule_create(
        actor=bureau,
        center=rw.center,
        as_of="2018-05-01",
        frequency=3,
        frequencies={rw.s2.code: 6},
        warehouse_to_center_days=1,
        weekdays=[0, 1, 2, 3, 4, 5, 6],
    )
    rows = {r["code"]: r for r in plan.result["stations"]}
    assert rows[rw.s2.code]["days"] == [0, 1, 2, 3, 4, 5] or len(rows[rw.s2.code]["days"]) == 6
    assert {r["frequency"] for c, r in rows.items() if c != rw.s2.code} == {3}
    assert plan.result["warehouse_to_center_source"] == "given" and plan.result["max_gap_days"] == 5
    # Loads of stops balanced: 3 stations × 3 + 6 = 15 visits on 7 days → 2 or 3 a day.
    assert {d["stops"] for d in plan.result["days"]} <= {2, 3}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"frequency": 1, "warehouse_to_center_days": 1}, "frequency"),  # 7-day limit needs 2
        ({"frequency": 7}, "frequency"),  # only 6 delivery days
        ({"frequencies": {"S-NOPE": 2}}, "frequencies"),
        ({"weekdays": [0, 9]}, "weekdays"),
        ({"weekdays": [0], "warehouse_to_center_days": 3}, "weekdays"),
        ({"parcels_per_visit": 0}, "parcels_per_visit"),
        ({"as_of": "nope"}, "as_of"),
    ],
)
def test_schedule_bad_input(rw, bureau, kwargs, field):
    with pytest.raises(ApplicationError) as excinfo:
        services.visit_schedule_create(actor=bureau, center=rw.center, **kwargs)
    assert field in excinfo.value.fields
    assert not Plan.objects.exists()


@pytest.mark.django_db
def test_route_plan_visits_the_scheduled_stations_and_the_urgent_ones(rw, bureau):
    plan = services.visit_schedule_create(
        actor=bureau,
        center=rw.center,
        as_of="2018-05-01",
        frequencies={rw.s1.code: 2, rw.s2.code: 2, rw.s3.code: 2, rw.s4.code: 2},
        warehouse_to_center_days=1,
    )
    days = {r["code"]: r["days"] for r in plan.result["stations"]}
    wednesday = DAY.weekday()
    for s in (rw.s1, rw.s2, rw.s3, rw.s4):
        parcel(rw, s)
    # An old parcel for a station not visited on Wednesday, already due before its next visit.
    off = next(s for s in (rw.s1, rw.s2, rw.s3, rw.s4) if wednesday not in days[s.code])
    late = parcel(rw, off, booked=T0 - timedelta(days=6))
    routes = services.route_plan_create(actor=bureau, center=rw.center, service_date=DAY)
    visited = {s["code"] for s in routes.inputs["stops"]}
    scheduled = {c for c, d in days.items() if wednesday in d}
    assert visited == scheduled | {off.code}
    assert routes.result["urgent"] == [off.code]
    assert late.waybill_no in next(s for s in routes.inputs["stops"] if s["code"] == off.code)["waybills"]
    deferred = {d["code"] for d in routes.inputs["deferred"]}
    assert deferred == {c for c in days if c not in visited}
    assert routes.inputs["schedule_plan"] == plan.pk
    # The page lists the stations left for a later day with their parcels and next visit.
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    page.force_login(bureau)
    html = page.get(f"/planning/{routes.pk}/").content.decode()
    assert routes.inputs["deferred"]
    for d in routes.inputs["deferred"]:
        assert f"{d['name']}: 1 parcel, next visit {d['next_visit']}" in html
    everything = services.route_plan_create(
        actor=bureau, center=rw.center, service_date=DAY, use_schedule=False
    )
    assert len(everything.inputs["stops"]) == 4 and everything.inputs["schedule_plan"] is None


def test_every_pair_of_spread_patterns_keeps_the_limit():
    for k, g in itertools.product(range(2, 7), [5]):
        for p in schedule.spread_patterns(MON_SAT, k):
            assert schedule.gap_days(p) <= g

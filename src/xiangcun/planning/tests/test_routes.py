"""Route plans of a township center for one day: the demand read from the delivery ledger, exact
routes on a tiny instance, time windows, capacities, validation, scope and audit."""

import itertools
from datetime import time, timedelta

import pytest

from xiangcun.core.errors import ApplicationError, PermissionDenied
from xiangcun.core.models import AuditEvent
from xiangcun.core.testing import make_user
from xiangcun.planning import services
from xiangcun.planning.models import Plan
from xiangcun.planning.solvers.vrp import road_distance_matrix

from .routes_world import DAY, T0, parcel, scan

pytestmark = pytest.mark.django_db


def points(w, stations):
    return [(float(w.center.latitude), float(w.center.longitude))] + [
        (float(s.latitude), float(s.longitude)) for s in stations
    ]


def best_tour(w, stations, factor=1.3):
    """The shortest single tour from the center through every station (brute force), metres."""
    d = road_distance_matrix(points(w, stations), detour_factor=factor)
    n = len(stations)
    return min(
        d[0, p[0]] + sum(d[a, b] for a, b in itertools.pairwise(p)) + d[p[-1], 0]
        for p in itertools.permutations(range(1, n + 1))
    )


def test_one_vehicle_tour_is_the_brute_force_optimum(rw, bureau):
    for s in (rw.s1, rw.s2, rw.s3, rw.s4):
        parcel(rw, s)
    parcel(rw, rw.s2, weight="1.25")
    plan = services.route_plan_create(actor=bureau, center=rw.center, service_date=DAY, vehicles=1, seed=3)
    optimum = best_tour(rw, [rw.s1, rw.s2, rw.s3, rw.s4])
    assert plan.objective == round(optimum / 1000, 3) == plan.result["km"]
    assert (plan.kind, plan.solver, plan.method, plan.center, plan.service_date) == (
        "routes",
        "vrp",
        "pyvrp",
        rw.center,
        DAY,
    )
    assert plan.detour_factor is not None and plan.time_limit_s == 0.5 and plan.seed == 3
    (route,) = plan.result["routes"]
    assert route["distance_m"] == optimum and route["km"] == plan.objective
    assert sorted(s["station"] for s in route["stops"]) == sorted(
        x.code for x in (rw.s1, rw.s2, rw.s3, rw.s4)
    )
    by_code = {s["station"]: s for s in route["stops"]}
    assert by_code[rw.s2.code]["parcels"] == 2 and by_code[rw.s2.code]["kg"] == "3.750"
    assert by_code[rw.s2.code]["waybills"] == ["YT00000002", "YT00000005"]
    assert route["parcels"] == 5 and route["kg"] == "11.250"
    # Service: 5 min + 0.5 per parcel, rounded up; times chain: arrival + wait + service = departure.
    assert by_code[rw.s2.code]["departure_min"] - by_code[rw.s2.code]["start_min"] == 6
    assert by_code[rw.s1.code]["departure_min"] - by_code[rw.s1.code]["start_min"] == 6
    for a, b in itertools.pairwise(route["stops"]):
        assert b["arrival_min"] >= a["departure_min"]
    assert route["start_min"] >= 8 * 60 and route["end_min"] <= 18 * 60
    assert plan.parameters["vehicles"] == 1 and plan.parameters["capacity_kg"] == "500"
    assert [s["code"] for s in plan.inputs["stops"]] == sorted(x.code for x in (rw.s1, rw.s2, rw.s3, rw.s4))
    assert plan.inputs["center"]["code"] == "TC-01" and len(plan.inputs["distances_sha256"]) == 64
    event = AuditEvent.objects.get(action="plan.create")
    assert (event.actor, event.object_id) == (bureau, str(plan.pk))


def test_same_inputs_and_seed_give_the_same_routes(rw, bureau):
    for s in (rw.s1, rw.s2, rw.s3, rw.s4):
        parcel(rw, s)
    a = services.route_plan_create(actor=bureau, center=rw.center, service_date=DAY, capacity_parcels=2)
    b = services.route_plan_create(actor=bureau, center=rw.center, service_date=DAY, capacity_parcels=2)
    assert a.result["routes"] == b.result["routes"]


def test_time_windows_are_respected(rw, bureau):
    # s3, the farthest, opens only 08:00-08:40; s1, the nearest, only from 11:00: the tour must go out
    # to s3 first and end at s1, waiting there.
    rw.s3.opens_at, rw.s3.closes_at = time(8, 0), time(8, 40)
    rw.s3.save()
    rw.s1.opens_at, rw.s1.closes_at = time(11, 0), time(17, 0)
    rw.s1.save()
    for s in (rw.s1, rw.s2, rw.s3):
        parcel(rw, s)
    plan = services.route_plan_create(actor=bureau, center=rw.center, service_date=DAY, vehicles=1)
    (route,) = plan.result["routes"]
    order = [s["station"] for s in route["stops"]]
    assert order == [rw.s3.code, rw.s2.code, rw.s1.code]
    s3, _s2, s1 = route["stops"]
    assert 8 * 60 <= s3["start_min"] and s3["departure_min"] <= 8 * 60 + 40
    assert s1["start_min"] == 11 * 60 and s1["wait_min"] > 0 and s1["start"] == "11:00"
    assert plan.inputs["stops"][0]["opens"] == "11:00"


def test_capacity_is_respected(rw, bureau):
    for s in (rw.s1, rw.s2, rw.s3, rw.s4):
        parcel(rw, s, weight="30")
    plan = services.route_plan_create(actor=bureau, center=rw.center, service_date=DAY, capacity_kg=60)
    routes = plan.result["routes"]
    assert len(routes) == plan.result["vehicles_used"] == 2
    assert all(sum(float(s["kg"]) for s in r["stops"]) <= 60 for r in routes)
    assert sorted(s["station"] for r in routes for s in r["stops"]) == sorted(
        x.code for x in (rw.s1, rw.s2, rw.s3, rw.s4)
    )
    by_parcels = services.route_plan_create(
        actor=bureau, center=rw.center, service_date=DAY, capacity_parcels=1
    )
    assert by_parcels.result["vehicles_used"] == 4 and by_parcels.inputs["demand_unit"] == "parcels"


def test_demand_is_the_parcels_at_the_center_when_the_shift_starts(rw, bureau):
    waiting = parcel(rw, rw.s1)
    parcel(rw, rw.s2, booked=T0 + timedelta(days=1), center_in=timedelta(hours=1))  # in at 09:00 on DAY
    parcel(rw, rw.s3, center_in=None)  # still on the road
    delivered = parcel(rw, rw.s4)
    scan(rw, delivered, "out", rw.center, T0 + timedelta(hours=11))
    scan(rw, delivered, "in", rw.s4, T0 + timedelta(hours=12))
    left_today = parcel(rw, rw.s2)
    scan(rw, left_today, "out", rw.center, T0 + timedelta(days=1, hours=2))  # 10:00 on DAY
    plan = services.route_plan_create(actor=bureau, center=rw.center, service_date=DAY)
    stops = {s["code"]: s["waybills"] for s in plan.inputs["stops"]}
    assert stops == {rw.s1.code: [waiting.waybill_no], rw.s2.code: [left_today.waybill_no]}
    departed = services.route_plan_create(actor=bureau, center=rw.center, service_date=DAY, basis="departed")
    assert {s["code"]: s["waybills"] for s in departed.inputs["stops"]} == {
        rw.s2.code: [left_today.waybill_no]
    }
    assert departed.parameters["basis"] == "departed"


def invalid(excinfo, field):
    assert field in excinfo.value.fields, excinfo.value.fields
    return str(excinfo.value.fields[field][0])


def test_no_parcels_is_refused_and_nothing_saved(rw, bureau):
    with pytest.raises(ApplicationError) as excinfo:
        services.route_plan_create(actor=bureau, center=rw.center, service_date=DAY)
    assert "No parcels wait" in invalid(excinfo, "service_date")
    assert excinfo.value.code == "no_parcels"
    assert not Plan.objects.exists() and not AuditEvent.objects.filter(action="plan.create").exists()


def test_station_without_coordinates_is_refused(rw, bureau):
    parcel(rw, rw.s1)
    rw.s1.latitude = rw.s1.longitude = None
    rw.s1.save()
    with pytest.raises(ApplicationError) as excinfo:
        services.route_plan_create(actor=bureau, center=rw.center, service_date=DAY)
    assert rw.s1.name in invalid(excinfo, "stations")
    assert not Plan.objects.exists()


def test_a_stop_heavier_than_a_vehicle_is_refused(rw, bureau):
    parcel(rw, rw.s1, weight="40")
    parcel(rw, rw.s1, weight="30")
    with pytest.raises(ApplicationError) as excinfo:
        services.route_plan_create(actor=bureau, center=rw.center, service_date=DAY, capacity_kg=60)
    assert "70.000 kg" in invalid(excinfo, "capacity_kg")
    with pytest.raises(ApplicationError) as excinfo:
        services.route_plan_create(actor=bureau, center=rw.center, service_date=DAY, capacity_parcels=1)
    assert "2 parcels" in invalid(excinfo, "capacity_parcels")
    assert not Plan.objects.exists()


def test_too_few_vehicles_or_too_short_hours_are_refused(rw, bureau):
    for s in (rw.s1, rw.s2, rw.s3):
        parcel(rw, s, weight="30")
    with pytest.raises(ApplicationError) as excinfo:
        services.route_plan_create(
            actor=bureau, center=rw.center, service_date=DAY, capacity_kg=40, vehicles=2
        )
    assert "at least 3" in invalid(excinfo, "vehicles")
    rw.s2.opens_at, rw.s2.closes_at = time(8, 0), time(8, 3)
    rw.s2.save()
    with pytest.raises(ApplicationError) as excinfo:
        services.route_plan_create(actor=bureau, center=rw.center, service_date=DAY)
    assert rw.s2.name in invalid(excinfo, "stations")
    # Reachable alone but not all in one short shift with one vehicle: no feasible routes.
    rw.s2.opens_at = rw.s2.closes_at = None
    rw.s2.save()
    with pytest.raises(ApplicationError) as excinfo:
        services.route_plan_create(
            actor=bureau,
            center=rw.center,
            service_date=DAY,
            vehicles=1,
            shift_start="08:00",
            shift_end="08:25",
        )
    assert excinfo.value.fields
    assert not Plan.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"service_date": "2018-13-01"}, "service_date"),
        ({"vehicles": 0}, "vehicles"),
        ({"capacity_kg": 0}, "capacity_kg"),
        ({"capacity_kg": 10, "capacity_parcels": 5}, "capacity_parcels"),
        ({"speed_kmh": "fast"}, "speed_kmh"),
        ({"shift_start": "9h"}, "shift_start"),
        ({"shift_start": "18:00", "shift_end": "08:00"}, "shift_end"),
        ({"basis": "yesterday"}, "basis"),
        ({"time_limit": 0}, "time_limit"),
        ({"detour_factor": "0.5"}, "detour_factor"),
        ({"center": None}, "center"),
    ],
)
def test_bad_parameters_are_field_errors(rw, bureau, kwargs, field):
    parcel(rw, rw.s1)
    args = {"actor": bureau, "center": rw.center, "service_date": DAY, **kwargs}
    with pytest.raises(ApplicationError) as excinfo:
        services.route_plan_create(**args)
    assert field in excinfo.value.fields
    assert not Plan.objects.exists()


def test_scope(rw, bureau, other_bureau, contractor, county):
    parcel(rw, rw.s1)
    with pytest.raises(ApplicationError) as excinfo:
        services.route_plan_create(actor=other_bureau, center=rw.center, service_date=DAY)
    assert "center" in excinfo.value.fields
    township_user = make_user("contractor", county, username="t1", township=rw.center.township)
    with pytest.raises(PermissionDenied):
        services.route_plan_create(actor=township_user, center=rw.center, service_date=DAY)
    auditor = make_user("auditor", county, username="aud")
    with pytest.raises(PermissionDenied):
        services.route_plan_create(actor=auditor, center=rw.center, service_date=DAY)
    assert not Plan.objects.exists()


def test_uploaded_distance_matrix_is_used(rw, bureau):
    from django.core.files.uploadedfile import SimpleUploadedFile

    parcel(rw, rw.s1)
    parcel(rw, rw.s2)
    seat, v1, v2 = rw.center.township.code, rw.s1.village.code, rw.s2.village.code
    text = f"{seat},{v1},1000\n{seat},{v2},3000\n{v1},{v2},1500\n"
    matrix = services.distance_matrix_upload(
        actor=bureau, county=rw.county, name="roads", upload=SimpleUploadedFile("m.csv", text.encode())
    )
    plan = services.route_plan_create(
        actor=bureau, center=rw.center, service_date=DAY, distance_matrix=matrix, vehicles=1
    )
    assert plan.objective == 5.5 and plan.distance_source == "matrix" and plan.detour_factor is None

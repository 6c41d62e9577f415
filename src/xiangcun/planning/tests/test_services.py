"""Layout and siting plans on the small test county: exact results, validation, scope, audit, and
reproducibility."""

import itertools
from decimal import Decimal

import pytest

from xiangcun.core.errors import ApplicationError, PermissionDenied
from xiangcun.core.geo import haversine_m
from xiangcun.core.models import AuditEvent
from xiangcun.core.testing import make_station, make_user
from xiangcun.network import services as network_services
from xiangcun.planning import services
from xiangcun.planning.models import Plan
from xiangcun.planning.selectors import plan_comparison
from xiangcun.regions.models import Township, Village

pytestmark = pytest.mark.django_db

A1, A2, A3 = "130425100201", "130425100202", "130425100203"
B1, B2, B3 = "130425201201", "130425201202", "130425201203"
SEAT_A, SEAT_B = "130425100000", "130425201000"


def metres(village, township, factor=1.3):
    d = haversine_m(
        float(village.longitude), float(village.latitude), float(township.longitude), float(township.latitude)
    )
    return int(d * factor + 0.5)


def brute_force(county, p, factor=1.3):
    villages = list(Village.objects.filter(county=county).order_by("code"))
    seats = list(Township.objects.filter(county=county).order_by("code"))
    best = None
    for combo in itertools.combinations(seats, p):
        cost = sum(v.population * min(metres(v, s, factor) for s in combo) for v in villages)
        if best is None or cost < best[0]:
            best = (cost, [s.code for s in combo])
    return best


def test_layout_p1_is_the_brute_force_optimum(planning_county, bureau):
    plan = services.layout_plan_create(actor=bureau, county=planning_county, p=1)
    cost, sites = brute_force(planning_county, 1)
    assert plan.result["open_sites"] == sites == [SEAT_A]
    assert plan.objective == cost == plan.result["weighted_distance_m"]
    assert (plan.kind, plan.solver, plan.proven_optimal, plan.lower_bound) == (
        "layout",
        "pmedian",
        True,
        cost,
    )
    assert plan.detour_factor == Decimal("1.30") and plan.distance_source == "great_circle"
    assert plan.parameters == {"p": 1}
    assert [d["code"] for d in plan.inputs["demand"]] == [A1, A2, A3, B1, B2, B3]
    assert [d["weight"] for d in plan.inputs["demand"]] == [450, 800, 300, 450, 800, 350]
    assert [c["code"] for c in plan.inputs["candidates"]] == [SEAT_A, SEAT_B]
    assert len(plan.inputs["distances_sha256"]) == 64
    a2 = Village.objects.get(code=A2)
    row = plan.result["assignment"][1]
    assert row == {"code": A2, "site": SEAT_A, "distance_m": metres(a2, Township.objects.get(code=SEAT_A))}
    assert plan.created_by == bureau and plan.time_limit_s == 10.0 and plan.seed == 1
    event = AuditEvent.objects.get(action="plan.create")
    assert (event.actor, event.county, event.object_id) == (bureau, planning_county, str(plan.pk))


def test_layout_detour_factor_scales_distances(planning_county, bureau):
    plan = services.layout_plan_create(actor=bureau, county=planning_county, p=1, detour_factor="1")
    cost, _sites = brute_force(planning_county, 1, factor=1.0)
    assert plan.objective == cost and plan.detour_factor == Decimal("1.00")


def test_layout_compared_with_the_built_centers(planning_county, bureau, superuser):
    seat_b = Township.objects.get(code=SEAT_B)
    facility = network_services.facility_create(
        actor=superuser,
        county=planning_county,
        kind="township_center",
        code="TC-01",
        township=seat_b,
        name="乙乡配送中心",
    )
    plan = services.layout_plan_create(actor=bureau, county=planning_county, p=1)
    # Planned only: nothing is built yet.
    assert plan_comparison(plan)["built"] is None
    network_services.facility_transition(actor=superuser, facility=facility, to_status="building")
    comparison = plan_comparison(plan)
    assert comparison["plan_sites"] == [SEAT_A] and comparison["built_sites"] == [SEAT_B]
    villages = list(Village.objects.filter(county=planning_county).order_by("code"))
    built_cost = sum(v.population * metres(v, seat_b) for v in villages)
    assert comparison["built"]["weighted_distance_m"] == built_cost
    assert comparison["plan"]["weighted_distance_m"] == plan.objective < built_cost
    assert comparison["improvement_pct"] == round(100 * (1 - plan.objective / built_cost), 2)
    first = comparison["rows"][0]
    assert (first["code"], first["plan_site"], first["built_site"]) == (A1, SEAT_A, SEAT_B)
    assert first["built_m"] == metres(villages[0], seat_b)


def test_capacitated_layout_splits_the_county(planning_county, bureau):
    # 3 150 residents; centers of 2 000 each: one cannot serve everyone, so both open.
    plan = services.layout_plan_create(
        actor=bureau, county=planning_county, p=None, capacity=2000, fixed_cost="1000", cost_per_person_km="1"
    )
    assert plan.solver == "facility_location" and plan.result["open_sites"] == [SEAT_A, SEAT_B]
    assert sum(plan.result["load"].values()) == 3150 and max(plan.result["load"].values()) <= 2000
    assert plan.result["fixed_cost"] == 2000.0
    assert plan.objective == pytest.approx(2000 + plan.result["weighted_distance_m"] / 1000)
    assert plan.parameters == {"p": None, "capacity": 2000, "fixed_cost": "1000", "cost_per_person_km": "1"}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"p": 0}, "p"),
        ({"p": 3}, "p"),
        ({"p": None}, "p"),
        ({"time_limit": 0}, "time_limit"),
        ({"time_limit": 61}, "time_limit"),
        ({"detour_factor": "0.9"}, "detour_factor"),
        ({"seed": -1}, "seed"),
        ({"capacity": 1000, "p": 2}, "capacity"),  # 2 × 1 000 < 3 150 residents
        ({"fixed_cost": "5"}, "capacity"),
        ({"name": "x" * 101}, "name"),
    ],
)
def test_layout_invalid_parameters_write_nothing(planning_county, bureau, kwargs, field):
    with pytest.raises(ApplicationError) as exc:
        services.layout_plan_create(actor=bureau, county=planning_county, **kwargs)
    assert field in exc.value.fields
    assert not Plan.objects.exists() and not AuditEvent.objects.filter(action="plan.create").exists()


def test_who_may_plan(planning_county, other_county, auditor, other_bureau, contractor):
    township = planning_county.townships.first()
    for actor in (auditor, other_bureau, make_user("bureau_admin", planning_county, township=township)):
        with pytest.raises(PermissionDenied):
            services.layout_plan_create(actor=actor, county=planning_county, p=1)
        with pytest.raises(PermissionDenied):
            services.siting_plan_create(actor=actor, county=planning_county, min_stations=0)
    assert not Plan.objects.exists()
    assert services.layout_plan_create(actor=contractor, county=planning_county, p=1).created_by == contractor


def test_rerun_with_the_same_inputs_and_seed_gives_the_same_plan(planning_county, bureau):
    first = services.layout_plan_create(actor=bureau, county=planning_county, p=1, seed=7)
    second = services.layout_plan_create(actor=bureau, county=planning_county, p=1, seed=7)
    assert (first.inputs, first.result, first.objective) == (second.inputs, second.result, second.objective)
    s1 = services.siting_plan_create(actor=bureau, county=planning_county, min_stations=5, coverage_m=1000)
    s2 = services.siting_plan_create(actor=bureau, county=planning_county, min_stations=5, coverage_m=1000)
    assert (s1.inputs, s1.result, s1.objective) == (s2.inputs, s2.result, s2.objective)


# --- siting ----------------------------------------------------------------------------------------


def siting(county, actor, **kwargs):
    kwargs = {"min_stations": 0, "min_share": 0, **kwargs}
    return services.siting_plan_create(actor=actor, county=county, **kwargs)


def test_siting_every_poor_and_large_village_gets_a_station(planning_county, bureau):
    plan = siting(planning_county, bureau)
    assert plan.result["new"] == [A1, A2, B1, B2] and plan.objective == 4 and plan.proven_optimal
    assert plan.result["required"] == 4 and plan.result["required_uncovered"] == []
    assert plan.result["existing"] == [] and plan.result["station_count"] == 4
    # Nobody had a station; afterwards 甲3 (300, ≈4.1 km from 甲2) and 乙3 (350) are beyond 2 km.
    assert plan.result["beyond"] == {
        "distance_m": 2000,
        "before": {"population": 3150, "villages": 6, "unknown_population": 0, "unknown_villages": 0},
        "after": {"population": 650, "villages": 2, "unknown_population": 0, "unknown_villages": 0},
    }
    assert (plan.solver, plan.method) == ("set_covering", "milp")


def test_siting_target_count_picks_the_most_populous_extra_village(planning_county, bureau):
    plan = siting(planning_county, bureau, min_stations=5)
    assert plan.result["new"] == [A1, A2, B1, B2, B3] and plan.objective == 5
    assert plan.result["beyond"]["after"]["population"] == 300


def test_siting_share_target(planning_county, bureau):
    plan = siting(planning_county, bureau, min_share="1")
    assert plan.result["new"] == [A1, A2, A3, B1, B2, B3] and plan.result["village_share"] == 1.0


def test_siting_coverage_distance_lets_one_station_serve_two_villages(planning_county, bureau):
    # 甲1 and 甲2 are ≈583 m apart by road: one station (in the larger 甲2) covers both.
    plan = siting(planning_county, bureau, coverage_m=1000, cost_per_station="150000")
    assert plan.result["new"] == [A2, B1, B2]
    assert plan.objective == 450000 and plan.result["cost"] == 450000
    a1 = plan.result["assignment"][0]
    assert (a1["code"], a1["site"], a1["covered"], a1["required"]) == (A1, A2, True, True)


def test_siting_keeps_existing_stations(planning_county, bureau, superuser):
    make_station(Village.objects.get(code=A3), actor=superuser, status="operating")
    plan = siting(planning_county, bureau, min_stations=5)
    assert plan.result["existing"] == [A3] and plan.result["new"] == [A1, A2, B1, B2]
    assert plan.objective == 4 and plan.result["station_count"] == 5
    assert plan.inputs["demand"][2]["has_station"] is True
    assert plan.result["beyond"]["before"] == {
        "population": 2850,
        "villages": 5,
        "unknown_population": 0,
        "unknown_villages": 0,
    }


def test_siting_villages_without_coordinates_are_reported_unknown(planning_county, bureau):
    Village.objects.filter(code=B3).update(latitude=None, longitude=None)
    plan = siting(planning_county, bureau)
    assert plan.result["beyond"]["after"] == {
        "population": 300,
        "villages": 1,
        "unknown_population": 350,
        "unknown_villages": 1,
    }


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"min_stations": 7}, "min_stations"),
        ({"min_stations": 350, "min_share": 0}, "min_stations"),
        ({"min_share": "1.5"}, "min_share"),
        ({"coverage_m": -1}, "coverage_m"),
        ({"beyond_m": "far"}, "beyond_m"),
        ({"cost_per_station": "-1"}, "cost_per_station"),
        ({"keep_existing": "yes"}, "keep_existing"),
    ],
)
def test_siting_invalid_parameters_write_nothing(planning_county, bureau, kwargs, field):
    with pytest.raises(ApplicationError) as exc:
        siting(planning_county, bureau, **kwargs)
    assert field in exc.value.fields
    assert not Plan.objects.exists()

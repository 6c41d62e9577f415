"""The demo county (Daming, 130425: 20 townships, 651 villages, seed 1): its layout plan of 5 township
delivery centers solves within a couple of seconds, proven optimal, and is at least as good as the
layout the demo built (a greedy choice, `devtools.placement.greedy_p_median`); its siting plan covers
every poor and large village.

Only the parts of the demo that planning reads are loaded (divisions, simulated village facts and
the facilities; no stations, no ledger), once for the module, outside the per-test transactions.
"""

import time

import pytest
from django.utils import translation

from xiangcun.accounts.models import User
from xiangcun.core.testing import make_user
from xiangcun.devtools.services import demo_delete
from xiangcun.planning import services
from xiangcun.planning.selectors import plan_comparison
from xiangcun.planning.tests.demo import load_demo_geography
from xiangcun.regions.models import County

pytestmark = [pytest.mark.xdist_group("planning-demo"), pytest.mark.django_db]


@pytest.fixture(scope="module")
def demo_county(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), translation.override("en"):
        county = load_demo_geography()
    yield county
    with django_db_blocker.unblock():
        User.objects.filter(username="demo-plan-bureau").delete()
        demo_delete()
        assert not County.objects.exists()


@pytest.fixture
def demo_bureau(demo_county):
    return make_user("bureau_admin", demo_county, username="demo-plan-bureau")


def test_demo_layout_p5_is_fast_optimal_and_beats_the_built_layout(demo_county, demo_bureau):
    start = time.perf_counter()
    plan = services.layout_plan_create(actor=demo_bureau, county=demo_county, p=5, time_limit=10)
    elapsed = time.perf_counter() - start
    assert elapsed < 3.0, elapsed
    assert len(plan.inputs["demand"]) == 651 and len(plan.inputs["candidates"]) == 20
    assert len(plan.result["open_sites"]) == 5 and plan.proven_optimal
    comparison = plan_comparison(plan)
    assert len(comparison["built_sites"]) == 5
    assert comparison["plan"]["weighted_distance_m"] == plan.objective
    assert plan.objective <= comparison["built"]["weighted_distance_m"]
    assert comparison["improvement_pct"] >= 0


def test_demo_siting_covers_every_poor_and_large_village(demo_county, demo_bureau):
    plan = services.siting_plan_create(actor=demo_bureau, county=demo_county, keep_existing=False)
    must = demo_county.villages.filter(is_poor=True) | demo_county.villages.filter(population__gte=500)
    assert plan.result["required"] == must.count() == 352  # seed 1 (see devtools' demo test)
    assert plan.result["required_uncovered"] == []
    assert set(must.values_list("code", flat=True)) <= set(plan.result["stations"])
    # 352 required villages already meet "≥ 350 stations" but not "stations in half of the 651 villages":
    # 326 needed, so the coverage target binds only through the required villages.
    assert plan.result["station_count"] == plan.result["new_count"] == 352
    assert plan.proven_optimal and plan.seconds < 3.0


def test_demo_capacitated_layout(demo_county, demo_bureau):
    total = sum(demo_county.villages.values_list("population", flat=True))
    capacity = -(-total * 13 // 50)  # ⌈1.3 × total / 5⌉: no center may take much more than a fifth
    plan = services.layout_plan_create(
        actor=demo_bureau, county=demo_county, p=5, capacity=capacity, time_limit=20
    )
    assert plan.solver == "facility_location" and len(plan.result["open_sites"]) == 5
    assert sum(plan.result["load"].values()) == total and max(plan.result["load"].values()) <= capacity
    # HiGHS proves it in about 2 s here; no cheaper than the uncapacitated optimum (yuan = resident·km).
    assert plan.proven_optimal and plan.seconds < 10
    uncapacitated = services.layout_plan_create(actor=demo_bureau, county=demo_county, p=5)
    assert plan.objective >= uncapacitated.objective / 1000 - 1e-6

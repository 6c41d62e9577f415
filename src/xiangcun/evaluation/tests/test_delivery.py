"""The logistics indicators (`evaluation.delivery`): exact values on small fixtures, boundaries and the
not-measured cases."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from xiangcun.evaluation.scorecard import build_scorecard, scorecard_to_dict
from xiangcun.logistics import services
from xiangcun.logistics.models import Carrier, Shipment
from xiangcun.logistics.tests.world import BEIJING, book, deliver, logistics_world, scan
from xiangcun.planning.models import Plan
from xiangcun.regions.models import Township

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(county, other_county, superuser, bureau, contractor, auditor, other_bureau):
    return logistics_world(county, other_county, superuser, bureau, contractor, auditor, other_bureau)


def at(y, m, d, h=8):
    return datetime(y, m, d, h, tzinfo=BEIJING)


def result(w, year, indicator_id):
    return build_scorecard(county=w.county, year=year).result(indicator_id)


def test_delivery_days_counts_parcels_by_the_month_they_reached_the_station(w):
    assert result(w, 2018, "R3-delivery-days").status == "not_measured"
    week = 7 * 24
    deliver(w, book(w, "DD0001", booked_at=at(2018, 3, 1)), start=at(2018, 3, 1), hours=(2, 10, 30, week + 2))
    late = book(w, "DD0002", booked_at=at(2018, 3, 1))
    deliver(w, late, start=at(2018, 3, 1), hours=(2, 10, 30, week + 2 + 1 / 3600))
    # Booked in December 2018, reaches its station in January 2019: counts for 2019.
    deliver(w, book(w, "DD0003", booked_at=at(2018, 12, 30)), start=at(2018, 12, 30), hours=(1, 5, 30, 60))
    r = result(w, 2018, "R3-delivery-days")
    assert (r.status, r.value, r.numerator, r.denominator) == ("not_met", Decimal("7.1"), 1, 2)
    assert "1 of 2 downstream parcels" in r.reason and "(50.0%)" in r.reason
    assert r.link == "/logistics/performance/?day_from=2018-01-01&day_to=2018-12-31"
    r = result(w, 2019, "R3-delivery-days")
    assert (r.status, r.value, r.numerator, r.denominator) == ("met", Decimal("2.5"), 1, 1)
    # Upstream parcels and returns before arrival do not count.
    up = book(w, "DD0004", direction="upstream", booked_at=at(2019, 2, 1))
    scan(w, up, "out", w.s1, at(2019, 2, 1, 9))
    scan(w, up, "in", w.warehouse, at(2019, 2, 20))
    returned = book(w, "DD0005", booked_at=at(2019, 2, 1))
    scan(w, returned, "out", w.warehouse, at(2019, 2, 1, 9))
    scan(w, returned, "returned", w.center, at(2019, 2, 15))
    assert result(w, 2019, "R3-delivery-days").denominator == 1
    data = scorecard_to_dict(build_scorecard(county=w.county, year=2019))
    row = next(i for i in data["indicators"] if i["id"] == "R3-delivery-days")
    assert (row["value"], row["numerator"], row["denominator"]) == (2.5, 1, 1)


def test_carriers_at_township_centers_on_31_december(w):
    r = result(w, 2018, "R3-carriers")
    assert (r.status, r.value) == ("not_met", 0)
    services.presence_record(actor=w.superuser, carrier=w.a, facility=w.center, since=date(2018, 3, 1))
    services.presence_record(
        actor=w.superuser, carrier=w.b, facility=w.center, since=date(2018, 3, 1), until=date(2018, 12, 30)
    )
    r = result(w, 2018, "R3-carriers")
    assert (r.status, r.value) == ("not_met", 1)
    assert f"TC-01 {w.center.name}: 甲快递" in r.reason and "Fewer than two at: TC-01" in r.reason
    services.presence_record(actor=w.superuser, carrier=w.b, facility=w.center, since=date(2018, 12, 31))
    r = result(w, 2018, "R3-carriers")
    assert (r.status, r.value) == ("met", 2)
    assert "乙邮政, 甲快递" in r.reason and "Fewer" not in r.reason  # by name, as the database sorts
    assert result(w, 2017, "R3-carriers").value == 0  # not there yet at the end of 2017


def test_express_coverage_counts_townships_with_a_carrier_at_their_center(w):
    Township.objects.filter(county=w.county).update(has_express_outlet=None)
    assert result(w, 2018, "R1.3-express-township-coverage").status == "not_measured"
    services.presence_record(actor=w.superuser, carrier=w.a, facility=w.center, since=date(2018, 3, 1))
    r = result(w, 2018, "R1.3-express-township-coverage")
    assert (r.status, r.value, r.numerator, r.denominator) == ("not_met", Decimal("50.0"), 1, 2)
    assert (
        "1 townships count through a carrier" in r.reason
        and "1 townships' express outlet is unknown" in r.reason
    )
    Township.objects.filter(pk=w.t2.pk).update(has_express_outlet=True)
    r = result(w, 2018, "R1.3-express-township-coverage")
    assert (r.status, r.numerator, r.denominator) == ("met", 2, 2)


def test_upstream_price_against_the_benchmarks_observed_in_the_year(w):
    assert result(w, 2018, "R3-upstream-express-price").status == "not_measured"
    services.tariff_record(
        actor=w.superuser,
        carrier=w.a,
        direction="upstream",
        first_weight_kg=Decimal("1"),
        first_price=Decimal("5.00"),
        extra_price_per_kg=Decimal("2.00"),
        valid_from=date(2018, 1, 1),
    )
    services.tariff_record(
        actor=w.superuser,
        carrier=w.b,
        direction="upstream",
        first_weight_kg=Decimal("1"),
        first_price=Decimal("6.00"),
        extra_price_per_kg=Decimal("1.00"),
        valid_from=date(2018, 1, 1),
    )
    bench = {"actor": w.superuser, "county": w.county, "source": "淘宝 河北"}
    services.benchmark_record(
        **bench, weight_kg=Decimal("1"), price=Decimal("5.00"), observed_on=date(2018, 3, 1)
    )
    r = result(w, 2018, "R3-upstream-express-price")
    assert (r.status, r.value, r.numerator, r.denominator) == ("met", True, 1, 1)  # equal is not above
    # 2.5 kg: A 5 + 2 × 2 = 9.00, B 6 + 1 × 2 = 8.00 — the cheapest, 8.00, is above 7.50.
    services.benchmark_record(
        **bench, weight_kg=Decimal("2.5"), price=Decimal("7.50"), observed_on=date(2018, 4, 1)
    )
    r = result(w, 2018, "R3-upstream-express-price")
    assert (r.status, r.value, r.numerator, r.denominator) == ("not_met", False, 1, 2)
    assert "淘宝 河北 2.5 kg 2018-04-01: 8.00 yuan against 7.50 yuan" in r.reason
    # Observed in 2017, before any tariff: cannot be compared, so not met.
    services.benchmark_record(
        **bench, weight_kg=Decimal("1"), price=Decimal("9.00"), observed_on=date(2017, 6, 1)
    )
    r = result(w, 2017, "R3-upstream-express-price")
    assert (r.status, r.numerator, r.denominator) == ("not_met", 0, 1)
    assert "No upstream tariff in force on the day of: 淘宝 河北 1 kg 2017-06-01" in r.reason
    assert result(w, 2019, "R3-upstream-express-price").status == "not_measured"


def test_cost_per_parcel_falls_year_on_year(w):
    book(w, "CF0001", booked_at=at(2017, 5, 1), cost=Decimal("5.00"))
    book(w, "CF0002", booked_at=at(2017, 12, 31, 23), cost=Decimal("7.00"), direction="upstream")
    book(w, "CF0003", booked_at=at(2018, 1, 1, 0), cost=Decimal("5.00"))  # 1 January 00:00 Beijing: 2018
    book(w, "CF0004", booked_at=at(2018, 2, 1))  # no cost recorded: not counted
    assert "no baseline" in result(w, 2017, "R3-logistics-cost-falls").reason
    r = result(w, 2018, "R3-logistics-cost-falls")
    assert (r.status, r.value, r.numerator, r.denominator) == ("met", True, Decimal("5.00"), Decimal("6.00"))
    assert "5.00 yuan in 2018 (1 parcels with a cost) against 6.00 yuan in 2017 (2)" in r.reason
    book(w, "CF0005", booked_at=at(2018, 3, 1), cost=Decimal("7.00"))  # 6.00 = 6.00: not falling
    r = result(w, 2018, "R3-logistics-cost-falls")
    assert (r.status, r.numerator, r.denominator) == ("not_met", Decimal("6.00"), Decimal("6.00"))
    assert result(w, 2019, "R3-logistics-cost-falls").status == "not_measured"


def test_three_tier_delivery_needs_both_directions_at_every_center(w):
    assert result(w, 2018, "R3-three-tier-delivery").status == "not_measured"
    deliver(w, book(w, "TT0001", booked_at=at(2018, 5, 1)), start=at(2018, 5, 1))
    r = result(w, 2018, "R3-three-tier-delivery")
    assert (r.status, r.numerator, r.denominator) == ("not_met", 0, 1)
    assert "Not both ways: TC-01" in r.reason
    up = book(w, "TT0002", direction="upstream", booked_at=at(2018, 6, 1))
    scan(w, up, "out", w.s1, at(2018, 6, 1, 9))
    scan(w, up, "in", w.warehouse, at(2018, 6, 2))
    r = result(w, 2018, "R3-three-tier-delivery")
    assert (r.status, r.value, r.numerator, r.denominator) == ("met", True, 1, 1)


def _plan(w, name, saved_at, kind="layout"):
    plan = Plan.objects.create(
        county=w.county,
        kind=kind,
        name=name,
        distance_source="great_circle",
        detour_factor=Decimal("1.3"),
        solver="pmedian",
        method="exact",
        time_limit_s=10,
        objective=1.0,
        seconds=0.1,
    )
    Plan.objects.filter(pk=plan.pk).update(created_at=saved_at)
    return plan


def test_layout_plan_saved_by_its_deadline(w):
    r = result(w, 2017, "R3-layout-plan")
    assert r.status == "not_measured" and "comes after this scorecard's date" in r.reason
    r = result(w, 2018, "R3-layout-plan")
    assert (r.status, r.value) == ("not_met", None)
    _plan(w, "站点选址", at(2018, 1, 10), kind="siting")  # not a layout plan
    _plan(w, "乡镇配送中心布局", at(2018, 1, 31, 23))  # the last hour of the deadline day, Beijing time
    r = result(w, 2018, "R3-layout-plan")
    assert (r.status, r.value) == ("met", date(2018, 1, 31))
    assert "“乡镇配送中心布局” saved on 2018-01-31" in r.reason and r.link == "/planning/"
    assert result(w, 2017, "R3-layout-plan").status == "not_measured"  # saved after the end of 2017
    data = scorecard_to_dict(build_scorecard(county=w.county, year=2018))
    assert next(i for i in data["indicators"] if i["id"] == "R3-layout-plan")["value"] == "2018-01-31"


def test_layout_plan_saved_late(w):
    _plan(w, "布局", at(2018, 2, 1, 0) + timedelta(minutes=1))
    r = result(w, 2018, "R3-layout-plan")
    assert (r.status, r.value) == ("not_met", date(2018, 2, 1))


def test_one_funded_carrier_per_route(w):
    r = result(w, 2018, "R1.3-one-carrier-per-route")
    assert (r.status, r.value) == ("met", 1)
    Carrier.objects.filter(pk=w.b.pk).update(funded=True, funded_route=" 县城—甲镇 ")
    r = result(w, 2018, "R1.3-one-carrier-per-route")
    assert (r.status, r.value) == ("not_met", 2)
    assert (
        "More than one on: 县城—甲镇: 乙邮政, 甲快递" in r.reason or "县城—甲镇: 甲快递, 乙邮政" in r.reason
    )
    assert r.link == "/logistics/carriers/"


def test_no_carrier_means_not_measured(county):
    assert (
        build_scorecard(county=county, year=2018).result("R1.3-one-carrier-per-route").status
        == "not_measured"
    )


def test_the_scorecard_reads_the_rollup_not_the_shipments(w, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    deliver(w, book(w, "RQ0001", booked_at=at(2018, 5, 1)), start=at(2018, 5, 1))
    with CaptureQueriesContext(connection) as ctx:
        build_scorecard(county=w.county, year=2018)
    assert not [q for q in ctx.captured_queries if '"logistics_shipment"' in q["sql"]]
    assert Shipment.objects.count() == 1

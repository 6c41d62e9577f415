"""Station-operation indicators (R2, R7, R12) of the scorecard, from the monthly rollups."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xiangcun.evaluation.scorecard import build_scorecard
from xiangcun.network.models import StaffMember
from xiangcun.reporting.models import StationMonthOnline
from xiangcun.stations.models import ServiceCompany, StationCharge, Transaction
from xiangcun.stations.services import transaction_transition
from xiangcun.stations.sync import transactions_sync

from .helpers import at, facility, root, station
from .test_scorecard import _row, _villages

WINDOW = 10 * 3600  # default opening hours 08:00–18:00


def _sync(st, kind, moments, amount):
    items = [
        {
            "uuid": str(uuid.uuid4()),
            "kind": kind,
            "occurred_at": moment.isoformat(),
            "amount": str(amount),
            "villager_name": "张三",
            "description": "test",
        }
        for moment in moments
    ]
    results = transactions_sync(station=st, items=items, actor=root(), source="backfill")
    assert {r.status for r in results} == {"created"}


def _month_days(year, month):
    return ((date(year + month // 12, month % 12 + 1, 1)) - date(year, month, 1)).days


@pytest.fixture
def two_stations(county):
    """Station A operates from June 2017 (12 station-months in 2018), B from 1 July 2018 (6)."""
    villages = _villages(county)
    a = station(villages[0, 0], operating=at(2017, 6, 1, 0, 0))
    b = station(villages[1, 0], operating=at(2018, 7, 1, 0, 0))
    # A: 50 proxy purchases of 40 yuan every month of 2018 (exactly the targets); B: 10 of 100 yuan.
    for month in range(1, 13):
        _sync(a, "proxy_purchase", [at(2018, month, 1 + d % 28, 10) for d in range(50)], "40.00")
    for month in range(7, 13):
        _sync(b, "proxy_purchase", [at(2018, month, 2, 9)] * 10, "100")
    # 2017: A sold 25,000 yuan of farm goods by proxy (the baseline of the growth indicator).
    _sync(a, "proxy_sale", [at(2017, 9, 10)] * 10, "2500")
    return a, b


@pytest.mark.django_db
def test_orders_turnover_and_shares(county, two_stations):
    card = build_scorecard(county=county, year=2018)
    # (600 + 60) orders over 12 + 6 station-months; A meets both targets exactly, B neither.
    assert _row(card, "R2-orders-per-station-month") == ("not_met", Decimal("36.7"), 660, 18)
    assert _row(card, "R2-turnover-per-station-month") == ("not_met", Decimal("1666.7"), Decimal("30000"), 18)
    assert _row(card, "R2-stations-meeting-orders") == ("not_met", Decimal("50.0"), 1, 2)
    assert _row(card, "R2-stations-meeting-turnover") == ("not_met", Decimal("50.0"), 1, 2)
    # Growth: 30,000 yuan of proxy purchases in 2018 against 25,000 of proxy sales in 2017 = +20 % (met).
    assert _row(card, "R12-transactions-growth") == (
        "met",
        Decimal("20.0"),
        Decimal("30000"),
        Decimal("25000"),
    )
    # Only proxy purchases happened in 2018.
    assert _row(card, "R2-station-services") == ("not_met", False, 1, 6)


@pytest.mark.django_db
def test_a_voided_order_drops_a_station_below_the_targets(county, two_stations):
    a, _b = two_stations
    tx = Transaction.objects.filter(station=a, kind="proxy_purchase").first()
    transaction_transition(actor=root(), tx=tx, to_status="cancelled")
    card = build_scorecard(county=county, year=2018)
    assert _row(card, "R2-stations-meeting-orders") == ("not_met", Decimal("0.0"), 0, 2)
    assert _row(card, "R2-orders-per-station-month")[2:] == (659, 18)


@pytest.mark.django_db
def test_growth_without_a_baseline_is_not_measured(county):
    a = station(_villages(county)[0, 0], operating=at(2018, 1, 1, 0, 0))
    _sync(a, "proxy_purchase", [at(2018, 3, 1)], "10")
    card = build_scorecard(county=county, year=2018)
    assert card.result("R12-transactions-growth").status == "not_measured"
    assert "2017" in card.result("R12-transactions-growth").reason


@pytest.mark.django_db
def test_no_station_operating_means_not_measured(county):
    card = build_scorecard(county=county, year=2018)
    for indicator in ("R2-orders-per-station-month", "R2-stations-meeting-orders", "R2-terminal-online-rate"):
        assert card.result(indicator).status == "not_measured"


@pytest.mark.django_db
def test_online_rate_ratio_of_sums_and_share_of_stations(county, two_stations):
    a, b = two_stations
    opening_a = 365 * WINDOW
    opening_b = 184 * WINDOW  # 1 July – 31 December
    for month in range(1, 13):
        full = _month_days(2018, month) * WINDOW
        StationMonthOnline.objects.create(
            county=county, township=a.township, station=a, month=date(2018, month, 1), online_seconds=full
        )
        if month >= 7:
            StationMonthOnline.objects.create(
                county=county,
                township=b.township,
                station=b,
                month=date(2018, month, 1),
                online_seconds=full // 2,
            )
    online = opening_a + opening_b // 2
    card = build_scorecard(county=county, year=2018)
    assert _row(card, "R2-terminal-online-rate") == (
        "not_met",
        Decimal("83.2"),
        online,
        opening_a + opening_b,
    )
    assert _row(card, "R2-stations-meeting-online-rate") == ("not_met", Decimal("50.0"), 1, 2)


@pytest.mark.django_db
def test_forbidden_charges_service_company_and_staff(county, two_stations):
    a, _b = two_stations
    StationCharge.objects.create(
        county=county,
        station=a,
        charged_on=date(2018, 3, 1),
        kind="service",
        amount=Decimal("100"),
        charged_by="X",
    )
    card = build_scorecard(county=county, year=2018)
    assert _row(card, "R2-no-station-fees")[:2] == ("met", True)
    assert _row(card, "R12-service-company")[:2] == ("not_met", 0)
    assert card.result("R7-poor-hired-first").status == "not_measured"

    StationCharge.objects.create(
        county=county,
        station=a,
        charged_on=date(2018, 4, 1),
        kind="deposit",
        amount=Decimal("500"),
        charged_by="X",
    )
    ServiceCompany.objects.create(county=county, name="Partial", offers_proxy_purchase=True)
    center = facility(county, "county_center", "C1", operating=at(2017, 12, 1))
    StaffMember.objects.create(
        county=county, station=a, name="李四", from_poor_household=True, hired_on=date(2018, 1, 1)
    )
    StaffMember.objects.create(county=county, facility=center, name="王五", hired_on=date(2018, 1, 1))
    card = build_scorecard(county=county, year=2018)
    fees = card.result("R2-no-station-fees")
    assert (fees.status, fees.value) == ("not_met", False)
    assert "500" in fees.reason
    assert _row(card, "R12-service-company")[:2] == ("not_met", 0)
    staff = card.result("R7-poor-hired-first")
    assert (staff.status, staff.numerator, staff.denominator) == ("not_met", 1, 2)
    assert "county center" in staff.reason

    ServiceCompany.objects.create(
        county=county, name="Full", **dict.fromkeys(ServiceCompany.OFFER_FIELDS, True)
    )
    StaffMember.objects.create(
        county=county, facility=center, name="赵六", from_poor_household=True, hired_on=date(2018, 2, 1)
    )
    # Someone who left before the end of the year does not count.
    StaffMember.objects.create(
        county=county, station=a, name="钱七", hired_on=date(2018, 1, 1), left_on=date(2018, 6, 30)
    )
    card = build_scorecard(county=county, year=2018)
    assert _row(card, "R12-service-company")[:2] == ("met", 1)
    assert _row(card, "R7-poor-hired-first") == ("met", True, 2, 3)


@pytest.mark.django_db
def test_scorecard_never_reads_the_ledger(county, two_stations):
    with CaptureQueriesContext(connection) as queries:
        build_scorecard(county=county, year=2018)
    assert not [q["sql"] for q in queries if "stations_transaction" in q["sql"]]

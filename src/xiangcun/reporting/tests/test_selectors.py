"""The bureau's reports from the rollups: station and township tables, the county trend, scope.

The data (fixture `operations`), in Beijing time, default opening hours 08:00–18:00 (36,000 s a day):
- A (township 甲镇): operating since June 2017; every month of 2018 50 proxy purchases of 40 yuan (the
  targets exactly), online 100 %. In September 2017: 10 proxy sales of 2,500 yuan.
- B (甲镇): operating from 1 July 2018; July–December 10 proxy purchases of 100 yuan and 2 proxy sales
  of 300 yuan a month, online 90 %.
- C (township 乙乡): operating since January 2017; in March 2018 60 proxy purchases of 50 yuan and 3
  bill payments of 80 yuan; online 96 % every month of 2018 but March (80 %).
"""

import uuid
from calendar import monthrange
from datetime import date
from decimal import Decimal

import pytest

from xiangcun.core.testing import make_user
from xiangcun.evaluation.tests.helpers import at, root, station
from xiangcun.evaluation.tests.test_scorecard import _villages
from xiangcun.regions.models import Township
from xiangcun.reporting import selectors
from xiangcun.reporting.models import StationMonthOnline
from xiangcun.stations.models import Transaction
from xiangcun.stations.services import transaction_transition
from xiangcun.stations.sync import transactions_sync

WINDOW = 36_000


def sync(st, kind, moments, amount):
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


def days(year, month):
    return monthrange(year, month)[1]


def online(st, year, month, percent):
    """Online seconds = `percent` of the month's opening seconds (the station operated all month)."""
    StationMonthOnline.objects.create(
        county_id=st.county_id,
        township_id=st.township_id,
        station=st,
        month=date(year, month, 1),
        online_seconds=days(year, month) * WINDOW * percent // 100,
    )


@pytest.fixture
def operations(county):
    villages = _villages(county)
    a = station(villages[0, 0], operating=at(2017, 6, 1, 0, 0), name="A站")
    b = station(villages[0, 1], operating=at(2018, 7, 1, 0, 0), name="B站")
    c = station(villages[1, 0], operating=at(2017, 1, 1, 0, 0), name="C站")
    for month in range(1, 13):
        sync(a, "proxy_purchase", [at(2018, month, 1 + d % 28, 10) for d in range(50)], "40.00")
        online(a, 2018, month, 100)
        online(c, 2018, month, 80 if month == 3 else 96)
    for month in range(7, 13):
        sync(b, "proxy_purchase", [at(2018, month, 2, 9)] * 10, "100")
        sync(b, "proxy_sale", [at(2018, month, 3, 9)] * 2, "300")
        online(b, 2018, month, 90)
    sync(a, "proxy_sale", [at(2017, 9, 10)] * 10, "2500")
    sync(c, "proxy_purchase", [at(2018, 3, 5, 11)] * 60, "50")
    sync(c, "bill_payment", [at(2018, 3, 6, 11)] * 3, "80")
    return a, b, c


def codes(table):
    return [r.name for r in table.rows]


@pytest.mark.django_db
def test_year_table_averages_over_station_months_shortfalls_first(county, bureau, operations):
    table = selectors.station_table(user=bureau, county=county, year=2018)
    assert codes(table) == ["C站", "B站", "A站"]
    c, b, a = table.rows
    assert [r.rank for r in table.rows] == [1, 2, 3]
    assert (a.months, b.months, c.months) == (12, 6, 12)
    # A: 600 orders, 24,000 yuan over 12 months: exactly the targets.
    assert (a.total.purchase_orders, a.total.purchase_amount) == (600, Decimal("24000.00"))
    assert (a.averages.purchase_orders, a.averages.purchase_amount) == (Decimal("50.0"), Decimal("2000.00"))
    assert (a.targets.orders, a.targets.amount, a.targets.online) == (True, True, True)
    assert a.online_rate == Decimal("100.0") and not a.targets.short
    # B: averaged over its 6 months (July–December), not 12.
    assert (b.averages.purchase_orders, b.averages.purchase_amount) == (Decimal("10.0"), Decimal("1000.00"))
    assert (b.averages.sale_orders, b.averages.sale_amount) == (Decimal("2.0"), Decimal("600.00"))
    assert (b.averages.total_count, b.averages.total_amount) == (Decimal("12.0"), Decimal("1600.00"))
    assert b.online.opening_seconds == 184 * WINDOW and b.online_rate == Decimal("90.0")
    assert (b.targets.orders, b.targets.amount, b.targets.online, b.targets.met) == (False, False, False, 0)
    # C: one busy month over 12; online (31 × 80 % + 334 × 96 %) of 365 days = 94.64 %: short.
    assert (c.averages.purchase_orders, c.averages.purchase_amount) == (Decimal("5.0"), Decimal("250.00"))
    assert (c.total.other_count, c.total.other_amount) == (3, Decimal("240.00"))
    assert c.online.online_seconds == 31 * 28_800 + 334 * 34_560
    assert c.online_rate == Decimal("94.6") and c.targets.online is False
    assert table.shortfalls == 2


@pytest.mark.django_db
def test_month_table(county, bureau, operations):
    table = selectors.station_table(user=bureau, county=county, year=2018, month=3)
    # B was not operating in March and recorded nothing: not listed. C misses the online rate only.
    assert codes(table) == ["C站", "A站"]
    c, a = table.rows
    assert (c.months, c.total.purchase_orders, c.total.purchase_amount) == (1, 60, Decimal("3000.00"))
    assert (c.total.total_count, c.total.total_amount) == (63, Decimal("3240.00"))
    assert (c.targets.orders, c.targets.amount, c.targets.online) == (True, True, False)
    assert c.online_rate == Decimal("80.0")
    assert (a.total.purchase_orders, a.targets.met) == (50, 3)


@pytest.mark.django_db
def test_a_voided_order_drops_a_station_below_the_target(county, bureau, operations):
    a = operations[0]
    tx = Transaction.objects.filter(station=a, kind="proxy_purchase", occurred_at__month=3).first()
    transaction_transition(actor=root(), tx=tx, to_status="cancelled")
    row = selectors.station_table(user=bureau, county=county, year=2018, month=3).rows[0]
    assert (row.name, row.total.purchase_orders, row.total.purchase_amount) == ("A站", 49, Decimal("1960.00"))
    assert row.targets.orders is False and row.targets.amount is False


@pytest.mark.django_db
def test_entries_outside_station_months_are_totals_not_averages(county, bureau, operations):
    b = operations[1]
    sync(b, "proxy_purchase", [at(2018, 5, 2, 9)], "70")  # before B opened (paper record back-filled)
    year = {r.name: r for r in selectors.station_table(user=bureau, county=county, year=2018).rows}["B站"]
    assert (year.total.purchase_orders, year.judged.purchase_orders, year.months) == (61, 60, 6)
    assert year.averages.purchase_orders == Decimal("10.0")
    may = selectors.station_table(user=bureau, county=county, year=2018, month=5)
    row = {r.name: r for r in may.rows}["B站"]
    assert (row.months, row.total.purchase_orders, row.targets.judged, row.rank) == (0, 1, False, 3)


@pytest.mark.django_db
def test_township_table(county, bureau, operations):
    table = selectors.township_table(user=bureau, county=county, year=2018)
    assert [r.name for r in table.rows] == ["乙乡", "甲镇"]
    yi, jia = table.rows
    assert (jia.stations, jia.months, jia.total.purchase_orders) == (2, 18, 660)
    assert (jia.averages.purchase_orders, jia.averages.purchase_amount) == (
        Decimal("36.7"),
        Decimal("1666.67"),
    )
    assert (jia.meeting_orders, jia.meeting_amount, jia.meeting_online) == (1, 1, 1)
    assert jia.online.online_seconds == 365 * WINDOW + 184 * WINDOW * 9 // 10
    assert jia.online_rate == Decimal("96.6")
    assert (jia.targets.orders, jia.targets.amount, jia.targets.online) == (False, False, True)
    assert (yi.stations, yi.months, yi.averages.purchase_orders, yi.targets.met) == (1, 12, Decimal("5.0"), 0)
    march = selectors.township_table(user=bureau, county=county, year=2018, month=3)
    assert [(r.name, r.stations, r.total.purchase_orders) for r in march.rows] == [
        ("乙乡", 1, 60),
        ("甲镇", 1, 50),
    ]


@pytest.mark.django_db
def test_county_trend_with_previous_year(county, bureau, operations):
    trend = selectors.county_trend(user=bureau, county=county, year=2018)
    assert (trend.level, trend.label) == ("county", county.name)
    assert len(trend.months) == 12
    assert (trend.total.purchase_orders, trend.total.purchase_amount) == (720, Decimal("33000.00"))
    assert (trend.total.sale_orders, trend.total.sale_amount) == (12, Decimal("3600.00"))
    assert trend.total.total_amount == Decimal("36840.00")
    assert trend.previous_total.total_amount == Decimal("25000.00")
    assert trend.growth_amount == Decimal("47.4")  # 36,840 / 25,000 − 1
    assert trend.growth_ecommerce_amount == Decimal("46.4")  # (33,000 + 3,600) / 25,000 − 1
    assert trend.growth_purchase_orders is None  # no proxy purchase in 2017
    sep = trend.months[8]
    assert sep.month == date(2018, 9, 1)
    assert (sep.figures.total_amount, sep.previous.total_amount) == (Decimal("3600.00"), Decimal("25000.00"))
    assert sep.growth_amount == Decimal("-85.6")
    assert (sep.stations, trend.months[0].stations) == (3, 2)
    assert sep.online.opening_seconds == 3 * 30 * WINDOW
    march = trend.months[2]
    assert march.figures.counts["bill_payment"] == 3
    assert march.online_rate == Decimal("90.0")  # (31 × 100 % + 31 × 80 %) / 62 days
    # 2017: A and C had opening hours but no online seconds are recorded: 0 %.
    assert march.previous_online_rate == Decimal("0.0") and trend.months[8].previous_online.opening_seconds


@pytest.mark.django_db
def test_scope(county, other_county, bureau, auditor, other_bureau, operations):
    a, b, c = operations
    jia = Township.objects.get(pk=a.township_id)
    township_user = make_user("bureau_admin", county, township=jia)
    manager = make_user("station_manager", county, station=b)
    assert codes(selectors.station_table(user=auditor, county=county, year=2018)) == ["C站", "B站", "A站"]
    assert codes(selectors.station_table(user=township_user, county=county, year=2018)) == ["B站", "A站"]
    assert codes(selectors.station_table(user=manager, county=county, year=2018)) == ["B站"]
    # A user of another county, or nobody, sees no station of this county.
    assert codes(selectors.station_table(user=other_bureau, county=county, year=2018)) == []
    from django.contrib.auth.models import AnonymousUser

    assert codes(selectors.station_table(user=AnonymousUser(), county=county, year=2018)) == []
    assert selectors.report_county(user=other_bureau, code=county.code) is None
    assert selectors.report_county(user=AnonymousUser()) is None
    assert selectors.report_county(user=root(), code=county.code) == county
    assert [r.name for r in selectors.township_table(user=township_user, county=county, year=2018).rows] == [
        "甲镇"
    ]
    assert selectors.report_township(user=township_user, county=county, code=c.township.code) is None
    assert selectors.report_station(user=manager, county=county, code=a.code) is None
    # The trend follows the scope: the township's, the station's.
    trend = selectors.county_trend(user=township_user, county=county, year=2018)
    assert (trend.level, trend.label, trend.total.purchase_orders) == ("township", "甲镇", 660)
    assert trend.online.opening_seconds == (365 + 184) * WINDOW
    trend = selectors.county_trend(user=manager, county=county, year=2018)
    assert (trend.level, trend.label, trend.total.purchase_orders) == ("station", "B站", 60)
    assert trend.online.opening_seconds == 184 * WINDOW
    assert selectors.county_trend(user=other_bureau, county=county, year=2018) is None


@pytest.mark.django_db
def test_default_year(county, operations):
    assert selectors.default_year(county) == 2018
    assert selectors.year_choices(county) == [2018, 2017]


def test_rates_and_growth_are_exact_at_the_borders():
    from xiangcun.reporting.online import Online

    # Shown rounded down: a rate that misses 95 % never shows as 95.0 %.
    assert selectors.rate_percent(Online(9_499, 10_000)) == Decimal("94.9")
    assert Online(9_499, 10_000).meets(95) is False
    assert selectors.rate_percent(Online(9_500, 10_000)) == Decimal("95.0")
    assert Online(9_500, 10_000).meets(95) is True
    assert selectors.rate_percent(Online(0, 0)) is None
    assert selectors.growth_percent(Decimal("150"), Decimal("100")) == Decimal("50.0")
    assert selectors.growth_percent(1, 3) == Decimal("-66.7")
    assert selectors.growth_percent(5, 0) is None

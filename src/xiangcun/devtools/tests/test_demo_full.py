"""The demo county at full size (`xiangcun demo`, ~900,000 ledger entries): volumes, year-on-year
growth, the spread of stations around the targets, rollups equal to the rebuild. One load (~1–2 min
on the 2-core reference machine), on one worker (`make test` distributes by file); test_demo.py
checks everything else on a small ledger.

SQLite only: what this module checks is the simulator's output (volumes, growth, spread), the same on
every database, and the PostgreSQL-specific load path (`COPY`) is covered by test_demo.py's smaller
load; on PostgreSQL the full load would add minutes to CI for nothing new."""

import time
from collections import defaultdict
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from xiangcun.devtools.services import demo_delete
from xiangcun.network.models import Station
from xiangcun.regions.models import County
from xiangcun.reporting.models import CountyMonth, StationMonth, TownshipMonth
from xiangcun.reporting.rollups import ledger_rebuild

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
        reason="the full-size load is checked on SQLite; test_demo.py covers PostgreSQL's load path",
    ),
]
TARGET_ORDERS, TARGET_AMOUNT = 50, Decimal("2000")


@pytest.fixture(scope="module")
def full(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        start = time.monotonic()
        with translation.override("en"):
            call_command("demo", "--seed", "1", "-v", "0", stdout=StringIO(), stderr=StringIO())
        seconds = time.monotonic() - start
        print(f"\nfull demo load: {seconds:.1f} s")
        county = County.objects.get(is_demo=True)
    yield county
    with django_db_blocker.unblock():
        demo_delete()


def _year(county, year):
    rows = CountyMonth.objects.filter(county=county, month__year=year).values_list("count", "amount")
    return sum(c for c, _a in rows), sum(a for _c, a in rows)


def test_volumes_and_growth(full):
    n2017, amount2017 = _year(full, 2017)
    n2018, amount2018 = _year(full, 2018)
    assert 300_000 <= n2017 <= 500_000 and 400_000 <= n2018 <= 650_000
    assert 1.20 <= n2018 / n2017 <= 1.35
    assert Decimal("1.20") <= amount2018 / amount2017 <= Decimal("1.35")


def test_some_stations_meet_the_proxy_purchase_targets_and_some_do_not(full):
    """Per station operating all of 2018: months with ≥50 proxy purchases and ≥2,000 yuan (entries not
    voided)."""
    whole_year = set(
        Station.objects.filter(county=full, opened_on__lt=date(2018, 1, 1), status="operating").values_list(
            "pk", flat=True
        )
    )
    months_met = defaultdict(int)
    for station_id, count, amount, void_count, void_amount in StationMonth.objects.filter(
        county=full, kind="proxy_purchase", month__year=2018
    ).values_list("station_id", "count", "amount", "void_count", "void_amount"):
        if count - void_count >= TARGET_ORDERS and amount - void_amount >= TARGET_AMOUNT:
            months_met[station_id] += 1
    met = [months_met[s] for s in whole_year]
    assert sum(m == 12 for m in met) >= 40  # strong stations meet the targets every month
    assert sum(m == 0 for m in met) >= 40  # struggling ones never
    assert sum(0 < m < 12 for m in met) >= 20  # average ones in some months


def test_rollups_equal_the_rebuild_at_full_size(full):
    def snapshot():
        return [
            sorted(model.objects.filter(county=full).values_list(*fields))
            for model, fields in (
                (
                    StationMonth,
                    ("station_id", "month", "kind", "count", "amount", "fee", "void_count", "void_amount"),
                ),
                (
                    TownshipMonth,
                    ("township_id", "month", "kind", "count", "amount", "void_count", "void_amount"),
                ),
                (CountyMonth, ("month", "kind", "count", "amount", "fee", "void_count", "void_amount")),
            )
        ]

    loaded = snapshot()
    ledger_rebuild(county=full)
    assert snapshot() == loaded

"""A small county with coordinates for planning tests.

`make_county` gives two townships (甲镇 at 36.30 N 115.10 E, 乙乡 at 36.31 N 115.11 E) with three
villages each (1: poor, 450 residents; 2: 800; 3: 300). Here the villages get coordinates on a line of
latitude 36.30 (every 0.01° of longitude is ≈ 896 m) and 乙乡's third village 350 residents, so that
no two villages tie on population.
"""

from decimal import Decimal

import pytest

from xiangcun.regions.models import Village

# village code suffix → longitude (latitude 36.30 for all)
LONGITUDES = {
    "100201": "115.090",  # 甲1, poor, 450
    "100202": "115.095",  # 甲2, 800 (≈ 448 m east of 甲1)
    "100203": "115.130",  # 甲3, 300
    "201201": "115.200",  # 乙1, poor, 450
    "201202": "115.250",  # 乙2, 800
    "201203": "115.300",  # 乙3, 350
}


@pytest.fixture
def planning_county(county):
    for village in Village.objects.filter(county=county):
        village.latitude = Decimal("36.300000")
        village.longitude = Decimal(LONGITUDES[village.code[-6:]])
        if village.code.endswith("201203"):
            village.population = 350
        village.save()
    return county


@pytest.fixture
def rw(county, superuser, bureau):
    """The route tests' world (`routes_world`)."""
    from .routes_world import routes_world

    return routes_world(county, superuser, bureau)

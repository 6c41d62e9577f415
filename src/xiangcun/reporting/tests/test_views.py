"""The report pages: station and township rankings, county trends; filters, 400s, scope, no ledger reads."""

import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xiangcun.core.testing import make_user
from xiangcun.regions.models import Township
from xiangcun.stations.models import Transaction

from .test_selectors import operations  # noqa: F401 - fixture

STATIONS, TOWNSHIPS, COUNTY = "/reports/stations/", "/reports/townships/", "/reports/county/"


def client_for(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def ranked(html: str, table_id: str) -> list[tuple[str, str, str]]:
    """(rank, data-row, class) of each row of the table."""
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr data-row="([^"]+)" data-rank="(\d+)" class="([^"]*)"', body)


def test_url_names():
    assert reverse("reporting:index") == "/reports/"
    assert reverse("reporting:stations") == STATIONS
    assert reverse("reporting:townships") == TOWNSHIPS
    assert reverse("reporting:county") == COUNTY
    assert reverse("reporting:stations_export") == "/reports/stations/export/"
    assert reverse("reporting:station_ledger_export", args=["X1"]) == "/reports/stations/X1/ledger/export/"


@pytest.mark.django_db
def test_station_ranking_year(county, bureau, operations):  # noqa: F811
    a, b, c = operations
    r = client_for(bureau).get(STATIONS, {"year": 2018})
    assert r.status_code == 200
    html = r.content.decode()
    assert ranked(html, "station-ranking") == [
        (c.code, "1", "short"),
        (b.code, "2", "short"),
        (a.code, "3", ""),
    ]
    assert 'data-shortfalls="2"' in html
    assert reverse("network:station_detail", args=[b.code]) in html
    assert f"/reports/stations/{b.code}/ledger/export/?year=2018" in html
    assert "/reports/stations/export/?year=2018" in html
    # B's year figures are monthly averages over its 6 months: 10.0 orders, 1,000.00 yuan.
    row = html.split(f'data-row="{b.code}"', 1)[1].split("</tr>", 1)[0]
    assert ">6</td>" in row
    assert re.search(r'data-cell="purchase-orders">10\.0 ', row)
    assert re.search(r'data-cell="purchase-amount">1,000\.00 ', row)
    assert re.search(r'data-cell="online">90\.0%', row)


@pytest.mark.django_db
def test_station_ranking_month_and_township(county, bureau, operations):  # noqa: F811
    a, b, c = operations
    client = client_for(bureau)
    html = client.get(STATIONS, {"year": 2018, "month": 3}).content.decode()
    assert ranked(html, "station-ranking") == [(c.code, "1", "short"), (a.code, "2", "")]
    row = html.split(f'data-row="{c.code}"', 1)[1].split("</tr>", 1)[0]
    assert re.search(r'data-cell="purchase-orders">60 ', row) and 'class="num miss" data-cell="online"' in row
    jia = Township.objects.get(pk=a.township_id)
    html = client.get(STATIONS, {"year": 2018, "township": jia.code}).content.decode()
    assert [code for code, _r, _c in ranked(html, "station-ranking")] == [b.code, a.code]
    assert f"township={jia.code}" in html  # the export button keeps the township


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "params"),
    [
        (STATIONS, {"year": "abc"}),
        (STATIONS, {"month": "13"}),
        (STATIONS, {"township": "1"}),
        (STATIONS, {"township": "999999999999"}),
        (TOWNSHIPS, {"year": "1900"}),
        (COUNTY, {"year": "x"}),
        ("/reports/stations/export/", {"year": "x"}),
    ],
)
def test_bad_parameters_answer_400(county, bureau, url, params):
    r = client_for(bureau).get(url, params)
    assert r.status_code == 400


@pytest.mark.django_db
def test_a_bad_parameter_shows_its_error(county, bureau):
    html = client_for(bureau).get(STATIONS, {"month": "13"}).content.decode()
    assert "field-error" in html and 'id="station-ranking"' not in html


@pytest.mark.django_db
@pytest.mark.parametrize("url", [STATIONS, TOWNSHIPS, COUNTY, "/reports/"])
def test_anonymous_is_sent_to_log_in(url):
    r = Client().get(url)
    assert r.status_code == 302 and "login" in r["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", [STATIONS, TOWNSHIPS, COUNTY])
def test_other_county(county, other_bureau, operations, url):  # noqa: F811
    client = client_for(other_bureau)
    assert client.get(url, {"county": county.code}).status_code == 404
    html = client.get(url, {"year": 2018}).content.decode()
    for st in operations:
        assert st.code not in html and st.name not in html


@pytest.mark.django_db
def test_township_user_and_station_manager(county, operations):  # noqa: F811
    a, b, c = operations
    jia = Township.objects.get(pk=a.township_id)
    township_user = make_user("poverty_office", county, township=jia)
    html = client_for(township_user).get(STATIONS, {"year": 2018}).content.decode()
    assert [code for code, _r, _c in ranked(html, "station-ranking")] == [b.code, a.code]
    assert client_for(township_user).get(STATIONS, {"township": c.township.code}).status_code == 400
    html = client_for(township_user).get(TOWNSHIPS, {"year": 2018}).content.decode()
    assert [code for code, _r, _c in ranked(html, "township-ranking")] == [jia.code]
    manager = make_user("station_manager", county, station=b)
    html = client_for(manager).get(STATIONS, {"year": 2018}).content.decode()
    assert [code for code, _r, _c in ranked(html, "station-ranking")] == [b.code]
    assert a.code not in html
    html = client_for(manager).get(COUNTY, {"year": 2018}).content.decode()
    assert "B站 · Monthly trends" in html
    data = json.loads(html.split('id="trend-data" type="application/json">', 1)[1].split("</script>", 1)[0])
    assert sum(data["purchase_orders"]) == 60


@pytest.mark.django_db
def test_township_ranking(county, bureau, operations):  # noqa: F811
    a, b, c = operations
    html = client_for(bureau).get(TOWNSHIPS, {"year": 2018}).content.decode()
    jia, yi = Township.objects.get(pk=a.township_id), Township.objects.get(pk=c.township_id)
    assert ranked(html, "township-ranking") == [(yi.code, "1", "short"), (jia.code, "2", "short")]
    row = html.split(f'data-row="{jia.code}"', 1)[1].split("</tr>", 1)[0]
    assert "36.7" in row and "1,666.67" in row and "96.6%" in row and "1/2" in row
    assert f"/reports/stations/?year=2018&amp;township={jia.code}" in html


@pytest.mark.django_db
def test_county_trends(county, bureau, operations):  # noqa: F811
    r = client_for(bureau).get(COUNTY, {"year": 2018})
    assert r.status_code == 200
    html = r.content.decode()
    assert "vendor/echarts/echarts.min.js" in html and "js/reports.js" in html
    data = json.loads(html.split('id="trend-data" type="application/json">', 1)[1].split("</script>", 1)[0])
    assert data["year"] == 2018 and data["previous_year"] == 2017
    assert sum(data["purchase_orders"]) == 720 and data["purchase_orders"][2] == 110
    assert data["total_amount_previous"][8] == 25000.0
    assert data["online_rate"][2] == 90.0
    assert [k["kind"] for k in data["kinds"]][:2] == ["proxy_purchase", "proxy_sale"]
    assert data["stations"][8] == 3
    sep = html.split('data-month="2018-09"', 1)[1].split("</tr>", 1)[0]
    assert "3,600.00" in sep and "25,000.00" in sep and "-85.6%" in sep
    assert "+47.4%" in html  # all services, year on year
    assert "36,840.00" in html


@pytest.mark.django_db
def test_superuser_picks_a_county(county, superuser, operations):  # noqa: F811
    html = client_for(superuser).get(STATIONS, {"county": county.code, "year": 2018}).content.decode()
    assert len(ranked(html, "station-ranking")) == 3
    assert f"?county={county.code}" in html
    assert client_for(superuser).get(STATIONS, {"county": "999999"}).status_code == 404


@pytest.mark.django_db
def test_pages_read_the_rollups_not_the_ledger(county, bureau, operations):  # noqa: F811
    client = client_for(bureau)
    table = Transaction._meta.db_table
    for url in (STATIONS, TOWNSHIPS, COUNTY):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, {"year": 2018}).status_code == 200
        assert not [
            q for q in ctx.captured_queries if f'"{table}"' in q["sql"] or f" {table} " in q["sql"]
        ], url


@pytest.mark.django_db
def test_pages_in_chinese(county, bureau, operations):  # noqa: F811
    client = Client()  # no Accept-Language: the site's default (Chinese)
    client.force_login(bureau)
    for url in (STATIONS, TOWNSHIPS, COUNTY):
        assert client.get(url, {"year": 2018}).status_code == 200

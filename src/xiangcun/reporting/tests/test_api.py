"""GET /api/v1/reports/{stations,townships,county}: figures, ranking, parameters, scope, schema."""

import pytest

from xiangcun.core.testing import api_client, make_user
from xiangcun.regions.models import Township
from xiangcun.stations.models import Transaction

from .test_selectors import operations  # noqa: F401 - fixture

STATIONS, TOWNSHIPS, COUNTY = (
    "/api/v1/reports/stations",
    "/api/v1/reports/townships",
    "/api/v1/reports/county",
)


@pytest.mark.django_db
def test_stations_year(county, bureau, operations):  # noqa: F811
    r = api_client(bureau).get(STATIONS, {"year": 2018})
    assert r.status_code == 200, r.content
    data = r.json()
    assert (data["county"], data["year"], data["month"], data["township"], data["shortfalls"]) == (
        "130425",
        2018,
        None,
        None,
        2,
    )
    assert data["targets"] == {
        "proxy_purchase_orders": 50,
        "proxy_purchase_amount": "2000.00",
        "online_rate": 95,
    }
    assert [(s["rank"], s["name"]) for s in data["stations"]] == [(1, "C站"), (2, "B站"), (3, "A站")]
    b = data["stations"][1]
    assert b["months"] == 6
    assert b["average"]["proxy_purchase_orders"] == "10.0"
    assert b["average"]["proxy_purchase_amount"] == "1000.00"
    assert b["average"]["proxy_sale_amount"] == "600.00"
    assert b["total"]["proxy_purchase_orders"] == 60
    assert b["total"]["by_kind"]["proxy_sale"] == {"count": 12, "amount": "3600.00"}
    assert (b["online_rate"], b["opening_seconds"]) == ("90.0", 184 * 36_000)
    assert b["targets"] == {"orders": False, "amount": False, "online": False, "short": True}
    a = data["stations"][2]
    assert a["targets"] == {"orders": True, "amount": True, "online": True, "short": False}
    assert a["township_name"] == "甲镇" and a["code"]


@pytest.mark.django_db
def test_stations_month_and_township_filter(county, bureau, operations):  # noqa: F811
    a = operations[0]
    jia = Township.objects.get(pk=a.township_id)
    data = api_client(bureau).get(STATIONS, {"year": 2018, "month": 3, "township": jia.code}).json()
    assert data["township"] == jia.code and data["month"] == 3
    assert [
        (s["name"], s["total"]["proxy_purchase_orders"], s["targets"]["short"]) for s in data["stations"]
    ] == [("A站", 50, False)]
    # The default year is the latest with figures.
    assert api_client(bureau).get(STATIONS).json()["year"] == 2018


@pytest.mark.django_db
def test_townships(county, bureau, operations):  # noqa: F811
    data = api_client(bureau).get(TOWNSHIPS, {"year": 2018}).json()
    rows = {t["name"]: t for t in data["townships"]}
    assert [t["name"] for t in data["townships"]] == ["乙乡", "甲镇"]
    jia = rows["甲镇"]
    assert (jia["stations"], jia["months"], jia["online_rate"]) == (2, 18, "96.6")
    assert jia["average"]["proxy_purchase_orders"] == "36.7"
    assert (
        jia["stations_meeting_orders"],
        jia["stations_meeting_amount"],
        jia["stations_meeting_online"],
    ) == (
        1,
        1,
        1,
    )
    assert jia["targets"] == {"orders": False, "amount": False, "online": True, "short": True}


@pytest.mark.django_db
def test_county_trend(county, bureau, operations):  # noqa: F811
    data = api_client(bureau).get(COUNTY, {"year": 2018}).json()
    assert (data["level"], data["label"], data["year"]) == ("county", "大名县", 2018)
    assert [m["month"] for m in data["months"]] == [f"2018-{m:02d}" for m in range(1, 13)]
    assert data["total"]["total_amount"] == "36840.00"
    assert data["previous_total"]["total_amount"] == "25000.00"
    assert data["growth"] == {
        "total_amount": "47.4",
        "proxy_purchase_orders": None,
        "proxy_purchase_amount": None,
        "ecommerce_amount": "46.4",
    }
    sep = data["months"][8]
    assert sep["growth"]["total_amount"] == "-85.6"
    assert sep["previous"]["by_kind"]["proxy_sale"] == {"count": 10, "amount": "25000.00"}
    assert (sep["stations"], data["months"][2]["online_rate"]) == (3, "90.0")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        (STATIONS, {"year": "2018x"}, "year"),
        (STATIONS, {"year": 1999}, "year"),
        (STATIONS, {"year": 2018, "month": 13}, "month"),
        (STATIONS, {"month": "march"}, "month"),
        (STATIONS, {"township": "12"}, "township"),
        (STATIONS, {"township": "999999999999"}, "township"),  # well-formed but not in the county
        (STATIONS, {"county": "abc"}, "county"),
        (TOWNSHIPS, {"month": 0}, "month"),
        (COUNTY, {"year": "twenty"}, "year"),
        ("/api/v1/reports/stations/export", {"year": "x"}, "year"),
    ],
)
def test_bad_parameters_answer_400(county, bureau, url, params, field):
    r = api_client(bureau).get(url, params)
    assert r.status_code == 400, r.content
    body = r.json()
    assert body["code"] == "invalid" and field in body["errors"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", [STATIONS, TOWNSHIPS, COUNTY])
def test_anonymous_and_other_county(county, other_bureau, operations, url):  # noqa: F811
    assert api_client(None).get(url).status_code == 401
    # Another county's user asking for this county: 404; their own county: nothing of this one.
    assert api_client(other_bureau).get(url, {"county": county.code}).status_code == 404
    r = api_client(other_bureau).get(url, {"year": 2018})
    assert r.status_code == 200
    body = r.json()
    assert body["county"] == "130426"
    assert body.get("stations", []) == [] and all(t["months"] == 0 for t in body.get("townships", []))


@pytest.mark.django_db
def test_township_user_and_station_manager(county, operations):  # noqa: F811
    a, b, c = operations
    jia = Township.objects.get(pk=a.township_id)
    township_user = make_user("finance", county, township=jia)
    manager = make_user("station_manager", county, station=b)
    client = api_client(township_user)
    assert [s["name"] for s in client.get(STATIONS, {"year": 2018}).json()["stations"]] == ["B站", "A站"]
    assert client.get(STATIONS, {"township": c.township.code}).status_code == 400
    assert [t["name"] for t in client.get(TOWNSHIPS, {"year": 2018}).json()["townships"]] == ["甲镇"]
    assert client.get(COUNTY, {"year": 2018}).json()["level"] == "township"
    client = api_client(manager)
    assert [s["name"] for s in client.get(STATIONS, {"year": 2018}).json()["stations"]] == ["B站"]
    trend = client.get(COUNTY, {"year": 2018}).json()
    assert (trend["level"], trend["total"]["proxy_purchase_orders"]) == ("station", 60)


@pytest.mark.django_db
def test_superuser_chooses_the_county(county, superuser, operations):  # noqa: F811
    client = api_client(superuser)
    assert [
        s["name"] for s in client.get(STATIONS, {"county": county.code, "year": 2018}).json()["stations"]
    ] == [
        "C站",
        "B站",
        "A站",
    ]
    assert client.get(STATIONS, {"county": "999999"}).status_code == 404


@pytest.mark.django_db
def test_reports_do_not_read_the_ledger(county, bureau, operations):  # noqa: F811
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_client(bureau)
    for url in (STATIONS, TOWNSHIPS, COUNTY):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, {"year": 2018}).status_code == 200
        table = Transaction._meta.db_table
        assert not [q for q in ctx.captured_queries if table in q["sql"]], url
        assert len(ctx.captured_queries) <= 14, (url, len(ctx.captured_queries))


@pytest.mark.django_db
def test_documented_in_the_openapi_schema(bureau):
    r = api_client(bureau).get("/api/schema/", {"format": "json"})
    assert r.status_code == 200
    text = r.content.decode()
    for path in (
        "/api/v1/reports/stations",
        "/api/v1/reports/townships",
        "/api/v1/reports/county",
        "/api/v1/reports/stations/export",
        "/api/v1/reports/stations/{code}/ledger/export",
    ):
        assert f'"{path}"' in text, path
    assert "reports_stations" in text and "online_seconds" in text

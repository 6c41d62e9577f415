"""R3: the county's upstream express price against the mainstream platforms' price: tariffs, benchmarks,
the comparison, and their API."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from xiangcun.core.errors import PermissionDenied
from xiangcun.core.models import AuditEvent
from xiangcun.core.testing import api_client

from .. import selectors, services
from ..models import PriceBenchmark, Tariff

pytestmark = pytest.mark.django_db
TARIFFS, BENCHMARKS = "/api/v1/logistics/tariffs/", "/api/v1/logistics/price-benchmarks/"


def tariff(w, carrier, first, extra, since=date(2018, 1, 1), **fields):
    return services.tariff_record(
        actor=w.bureau,
        carrier=carrier,
        direction=fields.pop("direction", "upstream"),
        first_price=Decimal(first),
        extra_price_per_kg=Decimal(extra),
        valid_from=since,
        **fields,
    )


def test_a_tariff_charges_each_started_kilogram(w):
    t = tariff(w, w.a, "8.00", "2.50")
    assert [t.price_for(Decimal(x)) for x in ("0.3", "1", "1.001", "2", "3.5")] == [
        Decimal("8.00"),
        Decimal("8.00"),
        Decimal("10.50"),
        Decimal("10.50"),
        Decimal("15.50"),
    ]
    assert AuditEvent.objects.filter(action="tariff.record", object_id=str(t.pk)).exists()


def test_the_county_price_is_the_cheapest_carriers(w):
    tariff(w, w.a, "8.00", "2.00")
    tariff(w, w.b, "6.00", "4.00")
    tariff(w, w.b, "5.00", "4.00", since=date(2018, 7, 1))  # B lowers its price in July
    tariff(w, w.a, "1.00", "1.00", direction="downstream")  # not upstream: not compared
    for weight, price in (("1", "7.00"), ("3", "11.00")):
        services.benchmark_record(
            actor=w.bureau,
            county=w.county,
            source="淘宝 河北省内",
            weight_kg=Decimal(weight),
            price=Decimal(price),
            observed_on=date(2018, 1, 15),
        )
    june = selectors.price_comparison(user=w.bureau, county=w.county, on=date(2018, 6, 1))
    assert [(c.weight_kg, c.benchmark, c.carriers, c.county_price, c.met) for c in june] == [
        (
            Decimal("1.000"),
            Decimal("7.00"),
            [("乙邮政", Decimal("6.00")), ("甲快递", Decimal("8.00"))],
            Decimal("6.00"),
            True,
        ),
        (
            Decimal("3.000"),
            Decimal("11.00"),
            [("甲快递", Decimal("12.00")), ("乙邮政", Decimal("14.00"))],
            Decimal("12.00"),
            False,
        ),
    ]
    july = selectors.price_comparison(user=w.bureau, county=w.county, on=date(2018, 7, 1))
    assert july[0].carriers == [("乙邮政", Decimal("5.00")), ("甲快递", Decimal("8.00"))]
    assert selectors.price_comparison(user=w.bureau, county=w.county, on=date(2018, 1, 1)) == []
    assert selectors.price_comparison(user=w.other_bureau, county=w.county, on=date(2018, 6, 1)) == []


def test_tariff_and_benchmark_errors(w):
    with pytest.raises(ValidationError) as exc:
        tariff(w, w.a, "-1", "2.001", direction="sideways")
    assert exc.value.message_dict == {
        "direction": ["One of: downstream, upstream."],
        "first_price": ["Must not be negative."],
        "extra_price_per_kg": ["At most two decimal places (fen)."],
    }
    tariff(w, w.a, "8", "2")
    with pytest.raises(ValidationError):
        tariff(w, w.a, "9", "2")
    with pytest.raises(PermissionDenied):
        services.tariff_record(
            actor=w.manager1,
            carrier=w.a,
            direction="upstream",
            first_price=Decimal(1),
            extra_price_per_kg=Decimal(1),
            valid_from=date(2018, 1, 1),
        )
    with pytest.raises(PermissionDenied):
        services.benchmark_record(
            actor=w.bureau,
            county=w.other_county,
            source="x",
            weight_kg=Decimal(1),
            price=Decimal(1),
            observed_on=date(2018, 1, 1),
        )


def test_the_api(w):
    client = api_client(w.contractor)
    body = {
        "carrier": w.a.pk,
        "direction": "upstream",
        "first_price": "8.00",
        "extra_price_per_kg": "2.00",
        "valid_from": "2018-01-01",
    }
    created = client.post(TARIFFS, body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["first_weight_kg"] == "1.000" and created.json()["carrier_name"] == "甲快递"
    bench = client.post(
        BENCHMARKS,
        {"source": "京东 省内", "weight_kg": "1", "price": "7.50", "observed_on": "2018-02-01"},
        format="json",
    )
    assert bench.status_code == 201, bench.json()
    assert [r["price"] for r in api_client(w.auditor).get(BENCHMARKS).json()["results"]] == ["7.50"]
    assert api_client(w.other_bureau).get(TARIFFS).json()["results"] == []
    for who, code in ((None, 401), ("manager1", 403), ("carrier_a", 403), ("auditor", 403)):
        c = api_client(getattr(w, who) if who else None)
        assert c.post(TARIFFS, body, format="json").status_code == code
        assert (
            c.post(
                BENCHMARKS,
                {"source": "x", "weight_kg": "1", "price": "1", "observed_on": "2018-02-01"},
                format="json",
            ).status_code
            == code
        )
    assert Tariff.objects.count() == 1 and PriceBenchmark.objects.count() == 1
    bad = client.post(TARIFFS, {**body, "valid_from": "2018-01-01"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"] == {
        "valid_from": ["This carrier already has a tariff for this direction from this day."]
    }


def test_the_performance_page_compares_prices(w):
    from .test_pages import browser

    tariff(w, w.a, "8.00", "2.00")
    services.benchmark_record(
        actor=w.bureau,
        county=w.county,
        source="淘宝 省内",
        weight_kg=Decimal("2"),
        price=Decimal("9.00"),
        observed_on=date(2018, 1, 15),
    )
    html = browser(w.bureau).get("/logistics/performance/").content.decode()
    row = html[html.index('data-price="淘宝 省内 2.000"') :]
    row = row[: row.index("</tr>")]
    assert "甲快递 10.00" in row and "badge blocking" in row

"""The sync contract as terminal vendors read it: the OpenAPI schema documents the request and
response shapes, the authentication schemes and the error responses, and its example is accepted."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from xiangcun.core.testing import api_client
from xiangcun.stations.api.sync import EXAMPLE_REQUEST, EXAMPLE_RESPONSE
from xiangcun.stations.models import Transaction
from xiangcun.stations.tests.test_ledger_support import S1, ledger_world, sync_url


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def resolve(schema, ref_holder: dict) -> dict:
    name = ref_holder["$ref"].rsplit("/", 1)[1]
    return schema["components"]["schemas"][name]


def sync_operation(schema) -> dict:
    paths = [p for p in schema["paths"] if p.startswith("/api/v1/stations/{code}/sync")]
    assert len(paths) == 1
    return schema["paths"][paths[0]]["post"]


def test_the_request_shape_is_documented(schema):
    operation = sync_operation(schema)
    body = resolve(schema, operation["requestBody"]["content"]["application/json"]["schema"])
    assert body["required"] == ["transactions"]
    assert body["properties"]["transactions"]["maxItems"] == 1000
    item = resolve(schema, body["properties"]["transactions"]["items"])
    assert sorted(item["required"]) == ["amount", "kind", "occurred_at", "uuid"]
    props = item["properties"]
    assert props["uuid"]["format"] == "uuid"
    assert props["occurred_at"]["format"] == "date-time"
    assert props["amount"]["type"] == "string"
    assert props["amount"]["pattern"] == r"^\d{1,9}(\.\d{1,2})?$"  # no minus sign: never negative
    assert resolve(schema, props["kind"])["enum"] == [
        "proxy_purchase",
        "proxy_sale",
        "bill_payment",
        "cash_withdrawal",
        "insurance_credit",
        "life_service",
    ]
    for optional in ("villager_name", "description", "fee", "villager_phone", "reference", "items"):
        assert optional in props
    assert props["villager_name"]["maxLength"] == 50 and "minLength" not in props["villager_name"]


def test_the_response_and_errors_are_documented(schema):
    operation = sync_operation(schema)
    assert operation["operationId"] == "stations_sync"
    ok = resolve(schema, operation["responses"]["200"]["content"]["application/json"]["schema"])
    result = resolve(schema, ok["properties"]["results"]["items"])
    assert sorted(result["required"]) == ["errors", "status", "uuid"]
    assert resolve(schema, result["properties"]["status"])["enum"] == ["created", "duplicate", "rejected"]
    assert result["properties"]["errors"]["additionalProperties"]["items"] == {"type": "string"}
    for code in ("400", "401", "403", "404", "415"):
        error = operation["responses"][code]["content"]["application/json"]["schema"]
        assert sorted(resolve(schema, error)["properties"]) == ["code", "detail", "errors"]
    assert {"terminalAuth": []} in operation["security"]
    terminal = schema["components"]["securitySchemes"]["terminalAuth"]
    assert terminal["in"] == "header" and "Terminal <token>" in terminal["description"]
    assert "duplicate" in operation["description"] and "1,000" in operation["description"]


@pytest.mark.django_db
def test_the_documented_example_gives_the_documented_answer(
    county, other_county, superuser, bureau, contractor, auditor, other_bureau
):
    w = ledger_world(county, other_county, superuser, bureau, contractor, auditor, other_bureau)
    response = api_client(w.manager1).post(sync_url(S1), EXAMPLE_REQUEST, format="json")
    assert response.json() == EXAMPLE_RESPONSE
    assert Transaction.objects.count() == 1

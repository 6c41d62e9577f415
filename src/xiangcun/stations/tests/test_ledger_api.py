"""`/api/v1/transactions/`: scoped list with filters and pages, detail with status events, and the
transition action, with anonymous, wrong-scope and right-scope users. Denied calls change nothing."""

from datetime import datetime
from decimal import Decimal

import pytest

from xiangcun.core.models import AuditEvent
from xiangcun.core.testing import api_client
from xiangcun.stations.models import Transaction, TransactionEvent
from xiangcun.stations.sync import transactions_sync
from xiangcun.stations.tests.test_ledger_support import (
    BEIJING,
    S1,
    S2,
    S3,
    assert_rollups_equal_rebuild,
    ledger_state,
    ledger_world,
    tx_item,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/transactions/"


@pytest.fixture
def w(county, other_county, superuser, bureau, contractor, auditor, other_bureau):
    w = ledger_world(county, other_county, superuser, bureau, contractor, auditor, other_bureau)
    w.items = {
        # s1: a proxy purchase on 1 May just after midnight Beijing time (still 30 April in UTC)
        "p1": tx_item(1, occurred_at="2018-05-01T00:30:00+08:00", amount="100", villager_name="王秀英"),
        "b1": tx_item(2, kind="bill_payment", amount="50", villager_phone="13800000001", reference="R-77"),
        "c1": tx_item(3, kind="cash_withdrawal", occurred_at="2018-05-02T23:59:00+08:00", amount="300"),
        # s2 and s3
        "p2": tx_item(4, amount="20", villager_name="李建国"),
        "p3": tx_item(5, amount="30", villager_name="邻县村民"),
    }
    for station, keys in ((w.s1, ["p1", "b1", "c1"]), (w.s2, ["p2"]), (w.s3, ["p3"])):
        transactions_sync(station=station, items=[w.items[k] for k in keys], actor=w.superuser)
    w.tx = {k: Transaction.objects.get(uuid=v["uuid"]) for k, v in w.items.items()}
    return w


def uuids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(row["uuid"] for row in response.json()["results"])


def keys_of(w, *keys) -> list[str]:
    return sorted(w.items[k]["uuid"] for k in keys)


# --- reading -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("manager1", ["p1", "b1", "c1"]),
        ("manager2", ["p2"]),
        ("manager3", ["p3"]),
        ("township1", ["p1", "b1", "c1"]),
        ("bureau", ["p1", "b1", "c1", "p2"]),
        ("contractor", ["p1", "b1", "c1", "p2"]),
        ("auditor", ["p1", "b1", "c1", "p2"]),
        ("other_bureau", ["p3"]),
        ("superuser", ["p1", "b1", "c1", "p2", "p3"]),
    ],
)
def test_the_list_is_scoped(w, who, visible):
    assert uuids(api_client(getattr(w, who)).get(URL)) == keys_of(w, *visible)


def test_a_manager_cannot_reach_another_stations_entries(w):
    client = api_client(w.manager1)
    assert uuids(client.get(URL, {"station": S2})) == []
    assert uuids(client.get(URL, {"station": S3})) == []
    for key in ("p2", "p3"):
        response = client.get(f"{URL}{w.tx[key].pk}/")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_anonymous_gets_401(w):
    client = api_client()
    for path in (URL, f"{URL}{w.tx['p1'].pk}/"):
        response = client.get(path)
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"


def test_the_list_shape(w):
    response = api_client(w.manager1).get(URL, {"kind": "bill_payment"})
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    tx = w.tx["b1"]
    assert row == {
        "id": tx.pk,
        "uuid": w.items["b1"]["uuid"],
        "station": S1,
        "station_name": "甲1村服务站",
        "township": w.s1.township_id,
        "kind": "bill_payment",
        "status": "completed",
        "allowed_transitions": ["reversed"],
        "occurred_at": "2018-05-01T08:02:00+08:00",
        "amount": "50.00",
        "fee": "0.00",
        "villager_name": "村民2",
        "villager_phone": "13800000001",
        "household": None,
        "description": "代购 2",
        "items": [],
        "marketplace": "",
        "order_no": "",
        "payment_method": "",
        "reference": "R-77",
        "biller": "",
        "source": "sync",
        "actor": "root",
        "terminal": None,
        "recorded_at": row["recorded_at"],
        "status_changed_at": None,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"station": S1}, ["p1", "b1", "c1"]),
        ({"station": S2}, ["p2"]),
        ({"kind": "proxy_purchase"}, ["p1", "p2"]),
        ({"status": "completed"}, ["b1", "c1"]),
        # Days are Beijing-time calendar days: p1 at 00:30 on 1 May (16:30 UTC on 30 April) is on 1 May.
        ({"from": "2018-05-01", "to": "2018-05-01"}, ["p1", "b1", "p2"]),
        ({"to": "2018-04-30"}, []),
        ({"from": "2018-05-02"}, ["c1"]),
        ({"q": "王秀"}, ["p1"]),
        ({"q": "13800000001"}, ["b1"]),
        ({"q": "R-77"}, ["b1"]),
        ({"q": "  "}, ["p1", "b1", "c1", "p2"]),
        ({"township": "WRONG"}, None),
    ],
)
def test_filters(w, query, expected):
    response = api_client(w.bureau).get(URL, query)
    if expected is None:
        assert response.status_code == 400
        return
    assert uuids(response) == keys_of(w, *expected)


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"kind": "loan"}, {"kind": ["Select a valid choice. loan is not one of the available choices."]}),
        (
            {"status": "lost"},
            {"status": ["Select a valid choice. lost is not one of the available choices."]},
        ),
        ({"from": "2018-13-01"}, {"from": ["Enter a valid date."]}),
        ({"township": "abc"}, {"township": ["Enter a whole number."]}),
        ({"from": "2018-05-02", "to": "2018-05-01"}, {"to": ["Must not be before from."]}),
    ],
)
def test_bad_filter_values_are_400_with_field_errors(w, query, errors):
    response = api_client(w.bureau).get(URL, query)
    assert response.status_code == 400
    assert response.json()["errors"] == errors
    assert response.json()["code"] == "invalid"


def test_pages_and_ordering(w):
    client = api_client(w.bureau)
    first = client.get(URL, {"page_size": 2}).json()
    assert first["count"] == 4 and len(first["results"]) == 2 and first["next"]
    # newest first by default
    times = [r["occurred_at"] for r in first["results"]]
    assert times == sorted(times, reverse=True)
    by_amount = client.get(URL, {"ordering": "amount"}).json()["results"]
    assert [r["amount"] for r in by_amount] == ["20.00", "50.00", "100.00", "300.00"]


def test_the_list_query_count_does_not_grow_with_rows(w, django_assert_max_num_queries):
    transactions_sync(station=w.s1, items=[tx_item(100 + n) for n in range(40)], actor=w.superuser)
    with django_assert_max_num_queries(6):
        assert api_client(w.bureau, token=False).get(URL).json()["count"] == 44


def test_detail_has_the_status_events(w):
    tx = w.tx["p1"]
    from xiangcun.stations.services import transaction_transition

    transaction_transition(
        actor=w.manager1,
        tx=tx,
        to_status="shipped",
        occurred_at=datetime(2018, 5, 2, 9, tzinfo=BEIJING),
        note="顺丰",
    )
    body = api_client(w.auditor).get(f"{URL}{tx.pk}/").json()
    assert body["status"] == "shipped"
    assert body["allowed_transitions"] == ["arrived", "returned"]
    assert body["events"] == [
        {
            "from_status": "placed",
            "to_status": "shipped",
            "occurred_at": "2018-05-02T09:00:00+08:00",
            "actor": "manager1",
            "note": "顺丰",
        }
    ]


# --- transitions ---------------------------------------------------------------------------------


def transition(client, tx, body):
    return client.post(f"{URL}{tx.pk}/transition/", body, format="json")


def test_the_manager_moves_a_parcel_along(w):
    tx = w.tx["p1"]
    client = api_client(w.manager1)
    for to in ("shipped", "arrived", "picked_up"):
        response = transition(client, tx, {"to_status": to, "note": f"→{to}"})
        assert response.status_code == 200, response.content
        assert response.json()["status"] == to
    body = response.json()
    assert [(e["from_status"], e["to_status"], e["note"]) for e in body["events"]] == [
        ("placed", "shipped", "→shipped"),
        ("shipped", "arrived", "→arrived"),
        ("arrived", "picked_up", "→picked_up"),
    ]
    assert body["allowed_transitions"] == ["returned"]
    audit = AuditEvent.objects.filter(action="transaction.transition", object_id=str(tx.pk))
    assert [e.changes["status"] for e in audit.order_by("pk")] == [
        ["placed", "shipped"],
        ["shipped", "arrived"],
        ["arrived", "picked_up"],
    ]
    assert all(e.actor == w.manager1 for e in audit)
    assert_rollups_equal_rebuild()


def test_a_void_transition_is_subtracted_from_the_rollups(w):
    from xiangcun.reporting.models import StationMonth

    response = transition(api_client(w.manager1), w.tx["c1"], {"to_status": "reversed"})
    assert response.status_code == 200
    row = StationMonth.objects.get(station=w.s1, kind="cash_withdrawal")
    assert (row.count, row.amount, row.void_count, row.void_amount) == (1, Decimal("300"), 1, Decimal("300"))
    assert_rollups_equal_rebuild()


def test_an_illegal_transition_is_400_naming_the_allowed_ones(w):
    before = ledger_state()
    response = transition(api_client(w.manager1), w.tx["p1"], {"to_status": "picked_up"})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "A Proxy purchase (代购) cannot go from Ordered to Picked up.",
        "code": "invalid_transition",
        "errors": {"to_status": ["Allowed: Shipped, Cancelled"]},
    }
    assert ledger_state() == before


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"to_status": ["This field is required."]}),
        ({"to_status": "lost"}, {"to_status": ['"lost" is not a valid choice.']}),
        (
            {"to_status": "shipped", "status": "x"},
            {"status": ["Unknown or read-only field: it cannot be written here."]},
        ),
        (
            {"to_status": "shipped", "note": "x" * 201},
            {"note": ["Ensure this field has no more than 200 characters."]},
        ),
        (
            {"to_status": "shipped", "occurred_at": "2018-04-01T00:00:00+08:00"},
            {"occurred_at": ["Out of range."]},
        ),
        ({"to_status": "shipped", "occurred_at": "soon"}, None),
    ],
)
def test_bad_transition_input_is_400_and_changes_nothing(w, body, errors):
    before = ledger_state()
    response = transition(api_client(w.manager1), w.tx["p1"], body)
    assert response.status_code == 400
    if errors is not None:
        assert response.json()["errors"] == errors
    assert ledger_state() == before


def test_malformed_json_is_400(w):
    before = ledger_state()
    response = api_client(w.manager1).post(
        f"{URL}{w.tx['p1'].pk}/transition/", "{", content_type="application/json"
    )
    assert response.status_code == 400
    assert ledger_state() == before


@pytest.mark.parametrize(
    ("who", "key", "status"),
    [
        ("manager2", "p1", 404),  # another station's entry is not even visible
        ("manager3", "p1", 404),
        ("manager1", "p2", 404),
        ("bureau", "p1", 403),  # sees it, may not change it
        ("contractor", "p1", 403),
        ("auditor", "p1", 403),
        ("township1", "p1", 403),
        ("other_bureau", "p1", 403),
    ],
)
def test_transitions_out_of_scope_or_without_capability_change_nothing(w, who, key, status):
    before = ledger_state()
    response = transition(api_client(getattr(w, who)), w.tx[key], {"to_status": "shipped"})
    assert response.status_code == status
    assert ledger_state() == before


def test_anonymous_transition_is_401(w):
    before = ledger_state()
    assert transition(api_client(), w.tx["p1"], {"to_status": "shipped"}).status_code == 401
    assert ledger_state() == before


def test_a_superuser_may_transition(w):
    response = transition(api_client(w.superuser), w.tx["p3"], {"to_status": "cancelled"})
    assert response.status_code == 200
    assert TransactionEvent.objects.get().actor == w.superuser


def test_entries_cannot_be_written_through_this_endpoint(w):
    client = api_client(w.superuser)
    assert client.post(URL, tx_item(), format="json").status_code == 405
    for method in ("put", "patch", "delete"):
        assert getattr(client, method)(f"{URL}{w.tx['p1'].pk}/", {}, format="json").status_code == 405

"""`POST /api/v1/stations/<code>/sync`: the public contract (ISSUE3 item 4), item validation, and who
may sync. Every refused request is checked to have written nothing (ledger, events, rollups, audit)."""

import json
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from xiangcun.core.testing import api_client, make_user
from xiangcun.stations.models import Transaction
from xiangcun.stations.terminals import terminal_revoke
from xiangcun.stations.tests.test_ledger_support import (
    BEIJING,
    S1,
    S2,
    S3,
    assert_rollups_equal_rebuild,
    intended_rows,
    ledger_rows,
    ledger_state,
    ledger_world,
    sync_url,
    tx_item,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(county, other_county, superuser, bureau, contractor, auditor, other_bureau):
    return ledger_world(county, other_county, superuser, bureau, contractor, auditor, other_bureau)


def terminal_client(token: str):
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION=f"Terminal {token}")
    return client


def post(client, code, body, **kwargs):
    return client.post(sync_url(code), body, format="json", **kwargs)


# --- the contract ----------------------------------------------------------------------------------


def test_created_duplicate_and_rejected_in_one_batch(w):
    good1, good2 = tx_item(1), tx_item(2, kind="bill_payment", amount="88", biller="国网大名供电")
    stored_before = tx_item(3)
    client = api_client(w.manager1)
    assert post(client, S1, {"transactions": [stored_before]}).json() == {
        "results": [{"uuid": stored_before["uuid"], "status": "created", "errors": {}}]
    }
    bad = tx_item(4, amount="-5")
    response = post(client, S1, {"transactions": [good1, bad, stored_before, good2]})
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {"uuid": good1["uuid"], "status": "created", "errors": {}},
            {"uuid": bad["uuid"], "status": "rejected", "errors": {"amount": ["Must not be negative."]}},
            {"uuid": stored_before["uuid"], "status": "duplicate", "errors": {}},
            {"uuid": good2["uuid"], "status": "created", "errors": {}},
        ]
    }
    assert ledger_rows() == intended_rows([stored_before, good1, good2], w.s1)
    tx = Transaction.objects.get(uuid=good2["uuid"])
    assert (tx.status, tx.biller, tx.actor, tx.terminal, tx.source) == (
        "completed",
        "国网大名供电",
        w.manager1,
        None,
        "sync",
    )
    assert tx.amount == Decimal("88.00")
    assert assert_rollups_equal_rebuild()[0] == [
        (w.county.pk, w.s1.pk, datetime(2018, 5, 1).date(), "bill_payment", 1, Decimal("88.00"), 0, 0, 0),
        (
            w.county.pk,
            w.s1.pk,
            datetime(2018, 5, 1).date(),
            "proxy_purchase",
            2,
            Decimal(stored_before["amount"]) + Decimal(good1["amount"]),
            0,
            0,
            0,
        ),
    ]


def test_all_optional_fields_are_stored(w):
    item = tx_item(
        7,
        kind="cash_withdrawal",
        amount="1200.5",
        fee="2",
        villager_phone="13800000000",
        payment_method="bank_card",
        reference="ABC-123",
        items=[{"name": "化肥", "qty": 2, "price": 64.25}],
        marketplace="",
        order_no="",
    )
    assert (
        post(api_client(w.manager1), S1, {"transactions": [item]}).json()["results"][0]["status"] == "created"
    )
    tx = Transaction.objects.get()
    assert (tx.amount, tx.fee, tx.villager_phone, tx.payment_method, tx.reference) == (
        Decimal("1200.50"),
        Decimal("2.00"),
        "13800000000",
        "bank_card",
        "ABC-123",
    )
    # JSON numbers with a fraction are parsed as Decimal and stored exactly (as text), never as floats.
    assert tx.items == [{"name": "化肥", "qty": 2, "price": "64.25"}]
    assert tx.occurred_at == datetime(2018, 5, 1, 8, 7, tzinfo=BEIJING)


def test_a_terminal_syncs_its_own_station(w):
    item = tx_item(1)
    response = post(terminal_client(w.token1), S1, {"transactions": [item]})
    assert response.json()["results"][0]["status"] == "created"
    tx = Transaction.objects.get()
    assert (tx.station, tx.terminal, tx.actor, tx.source) == (w.s1, w.terminal1, None, "sync")


def test_a_superuser_back_fills_paper_records(w):
    item = tx_item(1)
    assert post(api_client(w.superuser), S3, {"transactions": [item]}).status_code == 200
    tx = Transaction.objects.get()
    assert (tx.station, tx.county, tx.actor, tx.source) == (w.s3, w.other_county, w.superuser, "backfill")


def test_the_same_uuid_twice_in_one_batch_is_stored_once(w):
    item = tx_item(1)
    twin = {**item, "amount": "999"}
    response = post(api_client(w.manager1), S1, {"transactions": [item, twin]})
    assert [r["status"] for r in response.json()["results"]] == ["created", "duplicate"]
    assert ledger_rows() == intended_rows([item], w.s1)


def test_uuid_spellings_are_normalised(w):
    item = tx_item(1)
    upper = {**item, "uuid": item["uuid"].upper()}
    braces = {**item, "uuid": "{" + item["uuid"] + "}"}
    response = post(api_client(w.manager1), S1, {"transactions": [upper, braces]})
    assert response.json()["results"] == [
        {"uuid": item["uuid"], "status": "created", "errors": {}},
        {"uuid": item["uuid"], "status": "duplicate", "errors": {}},
    ]


def test_an_empty_batch_is_fine(w):
    assert post(api_client(w.manager1), S1, {"transactions": []}).json() == {"results": []}


def test_a_trailing_slash_is_tolerated(w):
    response = api_client(w.manager1).post(sync_url(S1) + "/", {"transactions": [tx_item()]}, format="json")
    assert response.json()["results"][0]["status"] == "created"


# --- rejected items --------------------------------------------------------------------------------

KINDS = "bill_payment, cash_withdrawal, insurance_credit, life_service, proxy_purchase, proxy_sale"
DECIMAL_STRING = 'Send the amount as a decimal string, e.g. "12.50".'


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"amount": "-0.01"}, {"amount": ["Must not be negative."]}),
        ({"amount": -3}, {"amount": ["Must not be negative."]}),
        ({"amount": "50000.01"}, {"amount": ["Implausibly large: at most 50000 yuan for this service."]}),
        (
            {"kind": "cash_withdrawal", "amount": "5000.01"},
            {"amount": ["Implausibly large: at most 5000 yuan for this service."]},
        ),
        ({"amount": "1e30"}, {"amount": ["Implausibly large: at most 50000 yuan for this service."]}),
        ({"amount": "12.345"}, {"amount": ["At most two decimal places (fen)."]}),
        ({"amount": "twelve"}, {"amount": ["Not a number."]}),
        ({"amount": "NaN"}, {"amount": ["Not a number."]}),
        ({"amount": "Infinity"}, {"amount": ["Not a number."]}),
        ({"amount": ""}, {"amount": ["Not a number."]}),
        ({"amount": True}, {"amount": [DECIMAL_STRING]}),
        ({"amount": None}, {"amount": [DECIMAL_STRING]}),
        ({"amount": ["1"]}, {"amount": [DECIMAL_STRING]}),
        ({"fee": "-1"}, {"fee": ["Must not be negative."]}),
        ({"kind": "loan"}, {"kind": [f"Unknown service kind; one of: {KINDS}."]}),
        ({"kind": 3}, {"kind": [f"Unknown service kind; one of: {KINDS}."]}),
        ({"uuid": "not-a-uuid"}, {"uuid": ["A UUID (e.g. from crypto.randomUUID()) is required."]}),
        ({"uuid": 12345}, {"uuid": ["A UUID (e.g. from crypto.randomUUID()) is required."]}),
        (
            {"occurred_at": "2018-05-01T09:30:00"},
            {"occurred_at": ["Give the UTC offset, e.g. 2018-05-01T09:30:00+08:00."]},
        ),
        ({"occurred_at": "yesterday"}, {"occurred_at": ["Not an ISO 8601 date-time."]}),
        (
            {"occurred_at": "0001-01-01T00:00:00+08:00"},
            {"occurred_at": ["Before 2015: not plausible for this program."]},
        ),
        (
            {"occurred_at": "0001-01-01T00:00:00-08:00"},
            {"occurred_at": ["Before 2015: not plausible for this program."]},
        ),
        (
            {"occurred_at": "2014-12-31T23:59:59+00:00"},
            {"occurred_at": ["Before 2015: not plausible for this program."]},
        ),
        ({"occurred_at": "9999-12-31T23:59:59+08:00"}, {"occurred_at": ["In the future."]}),
        ({"occurred_at": 1525138200}, {"occurred_at": ["Send an ISO 8601 date-time with its UTC offset."]}),
        ({"villager_name": "王" * 51}, {"villager_name": ["At most 50 characters."]}),
        ({"villager_name": 7}, {"villager_name": ["Must be text."]}),
        ({"description": "a\x00b"}, {"description": ["Must not contain NUL characters."]}),
        (
            {"payment_method": "bitcoin"},
            {"payment_method": ["One of: alipay, bank_card, cash, other, wechat."]},
        ),
        ({"items": "化肥"}, {"items": ["A list of at most 100 items."]}),
        ({"items": [{}] * 101}, {"items": ["A list of at most 100 items."]}),
        (
            {"items": [{"name": "a\x00"}]},
            {"items": ["Must not contain NUL characters or be nested deeper than 20 levels."]},
        ),
        (
            {"items": json.loads("[" * 30 + "]" * 30)},
            {"items": ["Must not contain NUL characters or be nested deeper than 20 levels."]},
        ),
        ({"station": S2}, {"station": ["Unknown field."]}),
    ],
)
def test_invalid_items_are_rejected_with_field_errors_and_the_valid_ones_stored(w, change, errors):
    bad = {**tx_item(1), **change}
    good = tx_item(2)
    response = post(api_client(w.manager1), S1, {"transactions": [good, bad]})
    assert response.status_code == 200
    assert response.json()["results"][1] == {
        "uuid": bad["uuid"] if isinstance(bad["uuid"], str) else "",
        "status": "rejected",
        "errors": errors,
    }
    assert ledger_rows() == intended_rows([good], w.s1)
    assert_rollups_equal_rebuild()


def test_missing_fields_and_non_objects_are_rejected(w):
    response = post(api_client(w.manager1), S1, {"transactions": [{}, "x", None, tx_item(1)]})
    required = ["This field is required."]
    assert response.json()["results"][:3] == [
        {
            "uuid": "",
            "status": "rejected",
            "errors": {
                "uuid": ["A UUID (e.g. from crypto.randomUUID()) is required."],
                "kind": required,
                "occurred_at": required,
                "amount": required,
            },
        },
        {
            "uuid": "",
            "status": "rejected",
            "errors": {"non_field_errors": ["Each transaction must be a JSON object."]},
        },
        {
            "uuid": "",
            "status": "rejected",
            "errors": {"non_field_errors": ["Each transaction must be a JSON object."]},
        },
    ]
    assert response.json()["results"][3]["status"] == "created"


def test_a_time_up_to_ten_minutes_ahead_is_accepted(w):
    soon = (timezone.now() + timedelta(minutes=9)).isoformat()
    late = (timezone.now() + timedelta(minutes=11)).isoformat()
    response = post(
        api_client(w.manager1),
        S1,
        {"transactions": [tx_item(1, occurred_at=soon), tx_item(2, occurred_at=late)]},
    )
    assert [r["status"] for r in response.json()["results"]] == ["created", "rejected"]


# --- refused requests: a clear 4xx, nothing written ----------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        ('{"transactions": [', "application/json", 400, "parse_error"),
        ('{"transactions": [{"uuid": NaN}]}', "application/json", 400, "parse_error"),
        ('{"transactions": [{"amount": Infinity}]}', "application/json", 400, "parse_error"),
        ("[" * 100_000 + "]" * 100_000, "application/json", 400, "parse_error"),
        (b'{"transactions": "\xff"}', "application/json", 400, "parse_error"),
        ('[{"uuid": "x"}]', "application/json", 400, "invalid"),
        ('{"transactions": {"uuid": "x"}}', "application/json", 400, "invalid"),
        ('{"entries": []}', "application/json", 400, "invalid"),
        ('"transactions"', "application/json", 400, "invalid"),
        ("", "application/json", 400, "invalid"),
        ("transactions=1", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    ],
)
def test_malformed_requests_are_400_and_write_nothing(w, body, content_type, status, code):
    before = ledger_state()
    response = api_client(w.manager1).post(sync_url(S1), body, content_type=content_type)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert set(response.json()) == {"detail", "code", "errors"}
    assert ledger_state() == before


def test_a_batch_over_1000_is_400_and_writes_nothing(w):
    before = ledger_state()
    response = post(api_client(w.manager1), S1, {"transactions": [tx_item(n) for n in range(1001)]})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "transactions: At most 1000 entries per request.",
        "code": "invalid",
        "errors": {"transactions": ["At most 1000 entries per request."]},
    }
    assert ledger_state() == before
    response = post(api_client(w.manager1), S1, {"transactions": [tx_item(n) for n in range(1000)]})
    assert [r["status"] for r in response.json()["results"]] == ["created"] * 1000


def test_an_unknown_station_is_404(w):
    before = ledger_state()
    response = post(api_client(w.superuser), "130425999999-01", {"transactions": [tx_item()]})
    assert response.status_code == 404
    assert response.json() == {
        "detail": "No station with code 130425999999-01.",
        "code": "not_found",
        "errors": {},
    }
    assert ledger_state() == before


FORBIDDEN = "Only this station's manager or terminal may sync its ledger."


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("manager2", S1),  # another station's manager, same county
        ("manager3", S1),  # another county's station manager
        ("manager1", S2),
        ("manager1", S3),
        ("bureau", S1),
        ("contractor", S1),
        ("township1", S1),
        ("auditor", S1),
        ("other_bureau", S3),
        ("token2", S1),  # a terminal token used for another station
        ("token1", S2),
        ("token1", S3),
    ],
)
def test_wrong_scope_is_403_and_writes_nothing(w, who, code):
    client = terminal_client(getattr(w, who)) if who.startswith("token") else api_client(getattr(w, who))
    before = ledger_state()
    response = post(client, code, {"transactions": [tx_item()]})
    assert response.status_code == 403
    assert response.json() == {"detail": FORBIDDEN, "code": "permission_denied", "errors": {}}
    assert ledger_state() == before


def test_a_station_manager_without_the_capability_is_403(w, county):
    # A user tied to the station in another role (e.g. a trainer) is not its manager.
    trainer = make_user("trainer", county, username="trainer1", station=w.s1)
    before = ledger_state()
    assert post(api_client(trainer), S1, {"transactions": [tx_item()]}).status_code == 403
    assert ledger_state() == before


@pytest.mark.parametrize(
    "authorization",
    [None, "Terminal not-a-token", "Terminal", "Token 0123456789abcdef", "Bearer x"],
)
def test_anonymous_or_bad_credentials_are_401_and_write_nothing(w, authorization):
    client = api_client()
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization)
    before = ledger_state()
    response = post(client, S1, {"transactions": [tx_item()]})
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "code", "errors"}
    assert ledger_state() == before


def test_a_revoked_terminal_token_is_401(w):
    terminal_revoke(actor=w.superuser, terminal=w.terminal1)
    before = ledger_state()
    assert post(terminal_client(w.token1), S1, {"transactions": [tx_item()]}).status_code == 401
    assert ledger_state() == before


def test_an_inactive_manager_is_refused(w):
    w.manager1.is_active = False
    w.manager1.save()
    before = ledger_state()
    assert post(api_client(w.manager1), S1, {"transactions": [tx_item()]}).status_code == 401
    assert ledger_state() == before


def test_other_methods_are_405(w):
    client = api_client(w.manager1)
    for method in ("get", "put", "patch", "delete"):
        assert getattr(client, method)(sync_url(S1)).status_code == 405


# --- station codes shared by two counties ---------------------------------------------------------


def test_a_code_used_in_two_counties_reaches_the_callers_own_station(w, superuser):
    # Codes are unique per county only; give 邻县's station the same code as s1.
    from xiangcun.network.models import Station

    Station.objects.filter(pk=w.s3.pk).update(code=S1)
    item3, item1 = tx_item(1), tx_item(2)
    assert (
        post(api_client(w.manager3), S1, {"transactions": [item3]}).json()["results"][0]["status"]
        == "created"
    )
    assert (
        post(api_client(w.manager1), S1, {"transactions": [item1]}).json()["results"][0]["status"]
        == "created"
    )
    assert ledger_rows(station=w.s3) == intended_rows([item3], w.s3)
    assert ledger_rows(station=w.s1) == intended_rows([item1], w.s1)
    # A superuser must say which county.
    before = ledger_state()
    response = post(api_client(superuser), S1, {"transactions": [tx_item(3)]})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "county": ["Several counties have a station with this code; add ?county=<county code>."]
    }
    assert ledger_state() == before
    item = tx_item(4)
    response = api_client(superuser).post(
        sync_url(S1) + "?county=130426", {"transactions": [item]}, format="json"
    )
    assert response.json()["results"][0]["status"] == "created"
    assert Transaction.objects.get(uuid=item["uuid"]).station == w.s3

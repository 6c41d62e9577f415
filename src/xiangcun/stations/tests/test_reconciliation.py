"""Daily reconciliation of cash withdrawals and bill payments: the service (ledger total of the
Beijing-time day, voided entries excluded, difference, audit, re-reconciling) and
/api/v1/reconciliations/ with anonymous, wrong-scope and right-scope users."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from xiangcun.core.errors import PermissionDenied
from xiangcun.core.models import AuditEvent
from xiangcun.core.testing import api_client
from xiangcun.stations.models import DailyReconciliation, Transaction
from xiangcun.stations.services import ledger_day_totals, reconciliation_record, transaction_transition
from xiangcun.stations.sync import transactions_sync
from xiangcun.stations.tests.test_ledger_support import S1, S2, ledger_world, tx_item

pytestmark = pytest.mark.django_db
URL = "/api/v1/reconciliations/"
DAY = date(2018, 5, 1)


@pytest.fixture
def w(county, other_county, superuser, bureau, contractor, auditor, other_bureau):
    w = ledger_world(county, other_county, superuser, bureau, contractor, auditor, other_bureau)
    items = [
        # 1 May in Beijing time, including just after midnight (30 April in UTC) and just before the end
        tx_item(1, kind="cash_withdrawal", occurred_at="2018-05-01T00:00:00+08:00", amount="500"),
        tx_item(2, kind="cash_withdrawal", occurred_at="2018-05-01T23:59:59+08:00", amount="200.50"),
        tx_item(3, kind="cash_withdrawal", occurred_at="2018-05-01T12:00:00+08:00", amount="99"),  # reversed
        tx_item(4, kind="bill_payment", occurred_at="2018-05-01T10:00:00+08:00", amount="88"),
        # not that day, or not reconciled
        tx_item(5, kind="cash_withdrawal", occurred_at="2018-04-30T23:59:59+08:00", amount="1000"),
        tx_item(6, kind="cash_withdrawal", occurred_at="2018-05-02T00:00:00+08:00", amount="1000"),
        tx_item(7, kind="proxy_purchase", occurred_at="2018-05-01T10:00:00+08:00", amount="1000"),
    ]
    transactions_sync(station=w.s1, items=items, actor=w.manager1)
    transactions_sync(
        station=w.s2, items=[tx_item(8, kind="cash_withdrawal", amount="1000")], actor=w.manager2
    )
    transaction_transition(
        actor=w.manager1, tx=Transaction.objects.get(uuid=items[2]["uuid"]), to_status="reversed"
    )
    return w


def state():
    return (list(DailyReconciliation.objects.order_by("pk").values()), AuditEvent.objects.count())


def test_ledger_day_totals_use_beijing_days_and_skip_voided_entries(w):
    assert ledger_day_totals(station=w.s1, day=DAY) == {
        "cash_withdrawal": (2, Decimal("700.50")),
        "bill_payment": (1, Decimal("88.00")),
    }
    assert ledger_day_totals(station=w.s1, day=date(2018, 5, 3)) == {
        "cash_withdrawal": (0, Decimal("0.00")),
        "bill_payment": (0, Decimal("0.00")),
    }


def test_recording_and_re_recording_a_day(w):
    row = reconciliation_record(
        actor=w.manager1,
        station=w.s1,
        day=DAY,
        kind="cash_withdrawal",
        statement_total=Decimal("690.5"),
        note="少10元",
    )
    assert (row.ledger_count, row.ledger_total, row.statement_total, row.difference, row.recorded_by) == (
        2,
        Decimal("700.50"),
        Decimal("690.50"),
        Decimal("-10.00"),
        w.manager1,
    )
    event = AuditEvent.objects.get(action="reconciliation.record")
    assert event.changes["difference"] == [None, "-10.00"] and event.actor == w.manager1
    # A late entry arrives by sync; the manager reconciles again: the row is recounted, not duplicated.
    transactions_sync(
        station=w.s1,
        items=[
            tx_item(
                9,
                kind="cash_withdrawal",
                occurred_at="2018-05-01T15:00:00+08:00",
                amount="10",
            )
        ],
        actor=w.manager1,
    )
    again = reconciliation_record(
        actor=w.manager1, station=w.s1, day=DAY, kind="cash_withdrawal", statement_total=Decimal("710.50")
    )
    assert again.pk == row.pk
    assert (again.ledger_count, again.ledger_total, again.difference, again.note) == (
        3,
        Decimal("710.50"),
        0,
        "",
    )
    update = AuditEvent.objects.get(action="reconciliation.update")
    assert update.changes["ledger_total"] == ["700.50", "710.50"]
    assert DailyReconciliation.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"kind": "proxy_purchase"},
            {"kind": ["Only these are reconciled: Cash withdrawal (助农取款), Bill payment (代收代缴)."]},
        ),
        ({"statement_total": Decimal("-1")}, {"statement_total": ["Must not be negative."]}),
        ({"statement_total": Decimal("1.234")}, {"statement_total": ["At most two decimal places (fen)."]}),
        ({"statement_total": Decimal("10000000.01")}, {"statement_total": ["At most 10000000 yuan."]}),
        ({"statement_total": "12"}, {"statement_total": ["Enter an amount in yuan, e.g. 12.50."]}),
        ({"day": date(2014, 12, 31)}, {"day": ["Before 2015: not plausible for this program."]}),
        ({"note": "x" * 201}, {"note": ["At most 200 characters."]}),
    ],
)
def test_invalid_input_is_refused_with_field_errors(w, fields, errors):
    before = state()
    args = {"day": DAY, "kind": "cash_withdrawal", "statement_total": Decimal("1"), **fields}
    with pytest.raises(ValidationError) as exc:
        reconciliation_record(actor=w.manager1, station=w.s1, **args)
    assert exc.value.message_dict == errors
    assert state() == before


def test_a_future_day_is_refused(w):
    tomorrow = timezone.localdate() + timedelta(days=2)
    with pytest.raises(ValidationError) as exc:
        reconciliation_record(
            actor=w.manager1, station=w.s1, day=tomorrow, kind="bill_payment", statement_total=Decimal("1")
        )
    assert exc.value.message_dict == {"day": ["Must not be in the future."]}


@pytest.mark.parametrize("who", ["manager2", "manager3", "bureau", "contractor", "auditor", "township1"])
def test_only_the_stations_manager_reconciles(w, who):
    before = state()
    with pytest.raises(PermissionDenied):
        reconciliation_record(
            actor=getattr(w, who), station=w.s1, day=DAY, kind="bill_payment", statement_total=Decimal("88")
        )
    assert state() == before


# --- API ---------------------------------------------------------------------------------------------


def test_the_manager_reconciles_through_the_api(w):
    response = api_client(w.manager1).post(
        URL, {"day": "2018-05-01", "kind": "bill_payment", "statement_total": "90.00"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert {
        k: body[k]
        for k in (
            "station",
            "day",
            "kind",
            "ledger_count",
            "ledger_total",
            "statement_total",
            "difference",
            "recorded_by",
        )
    } == {
        "station": S1,
        "day": "2018-05-01",
        "kind": "bill_payment",
        "ledger_count": 1,
        "ledger_total": "88.00",
        "statement_total": "90.00",
        "difference": "2.00",
        "recorded_by": "manager1",
    }


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"day": "2018-05-01", "kind": "proxy_purchase", "statement_total": "1"},
            {"kind": ['"proxy_purchase" is not a valid choice.']},
        ),
        (
            {"day": "2018-05-01", "kind": "bill_payment", "statement_total": "-1"},
            {"statement_total": ["Ensure this value is greater than or equal to 0."]},
        ),
        (
            {"day": "May 1", "kind": "bill_payment", "statement_total": "1"},
            {"day": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
        ({"day": "2018-05-01", "kind": "bill_payment"}, {"statement_total": ["This field is required."]}),
        (
            {"day": "2018-05-01", "kind": "bill_payment", "statement_total": "1", "ledger_total": "1"},
            {"ledger_total": ["Unknown or read-only field: it cannot be written here."]},
        ),
        (
            {"station": S2, "day": "2018-05-01", "kind": "bill_payment", "statement_total": "1"},
            {"station": ["No station with code 130425201201-01 in your scope."]},
        ),
    ],
)
def test_bad_api_input_is_400_and_writes_nothing(w, body, errors):
    before = state()
    response = api_client(w.manager1).post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == errors
    assert state() == before


@pytest.mark.parametrize(
    ("who", "status"), [("bureau", 403), ("auditor", 403), ("contractor", 403), ("manager2", 400)]
)
def test_others_cannot_reconcile_station_1(w, who, status):
    before = state()
    body = {"station": S1, "day": "2018-05-01", "kind": "bill_payment", "statement_total": "1"}
    assert api_client(getattr(w, who)).post(URL, body, format="json").status_code == status
    assert state() == before


def test_anonymous_is_401(w):
    before = state()
    assert api_client().get(URL).status_code == 401
    assert api_client().post(URL, {}, format="json").status_code == 401
    assert state() == before


def test_the_list_is_scoped_and_the_bureau_sees_differences(w):
    reconciliation_record(
        actor=w.manager1, station=w.s1, day=DAY, kind="cash_withdrawal", statement_total=Decimal("700.50")
    )
    reconciliation_record(
        actor=w.manager1, station=w.s1, day=DAY, kind="bill_payment", statement_total=Decimal("80")
    )
    reconciliation_record(
        actor=w.manager2, station=w.s2, day=DAY, kind="cash_withdrawal", statement_total=Decimal("0")
    )

    def rows(user, **query):
        response = api_client(user).get(URL, query)
        assert response.status_code == 200, response.content
        return sorted((r["station"], r["kind"], r["difference"]) for r in response.json()["results"])

    assert rows(w.bureau, differs="true") == [
        (S1, "bill_payment", "-8.00"),
        (S2, "cash_withdrawal", "-1000.00"),
    ]
    assert rows(w.bureau, differs="false") == [(S1, "cash_withdrawal", "0.00")]
    assert len(rows(w.auditor)) == 3
    assert rows(w.manager2) == [(S2, "cash_withdrawal", "-1000.00")]
    assert rows(w.manager3) == [] and rows(w.other_bureau) == []
    assert rows(w.bureau, station=S2) == [(S2, "cash_withdrawal", "-1000.00")]
    assert api_client(w.bureau).get(URL, {"differs": "maybe"}).status_code == 400
    other = DailyReconciliation.objects.get(station=w.s2)
    assert api_client(w.manager1).get(f"{URL}{other.pk}/").status_code == 404

"""The daily reconciliation page (/stations/reconciliation/): the manager reconciles a day of their
station; the bureau sees every station's days, differences first; others may not write."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from xiangcun.core.models import AuditEvent
from xiangcun.stations.models import DailyReconciliation
from xiangcun.stations.services import reconciliation_record
from xiangcun.stations.sync import transactions_sync
from xiangcun.stations.tests.test_ledger_support import ledger_world, tx_item
from xiangcun.stations.tests.test_ledger_support_pages import browser, row_ids

pytestmark = pytest.mark.django_db
URL = "/stations/reconciliation/"


@pytest.fixture
def w(county, other_county, superuser, bureau, contractor, auditor, other_bureau):
    w = ledger_world(county, other_county, superuser, bureau, contractor, auditor, other_bureau)
    transactions_sync(
        station=w.s1,
        items=[tx_item(1, kind="cash_withdrawal", occurred_at="2018-05-01T09:00:00+08:00", amount="400")],
        actor=w.manager1,
    )
    return w


def state():
    return (list(DailyReconciliation.objects.order_by("pk").values()), AuditEvent.objects.count())


def test_the_url_name():
    assert reverse("stations:reconciliation_list") == URL


def test_the_manager_sees_the_days_ledger_and_reconciles(w):
    client = browser(w.manager1)
    page = client.get(URL, {"day": "2018-05-01"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="day-totals"' in html and "400.00" in html and "Ledger on 2018-05-01" in html
    response = client.post(
        URL, {"day": "2018-05-01", "kind": "cash_withdrawal", "statement_total": "380", "note": "少20"}
    )
    assert response.status_code == 302 and response.url == URL
    row = DailyReconciliation.objects.get()
    assert (row.station, row.ledger_total, row.statement_total, row.difference) == (
        w.s1,
        Decimal("400.00"),
        Decimal("380.00"),
        Decimal("-20.00"),
    )
    page = client.get(URL)
    assert "differs from the ledger by -20.00 yuan" in page.content.decode()
    assert row_ids(page) == [str(row.pk)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"day": "2018-05-01", "kind": "proxy_purchase", "statement_total": "1"}, "Select a valid choice."),
        (
            {"day": "2018-05-01", "kind": "cash_withdrawal", "statement_total": "-1"},
            "greater than or equal to 0",
        ),
        (
            {"day": "2014-05-01", "kind": "cash_withdrawal", "statement_total": "1"},
            "Before 2015: not plausible",
        ),
        ({"day": "yesterday", "kind": "cash_withdrawal", "statement_total": "1"}, "Enter a valid date."),
    ],
)
def test_bad_input_is_400_beside_the_form(w, data, message):
    before = state()
    response = browser(w.manager1).post(URL, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert state() == before


@pytest.mark.parametrize("who", ["bureau", "auditor", "contractor", "other_bureau"])
def test_others_cannot_reconcile(w, who):
    before = state()
    client = browser(getattr(w, who))
    page = client.get(URL)
    assert page.status_code == 200 and 'id="reconcile"' not in page.content.decode()
    response = client.post(URL, {"day": "2018-05-01", "kind": "cash_withdrawal", "statement_total": "1"})
    assert response.status_code == 403
    assert state() == before


def test_anonymous_is_sent_to_log_in(w):
    before = state()
    assert browser().get(URL).status_code == 302
    assert (
        browser()
        .post(URL, {"day": "2018-05-01", "kind": "cash_withdrawal", "statement_total": "1"})
        .status_code
        == 302
    )
    assert state() == before


def test_the_bureau_sees_differences_first_and_scoped(w):
    transactions_sync(
        station=w.s2,
        items=[tx_item(2, kind="bill_payment", occurred_at="2018-05-01T09:00:00+08:00", amount="100")],
        actor=w.manager2,
    )
    day = date(2018, 5, 1)
    agree = reconciliation_record(
        actor=w.manager1, station=w.s1, day=day, kind="cash_withdrawal", statement_total=Decimal("400")
    )
    small = reconciliation_record(
        actor=w.manager1, station=w.s1, day=day, kind="bill_payment", statement_total=Decimal("5")
    )
    large = reconciliation_record(
        actor=w.manager2, station=w.s2, day=day, kind="bill_payment", statement_total=Decimal("50")
    )
    page = browser(w.bureau).get(URL)
    assert row_ids(page) == [str(large.pk), str(small.pk), str(agree.pk)]
    assert 'data-difference="-50.00"' in page.content.decode()
    assert row_ids(browser(w.bureau).get(URL, {"differs": "true"})) == [str(large.pk), str(small.pk)]
    assert row_ids(browser(w.bureau).get(URL, {"station": w.s2.pk})) == [str(large.pk)]
    assert row_ids(browser(w.manager2).get(URL)) == [str(large.pk)]
    assert row_ids(browser(w.other_bureau).get(URL)) == []
    # another county's station is not a valid filter value: 400, no rows
    response = browser(w.bureau).get(URL, {"station": w.s3.pk})
    assert response.status_code == 400 and row_ids(response) == []

"""The charges pages (/stations/charges/): forbidden charges first and flagged; recording a charge."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from xiangcun.core.models import AuditEvent
from xiangcun.stations.models import StationCharge
from xiangcun.stations.services import charge_record
from xiangcun.stations.tests.test_ledger_support import ledger_world
from xiangcun.stations.tests.test_ledger_support_pages import browser, row_ids

pytestmark = pytest.mark.django_db
LIST, NEW = "/stations/charges/", "/stations/charges/new/"


@pytest.fixture
def w(county, other_county, superuser, bureau, contractor, auditor, other_bureau):
    return ledger_world(county, other_county, superuser, bureau, contractor, auditor, other_bureau)


def state():
    return (list(StationCharge.objects.order_by("pk").values()), AuditEvent.objects.count())


def charge(w, actor, station, kind, on):
    return charge_record(
        actor=actor, station=station, charged_on=on, kind=kind, amount=Decimal("100"), charged_by="承办企业"
    )


def test_url_names():
    assert reverse("stations:charge_list") == LIST and reverse("stations:charge_create") == NEW


def test_forbidden_charges_are_listed_first_and_flagged(w):
    service = charge(w, w.bureau, w.s1, "service", date(2018, 6, 1))
    deposit = charge(w, w.bureau, w.s2, "deposit", date(2018, 1, 1))
    other = charge(w, w.other_bureau, w.s3, "equipment", date(2018, 1, 1))
    page = browser(w.bureau).get(LIST)
    html = page.content.decode()
    assert row_ids(page) == [str(deposit.pk), str(service.pk)]
    assert f'data-row="{deposit.pk}" data-forbidden="true"' in html and "Forbidden (R2)" in html
    assert "1 forbidden charge recorded." in html
    assert row_ids(browser(w.manager1).get(LIST)) == [str(service.pk)]
    assert row_ids(browser(w.other_bureau).get(LIST)) == [str(other.pk)]
    assert row_ids(browser(w.bureau).get(LIST, {"forbidden": "false"})) == [str(service.pk)]
    assert browser(w.bureau).get(LIST, {"forbidden": "maybe"}).status_code == 400


def test_the_bureau_records_a_forbidden_charge(w):
    data = {
        "station": w.s1.pk,
        "charged_on": "2018-03-01",
        "kind": "guarantee",
        "amount": "5000",
        "charged_by": "某企业",
    }
    client = browser(w.bureau)
    response = client.post(NEW, data)
    assert response.status_code == 302
    charge = StationCharge.objects.get()
    assert charge.forbidden and charge.amount == Decimal("5000.00")
    page = client.get(LIST)
    assert "must not be charged to a station (R2)" in page.content.decode()


def test_the_manager_records_for_their_own_station_only(w):
    form = browser(w.manager1).get(NEW)
    assert form.status_code == 200
    html = form.content.decode()
    assert w.s1.code in html and w.s2.code not in html
    before = state()
    data = {
        "station": w.s2.pk,
        "charged_on": "2018-03-01",
        "kind": "service",
        "amount": "5",
        "charged_by": "x",
    }
    response = browser(w.manager1).post(NEW, data)
    assert response.status_code == 400
    assert state() == before
    assert browser(w.manager1).post(NEW, {**data, "station": w.s1.pk}).status_code == 302


@pytest.mark.parametrize("who", ["contractor", "auditor"])
def test_without_the_capability_it_is_403(w, who):
    before = state()
    client = browser(getattr(w, who))
    assert client.get(NEW).status_code == 403
    data = {
        "station": w.s1.pk,
        "charged_on": "2018-03-01",
        "kind": "service",
        "amount": "5",
        "charged_by": "x",
    }
    assert client.post(NEW, data).status_code == 403
    assert state() == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"amount": "0"}, "greater than or equal to 0.01"),
        ({"kind": "bribe"}, "Select a valid choice."),
        ({"charged_on": "2099-01-01"}, "Must not be in the future."),
        ({"charged_by": ""}, "This field is required."),
    ],
)
def test_bad_input_is_400(w, change, message):
    before = state()
    data = {
        "station": w.s1.pk,
        "charged_on": "2018-03-01",
        "kind": "service",
        "amount": "5",
        "charged_by": "x",
    }
    response = browser(w.bureau).post(NEW, {**data, **change})
    assert response.status_code == 400 and message in response.content.decode()
    assert state() == before


def test_anonymous_is_sent_to_log_in(w):
    assert browser().get(LIST).status_code == 302
    assert browser().post(NEW, {}).status_code == 302

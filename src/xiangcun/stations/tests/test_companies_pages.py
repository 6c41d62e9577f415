"""The service company pages (/stations/companies/): list with the six services, register, edit."""

import pytest
from django.urls import reverse

from xiangcun.core.models import AuditEvent
from xiangcun.stations.models import ServiceCompany
from xiangcun.stations.services import service_company_create
from xiangcun.stations.tests.test_ledger_support import ledger_world
from xiangcun.stations.tests.test_ledger_support_pages import browser, row_ids

pytestmark = pytest.mark.django_db
LIST, NEW = "/stations/companies/", "/stations/companies/new/"


@pytest.fixture
def w(county, other_county, superuser, bureau, contractor, auditor, other_bureau):
    return ledger_world(county, other_county, superuser, bureau, contractor, auditor, other_bureau)


def state():
    return (list(ServiceCompany.objects.order_by("pk").values()), AuditEvent.objects.count())


def test_url_names():
    assert reverse("stations:company_list") == LIST
    assert reverse("stations:company_create") == NEW
    assert reverse("stations:company_edit", args=[3]) == "/stations/companies/3/edit/"


def test_register_and_edit(w):
    client = browser(w.bureau)
    assert client.get(NEW).status_code == 200
    data = {"name": "大名县电商服务公司", "offers_proxy_purchase": "on", "offers_loans": "on"}
    assert client.post(NEW, data).status_code == 302
    company = ServiceCompany.objects.get()
    assert (
        company.county,
        company.offers_proxy_purchase,
        company.offers_loans,
        company.offers_warehousing,
    ) == (
        w.county,
        True,
        True,
        False,
    )
    page = client.get(LIST)
    assert (
        row_ids(page) == [str(company.pk)]
        and "No company offers all six services yet." in page.content.decode()
    )
    edit = f"/stations/companies/{company.pk}/edit/"
    all_on = dict.fromkeys(ServiceCompany.OFFER_FIELDS, "on")
    assert client.post(edit, {"name": company.name, **all_on}).status_code == 302
    company.refresh_from_db()
    assert company.offers_everything
    assert "A company offers all six services." in client.get(LIST).content.decode()
    assert AuditEvent.objects.filter(action__startswith="service_company.").count() == 2


def test_duplicate_or_empty_names_are_400(w):
    service_company_create(actor=w.bureau, county=w.county, name="甲公司")
    before = state()
    for name, message in [
        ("甲公司", "already has a service company with this name"),
        ("", "This field is required."),
    ]:
        response = browser(w.bureau).post(NEW, {"name": name})
        assert response.status_code == 400 and message in response.content.decode()
    assert state() == before


@pytest.mark.parametrize("who", ["contractor", "auditor", "manager1"])
def test_others_see_but_cannot_change(w, who):
    company = service_company_create(actor=w.bureau, county=w.county, name="甲公司")
    before = state()
    client = browser(getattr(w, who))
    page = client.get(LIST)
    assert row_ids(page) == [str(company.pk)] and NEW not in page.content.decode()
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, {"name": "乙"}).status_code == 403
    assert client.post(f"/stations/companies/{company.pk}/edit/", {"name": "乙"}).status_code == 403
    assert state() == before


def test_another_countys_company_is_404(w):
    company = service_company_create(actor=w.bureau, county=w.county, name="甲公司")
    before = state()
    client = browser(w.other_bureau)
    assert row_ids(client.get(LIST)) == []
    assert client.get(f"/stations/companies/{company.pk}/edit/").status_code == 404
    assert client.post(f"/stations/companies/{company.pk}/edit/", {"name": "乙"}).status_code == 404
    assert state() == before


def test_anonymous_is_sent_to_log_in(w):
    assert browser().get(LIST).status_code == 302
    assert browser().post(NEW, {"name": "x"}).status_code == 302

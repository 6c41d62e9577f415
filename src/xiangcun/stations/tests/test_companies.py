"""Service companies (R12): services and /api/v1/service-companies/ with anonymous, wrong-scope and
right-scope users."""

import pytest
from django.core.exceptions import ValidationError

from xiangcun.core.errors import PermissionDenied
from xiangcun.core.models import AuditEvent
from xiangcun.core.testing import api_client
from xiangcun.stations.models import ServiceCompany
from xiangcun.stations.services import service_company_create, service_company_update
from xiangcun.stations.tests.test_ledger_support import ledger_world

pytestmark = pytest.mark.django_db
URL = "/api/v1/service-companies/"
ALL = dict.fromkeys(ServiceCompany.OFFER_FIELDS, True)


@pytest.fixture
def w(county, other_county, superuser, bureau, contractor, auditor, other_bureau):
    return ledger_world(county, other_county, superuser, bureau, contractor, auditor, other_bureau)


def state():
    return (list(ServiceCompany.objects.order_by("pk").values()), AuditEvent.objects.count())


def test_create_and_update_with_audit(w):
    company = service_company_create(
        actor=w.bureau, county=w.county, name=" 大名县农村电商服务公司 ", offers_loans=True
    )
    assert (company.name, company.offers_loans, company.offers_warehousing, company.offers_everything) == (
        "大名县农村电商服务公司",
        True,
        False,
        False,
    )
    company = service_company_update(actor=w.bureau, company=company, **{**ALL, "offers_loans": True})
    assert company.offers_everything
    events = AuditEvent.objects.filter(object_type="stations.servicecompany").order_by("pk")
    assert [e.action for e in events] == ["service_company.create", "service_company.update"]
    assert events[1].changes == {f: [False, True] for f in ServiceCompany.OFFER_FIELDS if f != "offers_loans"}
    # nothing changed: no audit event
    service_company_update(actor=w.bureau, company=company, offers_loans=True)
    assert events.count() == 2


def test_names_are_unique_per_county_and_checked(w):
    service_company_create(actor=w.bureau, county=w.county, name="甲公司")
    service_company_create(actor=w.other_bureau, county=w.other_county, name="甲公司")
    before = state()
    for name, message in [
        ("甲公司", "This county already has a service company with this name."),
        ("  ", "This field is required."),
        ("x" * 101, "At most 100 characters."),
    ]:
        with pytest.raises(ValidationError) as exc:
            service_company_create(actor=w.bureau, county=w.county, name=name)
        assert exc.value.message_dict == {"name": [message]}
    with pytest.raises(ValidationError) as exc:
        service_company_create(actor=w.bureau, county=w.county, name="乙公司", offers_loans="yes")
    assert exc.value.message_dict == {"offers_loans": ["Enter true or false."]}
    assert state() == before


@pytest.mark.parametrize("who", ["contractor", "auditor", "manager1", "other_bureau"])
def test_others_may_not_register_or_change(w, who):
    company = service_company_create(actor=w.bureau, county=w.county, name="甲公司")
    before = state()
    with pytest.raises(PermissionDenied):
        service_company_create(actor=getattr(w, who), county=w.county, name="乙公司")
    with pytest.raises(PermissionDenied):
        service_company_update(actor=getattr(w, who), company=company, offers_loans=True)
    assert state() == before


def test_api_create_list_patch(w):
    client = api_client(w.bureau)
    response = client.post(URL, {"name": "大名县电商服务中心", **ALL}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["county"] == "130425" and body["offers_everything"] is True
    pk = body["id"]
    response = client.patch(f"{URL}{pk}/", {"offers_loans": False}, format="json")
    assert response.status_code == 200 and response.json()["offers_everything"] is False
    for user in (w.auditor, w.manager1, w.contractor):
        assert [c["name"] for c in api_client(user).get(URL).json()["results"]] == ["大名县电商服务中心"]
    assert api_client(w.other_bureau).get(URL).json()["results"] == []
    assert api_client(w.other_bureau).get(f"{URL}{pk}/").status_code == 404
    # a superuser names the county
    response = api_client(w.superuser).post(URL, {"name": "邻县公司", "county": "130426"}, format="json")
    assert response.status_code == 201 and response.json()["county"] == "130426"
    response = api_client(w.superuser).post(URL, {"name": "无县公司"}, format="json")
    assert response.status_code == 400 and response.json()["errors"] == {
        "county": ["This field is required."]
    }


@pytest.mark.parametrize(
    ("who", "method", "body", "status"),
    [
        ("contractor", "post", {"name": "乙"}, 403),
        ("auditor", "post", {"name": "乙"}, 403),
        ("manager1", "post", {"name": "乙"}, 403),
        ("manager1", "patch", {"offers_loans": True}, 403),
        ("other_bureau", "patch", {"offers_loans": True}, 404),
        ("bureau", "post", {"name": "甲公司"}, 400),
        ("bureau", "post", {"name": ""}, 400),
        ("bureau", "post", {"name": "乙", "offers_loans": "maybe"}, 400),
        ("bureau", "post", {"name": "乙", "is_demo": True}, 400),
        ("bureau", "post", {"name": "乙", "county": "130426"}, 400),
        ("bureau", "patch", {"county": "130425"}, 400),
        ("bureau", "patch", {}, 400),
        ("bureau", "put", {"name": "丙"}, 405),
        ("bureau", "delete", {}, 405),
    ],
)
def test_refused_api_writes_change_nothing(w, who, method, body, status):
    company = service_company_create(actor=w.bureau, county=w.county, name="甲公司")
    before = state()
    client = api_client(getattr(w, who))
    path = URL if method == "post" else f"{URL}{company.pk}/"
    response = getattr(client, method)(path, body, format="json")
    assert response.status_code == status, response.content
    assert state() == before


def test_anonymous_is_401(w):
    assert api_client().get(URL).status_code == 401
    assert api_client().post(URL, {"name": "x"}, format="json").status_code == 401

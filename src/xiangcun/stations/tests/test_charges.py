"""Charges to stations: the service (forbidden kinds flagged, R2), /api/v1/station-charges/ with
anonymous, wrong-scope and right-scope users; forbidden charges listed first."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from xiangcun.core.errors import PermissionDenied
from xiangcun.core.models import AuditEvent
from xiangcun.core.testing import api_client
from xiangcun.stations.models import StationCharge
from xiangcun.stations.services import charge_record
from xiangcun.stations.tests.test_ledger_support import S1, S2, S3, ledger_world

pytestmark = pytest.mark.django_db
URL = "/api/v1/station-charges/"


@pytest.fixture
def w(county, other_county, superuser, bureau, contractor, auditor, other_bureau):
    return ledger_world(county, other_county, superuser, bureau, contractor, auditor, other_bureau)


def state():
    return (list(StationCharge.objects.order_by("pk").values()), AuditEvent.objects.count())


def record(w, actor, station, **fields):
    args = {
        "charged_on": date(2018, 3, 1),
        "kind": "service",
        "amount": Decimal("100"),
        "charged_by": "大名县电商公司",
        **fields,
    }
    return charge_record(actor=actor, station=station, **args)


def test_a_forbidden_charge_is_recorded_and_flagged(w):
    charge = record(w, w.bureau, w.s1, kind="deposit", amount=Decimal("2000"), note="加盟押金")
    assert charge.forbidden and (charge.amount, charge.recorded_by, charge.county) == (
        Decimal("2000.00"),
        w.bureau,
        w.county,
    )
    event = AuditEvent.objects.get(action="charge.record")
    assert (
        event.note
        == "Forbidden charge (R2): no deposit, guarantee or equipment fee may be charged to a station."
    )
    assert event.changes["kind"] == [None, "deposit"]
    ok = record(w, w.manager1, w.s1, kind="service", amount=Decimal("30"))
    assert not ok.forbidden
    assert AuditEvent.objects.get(action="charge.record", object_id=str(ok.pk)).note == ""


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"kind": "bribe"}, {"kind": ["One of: deposit, guarantee, equipment, service, other."]}),
        ({"amount": Decimal("0")}, {"amount": ["Must be more than zero."]}),
        ({"amount": Decimal("-5")}, {"amount": ["Must be more than zero."]}),
        ({"amount": Decimal("1000000.01")}, {"amount": ["At most 1000000 yuan."]}),
        ({"charged_by": "  "}, {"charged_by": ["Say who charged the station."]}),
        ({"charged_on": date(2099, 1, 1)}, {"charged_on": ["Must not be in the future."]}),
    ],
)
def test_invalid_charges_are_refused_with_field_errors(w, fields, errors):
    before = state()
    with pytest.raises(ValidationError) as exc:
        record(w, w.bureau, w.s1, **fields)
    assert exc.value.message_dict == errors
    assert state() == before


@pytest.mark.parametrize(
    ("who", "station"),
    [("manager1", "s2"), ("manager1", "s3"), ("other_bureau", "s1"), ("contractor", "s1"), ("auditor", "s1")],
)
def test_charges_out_of_scope_or_without_capability_are_refused(w, who, station):
    before = state()
    with pytest.raises(PermissionDenied):
        record(w, getattr(w, who), getattr(w, station))
    assert state() == before


def test_the_api_lists_forbidden_charges_first_and_scoped(w):
    record(w, w.bureau, w.s1, kind="service", charged_on=date(2018, 6, 1))
    record(w, w.bureau, w.s2, kind="equipment", charged_on=date(2018, 1, 1), amount=Decimal("3500"))
    record(w, w.bureau, w.s1, kind="guarantee", charged_on=date(2018, 2, 1))
    record(w, w.other_bureau, w.s3, kind="deposit")

    def rows(user, **query):
        response = api_client(user).get(URL, query)
        assert response.status_code == 200, response.content
        return [(r["station"], r["kind"], r["forbidden"]) for r in response.json()["results"]]

    assert rows(w.bureau) == [(S1, "guarantee", True), (S2, "equipment", True), (S1, "service", False)]
    assert rows(w.auditor) == rows(w.bureau)
    assert rows(w.manager1) == [(S1, "guarantee", True), (S1, "service", False)]
    assert rows(w.other_bureau) == [(S3, "deposit", True)]
    assert rows(w.bureau, forbidden="true") == [(S1, "guarantee", True), (S2, "equipment", True)]
    assert rows(w.bureau, forbidden="false", station=S1) == [(S1, "service", False)]
    body = api_client(w.bureau).get(URL, {"kind": "equipment"}).json()["results"][0]
    assert {k: body[k] for k in ("station", "charged_on", "amount", "charged_by", "recorded_by")} == {
        "station": S2,
        "charged_on": "2018-01-01",
        "amount": "3500.00",
        "charged_by": "大名县电商公司",
        "recorded_by": "bureau",
    }
    assert api_client(w.bureau).get(URL, {"forbidden": "perhaps"}).status_code == 400


def test_recording_through_the_api(w):
    body = {
        "station": S1,
        "charged_on": "2018-03-01",
        "kind": "equipment",
        "amount": "1200",
        "charged_by": "某承办企业",
    }
    response = api_client(w.bureau).post(URL, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["forbidden"] is True and response.json()["amount"] == "1200.00"
    response = api_client(w.manager1).post(URL, {**body, "kind": "service"}, format="json")
    assert response.status_code == 201
    assert StationCharge.objects.count() == 2


@pytest.mark.parametrize(
    ("who", "body_change", "status"),
    [
        ("manager1", {"station": S2}, 400),  # another station: not in their scope
        ("other_bureau", {}, 400),
        ("contractor", {}, 403),
        ("auditor", {}, 403),
        ("bureau", {"amount": "0"}, 400),
        ("bureau", {"amount": "abc"}, 400),
        ("bureau", {"kind": "bribe"}, 400),
        ("bureau", {"charged_by": ""}, 400),
        ("bureau", {"forbidden": False}, 400),
        ("bureau", {"station": S3}, 400),
    ],
)
def test_refused_api_writes_change_nothing(w, who, body_change, status):
    body = {"station": S1, "charged_on": "2018-03-01", "kind": "deposit", "amount": "500", "charged_by": "x"}
    before = state()
    response = api_client(getattr(w, who)).post(URL, {**body, **body_change}, format="json")
    assert response.status_code == status, response.content
    assert set(response.json()) == {"detail", "code", "errors"}
    assert state() == before


def test_anonymous_is_401(w):
    assert api_client().get(URL).status_code == 401
    assert api_client().post(URL, {}, format="json").status_code == 401

"""Staff pages (/network/staff/): list per workplace with the poor-household flag, create, edit."""

from datetime import date

import pytest
from django.urls import reverse

from xiangcun.core.models import AuditEvent
from xiangcun.households.models import Household
from xiangcun.network import services
from xiangcun.network.models import StaffMember
from xiangcun.stations.tests.test_ledger_support import ledger_world
from xiangcun.stations.tests.test_ledger_support_pages import browser, row_ids

pytestmark = pytest.mark.django_db
LIST, NEW = "/network/staff/", "/network/staff/new/"


@pytest.fixture
def w(county, other_county, superuser, bureau, contractor, auditor, other_bureau):
    w = ledger_world(county, other_county, superuser, bureau, contractor, auditor, other_bureau)
    w.center = services.facility_create(
        actor=bureau, county=county, kind="county_center", code="CC-01", name="县中心"
    )
    w.household = Household.objects.create(
        county=county, village=w.s1.village, code="H-001", head_name="王大"
    )
    return w


def state():
    return (list(StaffMember.objects.order_by("pk").values()), AuditEvent.objects.count())


def test_url_names():
    assert reverse("network:staff_list") == LIST
    assert reverse("network:staff_create") == NEW
    assert reverse("network:staff_edit", args=[5]) == "/network/staff/5/edit/"


def test_list_per_workplace_with_the_flag_and_summary(w):
    a = services.staff_create(
        actor=w.bureau, station=w.s1, name="甲", hired_on=date(2017, 1, 1), from_poor_household=True
    )
    b = services.staff_create(actor=w.bureau, facility=w.center, name="乙", hired_on=date(2017, 1, 1))
    c = services.staff_create(
        actor=w.bureau, station=w.s2, name="丙", hired_on=date(2017, 1, 1), left_on=date(2018, 1, 1)
    )
    page = browser(w.bureau).get(LIST)
    html = page.content.decode()
    # facilities first (by code), then stations by code
    assert row_ids(page) == [str(b.pk), str(a.pk), str(c.pk)]
    assert f'data-row="{a.pk}" data-poor="true"' in html
    assert 'data-current="2" data-poor="1"' in html
    assert "2 people working now, 1 of them from registered poor households" in html
    assert row_ids(browser(w.bureau).get(LIST, {"from_poor_household": "true"})) == [str(a.pk)]
    assert row_ids(browser(w.bureau).get(LIST, {"current": "false"})) == [str(c.pk)]
    assert row_ids(browser(w.bureau).get(LIST, {"station": w.s2.pk})) == [str(c.pk)]
    assert row_ids(browser(w.manager1).get(LIST)) == [str(a.pk)]
    assert row_ids(browser(w.other_bureau).get(LIST)) == []
    response = browser(w.bureau).get(LIST, {"station": w.s3.pk})
    assert response.status_code == 400 and row_ids(response) == []


def test_create_and_edit(w):
    client = browser(w.contractor)
    assert client.get(NEW).status_code == 200
    data = {
        "station": w.s1.pk,
        "name": "王五",
        "position": "站长",
        "household_code": "H-001",
        "hired_on": "2017-05-01",
    }
    assert client.post(NEW, data).status_code == 302
    member = StaffMember.objects.get()
    assert (member.station, member.household, member.from_poor_household) == (w.s1, w.household, True)
    edit = f"/network/staff/{member.pk}/edit/"
    page = client.get(edit)
    assert page.status_code == 200 and "H-001" in page.content.decode()
    response = client.post(edit, {**data, "station": "", "facility": w.center.pk, "left_on": "2018-02-01"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.facility, member.station, member.left_on) == (w.center, None, date(2018, 2, 1))
    assert AuditEvent.objects.filter(action="staff.update").count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"station": "", "facility": ""}, "Give either a facility or a station"),
        ({"household_code": "NOPE"}, "No registered poor household with this number in your county."),
        ({"hired_on": "1990-01-01"}, "Between 2000 and today."),
        ({"left_on": "2016-01-01"}, "Must not be before the day hired."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_bad_input_is_400_beside_the_form(w, change, message):
    before = state()
    data = {"station": w.s1.pk, "name": "王五", "hired_on": "2017-05-01"}
    response = browser(w.bureau).post(NEW, {**data, **change})
    assert response.status_code == 400 and message in response.content.decode()
    assert state() == before


@pytest.mark.parametrize("who", ["auditor", "manager1"])
def test_without_the_capability_it_is_403(w, who):
    member = services.staff_create(actor=w.bureau, station=w.s1, name="甲", hired_on=date(2017, 1, 1))
    before = state()
    client = browser(getattr(w, who))
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, {"station": w.s1.pk, "name": "x", "hired_on": "2017-01-01"}).status_code == 403
    assert (
        client.post(
            f"/network/staff/{member.pk}/edit/", {"station": w.s1.pk, "name": "x", "hired_on": "2017-01-01"}
        ).status_code
        == 403
    )
    assert state() == before


def test_another_countys_staff_is_404_and_anonymous_logs_in(w):
    member = services.staff_create(actor=w.bureau, station=w.s1, name="甲", hired_on=date(2017, 1, 1))
    before = state()
    assert browser(w.other_bureau).get(f"/network/staff/{member.pk}/edit/").status_code == 404
    assert browser(w.other_bureau).post(f"/network/staff/{member.pk}/edit/", {"name": "x"}).status_code == 404
    assert browser().get(LIST).status_code == 302
    assert browser().post(NEW, {"name": "x"}).status_code == 302
    assert state() == before

"""Staff of centers and stations (R7): services, scoped selector and /api/v1/staff/ with anonymous,
wrong-scope and right-scope users; denied writes change nothing."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from xiangcun.core.errors import PermissionDenied
from xiangcun.core.models import AuditEvent
from xiangcun.core.testing import api_client, make_user
from xiangcun.households.models import Household
from xiangcun.network import services
from xiangcun.network.models import StaffMember
from xiangcun.network.selectors import staff_list
from xiangcun.stations.tests.test_ledger_support import S1, S2, S3, ledger_world

pytestmark = pytest.mark.django_db
URL = "/api/v1/staff/"
HIRED = date(2017, 3, 1)


@pytest.fixture
def w(county, other_county, superuser, bureau, contractor, auditor, other_bureau):
    w = ledger_world(county, other_county, superuser, bureau, contractor, auditor, other_bureau)
    w.center = services.facility_create(
        actor=bureau, county=county, kind="county_center", code="CC-01", name="县中心"
    )
    w.tcenter = services.facility_create(
        actor=bureau, county=county, kind="township_center", code="TC-02", name="乙乡服务中心", township=w.t2
    )
    w.other_center = services.facility_create(
        actor=other_bureau, county=other_county, kind="county_center", code="CC-01", name="邻县中心"
    )
    w.household = Household.objects.create(
        county=county, village=w.s1.village, code="1304251002010001", head_name="王大"
    )
    w.other_household = Household.objects.create(
        county=other_county, village=w.s3.village, code="1304261002010001", head_name="李二"
    )
    w.township2 = make_user("contractor", county, username="township2", township=w.t2)
    return w


def state():
    return (list(StaffMember.objects.order_by("pk").values()), AuditEvent.objects.count())


def staff(w, actor=None, **fields):
    fields.setdefault("name", "张三")
    fields.setdefault("hired_on", HIRED)
    if "facility" not in fields:
        fields.setdefault("station", w.s1)
    return services.staff_create(actor=actor or w.bureau, **fields)


def test_create_with_audit(w):
    member = staff(w, position="站长", phone=" 13800000000 ", household=w.household, from_poor_household=True)
    assert (member.county, member.station, member.facility, member.phone, member.from_poor_household) == (
        w.county,
        w.s1,
        None,
        "13800000000",
        True,
    )
    event = AuditEvent.objects.get(action="staff.create")
    assert event.changes["household"] == [None, w.household.pk] and event.actor == w.bureau
    at_center = staff(w, actor=w.contractor, facility=w.center, name="李四")
    assert at_center.facility == w.center and at_center.county == w.county


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"name": " "}, {"name": ["This field is required."]}),
        ({"name": "x" * 51}, {"name": ["At most 50 characters."]}),
        (
            {"facility": "center", "station": "s1"},
            {"facility": ["Give either a facility or a station (the one workplace)."]},
        ),
        ({"station": None}, {"station": ["Give either a facility or a station (the one workplace)."]}),
        ({"station": "s3"}, {"station": ["This station is outside your scope."]}),
        ({"facility": "other_center"}, {"facility": ["This facility is outside your scope."]}),
        ({"hired_on": date(1999, 12, 31)}, {"hired_on": ["Between 2000 and today."]}),
        ({"left_on": date(2017, 1, 1)}, {"left_on": ["Must not be before the day hired."]}),
        ({"left_on": date(2099, 1, 1)}, {"left_on": ["Must not be in the future."]}),
        (
            {"household": "other_household", "from_poor_household": True},
            {"household": ["A registered poor household of the same county."]},
        ),
        (
            {"household": "household", "from_poor_household": False},
            {"from_poor_household": ["A linked registered poor household means yes."]},
        ),
        ({"from_poor_household": "yes"}, {"from_poor_household": ["Enter true or false."]}),
    ],
)
def test_invalid_records_are_refused_with_field_errors(w, fields, errors):
    fields = {
        k: getattr(w, v) if isinstance(v, str) and k in ("facility", "station", "household") else v
        for k, v in fields.items()
    }
    before = state()
    with pytest.raises(ValidationError) as exc:
        staff(w, **fields)
    assert exc.value.message_dict == errors
    assert state() == before


@pytest.mark.parametrize("who", ["auditor", "manager1", "other_bureau"])
def test_others_may_not_record_staff(w, who):
    member = staff(w)
    before = state()
    # without the capability: refused; another county's bureau: the station is outside its scope
    with pytest.raises(ValidationError if who == "other_bureau" else PermissionDenied):
        staff(w, actor=getattr(w, who))
    with pytest.raises(PermissionDenied):
        services.staff_update(actor=getattr(w, who), member=member, name="改")
    assert state() == before


def test_a_township_contractor_records_only_in_their_township(w):
    with pytest.raises(ValidationError):
        staff(w, actor=w.township2, station=w.s1)
    assert staff(w, actor=w.township2, station=w.s2).station == w.s2
    assert staff(w, actor=w.township2, facility=w.tcenter).facility == w.tcenter


def test_update_moves_workplace_and_records_leaving(w):
    member = staff(w)
    member = services.staff_update(actor=w.bureau, member=member, facility=w.center)
    assert (member.facility, member.station) == (w.center, None)
    left = timezone.localdate() - timedelta(days=1)
    member = services.staff_update(actor=w.bureau, member=member, left_on=left)
    assert member.left_on == left
    changes = [e.changes for e in AuditEvent.objects.filter(action="staff.update").order_by("pk")]
    assert changes == [
        {"facility": [None, w.center.pk], "station": [w.s1.pk, None]},
        {"left_on": [None, left.isoformat()]},
    ]
    before = state()
    with pytest.raises(ValidationError) as exc:
        services.staff_update(actor=w.bureau, member=member, salary=1)
    assert exc.value.message_dict == {"salary": ["Unknown field."]}
    assert state() == before


def test_the_selector_is_scoped(w):
    a = staff(w, name="甲")
    b = staff(w, name="乙", station=w.s2)
    c = staff(w, name="丙", facility=w.center)
    d = staff(w, name="丁", facility=w.tcenter)
    e = staff(w, actor=w.other_bureau, name="戊", station=w.s3)

    def names(user):
        return sorted(m.name for m in staff_list(user=user))

    assert names(w.bureau) == names(w.auditor) == sorted(m.name for m in (a, b, c, d))
    assert names(w.manager1) == ["甲"]
    assert names(w.manager2) == ["乙"]
    # township 2: its station, its township center, and the county-level center
    assert names(w.township2) == sorted(["乙", "丙", "丁"])
    assert names(w.other_bureau) == [e.name]
    assert len(names(w.superuser)) == 5


# --- API ---------------------------------------------------------------------------------------------


def test_api_create_list_patch(w):
    client = api_client(w.bureau)
    body = {
        "station": S1,
        "name": "王五",
        "position": "站长",
        "from_poor_household": True,
        "household": w.household.pk,
        "hired_on": "2017-03-01",
    }
    response = client.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    row = response.json()
    assert {
        k: row[k]
        for k in (
            "county",
            "facility",
            "station",
            "workplace_name",
            "name",
            "from_poor_household",
            "household",
            "hired_on",
            "left_on",
        )
    } == {
        "county": "130425",
        "facility": None,
        "station": S1,
        "workplace_name": "甲1村服务站",
        "name": "王五",
        "from_poor_household": True,
        "household": w.household.pk,
        "hired_on": "2017-03-01",
        "left_on": None,
    }
    response = client.patch(f"{URL}{row['id']}/", {"facility": "CC-01", "station": None}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["facility"], response.json()["station"]) == ("CC-01", None)
    staff(w, name="赵六", station=w.s2)
    assert [r["name"] for r in client.get(URL, {"from_poor_household": "true"}).json()["results"]] == ["王五"]
    assert [r["name"] for r in client.get(URL, {"station": S2}).json()["results"]] == ["赵六"]
    assert [r["name"] for r in client.get(URL, {"facility": "CC-01"}).json()["results"]] == ["王五"]
    assert [r["name"] for r in client.get(URL, {"q": "赵"}).json()["results"]] == ["赵六"]
    assert [r["name"] for r in client.get(URL, {"current": "true"}).json()["results"]] == ["王五", "赵六"]
    assert client.get(URL, {"current": "maybe"}).status_code == 400


def test_api_reads_are_scoped(w):
    mine = staff(w, name="甲")
    other = staff(w, actor=w.other_bureau, name="戊", station=w.s3)
    assert [r["name"] for r in api_client(w.manager1).get(URL).json()["results"]] == ["甲"]
    assert api_client(w.manager2).get(URL).json()["results"] == []
    assert api_client(w.manager2).get(f"{URL}{mine.pk}/").status_code == 404
    assert api_client(w.bureau).get(f"{URL}{other.pk}/").status_code == 404
    assert api_client().get(URL).status_code == 401


@pytest.mark.parametrize(
    ("who", "method", "body", "status"),
    [
        ("auditor", "post", {"station": S1, "name": "x", "hired_on": "2017-01-01"}, 403),
        ("manager1", "post", {"station": S1, "name": "x", "hired_on": "2017-01-01"}, 403),
        ("manager1", "patch", {"name": "x"}, 403),
        ("other_bureau", "patch", {"name": "x"}, 404),
        ("bureau", "post", {"station": S3, "name": "x", "hired_on": "2017-01-01"}, 400),
        ("bureau", "post", {"station": S1, "facility": "CC-01", "name": "x", "hired_on": "2017-01-01"}, 400),
        ("bureau", "post", {"name": "x", "hired_on": "2017-01-01"}, 400),
        ("bureau", "post", {"station": S1, "name": "x"}, 400),
        ("bureau", "post", {"station": S1, "name": "x", "hired_on": "2017-01-01", "household": 999999}, 400),
        ("bureau", "post", {"station": S1, "name": "x", "hired_on": "2017-01-01", "county": "130426"}, 400),
        ("bureau", "patch", {"hired_on": "2099-01-01"}, 400),
        ("bureau", "patch", {}, 400),
        ("bureau", "put", {"name": "x"}, 405),
        ("bureau", "delete", {}, 405),
        (None, "post", {"station": S1, "name": "x", "hired_on": "2017-01-01"}, 401),
    ],
)
def test_refused_api_writes_change_nothing(w, who, method, body, status):
    member = staff(w)
    before = state()
    client = api_client(getattr(w, who) if who else None)
    path = URL if method == "post" else f"{URL}{member.pk}/"
    response = getattr(client, method)(path, body, format="json")
    assert response.status_code == status, response.content
    assert set(response.json()) == {"detail", "code", "errors"}
    assert state() == before


def test_other_county_household_via_api_is_a_field_error(w):
    before = state()
    body = {"station": S1, "name": "x", "hired_on": "2017-01-01", "household": w.other_household.pk}
    response = api_client(w.bureau).post(URL, body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["household"]
    assert state() == before


def test_staff_counts_for_the_scorecard(w):
    from xiangcun.network.selectors import staff_counts

    staff(w, name="甲", from_poor_household=True, household=w.household)
    staff(w, name="乙", facility=w.center, hired_on=date(2017, 6, 1), left_on=date(2018, 1, 1))
    staff(w, name="丙", station=w.s2, hired_on=date(2018, 2, 1), from_poor_household=True)
    staff(w, actor=w.other_bureau, name="丁", station=w.s3)
    assert staff_counts(county=w.county, at=date(2017, 2, 1)) == {"staff": 0, "from_poor_household": 0}
    assert staff_counts(county=w.county, at=date(2017, 12, 31)) == {"staff": 2, "from_poor_household": 1}
    assert staff_counts(county=w.county, at=date(2018, 1, 1)) == {"staff": 1, "from_poor_household": 1}
    assert staff_counts(county=w.county) == {"staff": 2, "from_poor_household": 2}
    assert staff_counts(county=w.other_county) == {"staff": 1, "from_poor_household": 0}

"""Route plans and visit schedules through /api/v1/planning/plans/: create, read, filter, export;
bad input is a 400 with field errors and writes nothing; scope."""

import io

import openpyxl
import pytest

from xiangcun.core.testing import api_client
from xiangcun.planning.models import Plan

from .routes_world import parcel

pytestmark = pytest.mark.django_db

PLANS = "/api/v1/planning/plans/"


def test_create_and_read_a_route_plan(rw, bureau, auditor):
    for s in (rw.s1, rw.s2, rw.s3):
        parcel(rw, s)
    body = {
        "kind": "routes",
        "center": "TC-01",
        "service_date": "2018-05-02",
        "vehicles": 2,
        "capacity_parcels": 2,
        "shift_start": "08:00",
        "shift_end": "17:00",
        "time_limit": 1,
        "use_schedule": False,
    }
    response = api_client(bureau).post(PLANS, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["kind"], data["center"], data["service_date"], data["solver"]) == (
        "routes",
        "TC-01",
        "2018-05-02",
        "vrp",
    )
    assert data["result"]["vehicles_used"] == 2 and data["result"]["stops"] == 3
    assert data["parameters"]["shift_end"] == "17:00" and data["parameters"]["capacity_parcels"] == 2
    assert data["objective"] == data["result"]["km"] and data["time_limit_s"] == 1.0
    listed = api_client(auditor).get(PLANS, {"kind": "routes", "service_date": "2018-05-02"}).json()
    assert listed["count"] == 1 and listed["results"][0]["center"] == "TC-01"
    assert api_client(auditor).get(PLANS, {"service_date": "2018-05-03"}).json()["count"] == 0
    detail = api_client(auditor).get(f"{PLANS}{data['id']}/").json()
    assert detail["comparison"] is None and len(detail["inputs"]["stops"]) == 3
    export = api_client(auditor).get(f"{PLANS}{data['id']}/export/")
    rows = list(openpyxl.load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == "Vehicle" and len(rows) == 2 + 3


def test_create_a_schedule(rw, bureau):
    body = {
        "kind": "schedule",
        "center": "TC-01",
        "as_of": "2018-05-01",
        "weekdays": [0, 2, 4],
        "frequencies": {rw.s1.code: 3},
        "warehouse_to_center_days": "1",
    }
    response = api_client(bureau).post(PLANS, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["kind"] == "schedule" and data["service_date"] is None
    rows = {r["code"]: r for r in data["result"]["stations"]}
    assert rows[rw.s1.code]["days"] == [0, 2, 4]
    assert all(r["frequency"] >= 2 for r in rows.values())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "routes", "center": "TC-01", "service_date": "2018-05-02", "vehicles": 0}, "vehicles"),
        ({"kind": "routes", "center": "TC-99", "service_date": "2018-05-02"}, "center"),
        ({"kind": "routes", "center": "TC-01"}, "service_date"),
        ({"kind": "routes", "center": "TC-01", "service_date": "2018-04-01"}, "service_date"),
        (
            {"kind": "routes", "center": "TC-01", "service_date": "2018-05-02", "shift_start": "25:00"},
            "shift_start",
        ),
        ({"kind": "routes", "center": "TC-01", "service_date": "2018-05-02", "colour": "red"}, "colour"),
        ({"kind": "schedule", "center": "TC-01", "frequency": 9}, "frequency"),
        ({"kind": "schedule", "center": "TC-01", "weekdays": [8]}, "weekdays"),
        ({"kind": "nope"}, "kind"),
    ],
)
def test_bad_input_is_a_400_with_field_errors(rw, bureau, body, field):
    parcel(rw, rw.s1)
    response = api_client(bureau).post(PLANS, body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert not Plan.objects.exists()


def test_denied_calls_change_nothing(rw, auditor, other_bureau):
    parcel(rw, rw.s1)
    body = {"kind": "routes", "center": "TC-01", "service_date": "2018-05-02"}
    assert api_client(None).post(PLANS, body, format="json").status_code == 401
    assert api_client(auditor).post(PLANS, body, format="json").status_code == 403
    response = api_client(other_bureau).post(PLANS, body, format="json")
    assert response.status_code == 400 and "center" in response.json()["errors"]
    assert not Plan.objects.exists()

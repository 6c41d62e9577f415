"""The route and schedule pages: forms, plan pages with the map data and the vehicle tables, the
driver's sheet and its Excel export, the schedule grid and re-planning from it; scope."""

import io

import openpyxl
import pytest
from django.test import Client

from xiangcun.planning import services
from xiangcun.planning.models import Plan

from .routes_world import DAY, parcel

pytestmark = pytest.mark.django_db


def client_for(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def routes_plan(rw, bureau):
    for s in (rw.s1, rw.s2, rw.s3, rw.s4):
        parcel(rw, s)
    parcel(rw, rw.s2, waybill="SF1234567890")
    return services.route_plan_create(
        actor=bureau, center=rw.center, service_date=DAY, capacity_parcels=3, use_schedule=False
    )


@pytest.fixture
def schedule_plan(rw, bureau):
    return services.visit_schedule_create(actor=bureau, center=rw.center, as_of="2018-05-01")


def test_anonymous_is_sent_to_login(routes_plan):
    client = client_for(None)
    for url in (
        "/planning/new/routes/",
        "/planning/new/schedule/",
        f"/planning/{routes_plan.pk}/sheet/",
        f"/planning/{routes_plan.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_route_plan_page(routes_plan, auditor):
    response = client_for(auditor).get(f"/planning/{routes_plan.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-map="routes"' in html and 'id="vehicle-1"' in html and 'id="vehicle-2"' in html
    assert "route_map.js" in html and "SF1234567890" not in html  # waybills only on the sheet
    data = response.context["map_data"]
    assert data["center"]["code"] == "TC-01" and len(data["routes"]) == 2
    assert sum(len(r["stops"]) for r in data["routes"]) == 4
    for route in data["routes"]:
        assert route["path"][0] == route["path"][-1] == [36.3, 115.1]
        assert len(route["path"]) == len(route["stops"]) + 2


def test_drivers_sheet_and_excel(routes_plan, rw, auditor):
    client = client_for(auditor)
    response = client.get(f"/planning/{routes_plan.pk}/sheet/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "@page" not in html  # the print CSS is in the stylesheet
    assert "routes.css" in html and 'id="sheet-vehicle-1"' in html and 'id="sheet-vehicle-2"' in html
    for text in (
        "SF1234567890",
        "甲2村服务站",
        "13800000000",
        "甲2村服务站地址",
        "Signature",
        "Planned arrival",
    ):
        assert text in html
    response = client.get(f"/planning/{routes_plan.pk}/export.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:4] == ("Vehicle", "Stop", "Station code", "Station")
    body = rows[2:]
    assert len(body) == 4 and {r[0] for r in body} == {1, 2}
    s2 = next(r for r in body if r[3] == "甲2村服务站")
    assert s2[7] == "13800000000" and s2[10] == 2 and "SF1234567890" in s2[12]
    assert sheet.cell(row=3, column=3).data_type == "s"


def test_sheet_is_only_for_route_plans(schedule_plan, auditor):
    assert client_for(auditor).get(f"/planning/{schedule_plan.pk}/sheet/").status_code == 404


def test_chinese_by_default(routes_plan, bureau):
    client = Client()
    client.force_login(bureau)
    html = client.get(f"/planning/{routes_plan.pk}/sheet/").content.decode()
    assert "<html" in html and 'lang="zh-hans"' in html


def test_route_form_runs_and_saves(rw, bureau):
    for s in (rw.s1, rw.s2):
        parcel(rw, s)
    client = client_for(bureau)
    page = client.get(f"/planning/new/routes/?center={rw.center.pk}&service_date=2018-05-02")
    assert page.status_code == 200 and "甲镇配送中心" in page.content.decode()
    form = {
        "center": rw.center.pk,
        "service_date": "2018-05-02",
        "capacity": "500",
        "capacity_unit": "kg",
        "speed_kmh": "30",
        "service_min": "5",
        "service_per_parcel_min": "0.5",
        "shift_start": "08:00",
        "shift_end": "18:00",
        "basis": "waiting",
        "use_schedule": "on",
        "detour_factor": "1.3",
        "time_limit": "1",
        "seed": "1",
    }
    response = client.post("/planning/new/routes/", form)
    plan = Plan.objects.get(kind="routes")
    assert response.status_code == 302 and response["Location"] == f"/planning/{plan.pk}/"
    assert plan.time_limit_s == 1.0 and plan.result["stops"] == 2
    # Bad input: no parcels on that day: 400 with the message, nothing saved.
    response = client.post("/planning/new/routes/", {**form, "service_date": "2018-04-20"})
    assert response.status_code == 400 and "No parcels wait" in response.content.decode()
    assert Plan.objects.count() == 1


def test_route_form_refused_to_an_auditor(rw, auditor):
    client = client_for(auditor)
    assert client.get("/planning/new/routes/").status_code == 403
    assert client.get("/planning/new/schedule/").status_code == 403


def test_schedule_page_and_replan_from_the_grid(schedule_plan, rw, bureau):
    client = client_for(bureau)
    response = client.get(f"/planning/{schedule_plan.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="schedule"' in html and f'name="freq_{rw.s1.code}"' in html and "Monday" in html
    assert html.count('class="mark on"') == sum(r["frequency"] for r in schedule_plan.result["stations"])
    form = {
        "center": rw.center.pk,
        "weekdays": ["0", "1", "2", "3", "4", "5"],
        "parcels_per_visit": "10",
        "as_of": "2018-05-01",
        "history_weeks": "8",
        "shift_start": "08:00",
        "shift_end": "18:00",
    }
    for r in schedule_plan.result["stations"]:
        form[f"freq_{r['code']}"] = str(r["frequency"])
        form[f"was_{r['code']}"] = str(r["frequency"])
    form[f"freq_{rw.s1.code}"] = "4"
    response = client.post("/planning/new/schedule/", form)
    new = Plan.objects.filter(kind="schedule").order_by("-id").first()
    assert response.status_code == 302 and new.pk != schedule_plan.pk
    assert new.parameters["frequencies"] == {rw.s1.code: 4}
    rows = {r["code"]: r for r in new.result["stations"]}
    assert rows[rw.s1.code]["frequency"] == 4 and rows[rw.s1.code]["frequency_source"] == "given"
    assert rows[rw.s2.code]["frequency_source"] == "volume"
    # A frequency the 7-day limit does not allow: 400, nothing saved.
    form[f"freq_{rw.s1.code}"] = "1"
    response = client.post("/planning/new/schedule/", form)
    assert response.status_code == 400 and Plan.objects.filter(kind="schedule").count() == 2
    response = client.get(f"/planning/{schedule_plan.pk}/export.xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][:4] == ("Station code", "Station", "Parcels a week", "Visits a week") and len(rows) == 6


def test_list_links_the_new_pages(routes_plan, bureau, other_bureau):
    html = client_for(bureau).get("/planning/").content.decode()
    assert "/planning/new/routes/" in html and "/planning/new/schedule/" in html
    assert "甲镇配送中心 · 2018-05-02" in html
    assert client_for(other_bureau).get(f"/planning/{routes_plan.pk}/").status_code == 404
    assert client_for(other_bureau).get(f"/planning/{routes_plan.pk}/sheet/").status_code == 404
    assert client_for(other_bureau).get(f"/planning/{routes_plan.pk}/export.xlsx").status_code == 404

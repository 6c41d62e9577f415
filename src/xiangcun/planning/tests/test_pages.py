"""The planning pages: list, run forms, plan page with map data and comparison, Excel export, matrix
upload; anonymous, wrong-scope and right-scope users."""

import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from xiangcun.core.testing import make_user
from xiangcun.planning import services
from xiangcun.planning.models import DistanceMatrix, Plan

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def plan(planning_county, bureau):
    return services.layout_plan_create(actor=bureau, county=planning_county, p=1, name="一号方案")


def test_anonymous_is_sent_to_login(plan):
    client = client_for(None)
    for url in (
        "/planning/",
        "/planning/new/layout/",
        f"/planning/{plan.pk}/",
        f"/planning/{plan.pk}/export.xlsx",
        "/planning/matrices/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post("/planning/new/layout/", {"p": 1, "time_limit": 5, "seed": 1}).status_code == 302
    assert Plan.objects.count() == 1


def test_list_and_plan_page(plan, auditor):
    client = client_for(auditor)
    page = client.get("/planning/").content.decode()
    assert "一号方案" in page and f'href="/planning/{plan.pk}/"' in page
    assert "/planning/new/layout/" not in page  # an auditor may not run plans
    response = client.get(f"/planning/{plan.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="comparison"' in html and 'data-map="plan"' in html and "proven optimal" in html
    data = response.context["map_data"]
    assert data["kind"] == "layout" and len(data["villages"]) == 6 and len(data["sites"]) == 2
    assert [s["chosen"] for s in data["sites"]] == [True, False]
    assert {v["group"] for v in data["villages"]} == {0}
    assert (
        json.loads(html.split('id="plan-map-data" type="application/json">')[1].split("</script>")[0])["kind"]
        == "layout"
    )
    assert len(response.context["rows"]) == 6


def test_wrong_scope_gets_404(plan, other_bureau, planning_county):
    for user in (
        other_bureau,
        make_user("bureau_admin", planning_county, township=planning_county.townships.first()),
    ):
        client = client_for(user)
        assert client.get(f"/planning/{plan.pk}/").status_code == 404
        assert client.get(f"/planning/{plan.pk}/export.xlsx").status_code == 404
        assert "一号方案" not in client.get("/planning/").content.decode()


def test_run_forms(planning_county, bureau, auditor):
    assert client_for(auditor).get("/planning/new/layout/").status_code == 403
    assert (
        client_for(auditor).post("/planning/new/layout/", {"p": 1, "time_limit": 5, "seed": 1}).status_code
        == 403
    )
    client = client_for(bureau)
    assert client.get("/planning/new/tours/").status_code == 404
    assert client.get("/planning/new/layout/").status_code == 200
    response = client.post(
        "/planning/new/layout/", {"p": 9, "time_limit": 5, "seed": 1, "detour_factor": "1.3"}
    )
    assert response.status_code == 400 and "Enter a value from 1 to 2." in response.content.decode()
    assert not Plan.objects.exists()
    response = client.post(
        "/planning/new/layout/", {"p": 1, "time_limit": 5, "seed": 1, "detour_factor": "1.3"}
    )
    plan = Plan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/planning/{plan.pk}/"
    response = client.post(
        "/planning/new/siting/",
        {
            "coverage_m": 0,
            "min_stations": 0,
            "min_share": "0",
            "beyond_m": 2000,
            "keep_existing": "on",
            "time_limit": 5,
            "seed": 1,
            "detour_factor": "1.3",
        },
    )
    siting = Plan.objects.get(kind="siting")
    assert response.status_code == 302 and siting.result["new_count"] == 4
    page = client.get(f"/planning/{siting.pk}/")
    assert page.status_code == 200 and 'id="siting-summary"' in page.content.decode()
    states = [v["state"] for v in page.context["map_data"]["villages"]]
    assert states == ["new", "new", "far", "new", "new", "far"]


def test_export(plan, bureau):
    response = client_for(bureau).get(f"/planning/{plan.pk}/export.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "大名县 · 一号方案 · Township delivery center layout"
    assert sheet.max_row == 8 and sheet["A3"].number_format == "@"


def test_matrix_upload_page(planning_county, bureau, auditor):
    text = "from,to,metres\n130425100201,130425100202,600\n130425100201,bad,5\n"
    upload = SimpleUploadedFile("roads.csv", text.encode())
    assert client_for(auditor).post("/planning/matrices/", {"name": "m", "file": upload}).status_code == 403
    client = client_for(bureau)
    upload = SimpleUploadedFile("roads.csv", text.encode())
    response = client.post("/planning/matrices/", {"name": "m", "file": upload})
    assert response.status_code == 400 and 'id="row-errors"' in response.content.decode()
    assert not DistanceMatrix.objects.exists()
    upload = SimpleUploadedFile("roads.csv", text.splitlines()[1].encode())
    response = client.post("/planning/matrices/", {"name": "m", "file": upload})
    assert response.status_code == 302 and DistanceMatrix.objects.get().pair_count == 1
    assert "roads.csv" in client.get("/planning/matrices/").content.decode()


def test_matrix_list_is_scoped(planning_county, bureau, other_bureau):
    services.distance_matrix_upload(
        actor=bureau,
        county=planning_county,
        name="路网",
        upload=SimpleUploadedFile("roads.csv", b"130425100201,130425100202,600\n"),
    )
    assert "路网" in client_for(bureau).get("/planning/matrices/").content.decode()
    other = client_for(other_bureau).get("/planning/matrices/").content.decode()
    assert "路网" not in other and "No distance matrices yet." in other

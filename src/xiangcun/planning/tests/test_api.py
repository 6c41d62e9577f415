"""The planning API: every endpoint with anonymous, wrong-scope and right-scope users; denied calls
change nothing."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xiangcun.core.models import AuditEvent
from xiangcun.core.testing import api_client, make_user
from xiangcun.planning import services
from xiangcun.planning.models import DistanceMatrix, Plan

pytestmark = pytest.mark.django_db

PLANS = "/api/v1/planning/plans/"
MATRICES = "/api/v1/planning/distance-matrices/"
A1, A2, B1 = "130425100201", "130425100202", "130425201201"
SEAT_A, SEAT_B = "130425100000", "130425201000"


@pytest.fixture
def plan(planning_county, bureau):
    return services.layout_plan_create(actor=bureau, county=planning_county, p=1)


def test_anonymous_is_refused_everywhere(plan):
    client = api_client(None)
    for url in (PLANS, f"{PLANS}{plan.pk}/", f"{PLANS}{plan.pk}/export/", MATRICES):
        assert client.get(url).status_code == 401
    assert client.post(PLANS, {"kind": "layout", "p": 1}, format="json").status_code == 401
    assert Plan.objects.count() == 1


def test_list_and_retrieve_are_scoped(plan, other_bureau, auditor, planning_county):
    assert api_client(other_bureau).get(PLANS).json()["count"] == 0
    assert api_client(other_bureau).get(f"{PLANS}{plan.pk}/").status_code == 404
    assert api_client(other_bureau).get(f"{PLANS}{plan.pk}/export/").status_code == 404
    township_user = make_user("bureau_admin", planning_county, township=planning_county.townships.first())
    assert api_client(township_user).get(PLANS).json()["count"] == 0
    body = api_client(auditor).get(PLANS).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert (row["id"], row["kind"], row["county"], row["solver"], row["parameters"]) == (
        plan.pk,
        "layout",
        "130425",
        "pmedian",
        {"p": 1},
    )
    assert "result" not in row and "inputs" not in row
    detail = api_client(auditor).get(f"{PLANS}{plan.pk}/").json()
    assert detail["result"]["open_sites"] == [SEAT_A]
    assert detail["comparison"]["plan"]["weighted_distance_m"] == plan.objective
    assert detail["comparison"]["built"] is None and len(detail["comparison"]["rows"]) == 6
    assert detail["detour_factor"] == "1.30" and detail["proven_optimal"] is True


def test_create_layout(planning_county, bureau):
    response = api_client(bureau).post(
        PLANS, {"kind": "layout", "p": 1, "name": "方案一", "time_limit": 5, "seed": 3}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["kind"], body["seed"], body["time_limit_s"]) == ("方案一", "layout", 3, 5.0)
    assert body["result"]["open_sites"] == [SEAT_A] and body["comparison"]["plan_sites"] == [SEAT_A]
    assert Plan.objects.get().created_by == bureau


def test_create_siting(planning_county, contractor):
    response = api_client(contractor).post(
        PLANS, {"kind": "siting", "min_stations": 0, "min_share": "0", "beyond_m": 3000}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["result"]["new"] == [A1, A2, B1, "130425201202"] and body["objective"] == 4.0
    assert body["comparison"] is None and body["parameters"]["beyond_m"] == 3000


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"p": 1}, "kind"),
        ({"kind": "tours"}, "kind"),
        ({"kind": "layout", "p": 9}, "p"),
        ({"kind": "layout", "p": "five"}, "p"),
        ({"kind": "layout", "p": 1, "typo": 1}, "typo"),
        ({"kind": "layout", "p": 1, "detour_factor": "0.5"}, "detour_factor"),
        ({"kind": "layout", "p": 1, "distance_matrix": 999}, "distance_matrix"),
        ({"kind": "layout", "p": 1, "time_limit": -1}, "time_limit"),
        ({"kind": "siting", "min_stations": 350}, "min_stations"),
        ({"kind": "siting", "coverage_m": 10, "p": 2}, "p"),
    ],
)
def test_create_bad_input_is_400_with_field_errors(planning_county, bureau, payload, field):
    response = api_client(bureau).post(PLANS, payload, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert not Plan.objects.exists()


def test_create_refused_without_capability_or_scope(planning_county, auditor, other_bureau):
    assert api_client(auditor).post(PLANS, {"kind": "layout", "p": 1}, format="json").status_code == 403
    # Another county's bureau plans its own county (no villages with a population there? it has them):
    # naming this county is unknown in its scope.
    response = api_client(other_bureau).post(
        PLANS, {"kind": "layout", "p": 1, "county": "130425"}, format="json"
    )
    assert response.status_code == 400 and "county" in response.json()["errors"]
    assert not Plan.objects.exists() and not AuditEvent.objects.filter(action="plan.create").exists()


def test_superuser_must_name_the_county(planning_county, superuser):
    response = api_client(superuser).post(PLANS, {"kind": "layout", "p": 1}, format="json")
    assert response.status_code == 400 and "county" in response.json()["errors"]
    response = api_client(superuser).post(
        PLANS, {"kind": "layout", "p": 1, "county": "130425"}, format="json"
    )
    assert response.status_code == 201


def test_export_workbook(plan, bureau):
    response = api_client(bureau).get(f"{PLANS}{plan.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(f'attachment; filename="130425-plan-{plan.pk}-')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].value == "Village code" and sheet["D2"].value == "Planned center (township code)"
    assert [c.value for c in sheet[3]][:4] == [A1, "甲1村村", 450, SEAT_A]
    assert sheet.max_row == 8  # title, headers, 6 villages


# --- distance matrices ---------------------------------------------------------------------------


def csv_file(text: str, name: str = "roads.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")


def full_csv() -> str:
    villages = [A1, A2, "130425100203", B1, "130425201202", "130425201203"]
    lines = ["from_code,to_code,metres"]
    for i, v in enumerate(villages):
        lines.append(f"{v},{SEAT_A},{1000 + 100 * i}")
        lines.append(f"{v},{SEAT_B},{5000 - 100 * i}")
    return "\n".join(lines) + "\n"


def test_upload_matrix_and_plan_with_it(planning_county, bureau):
    client = api_client(bureau)
    response = client.post(MATRICES, {"name": "路网2018", "file": csv_file(full_csv())}, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["pair_count"], body["county"], body["file_name"]) == (
        "路网2018",
        12,
        "130425",
        "roads.csv",
    )
    assert client.get(MATRICES).json()["count"] == 1
    response = client.post(PLANS, {"kind": "layout", "p": 1, "distance_matrix": body["id"]}, format="json")
    assert response.status_code == 201, response.json()
    plan = response.json()
    # Residents × metres to 甲镇: 450·1000 + 800·1100 + 300·1200 + 450·1300 + 800·1400 + 350·1500.
    assert plan["objective"] == 3_920_000 and plan["result"]["open_sites"] == [SEAT_A]
    assert (plan["distance_source"], plan["detour_factor"], plan["distance_matrix"]) == (
        "matrix",
        None,
        body["id"],
    )
    # The matrix lacks village-to-village pairs: a siting plan cannot use it.
    response = client.post(
        PLANS, {"kind": "siting", "min_stations": 0, "distance_matrix": body["id"]}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "matrix_incomplete"


def test_upload_matrix_xlsx(planning_county, bureau):
    workbook = openpyxl.Workbook()
    workbook.active.append(["起点代码", "终点代码", "米"])
    workbook.active.append([int(A1), int(A2), 600])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("roads.xlsx", buffer.getvalue())
    response = api_client(bureau).post(MATRICES, {"name": "x", "file": upload}, format="multipart")
    assert response.status_code == 201, response.json()
    assert DistanceMatrix.objects.get().entries == [[A1, A2, 600]]


def test_upload_matrix_row_errors_save_nothing(planning_county, bureau):
    text = f"from,to,metres\n{A1},{A2},600\n{A1},999999999999,5\n{A2},{A1},-3\n{A1},{A2},700\n"
    response = api_client(bureau).post(MATRICES, {"name": "bad", "file": csv_file(text)}, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "matrix_invalid"
    assert [(e["row"], e["column"]) for e in body["errors"]["rows"]] == [
        (3, "to"),
        (4, "metres"),
        (5, "metres"),
    ]
    assert not DistanceMatrix.objects.exists()
    response = api_client(bureau).post(
        MATRICES, {"name": "bad", "file": csv_file("x", name="roads.pdf")}, format="multipart"
    )
    assert response.status_code == 400 and "file" in response.json()["errors"]
    response = api_client(bureau).post(MATRICES, {"name": "bad"}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["errors"]


def test_upload_matrix_refused_out_of_scope(planning_county, auditor, other_bureau):
    assert (
        api_client(None)
        .post(MATRICES, {"name": "m", "file": csv_file(full_csv())}, format="multipart")
        .status_code
        == 401
    )
    assert (
        api_client(auditor)
        .post(MATRICES, {"name": "m", "file": csv_file(full_csv())}, format="multipart")
        .status_code
        == 403
    )
    # The other county's bureau: these codes are unknown in its own county.
    response = api_client(other_bureau).post(
        MATRICES, {"name": "m", "file": csv_file(full_csv())}, format="multipart"
    )
    assert response.status_code == 400 and response.json()["code"] == "matrix_invalid"
    assert not DistanceMatrix.objects.exists()


def test_matrix_of_another_county_is_not_usable(planning_county, bureau, other_bureau, other_county):
    matrix = services.distance_matrix_upload(
        actor=bureau, county=planning_county, name="m", upload=csv_file(full_csv())
    )
    assert api_client(other_bureau).get(MATRICES).json()["count"] == 0
    assert api_client(other_bureau).get(f"{MATRICES}{matrix.pk}/").status_code == 404
    response = api_client(other_bureau).post(
        PLANS, {"kind": "layout", "p": 1, "distance_matrix": matrix.pk}, format="json"
    )
    assert response.status_code == 400 and "distance_matrix" in response.json()["errors"]


def test_documented_in_the_openapi_schema(bureau):
    schema = api_client(bureau).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/planning/plans/"])
    assert (
        "get" in paths["/api/v1/planning/plans/{id}/"]
        and "get" in paths["/api/v1/planning/plans/{id}/export/"]
    )
    assert "post" in paths["/api/v1/planning/distance-matrices/"]


def test_matrix_detail_by_scope(planning_county, bureau, auditor):
    matrix = services.distance_matrix_upload(
        actor=bureau, county=planning_county, name="m", upload=csv_file(full_csv())
    )
    assert api_client(None).get(f"{MATRICES}{matrix.pk}/").status_code == 401
    body = api_client(auditor).get(f"{MATRICES}{matrix.pk}/").json()
    assert (body["name"], body["pair_count"], body["uploaded_by"]) == ("m", 12, "bureau")
    assert "entries" not in body
    event = AuditEvent.objects.get(action="distance_matrix.upload")
    assert (event.actor, event.object_id) == (bureau, str(matrix.pk))

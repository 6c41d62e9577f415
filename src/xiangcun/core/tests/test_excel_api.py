"""API: GET/POST /api/v1/excel/<register>/ — anonymous, wrong scope, right scope, and refused imports
that change nothing."""

from io import BytesIO

import openpyxl
import pytest
from django.utils import translation

from xiangcun.core import excel
from xiangcun.core.testing import api_client, make_station, make_user

from .test_excel import PLANNED_TO_OPERATING, col, db_state, export_book, header, put, row_of, to_upload

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def stations(county, other_county):
    villages = county.villages.order_by("code")
    return (
        make_station(villages[0], status="operating"),
        make_station(villages[1]),
        make_station(other_county.villages.order_by("code").first()),
    )


def sheet_codes(response, register="stations") -> list[str]:
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    c = col(sheet, register, "code")
    return [sheet.cell(r, c).value for r in range(excel.HEADER_ROW + 1, sheet.max_row + 1)]


@pytest.mark.django_db
def test_the_api_root_lists_the_excel_endpoints(bureau):
    response = api_client(bureau).get("/api/v1/")
    assert response.status_code == 200
    for name in ("townships", "villages", "facilities", "stations"):
        assert response.json()[f"excel/{name}"] == f"http://testserver/api/v1/excel/{name}/"


@pytest.mark.django_db
def test_export_needs_a_signed_in_user(stations):
    assert api_client(None).get("/api/v1/excel/stations/").status_code == 401


@pytest.mark.django_db
def test_export_with_a_token_is_scoped_and_filtered(stations, bureau, other_bureau):
    response = api_client(bureau).get("/api/v1/excel/stations/", **ENGLISH)
    assert response.status_code == 200
    assert response["Content-Type"] == excel.XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith('attachment; filename="130425-stations-')
    assert "filename*=UTF-8''%E5%A4%A7%E5%90%8D%E5%8E%BF-" in response["Content-Disposition"]
    assert sheet_codes(response) == [stations[0].code, stations[1].code]
    filtered = api_client(bureau).get("/api/v1/excel/stations/?status=operating", **ENGLISH)
    assert sheet_codes(filtered) == [stations[0].code]
    # The other county's bureau gets only its own rows, whatever it asks for.
    theirs = api_client(other_bureau).get("/api/v1/excel/stations/?county=130425", **ENGLISH)
    assert sheet_codes(theirs) == [stations[2].code]
    bad = api_client(bureau).get("/api/v1/excel/stations/?funded=maybe", **ENGLISH)
    assert bad.status_code == 400
    assert bad.json() == {
        "detail": "Filter funded must be true or false.",
        "code": "invalid_filter",
        "errors": {"funded": ["Enter true or false."]},
    }


@pytest.mark.django_db
def test_export_answers_a_client_that_asks_for_xlsx(stations, bureau):
    response = api_client(bureau).get(
        "/api/v1/excel/villages/", HTTP_ACCEPT=excel.XLSX_CONTENT_TYPE, **ENGLISH
    )
    assert response.status_code == 200
    assert sheet_codes(response, "villages")[0] == "130425100201"


@pytest.mark.django_db
def test_import_with_a_token(stations, contractor):
    book = export_book(contractor, "stations")
    put(book.active, "stations", row_of(book.active, "stations", stations[1].code), "manager_name", "张伟")
    response = api_client(contractor).post(
        "/api/v1/excel/stations/", {"file": to_upload(book)}, format="multipart", **ENGLISH
    )
    assert response.status_code == 200
    assert response.json() == {"created": 0, "updated": 1, "unchanged": 1}
    stations[1].refresh_from_db()
    assert stations[1].manager_name == "张伟"


@pytest.mark.django_db
def test_import_with_broken_rows_answers_every_error_and_writes_nothing(stations, contractor):
    book = export_book(contractor, "stations")
    sheet = book.active
    planned = row_of(sheet, "stations", stations[1].code)
    put(sheet, "stations", planned, "status", "Operating")
    put(sheet, "stations", planned, "area_m2", "big")
    put(sheet, "stations", sheet.max_row + 1, "village_code", "130425100299")
    before = db_state()
    response = api_client(contractor).post(
        "/api/v1/excel/stations/", {"file": to_upload(book)}, format="multipart", **ENGLISH
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "3 errors in the file; nothing was imported.",
        "code": "import_invalid",
        "errors": {
            "rows": [
                {
                    "row": planned,
                    "column": header("stations", "status"),
                    "message": PLANNED_TO_OPERATING,
                },
                {"row": planned, "column": header("stations", "area_m2"), "message": "Enter a number."},
                {
                    "row": planned + 1,
                    "column": header("stations", "village_code"),
                    "message": "There is no village with code 130425100299 in this county.",
                },
            ]
        },
    }
    assert db_state() == before


@pytest.mark.django_db
def test_import_is_refused_without_the_capability(stations, county, auditor):
    manager = make_user("station_manager", county, username="manager", station=stations[1])
    book = export_book(auditor, "stations")
    put(book.active, "stations", excel.HEADER_ROW + 1, "manager_name", "张伟")
    before = db_state()
    for user in (auditor, manager):
        response = api_client(user).post(
            "/api/v1/excel/stations/", {"file": to_upload(book)}, format="multipart", **ENGLISH
        )
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    assert api_client(None).post("/api/v1/excel/stations/", {"file": to_upload(book)}).status_code == 401
    assert db_state() == before


@pytest.mark.django_db
def test_import_of_unusable_input_is_a_400(stations, bureau):
    client = api_client(bureau)
    missing = client.post("/api/v1/excel/villages/", {}, format="multipart", **ENGLISH)
    assert missing.status_code == 400
    assert missing.json()["errors"] == {"file": ["No file was submitted."]}
    from django.core.files.uploadedfile import SimpleUploadedFile

    not_xlsx = client.post(
        "/api/v1/excel/villages/",
        {"file": SimpleUploadedFile("villages.xlsx", b"%PDF-1.4")},
        format="multipart",
        **ENGLISH,
    )
    assert not_xlsx.status_code == 400
    assert not_xlsx.json() == {
        "detail": "This is not an Excel workbook (.xlsx). Save the file as .xlsx and try again.",
        "code": "not_xlsx",
        "errors": {},
    }


@pytest.mark.django_db
def test_a_superuser_names_the_county_when_the_file_does_not(superuser, stations):
    book = export_book(superuser, "villages")  # every county: the file names none
    book.active.delete_rows(excel.HEADER_ROW + 7, 6)  # keep the first county's six villages
    client = api_client(superuser)
    refused = client.post("/api/v1/excel/villages/", {"file": to_upload(book)}, format="multipart", **ENGLISH)
    assert (refused.status_code, refused.json()["code"]) == (400, "county_required")
    response = client.post(
        "/api/v1/excel/villages/",
        {"file": to_upload(book), "county": "130425"},
        format="multipart",
        **ENGLISH,
    )
    assert response.status_code == 200
    assert response.json() == {"created": 0, "updated": 0, "unchanged": 6}

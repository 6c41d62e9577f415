"""Pages: /excel/<register>/export/ and /excel/<register>/import/."""

from io import BytesIO

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.test import Client
from django.urls import NoReverseMatch, URLResolver, clear_url_caches, path, reverse
from django.utils import translation

from xiangcun.core import excel
from xiangcun.core.testing import make_station

from .test_excel import PLANNED_TO_OPERATING, db_state, export_book, header, put, row_of, to_upload

# Pages base.html links to. Other parts of the project provide them; where this checkout does not have
# one yet, the test URLconf answers it with an empty page so base.html renders.
BASE_PAGES = [
    "core:dashboard",
    "regions:township_list",
    "regions:village_list",
    "network:facility_list",
    "network:station_list",
    "evaluation:scorecard",
]


def _urlconf_with_base_pages():
    from xiangcun.config import urls

    missing: dict[str, list[str]] = {}
    for name in BASE_PAGES:
        try:
            reverse(name)
        except NoReverseMatch:
            namespace, page = name.split(":")
            missing.setdefault(namespace, []).append(page)
    patterns = []
    for pattern in urls.urlpatterns:
        if isinstance(pattern, URLResolver) and pattern.namespace in missing:
            extra = [
                path(f"-{p}/", lambda request: HttpResponse(""), name=p) for p in missing[pattern.namespace]
            ]
            pattern = URLResolver(
                pattern.pattern,
                [*pattern.url_patterns, *extra],
                app_name=pattern.app_name,
                namespace=pattern.namespace,
            )
        patterns.append(pattern)
    return type("urlconf", (), {"urlpatterns": patterns})


@pytest.fixture(autouse=True)
def pages(settings):
    settings.ROOT_URLCONF = _urlconf_with_base_pages()
    clear_url_caches()
    with translation.override("en"):
        yield
    clear_url_caches()


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def stations(county):
    villages = county.villages.order_by("code")
    return make_station(villages[0], status="operating"), make_station(villages[1])


@pytest.mark.django_db
def test_pages_need_a_signed_in_user(stations):
    for url in ("/excel/stations/export/", "/excel/stations/import/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")


@pytest.mark.django_db
def test_urls_are_named_by_register():
    assert reverse("excel:export", kwargs={"register": "stations"}) == "/excel/stations/export/"
    assert reverse("excel:import", kwargs={"register": "villages"}) == "/excel/villages/import/"
    with pytest.raises(NoReverseMatch):
        reverse("excel:export", kwargs={"register": "households"})


@pytest.mark.django_db
def test_export_page_downloads_the_scoped_filtered_register(stations, bureau, other_bureau):
    response = client_for(bureau).get("/excel/stations/export/?status=operating")
    assert response.status_code == 200
    assert response["Content-Type"] == excel.XLSX_CONTENT_TYPE
    assert (
        "filename*=UTF-8''%E5%A4%A7%E5%90%8D%E5%8E%BF-Village%20stations-" in response["Content-Disposition"]
    )
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    assert [sheet.cell(r, 1).value for r in range(3, sheet.max_row + 1)] == [stations[0].code]
    theirs = openpyxl.load_workbook(BytesIO(client_for(other_bureau).get("/excel/stations/export/").content))
    assert theirs.active.max_row == excel.HEADER_ROW
    bad = client_for(bureau).get("/excel/stations/export/?compliant=perhaps")
    assert (bad.status_code, bad.content.decode()) == (400, "Filter compliant must be true or false.")


@pytest.mark.django_db
def test_import_page_explains_and_links_the_current_register(stations, bureau):
    response = client_for(bureau).get("/excel/stations/import/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/excel/stations/export/"' in html
    assert 'enctype="multipart/form-data"' in html
    assert "To add a station, leave the station code empty" in html
    assert 'name="county"' not in html  # a county user always imports into their county


@pytest.mark.django_db
def test_import_page_is_refused_without_the_capability(stations, auditor):
    before = db_state()
    client = client_for(auditor)
    assert client.get("/excel/stations/import/").status_code == 403
    book = export_book(auditor, "stations")
    put(book.active, "stations", 3, "manager_name", "张伟")
    assert client.post("/excel/stations/import/", {"file": to_upload(book)}).status_code == 403
    assert db_state() == before


@pytest.mark.django_db
def test_import_with_broken_rows_shows_every_error(stations, contractor):
    book = export_book(contractor, "stations")
    sheet = book.active
    planned = row_of(sheet, "stations", stations[1].code)
    put(sheet, "stations", planned, "status", "Operating")
    put(sheet, "stations", planned, "funded", "maybe")
    before = db_state()
    response = client_for(contractor).post("/excel/stations/import/", {"file": to_upload(book)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "2 errors in the file; nothing was imported." in html
    assert (
        f"<tr><td>{planned}</td><td>{header('stations', 'status')}</td><td>{PLANNED_TO_OPERATING}</td></tr>"
    ) in html
    assert (
        f"<tr><td>{planned}</td><td>{header('stations', 'funded')}</td><td>Enter Yes or No.</td></tr>" in html
    )
    assert db_state() == before


@pytest.mark.django_db
def test_import_of_a_file_that_is_not_xlsx_says_so(stations, contractor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(contractor).post(
        "/excel/stations/import/", {"file": SimpleUploadedFile("stations.xls", b"\xd0\xcf\x11\xe0 old excel")}
    )
    assert response.status_code == 400
    assert "This is not an Excel workbook (.xlsx)." in response.content.decode()


@pytest.mark.django_db
def test_successful_import_returns_to_the_list_with_a_summary(stations, contractor):
    book = export_book(contractor, "stations")
    put(book.active, "stations", row_of(book.active, "stations", stations[1].code), "manager_name", "张伟")
    response = client_for(contractor).post("/excel/stations/import/", {"file": to_upload(book)})
    assert response.status_code == 302
    assert response.url == "/network/stations/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Imported village stations: 0 added, 1 updated, 1 unchanged."
    ]
    stations[1].refresh_from_db()
    assert stations[1].manager_name == "张伟"


@pytest.mark.django_db
def test_a_superuser_picks_the_county(superuser, stations):
    client = client_for(superuser)
    assert 'name="county"' in client.get("/excel/villages/import/").content.decode()
    book = export_book(superuser, "villages")
    put(book.active, "villages", 3, "population", 4321)
    refused = client.post("/excel/villages/import/", {"file": to_upload(book)})
    assert "Choose the county to import into." in refused.content.decode()
    response = client.post("/excel/villages/import/", {"file": to_upload(book), "county": "130425"})
    assert (response.status_code, response.url) == (302, "/regions/villages/")

"""The API as a whole: its root, tokens, superusers, anonymous access, the OpenAPI schema and docs,
and the health check."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from xiangcun.accounts.models import User
from xiangcun.config.api_urls import router
from xiangcun.core.testing import api_client, make_county, make_station
from xiangcun.regions.models import Village

OWN_ENDPOINTS = {"counties", "townships", "villages", "facilities", "stations"}


def router_prefixes() -> set[str]:
    """Every endpoint registered on the /api/v1/ router: viewsets and `add_view` views."""
    return {prefix for prefix, _viewset, _basename in router.registry} | {
        prefix for prefix, _view, _name in router._extra
    }


@pytest.mark.django_db
def test_api_root_lists_every_endpoint(bureau):
    response = api_client(bureau).get("/api/v1/")
    assert response.status_code == 200
    listing = response.json()
    assert OWN_ENDPOINTS <= set(listing)
    assert set(listing) == router_prefixes()
    assert listing["stations"] == "http://testserver/api/v1/stations/"
    for prefix, url in listing.items():
        assert url == f"http://testserver/api/v1/{prefix}/"
    for prefix in OWN_ENDPOINTS:
        assert api_client(bureau).get(listing[prefix]).status_code == 200, prefix


@pytest.mark.django_db
def test_drf_create_token_prints_a_token_that_authenticates(county, bureau):
    out = io.StringIO()
    call_command("drf_create_token", "bureau", stdout=out)
    match = re.fullmatch(r"Generated token ([0-9a-f]{40}) for user bureau\n", out.getvalue())
    assert match, out.getvalue()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {match.group(1)}")
    response = client.get("/api/v1/counties/")
    assert (response.status_code, [c["code"] for c in response.json()["results"]]) == (200, ["130425"])
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert client.get("/api/v1/counties/").status_code == 401


@pytest.mark.django_db
def test_superuser_from_createsuperuser_sees_every_county(monkeypatch):
    daming, neighbour = make_county("130425", "大名县"), make_county("130426", "邻县")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Another-secret-42")
    call_command(
        "createsuperuser",
        "--noinput",
        "--username",
        "chief",
        "--email",
        "chief@example.org",
        stdout=io.StringIO(),
    )
    chief = User.objects.get(username="chief")
    assert (chief.is_superuser, chief.county, chief.check_password("Another-secret-42")) == (True, None, True)
    make_station(daming.villages.get(code="130425100201"), actor=chief)
    make_station(neighbour.villages.get(code="130426201202"), actor=chief)
    client = APIClient()
    assert client.login(username="chief", password="Another-secret-42")
    counties = client.get("/api/v1/counties/").json()["results"]
    assert [c["code"] for c in counties] == ["130425", "130426"]
    stations = client.get("/api/v1/stations/").json()["results"]
    assert [(s["county"], s["code"]) for s in stations] == [
        ("130425", "130425100201-01"),
        ("130426", "130426201202-01"),
    ]
    assert client.get("/api/v1/villages/").json()["count"] == 12
    # …and may change anything, in any county.
    response = client.patch("/api/v1/villages/130426201202/", {"population": 640}, format="json")
    assert (response.status_code, Village.objects.get(code="130426201202").population) == (200, 640)


def api_operations():
    """(method, path) of every operation in the OpenAPI schema, path parameters filled with a dummy."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for path, item in schema["paths"].items():
        for method in item:
            operations.append((method.upper(), re.sub(r"\{[^}]+\}", "1", path)))
    return operations


@pytest.mark.django_db
def test_anonymous_gets_401_on_every_endpoint(county):
    operations = api_operations()
    paths = {path for _method, path in operations}
    for prefix in router_prefixes():
        assert f"/api/v1/{prefix}/" in paths  # the schema covers every endpoint of the root
    own = {("GET", "/api/v1/counties/"), ("GET", "/api/v1/counties/1/")}
    for prefix in ("townships", "villages"):
        own |= {
            ("GET", f"/api/v1/{prefix}/"),
            ("GET", f"/api/v1/{prefix}/1/"),
            ("PATCH", f"/api/v1/{prefix}/1/"),
        }
    for prefix in ("facilities", "stations"):
        own |= {("GET", f"/api/v1/{prefix}/"), ("POST", f"/api/v1/{prefix}/")}
        own |= {(m, f"/api/v1/{prefix}/1/") for m in ("GET", "PUT", "PATCH")}
        own |= {("POST", f"/api/v1/{prefix}/1/transition/"), ("GET", f"/api/v1/{prefix}/1/check/")}
        own |= {("GET", f"/api/v1/{prefix}/1/history/")}
    assert own <= set(operations) and len(own) == 24
    client = APIClient()
    for method, path in [("GET", "/api/v1/"), *operations]:
        response = client.generic(method, path, "{}", content_type="application/json")
        assert response.status_code == 401, (method, path)
        assert response.json()["code"] == "not_authenticated", (method, path)
    # A wrong token is refused the same way.
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/v1/stations/").status_code == 401


@pytest.mark.django_db
def test_schema_endpoint_and_swagger_ui(bureau):
    schema = APIClient().get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert text.startswith("openapi: 3.0.3")
    for path in ("/api/v1/stations/{code}/transition/", "/api/v1/villages/{code}/", "/api/v1/counties/"):
        assert f"  {path}:" in text
    docs = api_client(bureau).get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    # Swagger UI comes from drf-spectacular-sidecar, served by the app itself: no CDN.
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert not re.search(r"""(src|href)=["']https?://""", html)
    bundle = APIClient().get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert bundle.status_code == 200


def test_openapi_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    err = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target), stderr=err)
    assert err.getvalue() == ""
    assert target.read_text(encoding="utf-8").startswith("openapi: 3.0.3")


@pytest.mark.django_db
def test_healthz_reports_the_database():
    response = APIClient().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": {"vendor": connection.vendor, "status": "ok"}}

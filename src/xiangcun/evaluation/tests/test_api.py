import pytest

from xiangcun.core.testing import api_client, make_user
from xiangcun.evaluation.scorecard import build_scorecard, scorecard_to_dict
from xiangcun.regions.models import Village

from .helpers import at, station

URL = "/api/v1/scorecard/"


@pytest.mark.django_db
def test_anonymous_gets_401(county):
    response = api_client(None).get(URL, {"county": "130425", "year": 2018})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.django_db
def test_another_county_is_404(county, other_bureau):
    response = api_client(other_bureau).get(URL, {"county": "130425", "year": 2018})
    assert response.status_code == 404
    assert response.json() == {"detail": "No such county in your scope.", "code": "not_found", "errors": {}}
    assert api_client(other_bureau).get(URL, {"county": "999999"}).status_code == 404


@pytest.mark.django_db
def test_own_county_is_the_same_json_as_the_command(county, bureau, other_county):
    station(Village.objects.filter(county=county).order_by("code").first(), operating=at(2018, 5, 1))
    response = api_client(bureau).get(URL, {"county": "130425", "year": 2018})
    assert response.status_code == 200
    assert response.json() == scorecard_to_dict(build_scorecard(county=county, year=2018))
    coverage = next(i for i in response.json()["indicators"] if i["id"] == "R1.5-village-coverage")
    assert (coverage["value"], coverage["numerator"], coverage["denominator"]) == (16.7, 1, 6)


@pytest.mark.django_db
def test_defaults_are_the_users_county_and_the_program_year(county, auditor, other_county):
    response = api_client(auditor).get(URL)
    assert response.status_code == 200
    assert (response.json()["county"], response.json()["year"]) == ("130425", 2018)


@pytest.mark.django_db
def test_bad_parameters_are_400_with_field_errors(county, bureau):
    response = api_client(bureau).get(URL, {"year": 1999}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["errors"] == {"year": ["Ensure this value is greater than or equal to 2015."]}
    response = api_client(bureau).get(URL, {"year": "soon", "county": "13"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"year", "county"}
    assert response.json()["errors"]["county"] == ["A county code has exactly 6 digits."]


@pytest.mark.django_db
def test_superuser_may_ask_for_any_county_but_must_name_one(county, other_county, superuser):
    response = api_client(superuser).get(URL, {"county": "130426", "year": 2019})
    assert response.status_code == 200
    assert (response.json()["county"], response.json()["year"]) == ("130426", 2019)
    response = api_client(superuser).get(URL)
    assert response.status_code == 400
    assert response.json()["errors"] == {"county": ["Give a county code: your account has no county."]}


@pytest.mark.django_db
def test_every_role_of_the_county_sees_its_scorecard(county):
    station_ = station(
        Village.objects.filter(county=county).order_by("code").first(), operating=at(2018, 5, 1)
    )
    manager = make_user("station_manager", county, station=station_)
    assert api_client(manager).get(URL, {"year": 2018}).status_code == 200
    assert api_client(manager).get(URL, {"county": "130426"}).status_code == 404


@pytest.mark.django_db
def test_listed_in_the_api_root_and_the_schema(county, bureau):
    root = api_client(bureau).get("/api/v1/")
    assert root.json()["scorecard"] == "http://testserver/api/v1/scorecard/"
    schema = api_client(bureau).get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    operation = schema.json()["paths"]["/api/v1/scorecard/"]["get"]
    assert operation["operationId"] == "scorecard_retrieve"
    assert {p["name"] for p in operation["parameters"]} == {"county", "year"}
    assert set(operation["responses"]) == {"200", "400", "401", "404"}

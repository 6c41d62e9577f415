import pytest
from django.test import Client
from django.urls import reverse

from xiangcun.regions.models import Township, Village

from .helpers import at, station


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def network(county):
    first, second = Village.objects.filter(county=county).order_by("code")[:2]
    station(first, operating=at(2018, 5, 1))
    station(second, operating=at(2018, 5, 1), area_m2=1)


def test_url_name():
    assert reverse("evaluation:scorecard") == "/evaluation/scorecard/"


@pytest.mark.django_db
def test_login_required(county):
    response = Client().get("/evaluation/scorecard/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.django_db
def test_page_shows_badges_groups_and_links(county, bureau, network):
    response = _client(bureau).get("/evaluation/scorecard/", {"year": 2018}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    card = response.context["scorecard"]
    assert (card.county.code, card.year) == ("130425", 2018)
    # Coverage 2/6 with its badge and the link to the villages without a station.
    row = html[html.index('<tr id="R1.5-village-coverage"') :]
    row = row[: row.index("</tr>")]
    assert 'data-status="not_met"' in row
    assert "sc-badge-not_met" in row and "background: #c0392b" in row
    assert "2 / 6" in row and "33.3" in row and "≥ 50" in row
    assert 'href="/regions/villages/?has_station=false"' in row
    met = html[html.index('<tr id="R1.4-one-funded-station-per-village"') :]
    assert "sc-badge-met" in met[: met.index("</tr>")]
    assert html.count("sc-badge-not_measured") >= 80
    assert 'id="sc-R1"' in html and 'id="sc-R12"' in html
    assert 'id="sc-R13"' not in html  # veto items have their own section
    veto = html[html.index('id="sc-veto-title"') : html.index('id="sc-R1"')]
    assert veto.count("<tr id=") == 5
    assert "Vetoed" in veto and "Not measured" in veto
    assert '<option value="2018" selected>2018</option>' in html
    # Not met among them: no carrier at a township center, no layout plan saved by its deadline.
    assert card.summary() == {"met": 2, "not_met": 23, "not_measured": 77, "manual": 0}
    assert ">Met: 2</span>" in html and ">Not met: 23</span>" in html


@pytest.mark.django_db
def test_bad_year_is_400_with_the_error(county, bureau):
    response = _client(bureau).get("/evaluation/scorecard/", {"year": "1900"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Ensure this value is greater than or equal to 2015." in response.content.decode()


@pytest.mark.django_db
def test_other_county_is_404_for_a_county_user(county, other_county, bureau):
    assert _client(bureau).get("/evaluation/scorecard/", {"county": "130426"}).status_code == 404


@pytest.mark.django_db
def test_superuser_picks_a_county(county, other_county, superuser):
    client = _client(superuser)
    response = client.get("/evaluation/scorecard/", {"county": "130426", "year": 2019})
    assert response.status_code == 200
    assert response.context["scorecard"].county.code == "130426"
    assert '<option value="130426" selected>' in response.content.decode()
    # Without a county: the first by code.
    assert client.get("/evaluation/scorecard/").context["scorecard"].county.code == "130425"


@pytest.mark.django_db
def test_chinese_page_uses_the_chinese_names(county, bureau):
    response = _client(bureau).get("/evaluation/scorecard/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "村级电商服务站点行政村覆盖率" in response.content.decode()
    assert response.context["scorecard"].year == 2018


@pytest.mark.django_db
def test_every_link_opens_its_register_with_the_rows_behind_the_value(county, bureau, network):
    townships = list(Township.objects.filter(county=county).order_by("code"))
    Township.objects.filter(pk=townships[0].pk).update(has_express_outlet=False)
    client = _client(bureau)
    card = client.get("/evaluation/scorecard/", {"year": 2018}).context["scorecard"]
    links = {r.id: r.link for r in card.indicators if r.link} | {v.id: v.link for v in card.veto if v.link}
    assert len(links) == 35
    counts, reports, logistics = {}, set(), set()
    for indicator_id, link in links.items():
        response = client.get(link)
        assert response.status_code == 200, (indicator_id, link)
        if link.startswith(("/logistics/", "/planning/")):  # the bureau's logistics figures, carriers, plans
            assert {"carriers", "plans"} & set(response.context.keys()), link
            logistics.add(link)
        elif link.startswith("/reports/"):  # a report of the year: the ranking or the county's trends
            assert "table" in response.context or "trend" in response.context, link
            assert response.context["year"] == 2018
            reports.add(link)
        elif link.startswith("/stations/companies/"):  # the county's companies and what each offers
            counts[link] = len(response.context["companies"])
        else:
            counts[link] = response.context["register"].count
    assert reports == {"/reports/stations/?year=2018", "/reports/county/?year=2018"}
    assert logistics == {
        "/logistics/performance/?day_from=2018-01-01&day_to=2018-12-31",
        "/logistics/performance/",
        "/logistics/carriers/",
        "/planning/",
    }
    assert links["R2-orders-per-station-month"] == "/reports/stations/?year=2018"
    assert links["R12-transactions-growth"] == "/reports/county/?year=2018"
    assert counts["/stations/charges/?forbidden=true"] == 0
    assert counts["/stations/companies/"] == 0
    assert counts["/network/staff/?from_poor_household=true"] == 0
    assert counts["/regions/villages/?has_station=false"] == 4
    assert counts["/regions/villages/?is_poor=true&has_station=false"] == 1
    assert counts["/regions/villages/?has_broadband=false"] == 2
    assert counts["/network/stations/?status=operating"] == 2
    assert counts["/network/stations/?compliant=false"] == 1  # the 1 m² station
    assert counts["/regions/townships/?has_express_outlet=false"] == 1


@pytest.mark.django_db
def test_superuser_links_name_the_county(county, other_county, superuser):
    response = _client(superuser).get("/evaluation/scorecard/", {"county": "130426", "year": 2018})
    card = response.context["scorecard"]
    assert card.result("R1.5-village-coverage").link == "/regions/villages/?has_station=false&county=130426"
    assert card.result("R1.4-stations").link == "/network/stations/?status=operating&county=130426"
    assert 'href="/regions/villages/?has_station=false&amp;county=130426"' in response.content.decode()

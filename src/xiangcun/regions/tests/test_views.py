"""Pages of the township and village registers: scope, filters, sorting and the fact editors.

`make_county` builds townships 甲镇 (130425100000) and 乙乡 (130425201000) with three villages each:
village 1 poor (450 residents), village 2 with 800 residents, village 3 with 300 and no broadband.
"""

import re
from decimal import Decimal

import pytest
from django.test import Client

from xiangcun.core.models import AuditEvent
from xiangcun.core.testing import make_station, make_user
from xiangcun.regions.models import Township, Village

T1, T2 = "130425100000", "130425201000"
V = {  # short name → code
    "甲1": "130425100201",
    "甲2": "130425100202",
    "甲3": "130425100203",
    "乙1": "130425201201",
    "乙2": "130425201202",
    "乙3": "130425201203",
}


def browser(user=None) -> Client:
    """A test client speaking English (the msgids), logged in as `user`."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def rows(response) -> list[str]:
    """The register rows of a list page, in order (their `data-row` keys)."""
    return re.findall(r'data-row="([^"]+)"', response.content.decode())


def township(county, code) -> Township:
    return county.townships.get(code=code)


def village(county, short) -> Village:
    return county.villages.get(code=V[short])


# --- anonymous ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_regions_page_sends_anonymous_users_to_login(county):
    t = township(county, T1)
    for url in [
        "/regions/townships/",
        f"/regions/townships/{t.pk}/",
        f"/regions/townships/{t.pk}/edit/",
        "/regions/villages/",
        f"/regions/villages/{V['甲1']}/",
        f"/regions/villages/{V['甲1']}/edit/",
    ]:
        response = browser().get(url)
        assert response.status_code == 302, url
        assert response.url == f"/accounts/login/?next={url}", url


# --- townships ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_township_list_shows_the_users_county_with_counts(county, other_county, bureau):
    make_station(village(county, "甲1"), status="operating")
    make_station(village(county, "甲2"), status="planned")
    response = browser(bureau).get("/regions/townships/")
    assert response.status_code == 200
    t1, t2 = township(county, T1), township(county, T2)
    assert rows(response) == [str(t1.pk), str(t2.pk)]
    html = response.content.decode()
    assert "2 rows of 2" in html
    row = re.search(rf'data-row="{t1.pk}">(.*?)</tr>', html, re.S).group(1)
    # villages, poor villages, stations, operating stations
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["3", "1", "2", "1"]
    assert "邻县" not in html


@pytest.mark.django_db
def test_township_list_is_confined_to_a_township_users_township(county):
    user = make_user("contractor", county, township=township(county, T2))
    assert rows(browser(user).get("/regions/townships/")) == [str(township(county, T2).pk)]


@pytest.mark.django_db
def test_township_list_filters_by_express_outlet_and_search_and_sorts(county, bureau):
    t1, t2 = township(county, T1), township(county, T2)
    Township.objects.filter(pk=t1.pk).update(has_express_outlet=True)
    Township.objects.filter(pk=t2.pk).update(has_express_outlet=False)
    client = browser(bureau)
    assert rows(client.get("/regions/townships/?has_express_outlet=true")) == [str(t1.pk)]
    assert rows(client.get("/regions/townships/?has_express_outlet=false")) == [str(t2.pk)]
    assert rows(client.get("/regions/townships/?q=乙")) == [str(t2.pk)]
    assert rows(client.get("/regions/townships/?q=130425100")) == [str(t1.pk)]
    assert rows(client.get("/regions/townships/?sort=-code")) == [str(t2.pk), str(t1.pk)]
    # A bad sort key falls back to the default order instead of failing.
    assert rows(client.get("/regions/townships/?sort=password")) == [str(t1.pk), str(t2.pk)]


@pytest.mark.django_db
def test_township_list_bad_filter_is_a_400_showing_no_rows(county, bureau):
    response = browser(bureau).get("/regions/townships/?has_express_outlet=maybe")
    assert response.status_code == 400
    assert rows(response) == []
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.django_db
def test_township_detail_lists_its_villages_stations_and_facilities(county, bureau):
    from xiangcun.network import services as network_services

    station = make_station(village(county, "甲2"), status="operating")
    network_services.facility_create(
        actor=bureau,
        county=county,
        kind="township_center",
        code="TC-01",
        name="甲镇配送中心",
        township=township(county, T1),
    )
    response = browser(bureau).get(f"/regions/townships/{township(county, T1).pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r'data-village="(\d+)"', html) == [V["甲1"], V["甲2"], V["甲3"]]
    assert re.findall(r'data-station="([^"]+)"', html) == [station.code]
    assert "甲镇配送中心" in html and "/network/facilities/TC-01/?county=130425" in html
    assert 'action="/regions/townships/' in html  # the bureau may record the express outlet


@pytest.mark.django_db
def test_township_detail_out_of_scope_is_404(county, other_county, other_bureau):
    assert browser(other_bureau).get(f"/regions/townships/{township(county, T1).pk}/").status_code == 404
    confined = make_user("bureau_admin", county, township=township(county, T2))
    assert browser(confined).get(f"/regions/townships/{township(county, T1).pk}/").status_code == 404


@pytest.mark.django_db
def test_bureau_records_an_express_outlet_with_an_audit_event(county, bureau):
    t = township(county, T1)
    response = browser(bureau).post(f"/regions/townships/{t.pk}/edit/", {"has_express_outlet": "true"})
    assert response.status_code == 302 and response.url == f"/regions/townships/{t.pk}/"
    t.refresh_from_db()
    assert (t.has_express_outlet, t.express_outlet_source) == (True, "recorded")
    event = AuditEvent.objects.get(action="township.update")
    assert (event.actor, event.object_id, event.changes) == (
        bureau,
        str(t.pk),
        {"has_express_outlet": [None, True]},
    )
    # Back to "not known".
    browser(bureau).post(f"/regions/townships/{t.pk}/edit/", {"has_express_outlet": ""})
    t.refresh_from_db()
    assert (t.has_express_outlet, t.express_outlet_source) == (None, "unknown")


@pytest.mark.django_db
def test_township_edit_forged_by_a_contractor_is_403_and_changes_nothing(county, contractor):
    t = township(county, T1)
    client = browser(contractor)
    assert client.get(f"/regions/townships/{t.pk}/edit/").status_code == 403
    response = client.post(f"/regions/townships/{t.pk}/edit/", {"has_express_outlet": "true"})
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()  # the site's 403 page
    t.refresh_from_db()
    assert t.has_express_outlet is None
    assert not AuditEvent.objects.filter(action="township.update").exists()
    # …and the detail page does not offer the form.
    assert "/edit/" not in browser(contractor).get(f"/regions/townships/{t.pk}/").content.decode()


@pytest.mark.django_db
def test_township_edit_out_of_scope_is_404_and_changes_nothing(county, other_bureau):
    t = township(county, T1)
    assert (
        browser(other_bureau)
        .post(f"/regions/townships/{t.pk}/edit/", {"has_express_outlet": "true"})
        .status_code
        == 404
    )
    t.refresh_from_db()
    assert t.has_express_outlet is None


@pytest.mark.django_db
def test_township_edit_bad_value_is_a_400_with_the_error(county, bureau):
    t = township(county, T1)
    response = browser(bureau).post(f"/regions/townships/{t.pk}/edit/", {"has_express_outlet": "perhaps"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    t.refresh_from_db()
    assert t.has_express_outlet is None


# --- villages -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_village_list_filters_return_exact_rows(county, other_county, bureau):
    make_station(village(county, "甲2"), status="operating")
    make_station(village(county, "乙1"), status="building")  # not operating: no coverage
    client = browser(bureau)
    cases = {
        "": list(V.values()),
        f"township={township(county, T2).pk}": [V["乙1"], V["乙2"], V["乙3"]],
        "is_poor=true": [V["甲1"], V["乙1"]],
        "is_poor=false&has_broadband=true": [V["甲2"], V["乙2"]],
        "has_broadband=false": [V["甲3"], V["乙3"]],
        "has_station=true": [V["甲2"]],
        "has_station=false&township=" + str(township(county, T1).pk): [V["甲1"], V["甲3"]],
        "kind=villagers&q=乙2": [V["乙2"]],
        "kind=residents": [],
        "q=100203": [V["甲3"]],
        "is_poor=1": [V["甲1"], V["乙1"]],  # 1/0 are accepted for true/false
    }
    for query, expected in cases.items():
        response = client.get(f"/regions/villages/?{query}")
        assert response.status_code == 200, query
        assert rows(response) == expected, query


@pytest.mark.django_db
def test_village_list_sorts_by_population(county, bureau):
    response = browser(bureau).get("/regions/villages/?sort=-population")
    # 800, 800, 450, 450, 300, 300; ties by code
    assert rows(response) == [V["甲2"], V["乙2"], V["甲1"], V["乙1"], V["甲3"], V["乙3"]]


@pytest.mark.django_db
def test_village_list_rejects_an_out_of_scope_township_with_400_and_no_rows(county, other_county, bureau):
    foreign = other_county.townships.first()
    response = browser(bureau).get(f"/regions/villages/?township={foreign.pk}")
    assert response.status_code == 400
    assert rows(response) == []


@pytest.mark.django_db
def test_village_list_marks_demo_facts(county, bureau):
    Village.objects.filter(code=V["甲1"]).update(facts_source="demo")
    html = browser(bureau).get("/regions/villages/").content.decode()
    demo_rows = [r for r in re.findall(r'data-row="(\d+)">(.*?)</tr>', html, re.S) if "badge demo" in r[1]]
    assert [code for code, _ in demo_rows] == [V["甲1"]]


@pytest.mark.django_db
def test_station_manager_sees_only_their_village(county):
    station = make_station(village(county, "乙2"), status="operating")
    manager = make_user("station_manager", county, station=station)
    assert rows(browser(manager).get("/regions/villages/")) == [V["乙2"]]
    assert browser(manager).get(f"/regions/villages/{V['乙1']}/").status_code == 404


@pytest.mark.django_db
def test_village_detail_shows_facts_and_stations(county, bureau):
    Village.objects.filter(code=V["甲1"]).update(facts_source="demo")
    station = make_station(village(county, "甲1"), status="operating")
    response = browser(bureau).get(f"/regions/villages/{V['甲1']}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "甲1村村委会" in html and "450" in html
    assert "badge demo" in html
    assert re.findall(r'data-station="([^"]+)"', html) == [station.code]
    assert f"/regions/villages/{V['甲1']}/edit/" in html
    assert f"/network/stations/new/?village={village(county, '甲1').pk}" in html


@pytest.mark.django_db
def test_village_detail_out_of_scope_is_404(county, other_county, other_bureau):
    assert browser(other_bureau).get(f"/regions/villages/{V['甲1']}/").status_code == 404
    assert browser(other_bureau).get("/regions/villages/000000000000/").status_code == 404


@pytest.mark.django_db
def test_auditor_sees_no_edit_buttons_and_a_forged_edit_is_403(county, auditor):
    html = browser(auditor).get(f"/regions/villages/{V['甲1']}/").content.decode()
    assert "/edit/" not in html and "/network/stations/new/" not in html
    response = browser(auditor).post(f"/regions/villages/{V['甲1']}/edit/", {"population": "1"})
    assert response.status_code == 403
    assert village(county, "甲1").population == 450
    assert not AuditEvent.objects.filter(action="village.update").exists()


@pytest.mark.django_db
def test_bureau_edits_village_facts_and_only_the_changes_are_audited(county, bureau):
    client = browser(bureau)
    form = client.get(f"/regions/villages/{V['甲3']}/edit/")
    assert form.status_code == 200
    assert set(form.context["form"].fields) == {
        "population",
        "is_poor",
        "has_broadband",
        "latitude",
        "longitude",
    }
    response = client.post(
        f"/regions/villages/{V['甲3']}/edit/",
        {"population": "320", "has_broadband": "on", "latitude": "36.301234", "longitude": "115.123456"},
    )
    assert response.status_code == 302 and response.url == f"/regions/villages/{V['甲3']}/"
    v = village(county, "甲3")
    assert (v.population, v.is_poor, v.has_broadband) == (320, False, True)
    assert (v.latitude, v.longitude, v.facts_source) == (
        Decimal("36.301234"),
        Decimal("115.123456"),
        "recorded",
    )
    event = AuditEvent.objects.get(action="village.update")
    assert event.actor == bureau
    assert event.changes == {
        "population": [300, 320],
        "has_broadband": [False, True],
        "latitude": [None, "36.301234"],
        "longitude": [None, "115.123456"],
    }


@pytest.mark.django_db
def test_unchanged_village_form_writes_nothing(county, bureau):
    Village.objects.filter(code=V["甲1"]).update(facts_source="demo")
    data = {"population": "450", "is_poor": "on", "has_broadband": "on", "latitude": "", "longitude": ""}
    response = browser(bureau).post(f"/regions/villages/{V['甲1']}/edit/", data)
    assert response.status_code == 302
    assert village(county, "甲1").facts_source == "demo"
    assert not AuditEvent.objects.filter(action="village.update").exists()


@pytest.mark.django_db
def test_village_edit_bad_input_is_a_400_beside_the_field_and_changes_nothing(county, bureau):
    client = browser(bureau)
    response = client.post(f"/regions/villages/{V['甲3']}/edit/", {"population": "-5", "latitude": "123"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"population", "latitude"}
    assert "Ensure this value is less than or equal to 90." in response.content.decode()
    v = village(county, "甲3")
    assert (v.population, v.latitude) == (300, None)


@pytest.mark.django_db
def test_poverty_office_may_only_change_the_poor_village_flag(county):
    office = make_user("poverty_office", county)
    client = browser(office)
    form = client.get(f"/regions/villages/{V['甲2']}/edit/")
    assert set(form.context["form"].fields) == {"is_poor"}
    response = client.post(f"/regions/villages/{V['甲2']}/edit/", {"is_poor": "on", "population": "1"})
    assert response.status_code == 302
    v = village(county, "甲2")
    assert (v.is_poor, v.population, v.has_broadband) == (True, 800, True)
    assert AuditEvent.objects.get(action="village.update").changes == {"is_poor": [False, True]}


@pytest.mark.django_db
def test_village_edit_out_of_scope_is_404(county, other_county, other_bureau):
    response = browser(other_bureau).post(f"/regions/villages/{V['甲2']}/edit/", {"population": "1"})
    assert response.status_code == 404
    assert village(county, "甲2").population == 800

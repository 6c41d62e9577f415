from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from xiangcun.core.errors import ApplicationError
from xiangcun.core.testing import make_county
from xiangcun.evaluation import registry
from xiangcun.evaluation.scorecard import (
    NetworkFacts,
    _ratio,
    _veto_progress,
    build_scorecard,
    computed_ids,
    construction_progress,
    percent,
    year_end,
)
from xiangcun.network.selectors import coverage_counts, stations_status_at
from xiangcun.regions.models import Township, Village

from .helpers import at, facility, station


def _villages(county):
    """{(township index, village index): Village} — make_county's 2 × 3 villages."""
    townships = list(Township.objects.filter(county=county).order_by("code"))
    return {
        (t, v): village
        for t, township in enumerate(townships)
        for v, village in enumerate(Village.objects.filter(township=township).order_by("code"))
    }


def _row(card, indicator_id):
    r = card.result(indicator_id)
    return (r.status, r.value, r.numerator, r.denominator)


@pytest.fixture
def villages(county):
    return _villages(county)


@pytest.mark.django_db
def test_coverage_from_stations_operating_at_year_end(county, villages):
    # Township 0: its poor village (450 residents) and its 800-resident village get a station in 2018.
    station(villages[0, 0], operating=at(2018, 5, 1))
    station(villages[0, 1], operating=at(2018, 6, 1))
    card = build_scorecard(county=county, year=2018)
    assert _row(card, "R1.5-village-coverage") == ("not_met", Decimal("33.3"), 2, 6)
    assert _row(card, "R1.5-poor-village-coverage") == ("not_met", Decimal("50.0"), 1, 2)
    # Villages 3 of each township have no broadband: 4 of 6.
    assert _row(card, "R1.5-broadband-coverage") == ("not_met", Decimal("66.7"), 4, 6)
    # Two villages have ≥500 residents (the 800-resident ones); one has a station.
    assert _row(card, "R1.4-large-village-coverage") == ("not_met", Decimal("50.0"), 1, 2)
    assert _row(card, "R1.4-stations") == ("not_met", 2, None, None)
    assert card.result("R1.5-village-coverage").link == "/regions/villages/?has_station=false"
    assert (
        card.result("R1.5-poor-village-coverage").link == "/regions/villages/?is_poor=true&has_station=false"
    )
    assert card.result("R1.5-broadband-coverage").link == "/regions/villages/?has_broadband=false"
    assert card.result("R1.4-stations").link == "/network/stations/?status=operating"


@pytest.mark.django_db
def test_full_coverage_is_met(county, villages):
    for key in [(0, 0), (0, 1), (1, 0), (1, 1)]:
        station(villages[key], operating=at(2018, 5, 1))
    Village.objects.filter(county=county).update(has_broadband=True)
    card = build_scorecard(county=county, year=2018)
    assert _row(card, "R1.5-village-coverage") == ("met", Decimal("66.7"), 4, 6)
    assert _row(card, "R1.5-poor-village-coverage") == ("met", Decimal("100.0"), 2, 2)
    assert _row(card, "R1.5-broadband-coverage") == ("met", Decimal("100.0"), 6, 6)
    assert _row(card, "R1.4-large-village-coverage") == ("met", Decimal("100.0"), 2, 2)


@pytest.mark.django_db
def test_status_is_read_from_the_history_at_the_end_of_the_year(county, villages):
    station(villages[0, 0], created=at(2019, 2, 1), building=at(2019, 3, 1), operating=at(2019, 4, 1))
    station(villages[0, 1], operating=at(2018, 3, 1), closed=at(2019, 6, 1))
    # 23:59 on 31 December in Beijing is still 2018; midnight is 2019 (16:00 UTC on the 31st).
    station(villages[1, 0], operating=at(2018, 12, 31, 23, 59))
    station(villages[1, 1], created=at(2018, 12, 1), operating=at(2019, 1, 1, 0, 0))
    card_2018 = build_scorecard(county=county, year=2018)
    card_2019 = build_scorecard(county=county, year=2019)
    assert _row(card_2018, "R1.4-stations") == ("not_met", 2, None, None)
    assert _row(card_2018, "R1.5-village-coverage") == ("not_met", Decimal("33.3"), 2, 6)
    # In 2019 the first station opened, the second closed and the fourth opened.
    assert _row(card_2019, "R1.4-stations") == ("not_met", 3, None, None)
    assert _row(card_2019, "R1.5-village-coverage") == ("met", Decimal("50.0"), 3, 6)
    assert _row(card_2019, "R1.5-poor-village-coverage") == ("met", Decimal("100.0"), 2, 2)
    # Before anything was built: nothing operates.
    assert _row(build_scorecard(county=county, year=2017), "R1.4-stations") == ("not_met", 0, None, None)


@pytest.mark.django_db
def test_operating_set_agrees_with_the_network_selector(county, villages):
    station(villages[0, 0], operating=at(2018, 3, 1), closed=at(2018, 9, 1))
    station(villages[0, 1], operating=at(2018, 3, 1))
    station(villages[1, 1], building=at(2018, 11, 1))
    facts = NetworkFacts(county=county, as_of=year_end(2018))
    stations, _facilities = facts.operating_at(year_end(2018))
    by_selector = {
        pk for pk, s in stations_status_at(county=county, at=year_end(2018)).items() if s == "operating"
    }
    assert stations == by_selector
    assert len(stations) == facts.counts["stations_operating"] == 1
    # The counts taken from the scorecard's own reads are the network selector's.
    facility(county, "county_center", "CC-01", operating=at(2017, 12, 20))
    facility(county, "county_warehouse", "WH-01", operating=at(2018, 3, 1))
    facility(county, "county_warehouse", "WH-02")  # planned
    Village.objects.filter(pk=villages[0, 1].pk).update(is_poor=True, has_broadband=True)
    Township.objects.filter(county=county).update(has_express_outlet=True)
    for moment in (year_end(2017), at(2018, 6, 1), year_end(2018)):
        assert NetworkFacts(county=county, as_of=moment).counts == coverage_counts(county=county, at=moment)
    assert NetworkFacts(county=county, as_of=year_end(2018)).counts["poor_villages_with_station"] == 1


@pytest.mark.django_db
def test_facility_counts_and_compliance(county):
    township = Township.objects.filter(county=county).order_by("code").first()
    facility(county, "county_center", "CC-01", operating=at(2017, 12, 20))
    facility(county, "county_warehouse", "WH-01", operating=at(2018, 3, 1), compliant=False)
    for n in range(4):
        facility(county, "township_center", f"TC-0{n}", township=township, operating=at(2018, 4, 1))
    facility(county, "township_center", "TC-09", township=township)  # planned: not counted
    card = build_scorecard(county=county, year=2018)
    assert _row(card, "R1.1-county-center") == ("met", 1, None, None)
    assert _row(card, "R1.2-county-warehouse") == ("met", 1, None, None)
    assert _row(card, "R1.3-township-centers") == ("not_met", 4, None, None)
    assert _row(card, "R1.1-county-center-standard") == ("met", Decimal("100.0"), 1, 1)
    # The warehouse misses its equipment: 4 of 5 logistics facilities meet the standard.
    assert _row(card, "R1.2-logistics-standard") == ("not_met", Decimal("80.0"), 4, 5)
    assert (
        card.result("R1.3-township-centers").link
        == "/network/facilities/?kind=township_center&status=operating"
    )
    # Milestones: the center was operating by 2017-12-31; by 2018-08-31 1 warehouse + 4 of 5 centers.
    assert _row(card, "R10-county-center-by-2017-12") == ("met", 1, None, None)
    assert _row(card, "R10-logistics-centers-by-2018-08") == ("not_met", Decimal("83.3"), 5, 6)


@pytest.mark.django_db
def test_milestones_are_judged_at_their_deadline(county, villages):
    station(villages[0, 0], operating=at(2018, 6, 1))
    station(villages[0, 1], operating=at(2018, 9, 1))  # after the end of the operation phase
    card_2018 = build_scorecard(county=county, year=2018)
    assert _row(card_2018, "R10-stations-by-2018-08") == ("not_met", 1, None, None)
    assert _row(card_2018, "R1.4-stations") == ("not_met", 2, None, None)
    assert card_2018.result("R10-stations-by-2018-08").reason == "Status on 2018-08-31."
    # A 2017 scorecard comes before the deadline: not measured.
    early = build_scorecard(county=county, year=2017).result("R10-stations-by-2018-08")
    assert (early.status, early.value) == ("not_measured", None)
    assert "2018-08-31" in early.reason


@pytest.mark.django_db
def test_station_compliance_counts_blocking_findings(county, villages):
    station(villages[0, 0], operating=at(2018, 5, 1))
    station(villages[0, 1], operating=at(2018, 5, 1), area_m2=Decimal("6"))  # 800 residents: needs 10 m²
    station(villages[1, 0], operating=at(2018, 5, 1), equipment={"computer": False})
    station(villages[1, 1], building=at(2018, 5, 1), area_m2=Decimal("1"))  # not operating: not judged
    card = build_scorecard(county=county, year=2018)
    assert _row(card, "R1.4-station-standard") == ("not_met", Decimal("33.3"), 1, 3)
    assert _row(card, "R1-facility-standard-compliance") == ("not_met", Decimal("33.3"), 1, 3)
    assert card.result("R1.4-station-standard").link == "/network/stations/?compliant=false"
    assert "current equipment" in card.result("R1.4-station-standard").reason
    assert _row(card, "R1.4-one-funded-station-per-village") == ("met", 0, None, None)


@pytest.mark.django_db
def test_two_funded_stations_in_one_village(county, villages):
    station(villages[0, 1], operating=at(2018, 5, 1))
    station(villages[0, 1], operating=at(2018, 6, 1))
    station(villages[1, 1], operating=at(2018, 6, 1), funded=False)
    station(villages[1, 1], operating=at(2018, 6, 1))
    card = build_scorecard(county=county, year=2018)
    assert _row(card, "R1.4-one-funded-station-per-village") == ("not_met", 1, None, None)
    # Two stations in one village count once for coverage.
    assert _row(card, "R1.5-village-coverage") == ("not_met", Decimal("33.3"), 2, 6)
    assert _row(card, "R1.4-station-standard") == ("not_met", Decimal("50.0"), 2, 4)


@pytest.mark.django_db
def test_express_outlets_unknown_known_and_complete(county):
    townships = list(Township.objects.filter(county=county).order_by("code"))
    card = build_scorecard(county=county, year=2018)
    assert _row(card, "R1.3-express-township-coverage") == ("not_measured", None, None, None)
    Township.objects.filter(pk=townships[0].pk).update(has_express_outlet=True)
    result = build_scorecard(county=county, year=2018).result("R1.3-express-township-coverage")
    assert (result.status, result.value, result.numerator, result.denominator) == (
        "not_met",
        Decimal("50.0"),
        1,
        2,
    )
    assert result.reason.startswith("1 townships' express outlet is unknown")
    assert result.link == "/regions/townships/?has_express_outlet=false"
    Township.objects.filter(pk=townships[1].pk).update(has_express_outlet=True)
    card = build_scorecard(county=county, year=2018)
    assert _row(card, "R1.3-express-township-coverage") == ("met", Decimal("100.0"), 2, 2)
    assert card.result("R1.3-express-township-coverage").reason == ""


@pytest.mark.django_db
def test_unrecorded_village_facts(county, villages):
    for key in [(0, 0), (0, 1), (1, 0), (1, 1)]:
        station(villages[key], operating=at(2018, 5, 1))
    Village.objects.filter(county=county).exclude(pk=villages[1, 2].pk).update(has_broadband=True)
    # One village's facts were never recorded: it might be poor, large, or without broadband.
    Village.objects.filter(pk=villages[1, 2].pk).update(
        facts_source="unknown", population=None, is_poor=False
    )
    card = build_scorecard(county=county, year=2018)
    poor = card.result("R1.5-poor-village-coverage")
    assert (poor.status, poor.value, poor.numerator, poor.denominator) == ("not_met", Decimal("100.0"), 2, 2)
    assert poor.reason.startswith("1 villages have no recorded facts")
    large = card.result("R1.4-large-village-coverage")
    assert (large.status, large.value) == ("not_met", Decimal("100.0"))
    assert "no recorded population" in large.reason
    # Broadband: the unknown village counts as without; 5/6 = 83.3 is a lower bound, below 90.
    assert _row(card, "R1.5-broadband-coverage") == ("not_met", Decimal("83.3"), 5, 6)
    # No facts at all: not measured.
    Village.objects.filter(county=county).update(facts_source="unknown", population=None)
    card = build_scorecard(county=county, year=2018)
    for indicator_id in [
        "R1.5-poor-village-coverage",
        "R1.5-broadband-coverage",
        "R1.4-large-village-coverage",
    ]:
        assert card.result(indicator_id).status == "not_measured", indicator_id
    # Stations still cover villages whatever their facts.
    assert _row(card, "R1.5-village-coverage") == ("met", Decimal("66.7"), 4, 6)


@pytest.mark.django_db
def test_everything_else_is_not_measured_and_nothing_is_met_without_data(county):
    card = build_scorecard(county=county, year=2018)
    statuses = {r.id: r.status for r in card.indicators}
    assert len(statuses) == len(registry.scored()) == 102
    for indicator_id, status in statuses.items():
        if indicator_id not in computed_ids():
            assert status == "not_measured", indicator_id
            assert card.result(indicator_id).reason.startswith("Not measured yet"), indicator_id
    # An empty network: counts are not met, ratios over nothing are not measured, nothing is met.
    assert set(statuses.values()) == {"not_met", "not_measured"}
    # Not met: 6 counts (with service companies and carriers at township centers), 4 village ratios
    # (coverage, poor, large, broadband 4/6), 3 milestones and the layout plan (none saved by its
    # deadline). Without an operating station the rule on charges to stations is not measured.
    assert card.summary() == {"met": 0, "not_met": 14, "not_measured": 88, "manual": 0}
    for r in card.indicators:
        if r.value is None:
            assert r.numerator is None and r.denominator is None, r.id
        elif r.unit == "%":
            assert isinstance(r.numerator, int) and isinstance(r.denominator, int), r.id


@pytest.mark.django_db
def test_veto_items_are_never_clear_without_evidence(county, villages):
    station(villages[0, 0], operating=at(2018, 5, 1))
    card = build_scorecard(county=county, year=2018)
    veto = {v.id: v for v in card.veto}
    assert list(veto) == ["R13-reporting", "R13-disclosure", "R13-plan-change", "R13-progress", "R13-other"]
    assert veto["R13-progress"].triggered is True
    assert veto["R13-progress"].reason == "Construction progress 0.3% (1 of 357 planned units) is below 40%."
    for item in ["R13-reporting", "R13-disclosure", "R13-plan-change", "R13-other"]:
        assert veto[item].triggered is None
        assert veto[item].reason.startswith("Not measured yet: needs evidence")
    assert card.vetoed is True


def _counts(stations, cc=0, wh=0, tc=0):
    return {
        "stations_operating": stations,
        "facilities_operating_county_center": cc,
        "facilities_operating_county_warehouse": wh,
        "facilities_operating_township_center": tc,
    }


def test_construction_progress_caps_each_kind_at_the_plan():
    assert construction_progress(_counts(0)) == (0, 357)
    assert construction_progress(_counts(400, cc=2, wh=1, tc=9)) == (357, 357)
    assert construction_progress(_counts(140, cc=1, wh=1, tc=1)) == (143, 357)


def test_progress_veto_threshold_is_exact():
    ind = registry.get("R13-progress")

    class Facts:
        counts = _counts(0)

    # 142/357 = 39.78 % (triggered); 143/357 = 40.06 % (fund progress unknown: not measured).
    Facts.counts = _counts(139, cc=1, wh=1, tc=1)
    below = _veto_progress(ind, Facts)
    assert below.triggered is True
    assert below.reason == "Construction progress 39.8% (142 of 357 planned units) is below 40%."
    Facts.counts = _counts(140, cc=1, wh=1, tc=1)
    above = _veto_progress(ind, Facts)
    assert above.triggered is None
    assert above.reason.startswith("Construction progress 40.1% (143 of 357 planned units) is at least 40%;")
    assert "fund disbursement progress is not measured yet" in above.reason


def test_ratios_are_judged_exactly_not_on_the_rounded_value():
    ind = registry.get("R1.5-village-coverage")
    close = _ratio(ind, 1999, 4000)  # 49.975 % shows as 50.0 but is below 50 %
    assert (close.value, close.status) == (Decimal("50.0"), "not_met")
    assert _ratio(ind, 2000, 4000).status == "met"
    assert percent(2, 6) == Decimal("33.3")
    assert percent(4, 6) == Decimal("66.7")
    assert percent(1, 8) == Decimal("12.5")
    assert percent(1, 16) == Decimal("6.3")  # 6.25 rounds half up


@pytest.mark.django_db
def test_names_follow_the_active_language(county):
    with translation.override("zh-hans"):
        assert build_scorecard(county=county, year=2018).result("R1.4-stations").name == "村级服务站"
    with translation.override("en"):
        card = build_scorecard(county=county, year=2018)
        assert card.result("R1.4-stations").name == "Village stations in operation"
        assert [g.ref for g in card.by_requirement()] == [f"R{n}" for n in range(1, 13)]
        assert card.by_requirement()[0].title == "Service network"


@pytest.mark.django_db
def test_county_and_year_are_checked(county):
    with pytest.raises(ApplicationError) as exc:
        build_scorecard(county="999999", year=2018)
    assert (exc.value.code, exc.value.status) == ("unknown_county", 404)
    for year in [2014, 2101, "20x8", None]:
        with pytest.raises(ApplicationError) as exc:
            build_scorecard(county=county, year=year)
        assert exc.value.code == "invalid_year"
        assert exc.value.fields == {"year": ["Enter a year from 2015 to 2100."]}
    assert build_scorecard(county=130425, year="2018").county == county


@pytest.mark.django_db
def test_reads_do_not_grow_with_the_network(county, villages, django_assert_max_num_queries):
    station(villages[0, 0], operating=at(2018, 5, 1))
    with CaptureQueriesContext(connection) as small:
        build_scorecard(county=county, year=2018)
    for key in [(0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]:
        station(villages[key], operating=at(2018, 5, 1))
    other = make_county("130426", "邻县")
    station(_villages(other)[0, 0], operating=at(2018, 5, 1))
    with django_assert_max_num_queries(len(small.captured_queries)):
        card = build_scorecard(county=county, year=2018)
    assert _row(card, "R1.5-village-coverage") == ("met", Decimal("100.0"), 6, 6)
    assert len(small.captured_queries) <= 30

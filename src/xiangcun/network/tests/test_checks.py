from decimal import Decimal

import pytest

from xiangcun.core.testing import full_equipment, make_station
from xiangcun.network import services
from xiangcun.network.checks import facility_findings, is_compliant, station_findings_one
from xiangcun.network.selectors import filter_stations_by_compliance, station_compliance
from xiangcun.network.standard import station_min_area


def codes(findings):
    return sorted((f.code, f.requirement) for f in findings)


@pytest.mark.parametrize(
    ("population", "poor", "expected"),
    [
        (500, False, Decimal("10")),
        (499, False, Decimal("5")),
        (120, True, Decimal("10")),
        (None, False, None),
        (None, True, Decimal("10")),
    ],
)
def test_station_minimum_area_depends_on_the_village(population, poor, expected):
    assert station_min_area(population=population, is_poor=poor) == expected


@pytest.mark.django_db
def test_compliant_station_has_no_findings(county, contractor):
    station = make_station(county.villages.get(code="130425100202"), actor=contractor, area_m2=Decimal("10"))
    assert station_findings_one(station) == []


@pytest.mark.django_db
def test_small_area_missing_terminal_and_signage(county, contractor):
    equipment = full_equipment() | {"terminal": False, "light_box": False}
    station = make_station(
        county.villages.get(code="130425100201"),
        actor=contractor,
        area_m2=Decimal("9.5"),
        equipment=equipment,
    )
    findings = station_findings_one(station)
    assert codes(findings) == [
        ("area_below_min", ""),
        ("missing_equipment", "terminal"),
        ("missing_signage", "light_box"),
    ]
    assert not is_compliant(findings)
    # In a village of 300 (not poor) 9.5 m² is enough.
    small = make_station(county.villages.get(code="130425100203"), actor=contractor, area_m2=Decimal("5"))
    assert station_findings_one(small) == []


@pytest.mark.django_db
def test_unknown_population_is_a_warning_not_a_failure(county, contractor):
    village = county.villages.get(code="130425100203")
    village.population = None
    village.save()
    station = make_station(village, actor=contractor, area_m2=Decimal("6"))
    findings = station_findings_one(station)
    assert codes(findings) == [("population_unknown", "")]
    assert is_compliant(findings)


@pytest.mark.django_db
def test_second_funded_station_in_a_village_is_flagged_on_both(county, contractor):
    village = county.villages.get(code="130425100202")
    a = make_station(village, actor=contractor)
    b = make_station(village, actor=contractor)
    c = make_station(village, actor=contractor, funded=False)
    found = station_compliance(village.stations.all())
    assert [f.code for f in found[a.pk]] == ["duplicate_funded_station"]
    assert [f.code for f in found[b.pk]] == ["duplicate_funded_station"]
    assert found[c.pk] == []
    services.station_transition(actor=contractor, station=b, to_status="closed")
    found = station_compliance(village.stations.all())
    assert found[a.pk] == [] and found[b.pk] == []
    assert set(filter_stations_by_compliance(village.stations.all(), True)) == {a, b, c}


@pytest.mark.django_db
def test_facility_checks(county, contractor):
    center = services.facility_create(
        actor=contractor,
        county=county,
        kind="county_center",
        code="CC-01",
        name="公共服务中心",
        area_m2=Decimal("580"),
        rnd_center_area_m2=Decimal("250"),
        equipment={
            "exchange_room": True,
            "e_classroom": True,
            "meeting_room": True,
            "offices": True,
            "rnd_center": True,
        },
    )
    assert codes(facility_findings(center)) == [
        ("area_below_min", ""),
        ("missing_signage", "program_sign"),
        ("rnd_area_out_of_range", ""),
    ]
    township_center = services.facility_create(
        actor=contractor,
        county=county,
        kind="township_center",
        code="TC-01",
        township=county.townships.first(),
        name="配送中心",
        equipment={
            "packing_table": True,
            "shelves": True,
            "computer": True,
            "scanner": True,
            "delivery_vehicle": True,
        },
    )
    assert codes(facility_findings(township_center)) == [("area_unknown", "")]
    services.facility_update(
        actor=contractor, facility=township_center, cold_chain_needed=True, area_m2=Decimal("100")
    )
    township_center.refresh_from_db()
    assert codes(facility_findings(township_center)) == [
        ("missing_equipment", "cold_chain_vehicle"),
        ("missing_equipment", "cold_store"),
        ("missing_equipment", "fridge"),
    ]

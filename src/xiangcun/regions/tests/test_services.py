from datetime import date

import pytest
from django.core.exceptions import ValidationError

from xiangcun.core.errors import ApplicationError, PermissionDenied
from xiangcun.core.models import AuditEvent
from xiangcun.core.testing import make_station, make_user
from xiangcun.regions import selectors
from xiangcun.regions.models import County, Village
from xiangcun.regions.services import county_load_divisions, township_update, village_update


@pytest.mark.django_db
def test_load_daming_divisions():
    county = county_load_divisions(county_code="130425")
    assert (county.name, county.division_code, county.is_demo) == ("大名县", "130425000000", False)
    assert county.townships.count() == 20
    assert county.villages.count() == 651
    assert county.villages.filter(kind="villagers").count() == 609
    assert county.villages.filter(kind="residents").count() == 42
    assert county.townships.filter(kind="township").count() == 12  # 营镇回族乡 is a 乡 too
    assert set(county.villages.values_list("code_valid_from", flat=True)) == {date(2016, 1, 1)}
    # Township centroids are stored in WGS-84 (converted from the source's GCJ-02).
    seat = county.townships.get(code="130425100000")
    assert (seat.name, str(seat.longitude), str(seat.latitude)) == ("大名镇", "115.148051", "36.292456")
    village = Village.objects.get(code="130425100228")
    assert (village.name, village.short_name, village.urban_rural_code, village.township_id) == (
        "七里店村委会",
        "七里店村",
        "122",
        seat.pk,
    )
    assert village.population is None and village.facts_source == "unknown"
    ring = county.outline["coordinates"][0]
    assert county.outline["type"] == "Polygon" and len(ring) == 739 and ring[0] == ring[-1]
    assert AuditEvent.objects.filter(action="county.load_divisions").count() == 1


@pytest.mark.django_db
def test_loading_twice_or_an_unknown_county_is_refused():
    county_load_divisions(county_code="130425")
    with pytest.raises(ApplicationError) as exc:
        county_load_divisions(county_code="130425")
    assert exc.value.code == "county_exists"
    with pytest.raises(ApplicationError) as exc:
        county_load_divisions(county_code="999999")
    assert exc.value.code == "no_division_data"
    assert County.objects.count() == 1


@pytest.mark.django_db
def test_bureau_records_village_facts_with_audit(county, bureau):
    village = county.villages.get(code="130425100203")
    village_update(actor=bureau, village=village, population=1200, has_broadband=True)
    village.refresh_from_db()
    assert (village.population, village.has_broadband, village.facts_source) == (1200, True, "recorded")
    event = AuditEvent.objects.get(action="village.update")
    assert event.changes == {"population": [300, 1200], "has_broadband": [False, True]}
    assert event.actor == bureau and event.county == county


@pytest.mark.django_db
def test_poverty_office_may_change_only_the_poor_flag(county):
    office = make_user("poverty_office", county)
    village = county.villages.get(code="130425100202")
    village_update(actor=office, village=village, is_poor=True)
    assert Village.objects.get(pk=village.pk).is_poor is True
    with pytest.raises(PermissionDenied):
        village_update(actor=office, village=village, population=5)
    assert Village.objects.get(pk=village.pk).population == 800


@pytest.mark.django_db
def test_village_update_rejects_other_county_unknown_fields_and_bad_values(
    county, other_county, bureau, auditor
):
    foreign = other_county.villages.first()
    with pytest.raises(PermissionDenied):
        village_update(actor=bureau, village=foreign, population=1)
    with pytest.raises(PermissionDenied):
        village_update(actor=auditor, village=county.villages.first(), population=1)
    with pytest.raises(ApplicationError) as exc:
        village_update(actor=bureau, village=county.villages.first(), name="x")
    assert exc.value.code == "read_only_field"
    with pytest.raises(ValidationError):
        village_update(actor=bureau, village=county.villages.first(), latitude="north")
    assert not AuditEvent.objects.filter(action="village.update").exists()


@pytest.mark.django_db
def test_township_express_outlet(county, bureau, contractor):
    township = county.townships.first()
    township_update(actor=bureau, township=township, has_express_outlet=True)
    township.refresh_from_db()
    assert (township.has_express_outlet, township.express_outlet_source) == (True, "recorded")
    with pytest.raises(PermissionDenied):
        township_update(actor=contractor, township=township, has_express_outlet=False)


@pytest.mark.django_db
def test_selectors_scope_by_county_township_and_station(county, other_county, bureau, superuser):
    assert selectors.village_list(user=bureau).count() == 6
    assert selectors.village_list(user=superuser).count() == 12
    township = county.townships.last()
    local = make_user("bureau_admin", county, township=township)
    assert set(selectors.village_list(user=local)) == set(township.villages.all())
    assert list(selectors.township_list(user=local)) == [township]
    station = make_station(county.villages.first(), actor=superuser)
    manager = make_user("station_manager", county, station=station)
    assert list(selectors.village_list(user=manager)) == [station.village]
    assert list(selectors.township_list(user=manager)) == [station.township]
    assert list(selectors.county_list(user=manager)) == [county]
    nobody = make_user("", None, username="nobody")
    assert selectors.village_list(user=nobody).count() == 0
    summary = {
        t.code: (t.village_count, t.poor_village_count, t.station_count)
        for t in selectors.township_summary(user=bureau)
    }
    assert summary == {"130425100000": (3, 1, 1), "130425201000": (3, 1, 0)}

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from xiangcun.core.errors import ApplicationError, PermissionDenied
from xiangcun.core.models import AuditEvent
from xiangcun.core.testing import full_equipment, make_station, make_user
from xiangcun.network import selectors, services
from xiangcun.network.models import Facility, Station, StatusChange

TZ = ZoneInfo("Asia/Shanghai")


@pytest.mark.django_db
def test_station_code_is_village_code_plus_sequence(county, contractor):
    village = county.villages.get(code="130425100201")
    first = services.station_create(actor=contractor, village=village, area_m2=Decimal("12"))
    second = services.station_create(actor=contractor, village=village, funded=False)
    assert (first.code, second.code) == ("130425100201-01", "130425100201-02")
    assert (
        first.name == "甲1村村 e-commerce service station"
    )  # village 甲1村村委会; Chinese: 甲1村村电商服务站
    assert (first.township_id, first.county_id, first.status) == (village.township_id, county.pk, "planned")
    assert first.equipment == dict.fromkeys(full_equipment(), False)
    change = StatusChange.objects.get(station=first)
    assert (change.from_status, change.to_status, change.actor) == ("", "planned", contractor)
    assert AuditEvent.objects.filter(action="station.create").count() == 2


@pytest.mark.django_db
def test_station_create_is_refused_outside_scope_or_without_capability(
    county, other_county, contractor, auditor
):
    with pytest.raises(PermissionDenied):
        services.station_create(actor=contractor, village=other_county.villages.first())
    with pytest.raises(PermissionDenied):
        services.station_create(actor=auditor, village=county.villages.first())
    assert Station.objects.count() == 0 and StatusChange.objects.count() == 0


@pytest.mark.django_db
def test_station_create_validates_fields_and_writes_nothing_on_error(county, contractor):
    village = county.villages.first()
    with pytest.raises(ValidationError) as exc:
        services.station_create(
            actor=contractor, village=village, area_m2=Decimal("-3"), manager_phone="call me"
        )
    assert set(exc.value.error_dict) == {"area_m2", "manager_phone"}
    with pytest.raises(ApplicationError) as exc:
        services.station_create(actor=contractor, village=village, equipment={"jacuzzi": True})
    assert exc.value.fields == {"equipment": ["Unknown codes: jacuzzi"]}
    with pytest.raises(ApplicationError):
        services.station_create(actor=contractor, village=village, equipment={"computer": "yes"})
    with pytest.raises(ApplicationError) as exc:
        services.station_create(actor=contractor, village=village, status="operating")
    assert exc.value.code == "read_only_field"
    assert Station.objects.count() == 0 and not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_station_life_cycle_follows_the_state_machine(county, contractor):
    opened = datetime(2018, 3, 1, 9, 0, tzinfo=TZ)
    station = make_station(
        county.villages.first(), actor=contractor, effective_at=opened - timedelta(days=60)
    )
    services.station_transition(
        actor=contractor, station=station, to_status="building", effective_at=opened - timedelta(days=30)
    )
    services.station_transition(actor=contractor, station=station, to_status="operating", effective_at=opened)
    station.refresh_from_db()
    assert (station.status, station.opened_on.isoformat()) == ("operating", "2018-03-01")
    with pytest.raises(ApplicationError) as exc:
        services.station_transition(actor=contractor, station=station, to_status="building")
    assert exc.value.code == "invalid_transition"
    with pytest.raises(ApplicationError):
        services.station_transition(actor=contractor, station=station, to_status="teleported")
    with pytest.raises(ApplicationError):  # before the previous change
        services.station_transition(
            actor=contractor, station=station, to_status="suspended", effective_at=opened - timedelta(days=1)
        )
    with pytest.raises(ApplicationError):  # in the future
        services.station_transition(
            actor=contractor,
            station=station,
            to_status="suspended",
            effective_at=timezone.now() + timedelta(days=2),
        )
    services.station_transition(actor=contractor, station=station, to_status="suspended", note="manager left")
    services.station_transition(actor=contractor, station=station, to_status="operating")
    services.station_transition(actor=contractor, station=station, to_status="closed")
    history = list(selectors.status_history(site=station).values_list("from_status", "to_status"))
    assert history == [
        ("", "planned"),
        ("planned", "building"),
        ("building", "operating"),
        ("operating", "suspended"),
        ("suspended", "operating"),
        ("operating", "closed"),
    ]
    station.refresh_from_db()
    assert station.opened_on.isoformat() == "2018-03-01"  # the first opening date stays
    with pytest.raises(ApplicationError):
        services.station_transition(actor=contractor, station=station, to_status="operating")


@pytest.mark.django_db
def test_station_manager_edits_only_own_station_and_own_fields(county, superuser):
    mine = make_station(county.villages.all()[0], actor=superuser)
    theirs = make_station(county.villages.all()[1], actor=superuser)
    manager = make_user("station_manager", county, station=mine)
    services.station_update(
        actor=manager, station=mine, manager_phone="13800001111", opens_at="08:00", closes_at="20:00"
    )
    mine.refresh_from_db()
    assert (mine.manager_phone, str(mine.opens_at), str(mine.closes_at)) == (
        "13800001111",
        "08:00:00",
        "20:00:00",
    )
    with pytest.raises(ApplicationError) as exc:
        services.station_update(actor=manager, station=mine, area_m2=Decimal("99"))
    assert exc.value.code == "read_only_field"
    with pytest.raises(PermissionDenied):
        services.station_update(actor=manager, station=theirs, manager_phone="1")
    with pytest.raises(PermissionDenied):
        services.station_transition(actor=manager, station=mine, to_status="building")
    with pytest.raises(ValidationError):
        services.station_update(actor=manager, station=mine, opens_at="21:00", closes_at="07:00")
    assert Station.objects.get(pk=mine.pk).area_m2 == Decimal("20.0")


@pytest.mark.django_db
def test_facility_create_update_transition(county, contractor, other_bureau):
    township = county.townships.first()
    facility = services.facility_create(
        actor=contractor,
        county=county,
        kind="township_center",
        code="TC-01",
        township=township,
        name="甲镇配送中心",
    )
    assert facility.equipment == dict.fromkeys(
        [
            "packing_table",
            "shelves",
            "computer",
            "scanner",
            "delivery_vehicle",
            "cold_store",
            "fridge",
            "cold_chain_vehicle",
        ],
        False,
    )
    services.facility_update(actor=contractor, facility=facility, area_m2=Decimal("150"))
    services.facility_transition(actor=contractor, facility=facility, to_status="building")
    assert Facility.objects.get(pk=facility.pk).status == "building"
    with pytest.raises(PermissionDenied):
        services.facility_update(actor=other_bureau, facility=facility, area_m2=Decimal("1"))
    with pytest.raises(ValidationError):  # a township center needs its township
        services.facility_create(
            actor=contractor, county=county, kind="township_center", code="TC-02", name="x"
        )
    with pytest.raises(ValidationError):  # codes are unique per county
        services.facility_create(
            actor=contractor, county=county, kind="county_center", code="TC-01", name="x"
        )


@pytest.mark.django_db
def test_status_as_of_a_date_reads_the_history(county, contractor):
    station = make_station(county.villages.first(), actor=contractor)
    t0 = StatusChange.objects.get(station=station).effective_at
    services.station_transition(actor=contractor, station=station, to_status="building")
    services.station_transition(actor=contractor, station=station, to_status="operating")
    assert selectors.stations_status_at(county=county, at=t0 - timedelta(seconds=1)) == {}
    assert selectors.stations_status_at(county=county, at=t0) == {station.pk: "planned"}
    assert selectors.stations_status_at(county=county, at=timezone.now()) == {station.pk: "operating"}


@pytest.mark.django_db
def test_coverage_counts(county, contractor):
    villages = list(county.villages.order_by("code"))  # 甲镇: poor, 800, 300; 乙乡: poor, 800, 300
    make_station(villages[0], actor=contractor, status="operating")
    make_station(villages[0], actor=contractor, status="operating", funded=False)
    make_station(villages[1], actor=contractor, status="building")
    make_station(villages[4], actor=contractor, status="operating")
    counts = selectors.coverage_counts(county=county)
    assert counts == {
        "villages": 6,
        "poor_villages": 2,
        "broadband_villages": 4,
        "townships": 2,
        "townships_with_express_outlet": 0,
        "townships_express_known": 0,
        "stations_operating": 3,
        "villages_with_station": 2,
        "poor_villages_with_station": 1,
        "facilities_operating_county_center": 0,
        "facilities_operating_county_warehouse": 0,
        "facilities_operating_township_center": 0,
    }

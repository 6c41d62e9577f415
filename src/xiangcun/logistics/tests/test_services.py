"""Carriers, their presence at township centers, bookings, and the bureau's figures: funded-route
conflicts, carriers integrated and township coverage, per-carrier and per-township performance."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from xiangcun.core.errors import ApplicationError, PermissionDenied
from xiangcun.core.models import AuditEvent
from xiangcun.network import services as network_services

from .. import selectors, services
from ..models import CarrierAccount, CarrierPresence
from .world import T0, book, deliver, scan

pytestmark = pytest.mark.django_db


def test_a_second_funded_carrier_on_one_route_is_flagged(w):
    assert selectors.funded_route_conflicts(user=w.bureau) == []
    services.carrier_update(actor=w.bureau, carrier=w.b, funded=True, funded_route="县城—甲镇 ")
    conflicts = selectors.funded_route_conflicts(user=w.bureau)
    assert [(c.route, [x.name for x in c.carriers]) for c in conflicts] == [
        ("县城—甲镇", ["乙邮政", "甲快递"])
    ]
    assert selectors.funded_route_conflicts(user=w.other_bureau) == []
    # Unfunding clears the route.
    services.carrier_update(actor=w.bureau, carrier=w.b, funded=False)
    w.b.refresh_from_db()
    assert (w.b.funded, w.b.funded_route) == (False, "")
    assert selectors.funded_route_conflicts(user=w.bureau) == []


def test_carrier_services_check_capability_and_scope(w):
    with pytest.raises(PermissionDenied):
        services.carrier_create(actor=w.manager1, county=w.county, name="X", kind="express")
    with pytest.raises(PermissionDenied):
        services.carrier_create(actor=w.bureau, county=w.other_county, name="X", kind="express")
    with pytest.raises(PermissionDenied):
        services.carrier_update(actor=w.other_bureau, carrier=w.a, name="X")
    with pytest.raises(ValidationError) as exc:
        services.carrier_update(actor=w.bureau, carrier=w.a, funded_route="")
    assert exc.value.message_dict == {"funded_route": ["Say which logistics route the funds support."]}


def test_carrier_accounts(w):
    assert selectors.user_carrier_id(w.carrier_a) == w.a.pk
    with pytest.raises(ApplicationError):
        services.carrier_account_set(actor=w.bureau, user=w.manager1, carrier=w.a)
    services.carrier_account_set(actor=w.bureau, user=w.carrier_a, carrier=w.b)
    assert selectors.user_carrier_id(w.carrier_a) == w.b.pk
    services.carrier_account_set(actor=w.bureau, user=w.carrier_a, carrier=None)
    assert not CarrierAccount.objects.filter(user=w.carrier_a).exists()
    assert AuditEvent.objects.filter(action="carrier_account.delete").count() == 1
    with pytest.raises(PermissionDenied):
        services.carrier_account_set(actor=w.other_bureau, user=w.carrier_b, carrier=None)


def test_presence_and_township_coverage(w):
    summary = selectors.township_coverage(user=w.bureau, county=w.county, on=date(2018, 6, 1))
    assert (summary.carriers_integrated, summary.covered, summary.percent, summary.carriers_met) == (
        [],
        0,
        Decimal("0.0"),
        False,
    )
    services.presence_record(actor=w.bureau, carrier=w.a, facility=w.center, since=date(2018, 1, 1))
    services.presence_record(
        actor=w.contractor, carrier=w.b, facility=w.center, since=date(2018, 1, 1), until=date(2018, 5, 31)
    )
    with pytest.raises(ValidationError) as exc:
        services.presence_record(actor=w.bureau, carrier=w.a, facility=w.center, since=date(2018, 3, 1))
    assert exc.value.message_dict == {
        "since": ["The carrier is already recorded at this center in this period."]
    }
    with pytest.raises(ValidationError):
        services.presence_record(actor=w.bureau, carrier=w.a, facility=w.warehouse, since=date(2018, 3, 1))
    may = selectors.township_coverage(user=w.bureau, county=w.county, on=date(2018, 5, 1))
    assert may.carriers_integrated == ["乙邮政", "甲快递"] and may.carriers_met
    assert [(t.name, t.carriers, t.covered, t.two_carriers) for t in may.townships] == [
        ("甲镇", ["乙邮政", "甲快递"], True, True),
        ("乙乡", [], False, False),
    ]
    assert may.percent == Decimal("50.0")
    june = selectors.township_coverage(user=w.bureau, county=w.county, on=date(2018, 6, 1))
    assert june.carriers_integrated == ["甲快递"] and not june.carriers_met
    presence = CarrierPresence.objects.get(carrier=w.a)
    services.presence_end(actor=w.bureau, presence=presence, until=date(2018, 5, 15))
    assert (
        selectors.township_coverage(user=w.bureau, county=w.county, on=date(2018, 6, 1)).carriers_integrated
        == []
    )
    with pytest.raises(PermissionDenied):
        services.presence_record(actor=w.manager1, carrier=w.a, facility=w.center, since=date(2019, 1, 1))


def test_a_township_without_a_center_is_served_by_the_nearest(w, superuser):
    p = book(w, "NEAR01", station=w.s2)
    assert p.center == w.center
    tc2 = network_services.facility_create(
        actor=superuser,
        county=w.county,
        kind="township_center",
        code="TC-02",
        township=w.t2,
        name="乙乡配送中心",
    )
    assert book(w, "NEAR02", station=w.s2).center == tc2
    assert services.serving_center(w.s1) == w.center


def test_no_warehouse_no_booking(w, superuser):
    network_services.facility_transition(actor=superuser, facility=w.warehouse, to_status="closed")
    with pytest.raises(ValidationError) as exc:
        book(w, "NOWH01")
    assert exc.value.message_dict == {
        "station": ["The county has no county warehouse to route parcels through."]
    }


def test_performance_per_carrier_and_township(w):
    # A: on time (40 h), late (8 days), still within its 7 days; B: overdue (sent 10 days ago, not there).
    on_time = book(w, "PA0001", cost=Decimal("5.00"))
    deliver(w, on_time)
    late = book(w, "PA0002", cost=Decimal("7.00"))
    deliver(w, late, hours=(1, 20, 100, 194))
    pending = book(w, "PA0003", booked_at=T0 + timedelta(days=30))
    scan(w, pending, "out", w.warehouse, T0 + timedelta(days=30, hours=1))
    overdue = book(w, "PB0001", carrier=w.b, station=w.s2, cost=Decimal("4.00"))
    scan(w, overdue, "out", w.warehouse, T0 + timedelta(hours=1))
    returned = book(w, "PB0002", carrier=w.b, station=w.s2)
    scan(w, returned, "returned", w.center, T0 + timedelta(hours=9))
    book(w, "UB0001", carrier=w.b, direction="upstream", cost=Decimal("3.00"))
    now = T0 + timedelta(days=31)
    rows = {r.label: r for r in selectors.carrier_performance(user=w.bureau, now=now)}
    a, b = rows["甲快递"], rows["乙邮政"]
    assert (a.parcels, a.downstream, a.upstream, a.on_time, a.late, a.returned) == (3, 3, 0, 1, 1, 0)
    assert (a.on_time_percent, a.cost_per_parcel) == (Decimal("50.0"), Decimal("6.00"))
    assert (b.parcels, b.downstream, b.upstream, b.on_time, b.late, b.returned) == (3, 2, 1, 0, 1, 1)
    assert (b.on_time_percent, b.cost_per_parcel) == (Decimal("0.0"), Decimal("3.50"))
    towns = {r.label: r for r in selectors.township_performance(user=w.bureau, now=now)}
    assert (towns["甲镇"].parcels, towns["甲镇"].on_time, towns["甲镇"].late) == (4, 1, 1)
    assert (towns["乙乡"].parcels, towns["乙乡"].late, towns["乙乡"].returned) == (2, 1, 1)
    # Scoped: a station manager's figures cover their station only; a period narrows by waybill time.
    assert [(r.label, r.parcels) for r in selectors.carrier_performance(user=w.manager2, now=now)] == [
        ("乙邮政", 2)
    ]
    window = selectors.carrier_performance(user=w.bureau, now=now, start=T0 + timedelta(days=1))
    assert [(r.label, r.parcels) for r in window] == [("甲快递", 1)]


def test_the_aging_list_is_open_parcels_oldest_first(w):
    first = book(w, "AG0001")
    second = book(w, "AG0002", booked_at=T0 + timedelta(hours=1))
    done = book(w, "AG0003", booked_at=T0 - timedelta(hours=1))
    deliver(w, done)
    scan(w, second, "in", w.center, T0 + timedelta(hours=5))
    assert [p.waybill_no for p in selectors.aging_list(user=w.bureau)] == ["AG0001", "AG0002"]
    assert [p.waybill_no for p in selectors.aging_list(user=w.township2)] == []
    assert selectors.hours_between(first.current_since, T0 + timedelta(hours=2, minutes=3)) == Decimal("2.1")


def test_an_unfunded_carrier_has_no_funded_route(w):
    with pytest.raises(ValidationError) as exc:
        services.carrier_update(actor=w.bureau, carrier=w.b, funded_route="县城—乙乡")
    assert exc.value.message_dict == {
        "funded_route": ["Only a carrier receiving program funds has a funded route."]
    }
    with pytest.raises(ValidationError):
        services.carrier_create(actor=w.bureau, county=w.county, name="戊", kind="express", funded_route="x")

"""Builders of the route and schedule tests (no tests here).

`routes_world()` gives, in 大名县: the county warehouse CW-01, the township center TC-01 of 甲镇 at
36.30 N 115.10 E, carrier 甲快递, and three operating stations of 甲镇 on the same parallel east of the
center: s1 (甲1村) at 115.11, s2 (甲2村) at 115.12, s3 (甲3村) at 115.13 (about 0.9 km apart), and one of
乙乡 (no center of its own, so served by TC-01), s4 (乙1村) at 115.10, 36.31 (1.1 km north).
`parcel()` books a downstream parcel and scans it out of the warehouse and in at the center.
"""

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

from xiangcun.core.testing import make_station
from xiangcun.logistics import services as logistics_services
from xiangcun.logistics.scanning import scan_item, scans_record
from xiangcun.network import services as network_services
from xiangcun.regions.models import Village

BEIJING = timezone(timedelta(hours=8))
DAY = datetime(2018, 5, 2).date()  # a Wednesday
T0 = datetime(2018, 5, 1, 8, 0, tzinfo=BEIJING)


def routes_world(county, superuser, bureau):
    villages = {v.code: v for v in Village.objects.filter(county=county)}
    t1, _t2 = county.townships.order_by("code")
    warehouse = network_services.facility_create(
        actor=superuser, county=county, kind="county_warehouse", code="CW-01", name="县仓储物流中心"
    )
    center = network_services.facility_create(
        actor=superuser,
        county=county,
        kind="township_center",
        code="TC-01",
        township=t1,
        name="甲镇配送中心",
        latitude=Decimal("36.300000"),
        longitude=Decimal("115.100000"),
    )

    def station(code, name, lat, lng, **fields):
        return make_station(
            villages[code],
            status="operating",
            name=name,
            latitude=Decimal(lat),
            longitude=Decimal(lng),
            manager_phone="13800000000",
            address=f"{name}地址",
            **fields,
        )

    s1 = station("130425100201", "甲1村服务站", "36.300000", "115.110000")
    s2 = station("130425100202", "甲2村服务站", "36.300000", "115.120000")
    s3 = station("130425100203", "甲3村服务站", "36.300000", "115.130000")
    s4 = station("130425201201", "乙1村服务站", "36.310000", "115.100000")
    carrier = logistics_services.carrier_create(actor=superuser, county=county, name="甲快递", kind="express")
    return SimpleNamespace(
        county=county,
        warehouse=warehouse,
        center=center,
        s1=s1,
        s2=s2,
        s3=s3,
        s4=s4,
        carrier=carrier,
        superuser=superuser,
        bureau=bureau,
        count=0,
    )


def scan(w, shipment, kind, site, at):
    item = scan_item(waybill=shipment.waybill_no, kind=kind, site=site.code, at=at)
    result = scans_record(actor=w.superuser, items=[item])[0]
    assert result.status == "created", result.as_dict()


def parcel(w, station, *, weight="2.5", booked=T0, center_in=timedelta(hours=10), waybill=None):
    """A downstream parcel for `station`, booked at `booked`, out of the warehouse 2 h later and in at
    the center `center_in` after booking (None: not yet)."""
    w.count += 1
    shipment = logistics_services.shipment_create(
        actor=w.superuser,
        carrier=w.carrier,
        station=station,
        waybill_no=waybill or f"YT{w.count:08d}",
        direction="downstream",
        weight_kg=Decimal(weight),
        booked_at=booked,
    )
    scan(w, shipment, "out", w.warehouse, booked + timedelta(hours=2))
    if center_in is not None:
        scan(w, shipment, "in", w.center, booked + center_in)
    return shipment

"""Builders shared by the logistics tests (no tests here).

`logistics_world()` builds, in 大名县: the county warehouse CW-01 and the township center TC-01 (in the
first township; the second township has none, so its stations are served by the nearest center,
TC-01), stations s1 (first township) and s2 (second), carriers A (funded) and B, and in 邻县 a
warehouse, a center, station s3 and carrier C; users of every role and scope, carrier users linked to
A and B.
"""

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

from xiangcun.core.testing import make_station, make_user
from xiangcun.network import services as network_services
from xiangcun.regions.models import Village

from .. import services
from ..scanning import scan_item, scans_record

BEIJING = timezone(timedelta(hours=8))
T0 = datetime(2018, 5, 1, 8, 0, tzinfo=BEIJING)


def _facilities(root, county, prefix=""):
    t1 = county.townships.order_by("code").first()
    warehouse = network_services.facility_create(
        actor=root, county=county, kind="county_warehouse", code="CW-01", name=f"{prefix}县仓储物流中心"
    )
    center = network_services.facility_create(
        actor=root,
        county=county,
        kind="township_center",
        code="TC-01",
        township=t1,
        name=f"{prefix}{t1.name}配送中心",
        latitude=Decimal("36.300000"),
        longitude=Decimal("115.100000"),
    )
    return warehouse, center


def logistics_world(county, other_county, superuser, bureau, contractor, auditor, other_bureau):
    villages = {v.code: v for v in Village.objects.all()}
    warehouse, center = _facilities(superuser, county)
    other_warehouse, other_center = _facilities(superuser, other_county, "邻")
    s1 = make_station(villages["130425100201"], status="operating", name="甲1村服务站")
    s2 = make_station(villages["130425201201"], status="operating", name="乙1村服务站")
    s3 = make_station(villages["130426100201"], status="operating", name="邻县服务站")
    a = services.carrier_create(
        actor=superuser, county=county, name="甲快递", kind="express", funded=True, funded_route="县城—甲镇"
    )
    b = services.carrier_create(actor=superuser, county=county, name="乙邮政", kind="postal")
    c = services.carrier_create(actor=superuser, county=other_county, name="丙物流", kind="logistics")
    t1, t2 = county.townships.order_by("code")
    w = SimpleNamespace(
        county=county,
        other_county=other_county,
        warehouse=warehouse,
        center=center,
        other_warehouse=other_warehouse,
        other_center=other_center,
        s1=s1,
        s2=s2,
        s3=s3,
        t1=t1,
        t2=t2,
        a=a,
        b=b,
        c=c,
        superuser=superuser,
        bureau=bureau,
        contractor=contractor,
        auditor=auditor,
        other_bureau=other_bureau,
        manager1=make_user("station_manager", county, username="manager1", station=s1),
        manager2=make_user("station_manager", county, username="manager2", station=s2),
        manager3=make_user("station_manager", other_county, username="manager3", station=s3),
        township1=make_user("contractor", county, username="township1", township=t1),
        township2=make_user("contractor", county, username="township2", township=t2),
        carrier_a=make_user("carrier", county, username="carrier-a"),
        carrier_b=make_user("carrier", county, username="carrier-b"),
        carrier_none=make_user("carrier", county, username="carrier-none"),
        carrier_c=make_user("carrier", other_county, username="carrier-c"),
        trainer=make_user("trainer", county, username="trainer"),
    )
    services.carrier_account_set(actor=superuser, user=w.carrier_a, carrier=a)
    services.carrier_account_set(actor=superuser, user=w.carrier_b, carrier=b)
    services.carrier_account_set(actor=superuser, user=w.carrier_c, carrier=c)
    return w


def book(w, waybill: str, *, station=None, carrier=None, direction="downstream", actor=None, **fields):
    """A parcel booked by the contractor (or `actor`) at T0 unless `booked_at` is given."""
    fields.setdefault("weight_kg", Decimal("1.5"))
    fields.setdefault("booked_at", T0)
    return services.shipment_create(
        actor=actor or w.superuser,
        carrier=carrier or w.a,
        station=station or w.s1,
        waybill_no=waybill,
        direction=direction,
        **fields,
    )


def scan(w, shipment, kind: str, site, at, *, actor=None, **extra) -> dict:
    """Record one scan as `actor` (default superuser); returns its result as a dict."""
    item = scan_item(waybill=shipment.waybill_no, kind=kind, site=site.code if site else None, at=at, **extra)
    return scans_record(actor=actor or w.superuser, items=[item])[0].as_dict()


def deliver(w, shipment, *, start=T0, hours=(2, 10, 30, 40), signed=True):
    """Scan a downstream parcel through: out of the warehouse, in / out at the center, in at the
    station, signed for (hours after `start`)."""
    out_w, in_c, out_c, in_s = (start + timedelta(hours=h) for h in hours)
    scan(w, shipment, "out", w.warehouse, out_w)
    scan(w, shipment, "in", w.center, in_c)
    scan(w, shipment, "out", w.center, out_c)
    scan(w, shipment, "in", shipment.station, in_s)
    if signed:
        scan(w, shipment, "signed_for", shipment.station, in_s + timedelta(hours=1))

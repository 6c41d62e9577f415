"""Reads for the demo loader: is there non-demo data, a fingerprint of the loaded demo county."""

import hashlib
import json

from django.db.models import Count, Max, Min, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from xiangcun.accounts.models import User
from xiangcun.households.models import Household
from xiangcun.logistics.models import Carrier, CarrierPresence, PriceBenchmark, Scan, Shipment, Tariff
from xiangcun.network.models import Facility, StaffMember, Station, StatusChange
from xiangcun.regions.models import County, Township, Village
from xiangcun.reporting.models import StationMonth, StationMonthOnline
from xiangcun.stations.models import DailyReconciliation, ServiceCompany, StationCharge, Terminal


def non_demo_data() -> list[str]:
    """Descriptions of the non-demo data in the database (empty when there is none): counties,
    facilities and stations whose `is_demo` is false. Users do not count."""
    found = [
        _("county %(name)s (%(code)s)") % {"name": c.name, "code": c.code}
        for c in County.objects.filter(is_demo=False).order_by("code")
    ]
    facilities = Facility.objects.filter(is_demo=False).count()
    if facilities:
        found.append(ngettext("%(n)s facility", "%(n)s facilities", facilities) % {"n": facilities})
    stations = Station.objects.filter(is_demo=False).count()
    if stations:
        found.append(ngettext("%(n)s station", "%(n)s stations", stations) % {"n": stations})
    return found


def any_county_exists() -> bool:
    return County.objects.exists()


def demo_digest() -> str:
    """SHA-256 over everything the simulator decides for the demo county: village and township facts,
    facilities, stations, status histories (effective dates and notes) and the demo users' scopes.
    Row ids and recording times are left out, so reloading a seed gives the same digest."""
    county = County.objects.get(is_demo=True)
    data = {
        "townships": list(
            Township.objects.filter(county=county)
            .order_by("code")
            .values_list("code", "has_express_outlet", "express_outlet_source")
        ),
        "villages": list(
            Village.objects.filter(county=county)
            .order_by("code")
            .values_list(
                "code", "population", "is_poor", "has_broadband", "latitude", "longitude", "facts_source"
            )
        ),
        "facilities": list(
            Facility.objects.filter(county=county)
            .order_by("code")
            .values_list(
                "code",
                "kind",
                "name",
                "township__code",
                "latitude",
                "longitude",
                "area_m2",
                "rnd_center_area_m2",
                "cold_chain_needed",
                "equipment",
                "status",
                "opened_on",
                "operator",
                "manager_name",
                "manager_phone",
                "is_demo",
            )
        ),
        "stations": list(
            Station.objects.filter(county=county)
            .order_by("code")
            .values_list(
                "code",
                "name",
                "village__code",
                "address",
                "latitude",
                "longitude",
                "area_m2",
                "equipment",
                "funded",
                "status",
                "opened_on",
                "opens_at",
                "closes_at",
                "operator",
                "manager_name",
                "manager_phone",
                "is_demo",
            )
        ),
        "changes": list(
            StatusChange.objects.filter(county=county)
            .order_by("facility__code", "station__code", "effective_at", "id")
            .values_list(
                "facility__code", "station__code", "from_status", "to_status", "effective_at", "note"
            )
        ),
        "users": list(
            User.objects.filter(is_demo=True)
            .order_by("username")
            .values_list(
                "username", "role", "is_superuser", "county__code", "township__code", "station__code"
            )
        ),
    }
    payload = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def operations_digest() -> str:
    """SHA-256 over what the operations simulator decided for the demo county, through its rollups
    (ledger totals per station, month and kind; online seconds per station and month), the parcels per
    station, carrier, direction and status, the scans per kind and device, and the smaller tables in
    full. Row ids and recording times are left out: reloading a seed gives the same digest."""
    county = County.objects.get(is_demo=True)
    data = {
        "ledger": list(
            StationMonth.objects.filter(county=county)
            .order_by("station__code", "month", "kind")
            .values_list(
                "station__code", "month", "kind", "count", "amount", "fee", "void_count", "void_amount"
            )
        ),
        "online": list(
            StationMonthOnline.objects.filter(county=county)
            .order_by("station__code", "month")
            .values_list("station__code", "month", "online_seconds")
        ),
        "households": list(
            Household.objects.filter(county=county)
            .order_by("code")
            .values_list("code", "village__code", "head_name", "members", "status")
        ),
        "staff": list(
            StaffMember.objects.filter(county=county)
            .order_by("facility__code", "station__code", "name", "position", "hired_on")
            .values_list(
                "facility__code",
                "station__code",
                "name",
                "position",
                "phone",
                "household__code",
                "from_poor_household",
                "hired_on",
                "left_on",
            )
        ),
        "charges": list(
            StationCharge.objects.filter(county=county)
            .order_by("charged_on", "station__code", "kind")
            .values_list("station__code", "charged_on", "kind", "amount", "charged_by", "note")
        ),
        "reconciliations": list(
            DailyReconciliation.objects.filter(county=county)
            .order_by("station__code", "day", "kind")
            .values_list(
                "station__code", "day", "kind", "ledger_count", "ledger_total", "statement_total", "note"
            )
        ),
        "companies": list(
            ServiceCompany.objects.filter(county=county)
            .order_by("name")
            .values_list("name", *ServiceCompany.OFFER_FIELDS)
        ),
        "terminals": list(
            Terminal.objects.filter(county=county).order_by("serial").values_list("station__code", "serial")
        ),
        "carriers": list(
            Carrier.objects.filter(county=county)
            .order_by("name")
            .values_list("name", "kind", "funded", "funded_route", "contact_name", "contact_phone")
        ),
        "presences": list(
            CarrierPresence.objects.filter(county=county)
            .order_by("carrier__name", "facility__code", "since")
            .values_list("carrier__name", "facility__code", "since", "until")
        ),
        "tariffs": list(
            Tariff.objects.filter(county=county)
            .order_by("carrier__name", "direction", "valid_from")
            .values_list("carrier__name", "direction", "first_weight_kg", "first_price", "extra_price_per_kg")
        ),
        "benchmarks": list(
            PriceBenchmark.objects.filter(county=county)
            .order_by("source", "weight_kg", "observed_on")
            .values_list("source", "weight_kg", "price", "observed_on")
        ),
        # per station, carrier, direction and status: how many parcels, their cost, weight and times
        "parcels": list(
            Shipment.objects.filter(county=county)
            .values_list("station__code", "carrier__name", "direction", "status")
            .annotate(
                n=Count("id"),
                cost=Sum("cost"),
                weight=Sum("weight_kg"),
                value=Sum("declared_value"),
                cold=Count("id", filter=Q(cold_chain=True)),
                first=Min("booked_at"),
                last=Max("booked_at"),
                arrived=Max("arrived_at"),
                waybill=Max("waybill_no"),
            )
            .order_by("station__code", "carrier__name", "direction", "status")
        ),
        "scans": list(
            Scan.objects.filter(county=county)
            .values_list("kind", "device")
            .annotate(n=Count("id"), first=Min("at"), last=Max("at"))
            .order_by("kind", "device")
        ),
    }
    payload = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()

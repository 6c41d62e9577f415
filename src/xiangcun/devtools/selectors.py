"""Reads for the demo loader: is there non-demo data, a fingerprint of the loaded demo county."""

import hashlib
import json

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from xiangcun.accounts.models import User
from xiangcun.network.models import Facility, Station, StatusChange
from xiangcun.regions.models import County, Township, Village


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

"""Reads on the service network, scoped to the acting user."""

from datetime import date, datetime

from django.db.models import Count, OuterRef, QuerySet, Subquery

from xiangcun.core.scoping import scope_queryset

from .models import Facility, Station, StatusChange


def facility_list(*, user) -> QuerySet[Facility]:
    """Facilities: county-level ones are visible to everyone in the county; township centers to the
    county and to users of that township."""
    qs = Facility.objects.select_related("county", "township").defer("county__outline")
    return scope_queryset(qs, user, county="county", township="township", township_or_county_level=True)


def station_list(*, user) -> QuerySet[Station]:
    """Stations: a station manager sees only their own station."""
    qs = Station.objects.select_related("county", "township", "village").defer("county__outline")
    return scope_queryset(qs, user, county="county", township="township", station="pk")


def station_get(*, user, code: str) -> Station | None:
    return station_list(user=user).filter(code=code).first()


def status_history(*, site) -> QuerySet[StatusChange]:
    field = "station" if isinstance(site, Station) else "facility"
    return StatusChange.objects.filter(**{field: site}).select_related("actor").order_by("effective_at", "id")


def station_status_counts(qs: QuerySet[Station]) -> dict[str, int]:
    return dict(qs.order_by().values_list("status").annotate(n=Count("id")))


def stations_status_at(*, county, at: datetime) -> dict[int, str]:
    """Station id → status as of `at` (from the status history); stations with no change by then are absent."""
    last = (
        StatusChange.objects.filter(station=OuterRef("pk"), effective_at__lte=at)
        .order_by("-effective_at", "-id")
        .values("to_status")[:1]
    )
    rows = (
        Station.objects.filter(county=county)
        .annotate(status_then=Subquery(last))
        .exclude(status_then=None)
        .values_list("pk", "status_then")
    )
    return dict(rows)


def facilities_status_at(*, county, at: datetime) -> dict[int, str]:
    last = (
        StatusChange.objects.filter(facility=OuterRef("pk"), effective_at__lte=at)
        .order_by("-effective_at", "-id")
        .values("to_status")[:1]
    )
    rows = (
        Facility.objects.filter(county=county)
        .annotate(status_then=Subquery(last))
        .exclude(status_then=None)
        .values_list("pk", "status_then")
    )
    return dict(rows)


def coverage_counts(*, county, at: datetime | None = None) -> dict[str, int]:
    """The network's key counts for one county, now (`at` None) or as of `at` (from status history).

    Keys: villages, poor_villages, broadband_villages, townships, townships_with_express_outlet,
    townships_express_known, stations_operating, villages_with_station, poor_villages_with_station,
    facilities_operating_<kind> for each facility kind. "With station" means at least one operating
    station in the village.
    """
    from xiangcun.regions.models import Township, Village

    from .choices import FacilityKind, SiteStatus

    villages = Village.objects.filter(county=county)
    townships = Township.objects.filter(county=county)
    if at is None:
        operating = dict(
            Station.objects.filter(county=county, status=SiteStatus.OPERATING).values_list("pk", "village_id")
        )
        facility_status = dict(Facility.objects.filter(county=county).values_list("pk", "status"))
    else:
        status_then = stations_status_at(county=county, at=at)
        operating_ids = [pk for pk, s in status_then.items() if s == SiteStatus.OPERATING]
        operating = dict(Station.objects.filter(pk__in=operating_ids).values_list("pk", "village_id"))
        facility_status = facilities_status_at(county=county, at=at)
    covered = set(operating.values())
    poor_ids = set(villages.filter(is_poor=True).values_list("pk", flat=True))
    kinds = dict(Facility.objects.filter(county=county).values_list("pk", "kind"))
    counts = {
        "villages": villages.count(),
        "poor_villages": len(poor_ids),
        "broadband_villages": villages.filter(has_broadband=True).count(),
        "townships": townships.count(),
        "townships_with_express_outlet": townships.filter(has_express_outlet=True).count(),
        "townships_express_known": townships.exclude(has_express_outlet=None).count(),
        "stations_operating": len(operating),
        "villages_with_station": len(covered),
        "poor_villages_with_station": len(covered & poor_ids),
    }
    for kind in FacilityKind.values:
        counts[f"facilities_operating_{kind}"] = sum(
            1 for pk, s in facility_status.items() if s == SiteStatus.OPERATING and kinds.get(pk) == kind
        )
    return counts


def station_compliance(qs: QuerySet[Station]) -> dict[int, list]:
    """Station id → its standards-check findings, for every station of `qs` (two queries)."""
    from .checks import stations_findings

    return stations_findings(qs.select_related("village"))


def filter_stations_by_compliance(qs: QuerySet[Station], compliant: bool) -> QuerySet[Station]:
    """Stations of `qs` that do (or do not) meet the construction standard (no blocking finding)."""
    from .checks import is_compliant

    findings = station_compliance(qs)
    ids = [pk for pk, f in findings.items() if is_compliant(f) == compliant]
    return qs.filter(pk__in=ids)


def facility_compliance(qs: QuerySet[Facility]) -> dict[int, list]:
    from .checks import facility_findings

    return {f.pk: facility_findings(f) for f in qs}


# ==================================================================================================
# staff (ledger helper's block)
# ==================================================================================================


def staff_list(*, user) -> QuerySet:
    """Staff members the user may see: those of the facilities and stations in their scope; a station's
    manager (or anyone tied to one station) only that station's staff."""
    from django.db.models import Q

    from .models import StaffMember

    qs = StaffMember.objects.select_related("facility", "station", "county", "household")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if user.is_superuser:
        return qs
    if user.county_id is None:
        return qs.none()
    qs = qs.filter(county_id=user.county_id)
    if user.station_id is not None:
        return qs.filter(station_id=user.station_id)
    if user.township_id is not None:
        return qs.filter(
            Q(station__in=station_list(user=user).values("pk"))
            | Q(facility__in=facility_list(user=user).values("pk"))
        )
    return qs


def staff_counts(*, county, at: date | None = None) -> dict[str, int]:
    """For the scorecard (R7): people working at the county's centers and stations on day `at`
    (default today), and how many of them come from registered poor households."""
    from django.db.models import Count, Q
    from django.utils import timezone

    from .models import StaffMember

    at = at or timezone.localdate()
    working = StaffMember.objects.filter(county=county, hired_on__lte=at).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=at)
    )
    totals = working.aggregate(staff=Count("id"), poor=Count("id", filter=Q(from_poor_household=True)))
    return {"staff": totals["staff"], "from_poor_household": totals["poor"]}

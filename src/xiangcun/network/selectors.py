"""Reads on the service network, scoped to the acting user."""

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

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

    from .choices import SiteStatus

    if at is None:
        operating = Station.objects.filter(county=county, status=SiteStatus.OPERATING).values_list(
            "village_id", flat=True
        )
        facility_status = dict(Facility.objects.filter(county=county).values_list("pk", "status"))
    else:
        status_then = stations_status_at(county=county, at=at)
        operating_ids = [pk for pk, s in status_then.items() if s == SiteStatus.OPERATING]
        operating = Station.objects.filter(pk__in=operating_ids).values_list("village_id", flat=True)
        facility_status = facilities_status_at(county=county, at=at)
    kinds = dict(Facility.objects.filter(county=county).values_list("pk", "kind"))
    return coverage_from(
        villages=Village.objects.filter(county=county).values_list("pk", "is_poor", "has_broadband"),
        express_outlets=Township.objects.filter(county=county).values_list("has_express_outlet", flat=True),
        station_villages=operating,
        facility_kinds=[
            kinds[pk] for pk, s in facility_status.items() if s == SiteStatus.OPERATING and pk in kinds
        ],
    )


def coverage_from(
    *,
    villages: Iterable[tuple[int, bool, bool]],
    express_outlets: Iterable[bool | None],
    station_villages: Iterable[int],
    facility_kinds: Iterable[str],
) -> dict[str, int]:
    """The counts of `coverage_counts` from rows already read (the scorecard has them at hand): the
    county's villages as (id, is_poor, has_broadband), each township's `has_express_outlet`, the village
    of each operating station and the kind of each operating facility."""
    from .choices import FacilityKind

    villages = list(villages)
    express_outlets = list(express_outlets)
    poor_ids = {pk for pk, is_poor, _broadband in villages if is_poor}
    stations = list(station_villages)
    covered = set(stations)
    by_kind = Counter(facility_kinds)
    counts = {
        "villages": len(villages),
        "poor_villages": len(poor_ids),
        "broadband_villages": sum(1 for _pk, _poor, broadband in villages if broadband),
        "townships": len(express_outlets),
        "townships_with_express_outlet": sum(1 for e in express_outlets if e is True),
        "townships_express_known": sum(1 for e in express_outlets if e is not None),
        "stations_operating": len(stations),
        "villages_with_station": len(covered),
        "poor_villages_with_station": len(covered & poor_ids),
    }
    for kind in FacilityKind.values:
        counts[f"facilities_operating_{kind}"] = by_kind[kind]
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

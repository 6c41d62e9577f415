"""Reads on the service network, scoped to the acting user."""

from datetime import datetime

from django.db.models import Count, OuterRef, QuerySet, Subquery

from xiangcun.core.scoping import scope_queryset

from .models import Facility, Station, StatusChange


def facility_list(*, user) -> QuerySet[Facility]:
    """Facilities: county-level ones are visible to everyone in the county; township centers to the
    county and to users of that township."""
    qs = Facility.objects.select_related("county", "township")
    return scope_queryset(qs, user, county="county", township="township", township_or_county_level=True)


def station_list(*, user) -> QuerySet[Station]:
    """Stations: a station manager sees only their own station."""
    qs = Station.objects.select_related("county", "township", "village")
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

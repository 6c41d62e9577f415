"""Reads on regions, scoped to the acting user."""

from django.db.models import Count, Q, QuerySet

from xiangcun.core.scoping import scope_queryset, user_township_id

from .models import County, Township, Village


def county_list(*, user) -> QuerySet[County]:
    qs = County.objects.all()
    if getattr(user, "is_superuser", False):
        return qs
    if not getattr(user, "is_authenticated", False) or user.county_id is None:
        return qs.none()
    return qs.filter(pk=user.county_id)


def township_list(*, user) -> QuerySet[Township]:
    """Townships the user may see: the county's, or only their own township (also for station managers)."""
    qs = scope_queryset(
        Township.objects.select_related("county").defer("county__outline"), user, county="county"
    )
    township_id = user_township_id(user)
    return qs.filter(pk=township_id) if township_id else qs


def village_list(*, user) -> QuerySet[Village]:
    """Villages the user may see; a station manager sees the station's own village."""
    qs = Village.objects.select_related("township", "county").defer("county__outline")
    if getattr(user, "station_id", None) and not user.is_superuser:
        return scope_queryset(qs, user, county="county").filter(pk=user.station.village_id)
    return scope_queryset(qs, user, county="county", township="township")


def township_summary(*, user) -> QuerySet[Township]:
    """Townships with counts of villages, poor villages and operating stations."""
    return township_list(user=user).annotate(
        village_count=Count("villages", distinct=True),
        poor_village_count=Count("villages", filter=Q(villages__is_poor=True), distinct=True),
        station_count=Count("stations", distinct=True),
        operating_station_count=Count("stations", filter=Q(stations__status="operating"), distinct=True),
    )


def demo_loaded() -> bool:
    """True when the database holds the demo county (the UI then labels demo data as such)."""
    return County.objects.filter(is_demo=True).exists()

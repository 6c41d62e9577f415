"""Reads of the planning app, scoped to the acting user. Plans and distance matrices are county-level:
county-scoped users (and superusers) see their county's; township- and station-scoped users none."""

from django.db.models import QuerySet

from xiangcun.core.scoping import scope_queryset

from . import layout
from .choices import PlanKind
from .models import DistanceMatrix, Plan


def _county_level(qs: QuerySet, user) -> QuerySet:
    qs = scope_queryset(qs, user, county="county")
    if not getattr(user, "is_superuser", False) and (
        getattr(user, "township_id", None) or getattr(user, "station_id", None)
    ):
        return qs.none()
    return qs


def plan_list(*, user) -> QuerySet[Plan]:
    """Saved plans, newest first (the big JSON columns are deferred: read them with `plan_get`)."""
    qs = Plan.objects.select_related("county", "created_by", "distance_matrix", "center").defer(
        "county__outline", "inputs", "result"
    )
    return _county_level(qs, user)


def plan_get(*, user, pk) -> Plan | None:
    qs = Plan.objects.select_related("county", "created_by", "distance_matrix", "center").defer(
        "county__outline"
    )
    return _county_level(qs, user).filter(pk=pk).first()


def distance_matrix_list(*, user) -> QuerySet[DistanceMatrix]:
    qs = DistanceMatrix.objects.select_related("county", "uploaded_by").defer("county__outline", "entries")
    return _county_level(qs, user)


def plan_distances(plan: Plan):
    """The demand × candidate metres of a layout plan, rebuilt from its snapshot (coordinates and
    detour factor, or its matrix)."""
    entries = None
    if plan.distance_matrix_id is not None:
        entries = DistanceMatrix.objects.only("entries").get(pk=plan.distance_matrix_id).entries
    return layout.distance_matrix_for(
        plan.inputs, source=plan.distance_source, detour_factor=plan.detour_factor, matrix_entries=entries
    )


def plan_comparison(plan: Plan) -> dict | None:
    """A layout plan next to the layout actually built (`layout.layout_compare`); None for siting."""
    if plan.kind != PlanKind.LAYOUT:
        return None
    return layout.layout_compare(plan, plan_distances(plan))

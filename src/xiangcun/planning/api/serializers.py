"""Serializers of the planning API: saved plans (list and detail with the comparison), the inputs of
a layout, siting, visit-schedule or route run, and uploaded distance matrices."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from xiangcun.core.api.serializers import StrictSerializer, named_choice_field
from xiangcun.network.api.serializers import CountyCodeField

from .. import selectors
from ..choices import (
    DEFAULT_DELIVERY_WEEKDAYS,
    DEFAULT_HISTORY_WEEKS,
    DEFAULT_PARCELS_PER_VISIT,
    DEFAULT_ROUTE_MAX_STALL,
    DemandBasis,
    DistanceSource,
    PlanKind,
    Solver,
)
from ..models import DistanceMatrix, Plan

PlanKindField = named_choice_field(PlanKind, "PlanKindEnum")
DistanceSourceField = named_choice_field(DistanceSource, "DistanceSourceEnum")
SolverField = named_choice_field(Solver, "PlanSolverEnum")


class PlanSerializer(serializers.ModelSerializer):
    """A saved plan without its inputs and result (see the detail)."""

    county = serializers.SlugRelatedField(slug_field="code", read_only=True)
    kind = PlanKindField(read_only=True)
    distance_source = DistanceSourceField(read_only=True)
    solver = SolverField(read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    parameters = serializers.JSONField(read_only=True)
    center = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="Schedule and route plans: the township center's code."
    )

    class Meta:
        model = Plan
        fields = [
            "id",
            "county",
            "kind",
            "name",
            "center",
            "service_date",
            "parameters",
            "distance_source",
            "detour_factor",
            "distance_matrix",
            "solver",
            "method",
            "time_limit_s",
            "seed",
            "objective",
            "lower_bound",
            "proven_optimal",
            "seconds",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class PlanDetailSerializer(PlanSerializer):
    """A plan with its input snapshot, its result and, for a layout, the comparison with the township
    delivery centers actually built."""

    inputs = serializers.JSONField(
        read_only=True,
        help_text="demand (villages: code, name, lat, lng, weight …), candidates, excluded, distances_sha256",
    )
    result = serializers.JSONField(
        read_only=True, help_text="chosen sites and, per village, its assigned site and distance"
    )
    comparison = serializers.SerializerMethodField(
        help_text="Layout plans: the plan next to the built layout (summaries and one row per village)."
    )

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "inputs", "result", "comparison"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_comparison(self, obj):
        return selectors.plan_comparison(obj)


@extend_schema_field(OpenApiTypes.INT)
class ScopedMatrixField(serializers.PrimaryKeyRelatedField):
    """A distance matrix id among those the requesting user may see."""

    def get_queryset(self):
        return selectors.distance_matrix_list(user=self.context["request"].user)


class PlanInputMixin(serializers.Serializer):
    county = CountyCodeField(
        required=False, help_text=_("County code; defaults to the user's county (required for superusers).")
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    time_limit = serializers.FloatField(required=False, default=10.0, help_text="Seconds, > 0 and ≤ 60.")
    seed = serializers.IntegerField(required=False, default=1)
    detour_factor = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="Road ÷ straight-line distance (default 1.3); not with distance_matrix.",
    )
    distance_matrix = ScopedMatrixField(
        required=False, allow_null=True, help_text="Id of an uploaded distance matrix."
    )


class LayoutPlanCreateSerializer(StrictSerializer, PlanInputMixin):
    """Run and save a layout plan of township delivery centers."""

    kind = serializers.ChoiceField(choices=[PlanKind.LAYOUT.value])
    p = serializers.IntegerField(required=False, allow_null=True, default=5, help_text="Number of centers.")
    capacity = serializers.IntegerField(
        required=False, allow_null=True, help_text="Residents one center can serve (capacitated model)."
    )
    fixed_cost = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True, help_text="Yuan per center."
    )
    cost_per_person_km = serializers.DecimalField(
        max_digits=10, decimal_places=4, required=False, allow_null=True, help_text="Yuan per resident·km."
    )


class SitingPlanCreateSerializer(StrictSerializer, PlanInputMixin):
    """Run and save a station siting plan."""

    kind = serializers.ChoiceField(choices=[PlanKind.SITING.value])
    coverage_m = serializers.IntegerField(
        required=False, default=0, help_text="A village is covered by a station this close (0: its own)."
    )
    min_stations = serializers.IntegerField(required=False, default=350)
    min_share = serializers.DecimalField(
        max_digits=5, decimal_places=4, required=False, default="0.5", help_text="Share of villages."
    )
    beyond_m = serializers.IntegerField(required=False, default=2000)
    keep_existing = serializers.BooleanField(required=False, default=True)
    cost_per_station = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True, help_text="Yuan per new station."
    )


class CenterInputMixin(serializers.Serializer):
    county = CountyCodeField(
        required=False, help_text=_("County code; defaults to the user's county (required for superusers).")
    )
    center = serializers.CharField(
        max_length=20, help_text="The township delivery center's code, e.g. TC-01."
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    seed = serializers.IntegerField(required=False, default=1)
    shift_start = serializers.TimeField(required=False, allow_null=True, help_text="HH:MM, default 08:00.")
    shift_end = serializers.TimeField(required=False, allow_null=True, help_text="HH:MM, default 18:00.")


class RoutePlanCreateSerializer(StrictSerializer, CenterInputMixin):
    """Run and save the delivery routes of a township center for one day (see `route_plan_create`)."""

    kind = serializers.ChoiceField(choices=[PlanKind.ROUTES.value])
    service_date = serializers.DateField(help_text="The delivery day.")
    vehicles = serializers.IntegerField(
        required=False, allow_null=True, help_text="Empty: as many as needed."
    )
    capacity_kg = serializers.DecimalField(
        max_digits=9,
        decimal_places=3,
        required=False,
        allow_null=True,
        help_text="Default 500; not with capacity_parcels.",
    )
    capacity_parcels = serializers.IntegerField(required=False, allow_null=True)
    speed_kmh = serializers.DecimalField(max_digits=5, decimal_places=1, required=False, allow_null=True)
    service_min = serializers.DecimalField(max_digits=5, decimal_places=1, required=False, allow_null=True)
    service_per_parcel_min = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True
    )
    basis = serializers.ChoiceField(choices=DemandBasis.choices, required=False, default=DemandBasis.WAITING)
    use_schedule = serializers.BooleanField(required=False, default=True)
    detour_factor = serializers.DecimalField(
        max_digits=4, decimal_places=2, required=False, allow_null=True, help_text="Default 1.3."
    )
    distance_matrix = ScopedMatrixField(
        required=False, allow_null=True, help_text="Id of an uploaded matrix."
    )
    time_limit = serializers.FloatField(
        required=False, allow_null=True, help_text="Seconds, ≤ 60; empty: 0.02 s per stop, 0.5–5 s."
    )
    max_stall = serializers.IntegerField(required=False, allow_null=True, default=DEFAULT_ROUTE_MAX_STALL)


class VisitScheduleCreateSerializer(StrictSerializer, CenterInputMixin):
    """Run and save the visit schedule of a township center (see `visit_schedule_create`)."""

    kind = serializers.ChoiceField(choices=[PlanKind.SCHEDULE.value])
    as_of = serializers.DateField(
        required=False, allow_null=True, help_text="Volumes before this day (default today)."
    )
    weekdays = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list(DEFAULT_DELIVERY_WEEKDAYS),
        help_text="0 = Monday.",
    )
    frequency = serializers.IntegerField(
        required=False, allow_null=True, help_text="Visits a week for every station."
    )
    frequencies = serializers.DictField(
        child=serializers.IntegerField(), required=False, help_text="Visits a week per station code."
    )
    parcels_per_visit = serializers.IntegerField(required=False, default=DEFAULT_PARCELS_PER_VISIT)
    history_weeks = serializers.IntegerField(required=False, default=DEFAULT_HISTORY_WEEKS)
    warehouse_to_center_days = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="Default: measured, else 1.",
    )


class DistanceMatrixSerializer(serializers.ModelSerializer):
    county = serializers.SlugRelatedField(slug_field="code", read_only=True)
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = DistanceMatrix
        fields = ["id", "county", "name", "file_name", "pair_count", "digest", "uploaded_by", "created_at"]
        read_only_fields = fields


class DistanceMatrixUploadSerializer(StrictSerializer):
    file = serializers.FileField(help_text="CSV (UTF-8) or .xlsx: from-code, to-code, metres per row.")
    name = serializers.CharField(max_length=100)
    county = CountyCodeField(
        required=False, help_text=_("County code; defaults to the user's county (required for superusers).")
    )

"""Serializers of the planning API: saved plans (list and detail with the comparison), the inputs of
a layout or siting run, and uploaded distance matrices."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from xiangcun.core.api.serializers import StrictSerializer, named_choice_field
from xiangcun.network.api.serializers import CountyCodeField

from .. import selectors
from ..choices import DistanceSource, PlanKind, Solver
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

    class Meta:
        model = Plan
        fields = [
            "id",
            "county",
            "kind",
            "name",
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

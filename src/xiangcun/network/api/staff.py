"""Staff API: `/api/v1/staff/` — people working at centers and stations (R7: those from registered
poor households are hired first). Rows come from `network.selectors.staff_list`; writes are one call of
`network.services.staff_create` / `staff_update` (capability `network.manage_staff`)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from xiangcun.core.api.filters import StrictBooleanFilter
from xiangcun.core.api.serializers import StrictSerializer
from xiangcun.core.api.viewsets import ERROR_RESPONSES, ScopedViewSet
from xiangcun.households.models import Household

from .. import selectors, services
from ..models import StaffMember
from .serializers import ScopedCodeField


@extend_schema_field(OpenApiTypes.STR)
class FacilityCodeField(ScopedCodeField):
    def __init__(self, **kwargs):
        super().__init__(selector=selectors.facility_list, what=_("facility"), **kwargs)


@extend_schema_field(OpenApiTypes.STR)
class StationCodeField(ScopedCodeField):
    def __init__(self, **kwargs):
        super().__init__(selector=selectors.station_list, what=_("station"), **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class HouseholdField(serializers.PrimaryKeyRelatedField):
    """A registered poor household (id) of the requesting user's county."""

    def get_queryset(self):
        user = self.context["request"].user
        qs = Household.objects.all()
        return qs if user.is_superuser else qs.filter(county_id=user.county_id)


class StaffSerializer(serializers.ModelSerializer):
    county = serializers.SlugRelatedField(slug_field="code", read_only=True)
    facility = serializers.SlugRelatedField(slug_field="code", read_only=True)
    station = serializers.SlugRelatedField(slug_field="code", read_only=True)
    workplace_name = serializers.SerializerMethodField()

    class Meta:
        model = StaffMember
        fields = [
            "id",
            "county",
            "facility",
            "station",
            "workplace_name",
            "name",
            "position",
            "phone",
            "from_poor_household",
            "household",
            "hired_on",
            "left_on",
            "is_demo",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_workplace_name(self, obj) -> str:
        return (obj.facility or obj.station).name


class StaffInputSerializer(StrictSerializer):
    facility = FacilityCodeField(required=False, allow_null=True, help_text=_("Code of a facility, or null."))
    station = StationCodeField(required=False, allow_null=True, help_text=_("Code of a station, or null."))
    name = serializers.CharField(max_length=50)
    position = serializers.CharField(max_length=50, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    from_poor_household = serializers.BooleanField(
        required=False, help_text=_("From a registered poor household (R7: hired first).")
    )
    household = HouseholdField(required=False, allow_null=True)
    hired_on = serializers.DateField()
    left_on = serializers.DateField(required=False, allow_null=True)


class StaffFilterSet(filters.FilterSet):
    station = filters.CharFilter(field_name="station__code", label=_("Station (code)"))
    facility = filters.CharFilter(field_name="facility__code", label=_("Facility (code)"))
    from_poor_household = StrictBooleanFilter(label=_("From a registered poor household"))
    current = StrictBooleanFilter(method="filter_current", label=_("Still working there"))
    q = filters.CharFilter(method="filter_q", label=_("Name or position contains"))

    class Meta:
        model = StaffMember
        fields = ["station", "facility", "from_poor_household", "current", "q"]

    def filter_current(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(left_on__isnull=value)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(position__icontains=value))


@extend_schema_view(
    create=extend_schema(request=StaffInputSerializer, responses={201: StaffSerializer, **ERROR_RESPONSES}),
    partial_update=extend_schema(
        request=StaffInputSerializer, responses={200: StaffSerializer, **ERROR_RESPONSES}
    ),
)
class StaffViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """Staff of centers and stations in the caller's scope; one workplace each (a facility or a station)."""

    queryset = StaffMember.objects.none()
    list_serializer_class = StaffSerializer
    input_serializer_classes = {"create": StaffInputSerializer, "partial_update": StaffInputSerializer}
    filterset_class = StaffFilterSet
    ordering_fields = ["name", "hired_on", "left_on"]
    ordering = ["name", "id"]
    action_capabilities = {"create": ("network.manage_staff",), "partial_update": ("network.manage_staff",)}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.staff_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        member = services.staff_create(actor=request.user, **self.parse_input())
        return Response(
            StaffSerializer(self.get_queryset().get(pk=member.pk)).data, status=status.HTTP_201_CREATED
        )

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            from rest_framework.exceptions import MethodNotAllowed

            raise MethodNotAllowed(request.method)
        member = self.get_object()
        member = services.staff_update(actor=request.user, member=member, **self.parse_input(partial=True))
        return Response(StaffSerializer(self.get_queryset().get(pk=member.pk)).data)

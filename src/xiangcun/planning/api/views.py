"""Planning API: saved plans (list, run a layout or siting plan, retrieve with the comparison, Excel
export of the assignment) and uploaded distance matrices. Rows come from the scoped selectors; every
write is one service call."""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from xiangcun.core.api.viewsets import ERROR_RESPONSES, ScopedViewSet
from xiangcun.core.errors import ApplicationError

from .. import exports, selectors, services
from ..choices import PlanKind
from .serializers import (
    DistanceMatrixSerializer,
    DistanceMatrixUploadSerializer,
    LayoutPlanCreateSerializer,
    PlanDetailSerializer,
    PlanSerializer,
    RoutePlanCreateSerializer,
    SitingPlanCreateSerializer,
    VisitScheduleCreateSerializer,
)

PLAN_INPUT = PolymorphicProxySerializer(
    component_name="PlanCreate",
    serializers=[
        LayoutPlanCreateSerializer,
        SitingPlanCreateSerializer,
        VisitScheduleCreateSerializer,
        RoutePlanCreateSerializer,
    ],
    resource_type_field_name="kind",
)
CREATE_SERIALIZERS = {
    PlanKind.LAYOUT: LayoutPlanCreateSerializer,
    PlanKind.SITING: SitingPlanCreateSerializer,
    PlanKind.SCHEDULE: VisitScheduleCreateSerializer,
    PlanKind.ROUTES: RoutePlanCreateSerializer,
}


def _county(user, data):
    county = data.pop("county", None) or user.county
    if county is None:
        raise ApplicationError(
            _("Say for which county."), code="invalid", fields={"county": [_("This field is required.")]}
        )
    return county


def _center(user, county, code):
    """The township center of `county` with `code` that the user may see (ApplicationError otherwise)."""
    from xiangcun.network.choices import FacilityKind
    from xiangcun.network.selectors import facility_list

    center = (
        facility_list(user=user).filter(county=county, code=code, kind=FacilityKind.TOWNSHIP_CENTER).first()
    )
    if center is None:
        raise ApplicationError(
            _("No such township delivery center."),
            code="invalid",
            fields={"center": [_("No such township delivery center.")]},
        )
    return center


@extend_schema_view(
    list=extend_schema(description="Saved plans of the user's county, newest first."),
    retrieve=extend_schema(
        description="A plan with its inputs, result and (layout) the comparison with the built layout."
    ),
    create=extend_schema(
        request=PLAN_INPUT,
        responses={201: PlanDetailSerializer, **ERROR_RESPONSES},
        description="Run a layout (`kind: layout`), siting (`kind: siting`), a township center's visit "
        "schedule (`kind: schedule`) or its delivery routes for one day (`kind: routes`) and save it.",
    ),
    export=extend_schema(
        request=None,
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
            404: ERROR_RESPONSES[404],
        },
        description="The plan as an Excel workbook: layout and siting one row per village, a visit schedule "
        "one row per station, a route plan the driver's sheet (one row per stop).",
    ),
)
class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    """Network plans (规划方案) of the county."""

    http_method_names = ["get", "post", "head", "options"]
    list_serializer_class = PlanSerializer
    detail_serializer_class = PlanDetailSerializer
    action_capabilities = {"create": ("planning.create_plan",)}
    ordering_fields = ["created_at", "name", "kind", "objective"]
    ordering = ["-created_at", "-id"]
    filterset_fields = ["kind", "center", "service_date"]

    def get_queryset(self):
        if self.action == "list":
            return selectors.plan_list(user=self.request.user)
        return (
            selectors.plan_list(user=self.request.user)
            .defer(None)
            .select_related("county", "created_by", "distance_matrix", "center")
            .defer("county__outline")
        )

    def get_serializer_class(self):
        if self.action == "create":
            kind = self.request.data.get("kind") if hasattr(self.request.data, "get") else None
            return CREATE_SERIALIZERS.get(kind, LayoutPlanCreateSerializer)
        return super().get_serializer_class()

    def create(self, request, *args, **kwargs):
        if not hasattr(request.data, "get") or request.data.get("kind") not in PlanKind.values:
            raise exceptions.ValidationError({"kind": [_("Choose layout, siting, schedule or routes.")]})
        data = self.parse_input(allow_empty=True)
        kind = data.pop("kind")
        county = _county(request.user, data)
        if kind == PlanKind.LAYOUT:
            plan = services.layout_plan_create(actor=request.user, county=county, **data)
        elif kind == PlanKind.SITING:
            plan = services.siting_plan_create(actor=request.user, county=county, **data)
        else:
            center = _center(request.user, county, data.pop("center"))
            create = (
                services.visit_schedule_create if kind == PlanKind.SCHEDULE else services.route_plan_create
            )
            plan = create(actor=request.user, center=center, **data)
        plan = selectors.plan_get(user=request.user, pk=plan.pk)
        return Response(
            PlanDetailSerializer(plan, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @action(detail=True, methods=["get"], filter_backends=[])
    def export(self, request, pk=None):
        plan = self.get_object()
        export = exports.plan_export(plan, user=request.user)
        response = HttpResponse(export.content, content_type=exports.XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = export.content_disposition
        return response


@extend_schema_view(
    list=extend_schema(description="Uploaded road-distance matrices of the user's county."),
    create=extend_schema(
        request={"multipart/form-data": DistanceMatrixUploadSerializer},
        responses={
            201: DistanceMatrixSerializer,
            400: OpenApiResponse(
                description="Bad file or rows (`matrix_invalid`: errors.rows lists {row, column, message}); "
                "nothing saved."
            ),
            403: ERROR_RESPONSES[403],
        },
        description="Upload a road-distance matrix (CSV or .xlsx: from-code, to-code, metres).",
    ),
)
class DistanceMatrixViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Road-distance matrices (道路距离矩阵) uploaded for planning."""

    http_method_names = ["get", "post", "head", "options"]
    parser_classes = [MultiPartParser, FormParser]
    list_serializer_class = DistanceMatrixSerializer
    input_serializer_classes = {"create": DistanceMatrixUploadSerializer}
    action_capabilities = {"create": ("planning.create_plan",)}
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.distance_matrix_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        data = self.parse_input()
        county = _county(request.user, data)
        matrix = services.distance_matrix_upload(
            actor=request.user, county=county, name=data["name"], upload=data["file"]
        )
        matrix = self.get_queryset().get(pk=matrix.pk)
        return Response(DistanceMatrixSerializer(matrix).data, status=status.HTTP_201_CREATED)

"""REST endpoints of the logistics app under /api/v1/logistics/: carriers, shipments, scans."""

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from xiangcun.accounts.permissions import has_capability
from xiangcun.core.api.serializers import ErrorSerializer
from xiangcun.core.api.viewsets import ERROR_RESPONSES, ScopedViewSet
from xiangcun.core.errors import ApplicationError
from xiangcun.stations.api.sync import DecimalJSONParser

from .. import scanning, selectors, services
from ..choices import MAX_SCAN_BATCH
from ..models import Carrier, CarrierPresence, Leg, PriceBenchmark, Scan, Shipment, Tariff
from .filters import ShipmentFilterSet
from .serializers import (
    BenchmarkInputSerializer,
    BenchmarkSerializer,
    CarrierInputSerializer,
    CarrierSerializer,
    PerformanceQuerySerializer,
    PerformanceSerializer,
    PresenceEndSerializer,
    PresenceInputSerializer,
    PresenceSerializer,
    ScanRequestSerializer,
    ScanResponseSerializer,
    ShipmentDetailSerializer,
    ShipmentInputSerializer,
    ShipmentSerializer,
    TariffInputSerializer,
    TariffSerializer,
)


@extend_schema_view(
    list=extend_schema(
        description="The carriers of the caller's county; `route_conflict` flags a second funded carrier "
        "on one route (R1.3)."
    ),
    create=extend_schema(
        request=CarrierInputSerializer, responses={201: CarrierSerializer, **ERROR_RESPONSES}
    ),
    partial_update=extend_schema(
        request=CarrierInputSerializer, responses={200: CarrierSerializer, **ERROR_RESPONSES}
    ),
)
class CarrierViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """Express and logistics companies (快递物流企业) of the county."""

    queryset = Carrier.objects.none()
    list_serializer_class = CarrierSerializer
    input_serializer_classes = {"create": CarrierInputSerializer, "partial_update": CarrierInputSerializer}
    ordering_fields = ["name"]
    ordering = ["name"]
    action_capabilities = {
        "create": ("logistics.manage_carrier",),
        "partial_update": ("logistics.manage_carrier",),
    }
    http_method_names = ["get", "post", "patch", "head", "options"]
    filter_backends: list = []

    def get_queryset(self):
        return selectors.carrier_list(user=self.request.user).order_by("name", "id")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "request", None) is not None and self.action in ("list", "retrieve"):
            conflicts = selectors.funded_route_conflicts(user=self.request.user)
            context["conflicting_ids"] = {c.pk for conflict in conflicts for c in conflict.carriers}
        return context

    def _out(self, row, code=status.HTTP_200_OK):
        conflicts = selectors.funded_route_conflicts(user=self.request.user)
        ids = {c.pk for conflict in conflicts for c in conflict.carriers}
        return Response(CarrierSerializer(row, context={"conflicting_ids": ids}).data, status=code)

    def create(self, request, *args, **kwargs):
        data = self.parse_input()
        county = data.pop("county", None) if request.user.is_superuser else request.user.county
        data.pop("county", None)
        if county is None:
            raise ApplicationError(
                _("Say in which county the carrier works."), fields={"county": [_("This field is required.")]}
            )
        row = services.carrier_create(actor=request.user, county=county, **data)
        return self._out(self.get_queryset().get(pk=row.pk), status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            raise exceptions.MethodNotAllowed(request.method)
        row = self.get_object()
        data = self.parse_input(partial=True)
        if "county" in data:
            raise exceptions.ValidationError({"county": [_("A carrier cannot move to another county.")]})
        row = services.carrier_update(actor=request.user, carrier=row, **data)
        return self._out(self.get_queryset().get(pk=row.pk))


@extend_schema_view(
    list=extend_schema(
        description="The delivery ledger (物流配送记录台账): parcels in the caller's scope, newest waybill "
        "first; filter by day, center, carrier, station, direction, status, overdue."
    ),
    retrieve=extend_schema(description="One parcel with its legs and its scans (oldest first)."),
    create=extend_schema(
        request=ShipmentInputSerializer,
        responses={201: ShipmentDetailSerializer, **ERROR_RESPONSES},
        description="Book a parcel to or from a village station; its legs are planned through the county "
        "warehouse and the township center serving the station.",
    ),
)
class ShipmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Parcels (快件) with their waybills."""

    queryset = Shipment.objects.none()
    list_serializer_class = ShipmentSerializer
    detail_serializer_class = ShipmentDetailSerializer
    input_serializer_classes = {"create": ShipmentInputSerializer}
    filterset_class = ShipmentFilterSet
    ordering_fields = ["booked_at", "due_at", "weight_kg", "id"]
    ordering = ["-booked_at", "-id"]
    action_capabilities = {"create": ("logistics.record_shipment",)}
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        qs = selectors.shipment_list(user=self.request.user).select_related("transaction")
        if self.action != "list":
            legs = Leg.objects.select_related("from_facility", "from_station", "to_facility", "to_station")
            scans = Scan.objects.select_related("facility", "station", "actor", "leg").order_by(
                "at", "kind", "id"
            )
            qs = qs.prefetch_related(
                Prefetch("legs", queryset=legs.order_by("sequence")), Prefetch("scans", queryset=scans)
            )
        return qs

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def create(self, request, *args, **kwargs):
        row = services.shipment_create(actor=request.user, **self.parse_input())
        data = ShipmentDetailSerializer(
            self.get_queryset().get(pk=row.pk), context=self.get_serializer_context()
        )
        return Response(data.data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(description="Carriers integrated at township delivery centers (R3: at least two)."),
    create=extend_schema(
        request=PresenceInputSerializer,
        responses={201: PresenceSerializer, **ERROR_RESPONSES},
        description="Record that a carrier is integrated at a township center from `since` (until `until`).",
    ),
    end=extend_schema(
        request=PresenceEndSerializer,
        responses={200: PresenceSerializer, **ERROR_RESPONSES},
        description="Record the last day the carrier was at the center.",
    ),
)
class PresenceViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Carriers at township delivery centers (快递企业入驻)."""

    queryset = CarrierPresence.objects.none()
    list_serializer_class = PresenceSerializer
    input_serializer_classes = {"create": PresenceInputSerializer, "end": PresenceEndSerializer}
    ordering_fields = ["since", "id"]
    ordering = ["facility__code", "carrier__name", "since"]
    action_capabilities = {"create": ("logistics.manage_carrier",), "end": ("logistics.manage_carrier",)}
    http_method_names = ["get", "post", "head", "options"]
    filter_backends: list = []

    def get_queryset(self):
        return selectors.presence_list(user=self.request.user).order_by(
            "facility__code", "carrier__name", "since"
        )

    def create(self, request, *args, **kwargs):
        row = services.presence_record(actor=request.user, **self.parse_input())
        return Response(
            PresenceSerializer(self.get_queryset().get(pk=row.pk)).data, status=status.HTTP_201_CREATED
        )

    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        row = self.get_object()
        services.presence_end(actor=request.user, presence=row, **self.parse_input())
        return Response(PresenceSerializer(self.get_queryset().get(pk=row.pk)).data)


EXAMPLE_REQUEST = {
    "scans": [
        {
            "uuid": "6f1c9a52-3b7e-4d2a-9c59-0d6f3e7a1b24",
            "waybill": "YT1000001",
            "kind": "in",
            "at": "2018-05-02T09:30:00+08:00",
            "site": "TC-01",
            "device": "PDA-3",
        }
    ]
}
EXAMPLE_RESPONSE = {
    "results": [
        {
            "uuid": "6f1c9a52-3b7e-4d2a-9c59-0d6f3e7a1b24",
            "status": "created",
            "errors": {},
            "waybill": "YT1000001",
            "shipment_status": "at_site",
        }
    ]
}


class ScanView(APIView):
    """Record one scan or a batch of up to 1,000 (see `logistics.scanning`).

    Each scan has a device-generated UUID: re-sending it is answered `duplicate`, as is the same scan
    (parcel, kind, site, time) sent under another UUID. An invalid scan is `rejected` with field errors;
    the others are stored regardless. Scans may arrive in any order: the parcel's state is derived from
    all its scans ordered by time.
    """

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [DecimalJSONParser]

    @extend_schema(
        operation_id="logistics_scans",
        request=ScanRequestSerializer,
        responses={
            200: OpenApiResponse(
                ScanResponseSerializer, description="Each scan created, duplicate or rejected."
            ),
            400: OpenApiResponse(
                ErrorSerializer, description="Not a batch (no `scans` list, more than 1,000): nothing stored."
            ),
            401: OpenApiResponse(ErrorSerializer, description="Not signed in."),
            403: OpenApiResponse(ErrorSerializer, description="The caller may not scan parcels."),
        },
        examples=[
            OpenApiExample(
                "A parcel arriving at a township center", request_only=True, value=EXAMPLE_REQUEST
            ),
            OpenApiExample("Its outcome", response_only=True, status_codes=["200"], value=EXAMPLE_RESPONSE),
        ],
        tags=["logistics"],
    )
    def post(self, request):
        if not has_capability(request.user, "logistics.scan"):
            raise exceptions.PermissionDenied(_("You may not scan parcels."))
        payload = request.data
        if not isinstance(payload, dict) or not isinstance(payload.get("scans"), list):
            raise exceptions.ValidationError({"scans": [_('Send {"scans": [ … ]}.')]})
        items = payload["scans"]
        if not items or len(items) > MAX_SCAN_BATCH:
            raise exceptions.ValidationError(
                {"scans": [_("1 to %(n)s scans per request.") % {"n": MAX_SCAN_BATCH}]}
            )
        results = scanning.scans_record(actor=request.user, items=items)
        return Response({"results": [r.as_dict() for r in results]}, status=status.HTTP_200_OK)


class PerformanceView(APIView):
    """Per carrier or per township: parcels, on time within 7 days (R3), returned, cost per parcel, for the
    waybills made in the period, over the parcels the caller may see."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="logistics_performance",
        parameters=[PerformanceQuerySerializer],
        responses={200: PerformanceSerializer(many=True), 400: ErrorSerializer, 401: ErrorSerializer},
        tags=["logistics"],
    )
    def get(self, request):
        from xiangcun.stations.selectors import day_bounds

        query = PerformanceQuerySerializer(data=request.query_params.dict(), context={"request": request})
        query.is_valid(raise_exception=True)
        data = query.validated_data
        start = day_bounds(data["day_from"])[0] if data.get("day_from") else None
        end = day_bounds(data["day_to"])[1] if data.get("day_to") else None
        figures = selectors.carrier_performance if data["by"] == "carrier" else selectors.township_performance
        rows = figures(user=request.user, now=timezone.now(), start=start, end=end)
        return Response(PerformanceSerializer(rows, many=True).data)


@extend_schema_view(
    create=extend_schema(request=TariffInputSerializer, responses={201: TariffSerializer, **ERROR_RESPONSES}),
)
class TariffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    """Carriers' express prices (快递资费) per direction, first weight plus each further kg."""

    queryset = Tariff.objects.none()
    list_serializer_class = TariffSerializer
    input_serializer_classes = {"create": TariffInputSerializer}
    action_capabilities = {"create": ("logistics.manage_carrier",)}
    http_method_names = ["get", "post", "head", "options"]
    filter_backends: list = []

    def get_queryset(self):
        return selectors.tariff_list(user=self.request.user).order_by(
            "carrier__name", "direction", "-valid_from"
        )

    def create(self, request, *args, **kwargs):
        row = services.tariff_record(actor=request.user, **self.parse_input())
        return Response(
            TariffSerializer(self.get_queryset().get(pk=row.pk)).data, status=status.HTTP_201_CREATED
        )


@extend_schema_view(
    create=extend_schema(
        request=BenchmarkInputSerializer, responses={201: BenchmarkSerializer, **ERROR_RESPONSES}
    ),
)
class BenchmarkViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """What the mainstream platforms charge for comparable parcels (主流平台参考价), R3."""

    queryset = PriceBenchmark.objects.none()
    list_serializer_class = BenchmarkSerializer
    input_serializer_classes = {"create": BenchmarkInputSerializer}
    action_capabilities = {"create": ("logistics.manage_carrier",)}
    http_method_names = ["get", "post", "head", "options"]
    filter_backends: list = []

    def get_queryset(self):
        return selectors.benchmark_list(user=self.request.user).order_by(
            "source", "weight_kg", "-observed_on"
        )

    def create(self, request, *args, **kwargs):
        if request.user.county_id is None:
            raise ApplicationError(_("Only a county's bureau or contractor records price benchmarks."))
        row = services.benchmark_record(actor=request.user, county=request.user.county, **self.parse_input())
        return Response(
            BenchmarkSerializer(self.get_queryset().get(pk=row.pk)).data, status=status.HTTP_201_CREATED
        )

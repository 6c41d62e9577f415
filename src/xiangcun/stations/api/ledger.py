"""Ledger API: `/api/v1/transactions/` (list with filters, detail with status events) and
`POST /api/v1/transactions/<id>/transition/`. Rows come from `stations.selectors.transaction_list`
(a station manager sees only their station's entries); a transition is one call of
`stations.services.transaction_transition`. New entries are written only by the sync
(`/api/v1/stations/<code>/sync`)."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from xiangcun.core.api.viewsets import ERROR_RESPONSES, ScopedViewSet
from xiangcun.core.errors import ApplicationError

from .. import selectors, services
from ..models import DailyReconciliation, ServiceCompany, StationCharge, Transaction, TransactionEvent
from .filters import ChargeFilterSet, ReconciliationFilterSet, TransactionFilterSet
from .serializers import (
    ChargeInputSerializer,
    ChargeSerializer,
    ReconciliationInputSerializer,
    ReconciliationSerializer,
    ServiceCompanyInputSerializer,
    ServiceCompanySerializer,
    TransactionDetailSerializer,
    TransactionSerializer,
    TransactionTransitionSerializer,
)


@extend_schema_view(
    list=extend_schema(description="Ledger entries in the caller's scope, newest first; filter and page."),
    retrieve=extend_schema(description="One ledger entry with its status changes, oldest first."),
    transition=extend_schema(
        request=TransactionTransitionSerializer,
        responses={200: TransactionDetailSerializer, **ERROR_RESPONSES},
        description="Move the entry along its kind's state machine (e.g. a parcel arrived at the station, "
        "was picked up). Only the station's manager (or a superuser); an illegal move is a 400 naming the "
        "allowed statuses (`errors.to_status`). Voiding moves (cancelled, returned, reversed, declined) "
        "are subtracted from the monthly totals.",
    ),
)
class TransactionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Ledger entries (服务记录) of the stations the caller may see."""

    queryset = Transaction.objects.none()
    list_serializer_class = TransactionSerializer
    detail_serializer_class = TransactionDetailSerializer
    input_serializer_classes = {"transition": TransactionTransitionSerializer}
    filterset_class = TransactionFilterSet
    ordering_fields = ["occurred_at", "amount", "recorded_at", "id"]
    ordering = ["-occurred_at", "-id"]
    action_capabilities = {"transition": ("stations.record_transaction",)}
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        qs = selectors.transaction_list(user=self.request.user).select_related("actor")
        if self.action != "list":
            events = TransactionEvent.objects.select_related("actor").order_by("occurred_at", "id")
            qs = qs.prefetch_related(Prefetch("events", queryset=events))
        return qs

    @action(detail=True, methods=["post"], filter_backends=[])
    def transition(self, request, pk=None):
        tx = self.get_object()
        data = self.parse_input()
        services.transaction_transition(actor=request.user, tx=tx, **data)
        return Response(TransactionDetailSerializer(self.get_queryset().get(pk=tx.pk)).data)


def _created(serializer_class, row):
    return Response(serializer_class(row).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        description="Daily reconciliations of cash withdrawals and bill payments in the caller's scope; "
        "`?differs=true` lists only the days whose statement total differs from the ledger."
    ),
    create=extend_schema(
        request=ReconciliationInputSerializer,
        responses={201: ReconciliationSerializer, **ERROR_RESPONSES},
        description="The station's manager records a day's statement total; the ledger total of that day "
        "is counted and the difference stored. Recording the same day and service again replaces it.",
    ),
)
class ReconciliationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Daily reconciliations (日对账) of the stations the caller may see."""

    queryset = DailyReconciliation.objects.none()
    list_serializer_class = ReconciliationSerializer
    input_serializer_classes = {"create": ReconciliationInputSerializer}
    filterset_class = ReconciliationFilterSet
    ordering_fields = ["day", "kind", "statement_total", "ledger_total"]
    ordering = ["-day", "kind"]
    action_capabilities = {"create": ("stations.record_transaction",)}
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return selectors.reconciliation_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        data = self.parse_input()
        station = data.pop("station", None) or request.user.station
        if station is None:
            raise ApplicationError(
                _("Say which station's day is reconciled."),
                fields={"station": [_("This field is required.")]},
            )
        row = services.reconciliation_record(actor=request.user, station=station, **data)
        return _created(ReconciliationSerializer, self.get_queryset().get(pk=row.pk))


@extend_schema_view(
    list=extend_schema(
        description="Charges to stations in the caller's scope, forbidden ones (deposits, guarantees, "
        "equipment fees) first, then newest first."
    ),
    create=extend_schema(
        request=ChargeInputSerializer,
        responses={201: ChargeSerializer, **ERROR_RESPONSES},
        description="Record a fee charged to a station (the bureau for its county's stations, a station's "
        "manager for their own). A forbidden kind is recorded and flagged (`forbidden: true`).",
    ),
)
class ChargeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Money charged to stations (向站点收费)."""

    queryset = StationCharge.objects.none()
    list_serializer_class = ChargeSerializer
    input_serializer_classes = {"create": ChargeInputSerializer}
    filterset_class = ChargeFilterSet
    ordering_fields = ["charged_on", "amount"]
    action_capabilities = {"create": ("stations.record_charge",)}
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return selectors.charge_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        row = services.charge_record(actor=request.user, **self.parse_input())
        return _created(ChargeSerializer, self.get_queryset().get(pk=row.pk))


@extend_schema_view(
    create=extend_schema(
        request=ServiceCompanyInputSerializer, responses={201: ServiceCompanySerializer, **ERROR_RESPONSES}
    ),
    partial_update=extend_schema(
        request=ServiceCompanyInputSerializer, responses={200: ServiceCompanySerializer, **ERROR_RESPONSES}
    ),
)
class ServiceCompanyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """The county's rural e-commerce service companies (R12) and the services each offers."""

    queryset = ServiceCompany.objects.none()
    list_serializer_class = ServiceCompanySerializer
    input_serializer_classes = {
        "create": ServiceCompanyInputSerializer,
        "partial_update": ServiceCompanyInputSerializer,
    }
    ordering_fields = ["name"]
    ordering = ["name"]
    action_capabilities = {
        "create": ("stations.manage_service_company",),
        "partial_update": ("stations.manage_service_company",),
    }
    http_method_names = ["get", "post", "patch", "head", "options"]
    filter_backends = [OrderingFilter]

    def get_queryset(self):
        return selectors.service_company_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        data = self.parse_input()
        county = data.pop("county", None) if request.user.is_superuser else request.user.county
        data.pop("county", None)
        if county is None:
            raise ApplicationError(
                _("Say in which county the company works."), fields={"county": [_("This field is required.")]}
            )
        row = services.service_company_create(actor=request.user, county=county, **data)
        return _created(ServiceCompanySerializer, self.get_queryset().get(pk=row.pk))

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            raise exceptions.MethodNotAllowed(request.method)
        row = self.get_object()
        data = self.parse_input(partial=True)
        if "county" in data:
            raise exceptions.ValidationError({"county": [_("A company cannot move to another county.")]})
        row = services.service_company_update(actor=request.user, company=row, **data)
        return Response(ServiceCompanySerializer(self.get_queryset().get(pk=row.pk)).data)

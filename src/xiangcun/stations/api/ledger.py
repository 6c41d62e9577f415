"""Ledger API: `/api/v1/transactions/` (list with filters, detail with status events) and
`POST /api/v1/transactions/<id>/transition/`. Rows come from `stations.selectors.transaction_list`
(a station manager sees only their station's entries); a transition is one call of
`stations.services.transaction_transition`. New entries are written only by the sync
(`/api/v1/stations/<code>/sync`)."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from xiangcun.core.api.viewsets import ERROR_RESPONSES, ScopedViewSet

from .. import selectors, services
from ..models import Transaction, TransactionEvent
from .filters import TransactionFilterSet
from .serializers import TransactionDetailSerializer, TransactionSerializer, TransactionTransitionSerializer


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

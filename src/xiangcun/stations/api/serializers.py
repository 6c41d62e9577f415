"""Serializers of the ledger API: the sync contract's documented shapes, ledger entries with their
status events, transitions, daily reconciliations, charges to stations and service companies.

Input serializers only parse; the services validate again and write.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from xiangcun.core.api.serializers import StrictSerializer, named_choice_field

from ..choices import TX_TRANSITIONS, ChargeKind, Marketplace, PaymentMethod, ServiceKind, TxSource, TxStatus
from ..models import Transaction, TransactionEvent

ServiceKindField = named_choice_field(ServiceKind, "ServiceKindEnum")
TxStatusField = named_choice_field(TxStatus, "TxStatusEnum")
PaymentMethodField = named_choice_field(PaymentMethod, "PaymentMethodEnum")
MarketplaceField = named_choice_field(Marketplace, "MarketplaceEnum")
TxSourceField = named_choice_field(TxSource, "TxSourceEnum")
ChargeKindField = named_choice_field(ChargeKind, "ChargeKindEnum")


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^\d{1,9}(\.\d{1,2})?$",
        "example": "128.50",
        "description": "Yuan as a decimal string, at most two decimal places, not negative.",
    }
)
class YuanStringField(serializers.CharField):
    """How the sync contract documents amounts (the sync parses them itself, see `stations.sync`)."""


# --- ledger entries -------------------------------------------------------------------------------


class TransactionEventSerializer(serializers.ModelSerializer):
    from_status = TxStatusField(read_only=True)
    to_status = TxStatusField(read_only=True)
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = TransactionEvent
        fields = ["from_status", "to_status", "occurred_at", "actor", "note"]
        read_only_fields = fields


class TransactionSerializer(serializers.ModelSerializer):
    station = serializers.CharField(source="station.code", read_only=True)
    station_name = serializers.CharField(source="station.name", read_only=True)
    township = serializers.IntegerField(source="station.township_id", read_only=True)
    kind = ServiceKindField(read_only=True)
    status = TxStatusField(read_only=True)
    payment_method = PaymentMethodField(read_only=True)
    marketplace = MarketplaceField(read_only=True)
    source = TxSourceField(read_only=True)
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    allowed_transitions = serializers.SerializerMethodField(
        help_text=_("The statuses this entry may move to next (POST …/transition).")
    )

    class Meta:
        model = Transaction
        fields = [
            "id",
            "uuid",
            "station",
            "station_name",
            "township",
            "kind",
            "status",
            "allowed_transitions",
            "occurred_at",
            "amount",
            "fee",
            "villager_name",
            "villager_phone",
            "household",
            "description",
            "items",
            "marketplace",
            "order_no",
            "payment_method",
            "reference",
            "biller",
            "source",
            "actor",
            "terminal",
            "recorded_at",
            "status_changed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=TxStatusField()))
    def get_allowed_transitions(self, obj) -> list[str]:
        return [str(s) for s in TX_TRANSITIONS[obj.kind].get(obj.status, ())]


class TransactionDetailSerializer(TransactionSerializer):
    events = TransactionEventSerializer(many=True, read_only=True)

    class Meta(TransactionSerializer.Meta):
        fields = [*TransactionSerializer.Meta.fields, "events"]
        read_only_fields = fields


class TransactionTransitionSerializer(StrictSerializer):
    to_status = TxStatusField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    occurred_at = serializers.DateTimeField(
        required=False, help_text=_("When it happened (default: now); not before the entry itself.")
    )

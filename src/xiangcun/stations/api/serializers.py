"""Serializers of the ledger API: the sync contract's documented shapes, ledger entries with their
status events, transitions, daily reconciliations, charges to stations and service companies.

Input serializers only parse; the services validate again and write.
"""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from xiangcun.core.api.serializers import MoneySerializerField, StrictSerializer, named_choice_field
from xiangcun.network.api.serializers import CountyCodeField, ScopedCodeField
from xiangcun.network.selectors import station_list

from ..choices import (
    RECONCILED_KINDS,
    TX_TRANSITIONS,
    ChargeKind,
    Marketplace,
    PaymentMethod,
    ServiceKind,
    TxSource,
    TxStatus,
)
from ..models import DailyReconciliation, ServiceCompany, StationCharge, Transaction, TransactionEvent

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


# --- daily reconciliations, charges to stations, service companies ---------------------------------


@extend_schema_field(OpenApiTypes.STR)
class StationCodeField(ScopedCodeField):
    """A station by its code, among the stations the requesting user may see."""

    def __init__(self, **kwargs):
        super().__init__(selector=station_list, what=_("station"), **kwargs)


ReconciledKindField = named_choice_field(
    type("ReconciledKind", (), {"choices": [(k, ServiceKind(k).label) for k in RECONCILED_KINDS]}),
    "ReconciledKindEnum",
)


class ReconciliationSerializer(serializers.ModelSerializer):
    station = serializers.CharField(source="station.code", read_only=True)
    station_name = serializers.CharField(source="station.name", read_only=True)
    kind = ReconciledKindField(read_only=True)
    difference = MoneySerializerField(
        read_only=True, help_text=_("Statement total minus ledger total (yuan); 0 when they agree.")
    )
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = DailyReconciliation
        fields = [
            "id",
            "station",
            "station_name",
            "day",
            "kind",
            "ledger_count",
            "ledger_total",
            "statement_total",
            "difference",
            "note",
            "recorded_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ReconciliationInputSerializer(StrictSerializer):
    station = StationCodeField(required=False, help_text=_("Default: the caller's own station."))
    day = serializers.DateField(help_text=_("The Beijing-time calendar day reconciled."))
    kind = ReconciledKindField()
    statement_total = MoneySerializerField(
        min_value=Decimal("0"), help_text=_("The day's total on the bank's or biller's statement (yuan).")
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class ChargeSerializer(serializers.ModelSerializer):
    station = serializers.CharField(source="station.code", read_only=True)
    station_name = serializers.CharField(source="station.name", read_only=True)
    kind = ChargeKindField(read_only=True)
    forbidden = serializers.BooleanField(
        read_only=True,
        help_text=_("A deposit, guarantee or equipment fee: forbidden by the program (R2) and flagged."),
    )
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = StationCharge
        fields = [
            "id",
            "station",
            "station_name",
            "charged_on",
            "kind",
            "amount",
            "forbidden",
            "charged_by",
            "note",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


class ChargeInputSerializer(StrictSerializer):
    station = StationCodeField(help_text=_("The station charged (its code)."))
    charged_on = serializers.DateField()
    kind = ChargeKindField()
    amount = MoneySerializerField(min_value=Decimal("0.01"))
    charged_by = serializers.CharField(max_length=100, help_text=_("Who charged it (e.g. the contractor)."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class ServiceCompanySerializer(serializers.ModelSerializer):
    county = serializers.SlugRelatedField(slug_field="code", read_only=True)
    offers_everything = serializers.BooleanField(
        read_only=True, help_text=_("Offers all six services the program asks for (R12).")
    )

    class Meta:
        model = ServiceCompany
        fields = [
            "id",
            "county",
            "name",
            *ServiceCompany.OFFER_FIELDS,
            "offers_everything",
            "is_demo",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ServiceCompanyInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)
    offers_proxy_purchase = serializers.BooleanField(required=False)
    offers_warehousing = serializers.BooleanField(required=False)
    offers_online_payment = serializers.BooleanField(required=False)
    offers_value_added = serializers.BooleanField(required=False)
    offers_agri_inputs = serializers.BooleanField(required=False)
    offers_loans = serializers.BooleanField(required=False)
    county = CountyCodeField(
        required=False, help_text=_("Only for a superuser; default: the caller's county.")
    )

"""Serializers of the ledger API: the sync contract's documented shapes, ledger entries with their
status events, transitions, daily reconciliations, charges to stations and service companies.

Input serializers only parse; the services validate again and write.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from xiangcun.core.api.serializers import named_choice_field

from ..choices import ChargeKind, Marketplace, PaymentMethod, ServiceKind, TxSource, TxStatus

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

"""Kinds of station service, their state machines, and the other fixed lists of the station ledger."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceKind(models.TextChoices):
    """What a station does for a villager (R2)."""

    PROXY_PURCHASE = "proxy_purchase", _("Proxy purchase (代购)")
    PROXY_SALE = "proxy_sale", _("Proxy sale (代卖)")
    BILL_PAYMENT = "bill_payment", _("Bill payment (代收代缴)")
    CASH_WITHDRAWAL = "cash_withdrawal", _("Cash withdrawal (助农取款)")
    INSURANCE_CREDIT = "insurance_credit", _("Insurance or credit referral")
    LIFE_SERVICE = "life_service", _("Other life service")


class TxStatus(models.TextChoices):
    # proxy purchase (a downstream order, 网货下乡)
    PLACED = "placed", _("Ordered")
    SHIPPED = "shipped", _("Shipped")
    ARRIVED = "arrived", _("Arrived at the station")
    PICKED_UP = "picked_up", _("Picked up")
    RETURNED = "returned", _("Returned")
    CANCELLED = "cancelled", _("Cancelled")
    # proxy sale (an upstream order, 农村产品上行)
    LISTED = "listed", _("Listed")
    SOLD = "sold", _("Sold")
    SETTLED = "settled", _("Paid to the farmer")
    # one-step services
    COMPLETED = "completed", _("Completed")
    REVERSED = "reversed", _("Reversed")
    # referrals
    REFERRED = "referred", _("Referred")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


# Per kind: the status a new entry starts in, and status → the statuses it may move to.
INITIAL_STATUS: dict[str, str] = {
    ServiceKind.PROXY_PURCHASE: TxStatus.PLACED,
    ServiceKind.PROXY_SALE: TxStatus.LISTED,
    ServiceKind.BILL_PAYMENT: TxStatus.COMPLETED,
    ServiceKind.CASH_WITHDRAWAL: TxStatus.COMPLETED,
    ServiceKind.INSURANCE_CREDIT: TxStatus.REFERRED,
    ServiceKind.LIFE_SERVICE: TxStatus.COMPLETED,
}
TX_TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    ServiceKind.PROXY_PURCHASE: {
        TxStatus.PLACED: (TxStatus.SHIPPED, TxStatus.CANCELLED),
        TxStatus.SHIPPED: (TxStatus.ARRIVED, TxStatus.RETURNED),
        TxStatus.ARRIVED: (TxStatus.PICKED_UP, TxStatus.RETURNED),
        TxStatus.PICKED_UP: (TxStatus.RETURNED,),
        TxStatus.RETURNED: (),
        TxStatus.CANCELLED: (),
    },
    ServiceKind.PROXY_SALE: {
        TxStatus.LISTED: (TxStatus.SOLD, TxStatus.CANCELLED),
        TxStatus.SOLD: (TxStatus.SHIPPED, TxStatus.CANCELLED),
        TxStatus.SHIPPED: (TxStatus.SETTLED, TxStatus.RETURNED),
        TxStatus.SETTLED: (),
        TxStatus.RETURNED: (),
        TxStatus.CANCELLED: (),
    },
    ServiceKind.BILL_PAYMENT: {TxStatus.COMPLETED: (TxStatus.REVERSED,), TxStatus.REVERSED: ()},
    ServiceKind.CASH_WITHDRAWAL: {TxStatus.COMPLETED: (TxStatus.REVERSED,), TxStatus.REVERSED: ()},
    ServiceKind.INSURANCE_CREDIT: {
        TxStatus.REFERRED: (TxStatus.APPROVED, TxStatus.DECLINED),
        TxStatus.APPROVED: (),
        TxStatus.DECLINED: (),
    },
    ServiceKind.LIFE_SERVICE: {TxStatus.COMPLETED: (TxStatus.REVERSED,), TxStatus.REVERSED: ()},
}
# Statuses that undo an entry: it stays in the ledger but no longer counts as business done.
VOID_STATUSES = frozenset({TxStatus.CANCELLED, TxStatus.RETURNED, TxStatus.REVERSED, TxStatus.DECLINED})

# Amount limits per entry (yuan): anything above is refused as absurd. Cash withdrawal for farmers
# (助农取款) is a small-amount service; the others cover e.g. a farm machine bought by proxy.
MAX_AMOUNT: dict[str, Decimal] = {
    ServiceKind.PROXY_PURCHASE: Decimal("50000"),
    ServiceKind.PROXY_SALE: Decimal("50000"),
    ServiceKind.BILL_PAYMENT: Decimal("20000"),
    ServiceKind.CASH_WITHDRAWAL: Decimal("5000"),
    ServiceKind.INSURANCE_CREDIT: Decimal("200000"),
    ServiceKind.LIFE_SERVICE: Decimal("10000"),
}


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    BANK_CARD = "bank_card", _("Bank card")
    OTHER = "other", _("Other")


class Marketplace(models.TextChoices):
    """Where a proxy purchase was ordered or a proxy sale listed (R4)."""

    TAOBAO = "taobao", _("Taobao")
    JD = "jd", _("JD.com")
    SUNING = "suning", _("Suning")
    WEIDIAN = "weidian", _("Weidian")
    CHAOJICUNZHANG = "chaojicunzhang", _("Chaojicunzhang (超级村长)")
    PINDUODUO = "pinduoduo", _("Pinduoduo")
    POVERTY_CHANNEL = "poverty_channel", _("E-commerce poverty-alleviation channel")
    OTHER = "other", _("Other")


class TxSource(models.TextChoices):
    WEB = "web", _("Station page")
    SYNC = "sync", _("Offline sync")
    BACKFILL = "backfill", _("Paper record back-filled")
    IMPORT = "import", _("Excel import")
    DEMO = "demo", _("Demo data")


class ChargeKind(models.TextChoices):
    """Money a contractor charged a station. R2/R8: deposits, guarantees and equipment fees are forbidden."""

    DEPOSIT = "deposit", _("Deposit (押金)")
    GUARANTEE = "guarantee", _("Guarantee (保证金)")
    EQUIPMENT = "equipment", _("Equipment purchase (设备购买)")
    SERVICE = "service", _("Service fee")
    OTHER = "other", _("Other")


FORBIDDEN_CHARGES = frozenset({ChargeKind.DEPOSIT, ChargeKind.GUARANTEE, ChargeKind.EQUIPMENT})

# R2: on average at least 50 proxy-purchase orders and 2,000 yuan of proxy purchases per station per month.
ORDERS_TARGET = 50
TURNOVER_TARGET = Decimal("2000")

# Reconciled daily against the bank's or biller's statement.
RECONCILED_KINDS = (ServiceKind.CASH_WITHDRAWAL, ServiceKind.BILL_PAYMENT)

# Terminal heartbeats: each one vouches for the terminal being up from its time for this long.
# Terminals beat once a minute; up to four missed beats in a row still count as online.
HEARTBEAT_COVER_SECONDS = 300

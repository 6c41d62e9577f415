"""Orders: the proxy purchases (downstream, 网货下乡) and proxy sales (upstream, 农村产品上行) of the
station ledger, seen as orders. An order *is* a ledger entry of one of those two kinds (one row, one
UUID, one status machine); this proxy adds what is order-specific."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiangcun.stations.choices import ServiceKind
from xiangcun.stations.models import Transaction

ORDER_KINDS = (ServiceKind.PROXY_PURCHASE, ServiceKind.PROXY_SALE)


class OrderManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(kind__in=ORDER_KINDS)


class Order(Transaction):
    """A downstream order placed for a villager, or an upstream order selling a farmer's goods."""

    objects = OrderManager()

    class Meta:
        proxy = True
        verbose_name = _("order")
        verbose_name_plural = _("orders")

    @property
    def direction(self) -> str:
        return "downstream" if self.kind == ServiceKind.PROXY_PURCHASE else "upstream"

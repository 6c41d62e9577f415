"""REST endpoints of the ledger: transactions, reconciliations, charges, service companies (under /api/v1/)."""

from .ledger import TransactionViewSet

urlpatterns: list = []


def register(router) -> None:
    router.register("transactions", TransactionViewSet, basename="transaction")

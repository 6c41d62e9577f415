"""REST endpoints of the ledger: transactions, reconciliations, charges, service companies (under /api/v1/)."""

from .ledger import ChargeViewSet, ReconciliationViewSet, ServiceCompanyViewSet, TransactionViewSet

urlpatterns: list = []


def register(router) -> None:
    router.register("transactions", TransactionViewSet, basename="transaction")
    router.register("reconciliations", ReconciliationViewSet, basename="reconciliation")
    router.register("station-charges", ChargeViewSet, basename="station-charge")
    router.register("service-companies", ServiceCompanyViewSet, basename="service-company")

"""REST endpoints of the ledger: transactions, reconciliations, charges, service companies (under /api/v1/)."""

urlpatterns: list = []


def register(router) -> None:
    pass

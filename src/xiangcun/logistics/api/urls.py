"""REST endpoints of the logistics app (paths under /api/v1/, included by config/api_urls.py)."""

from xiangcun.stations.api.urls import documented

from .imports import LogisticsImportView
from .views import (
    BenchmarkViewSet,
    CarrierViewSet,
    PerformanceView,
    PresenceViewSet,
    ScanView,
    ShipmentViewSet,
    TariffViewSet,
)

urlpatterns = [
    *documented("logistics/scans", ScanView, "logistics-scans"),
    *documented("logistics/performance", PerformanceView, "logistics-performance"),
    *documented("logistics/import/<slug:table>", LogisticsImportView, "logistics-import"),
]


def register(router) -> None:
    router.register("logistics/carriers", CarrierViewSet, basename="logistics-carrier")
    router.register("logistics/shipments", ShipmentViewSet, basename="logistics-shipment")
    router.register("logistics/presences", PresenceViewSet, basename="logistics-presence")
    router.register("logistics/tariffs", TariffViewSet, basename="logistics-tariff")
    router.register("logistics/price-benchmarks", BenchmarkViewSet, basename="logistics-benchmark")

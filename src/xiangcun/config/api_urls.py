"""The REST API, version 1. Each app contributes its viewsets and extra endpoints; the root lists them all."""

from django.urls import include, path

from xiangcun.core import excel_api
from xiangcun.core.api.routers import ApiRouter
from xiangcun.evaluation.api import urls as evaluation_api
from xiangcun.logistics.api import urls as logistics_api
from xiangcun.network.api import urls as network_api
from xiangcun.planning.api import urls as planning_api
from xiangcun.regions.api import urls as regions_api
from xiangcun.reporting.api import urls as reporting_api
from xiangcun.stations.api import ledger_urls as ledger_api
from xiangcun.stations.api import urls as stations_api

router = ApiRouter()
for module in (
    regions_api,
    network_api,
    stations_api,
    ledger_api,
    reporting_api,
    evaluation_api,
    logistics_api,
    planning_api,
):
    module.register(router)
excel_api.register(router)

urlpatterns = [
    *stations_api.urlpatterns,
    *ledger_api.urlpatterns,
    *reporting_api.urlpatterns,
    *logistics_api.urlpatterns,
    *router.extra_urlpatterns(),
    path("", include(router.urls)),
]

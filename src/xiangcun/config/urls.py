"""Top-level URLs: pages per app, the REST API under /api/v1/, OpenAPI schema and docs, health check."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from xiangcun.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("xiangcun.accounts.urls")),
    path("regions/", include("xiangcun.regions.urls")),
    path("network/", include("xiangcun.network.urls")),
    path("stations/", include("xiangcun.stations.urls")),
    path("logistics/", include("xiangcun.logistics.urls")),
    path("reports/", include("xiangcun.reporting.urls")),
    path("evaluation/", include("xiangcun.evaluation.urls")),
    path("planning/", include("xiangcun.planning.urls")),
    path("excel/", include("xiangcun.core.excel_urls")),
    path("media/<path:path>", core_views.protected_media, name="media"),
    path("api/v1/", include("xiangcun.config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("admin/", admin.site.urls),
    path("", include("xiangcun.core.urls")),
]

"""REST endpoints of the reporting app (paths under /api/v1/, included by config/api_urls.py)."""

from django.urls import path
from drf_spectacular.utils import extend_schema

from .views import (
    CountyReportView,
    StationLedgerExportView,
    StationReportView,
    StationTableExportView,
    TownshipReportView,
)


def documented(route: str, view, name: str) -> list:
    """`route` as documented (no trailing slash), and with one, tolerated and left out of the schema."""
    hidden = extend_schema(exclude=True)(type(f"{view.__name__}WithSlash", (view,), {}))
    return [path(route, view.as_view(), name=name), path(f"{route}/", hidden.as_view())]


urlpatterns = [
    *documented("reports/stations", StationReportView, "reports-stations"),
    *documented("reports/stations/export", StationTableExportView, "reports-stations-export"),
    *documented(
        "reports/stations/<str:code>/ledger/export", StationLedgerExportView, "reports-station-ledger"
    ),
    *documented("reports/townships", TownshipReportView, "reports-townships"),
    *documented("reports/county", CountyReportView, "reports-county"),
]


def register(router) -> None:
    pass

"""REST endpoints of the station ledger and terminals (paths under /api/v1/, included by
config/api_urls.py)."""

from django.urls import path
from drf_spectacular.utils import extend_schema

from .heartbeat import HeartbeatView
from .sync import StationSyncView
from .terminals import StationTerminalView


def documented(route: str, view, name: str) -> list:
    """`route` as documented (no trailing slash), and with one, tolerated (clients differ) and left out
    of the OpenAPI schema so that each endpoint is listed once, at its documented path."""
    hidden = extend_schema(exclude=True)(type(f"{view.__name__}WithSlash", (view,), {}))
    return [path(route, view.as_view(), name=name), path(f"{route}/", hidden.as_view())]


# Paths under /api/v1/ that are not router viewsets.
urlpatterns = [
    *documented("stations/<str:code>/sync", StationSyncView, "station-sync"),
    *documented("stations/<str:code>/terminal", StationTerminalView, "station-terminal"),
    # Served by the fast-path middleware (stations.fastpath); the view documents it and is the fallback.
    *documented("terminals/heartbeat", HeartbeatView, "terminal-heartbeat"),
]


def register(router) -> None:
    pass

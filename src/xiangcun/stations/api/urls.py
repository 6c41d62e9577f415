"""REST endpoints of the station ledger (registered on the /api/v1/ router)."""

from django.urls import re_path

from .sync import StationSyncView

# Paths under /api/v1/ that are not router viewsets (included by config/api_urls.py).
urlpatterns = [
    # The documented path has no trailing slash; one is tolerated (clients differ).
    re_path(r"^stations/(?P<code>[^/]+)/sync/?$", StationSyncView.as_view(), name="station-sync"),
]


def register(router) -> None:
    pass

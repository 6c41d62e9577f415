"""REST endpoints of the station ledger (registered on the /api/v1/ router)."""

from django.urls import path

from .sync import StationSyncView

# Paths under /api/v1/ that are not router viewsets (included by config/api_urls.py).
urlpatterns = [
    path("stations/<str:code>/sync", StationSyncView.as_view(), name="station-sync"),
    path("stations/<str:code>/sync/", StationSyncView.as_view()),
]


def register(router) -> None:
    pass

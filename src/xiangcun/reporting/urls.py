"""Pages of the reporting app (mounted at /reports/, namespace `reporting`): rankings, trends, exports."""

from django.urls import path

from . import views

app_name = "reporting"
urlpatterns = [
    path("", views.index, name="index"),
    path("stations/", views.stations, name="stations"),
    path("stations/export/", views.stations_export, name="stations_export"),
    path("stations/<str:code>/ledger/export/", views.station_ledger_export, name="station_ledger_export"),
    path("townships/", views.townships, name="townships"),
    path("county/", views.county, name="county"),
]

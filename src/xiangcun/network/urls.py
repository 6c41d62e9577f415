from django.urls import path

from . import views

app_name = "network"
urlpatterns = [
    path("facilities/", views.facility_list, name="facility_list"),
    # Facility codes may be any letters and digits, so "new" lives outside their namespace.
    path("new-facility/", views.facility_create, name="facility_create"),
    path("facilities/<str:code>/", views.facility_detail, name="facility_detail"),
    path("facilities/<str:code>/edit/", views.facility_edit, name="facility_edit"),
    path("facilities/<str:code>/status/", views.facility_transition, name="facility_transition"),
    path("stations/", views.station_list, name="station_list"),
    # Station codes are digits (130425100228-01), so "new" cannot collide with one.
    path("stations/new/", views.station_create, name="station_create"),
    path("stations/<str:code>/", views.station_detail, name="station_detail"),
    path("stations/<str:code>/edit/", views.station_edit, name="station_edit"),
    path("stations/<str:code>/status/", views.station_transition, name="station_transition"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/<int:pk>/edit/", views.staff_edit, name="staff_edit"),
]

from django.urls import path

from . import views

app_name = "regions"
urlpatterns = [
    path("townships/", views.township_list, name="township_list"),
    path("townships/<int:pk>/", views.township_detail, name="township_detail"),
    path("townships/<int:pk>/edit/", views.township_edit, name="township_edit"),
    path("villages/", views.village_list, name="village_list"),
    path("villages/<str:code>/", views.village_detail, name="village_detail"),
    path("villages/<str:code>/edit/", views.village_edit, name="village_edit"),
]

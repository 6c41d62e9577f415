from django.urls import path

from . import views

app_name = "planning"
urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("new/routes/", views.route_plan_create, name="route_create"),
    path("new/schedule/", views.schedule_create, name="schedule_create"),
    path("new/<str:kind>/", views.plan_create, name="plan_create"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/export.xlsx", views.plan_export, name="plan_export"),
    path("<int:pk>/sheet/", views.route_sheet, name="route_sheet"),
    path("matrices/", views.matrix_list, name="matrix_list"),
]

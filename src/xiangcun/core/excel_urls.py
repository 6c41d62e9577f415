"""Excel pages: /excel/<register>/export/ and /excel/<register>/import/ (namespace `excel`)."""

from django.urls import re_path

from . import excel_views

app_name = "excel"

REGISTER = r"(?P<register>townships|villages|facilities|stations)"

urlpatterns = [
    re_path(rf"^{REGISTER}/export/$", excel_views.export_view, name="export"),
    re_path(rf"^{REGISTER}/import/$", excel_views.import_view, name="import"),
]

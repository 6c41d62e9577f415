"""Pages: workbench (see stations/urls.py)."""

urlpatterns: list = []

"""Pages: admin (see stations/urls.py)."""

urlpatterns: list = []

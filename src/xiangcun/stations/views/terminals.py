"""Pages: terminals (see stations/urls.py)."""

urlpatterns: list = []

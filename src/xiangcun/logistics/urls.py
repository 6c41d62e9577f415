"""Pages of the logistics app: the delivery ledger and its export, the aging list, the scan page."""

from .views import urlpatterns as page_urls

app_name = "logistics"
urlpatterns = [*page_urls]

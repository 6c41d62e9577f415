"""Pages of the logistics app: the delivery ledger and its export, the aging list, the scan page; prices and the
Excel imports (`register_views`)."""

from .register_views import urlpatterns as register_urls
from .views import urlpatterns as page_urls

app_name = "logistics"
urlpatterns = [*page_urls, *register_urls]

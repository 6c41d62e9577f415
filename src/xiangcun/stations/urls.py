"""Pages of the stations app: the station manager's workbench, terminals, charges and service companies."""

from .views import admin, terminals, workbench

app_name = "stations"
urlpatterns = [*workbench.urlpatterns, *terminals.urlpatterns, *admin.urlpatterns]

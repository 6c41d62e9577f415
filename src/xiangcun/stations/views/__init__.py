"""Pages of the stations app, one module per area; each module ends with its own `urlpatterns`."""

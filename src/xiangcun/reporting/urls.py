"""Pages of the reporting app: monthly tables, rankings and trends."""

app_name = "reporting"
urlpatterns: list = []

"""REST endpoints of the reporting app (paths under /api/v1/)."""

urlpatterns: list = []


def register(router) -> None:
    pass

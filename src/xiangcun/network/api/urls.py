"""REST endpoints of this app (registered on the /api/v1/ router)."""


def register(router) -> None:
    pass

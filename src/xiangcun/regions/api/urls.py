"""REST endpoints of this app (registered on the /api/v1/ router)."""

from .views import CountyViewSet, TownshipViewSet, VillageViewSet


def register(router) -> None:
    router.register("counties", CountyViewSet, basename="county")
    router.register("townships", TownshipViewSet, basename="township")
    router.register("villages", VillageViewSet, basename="village")

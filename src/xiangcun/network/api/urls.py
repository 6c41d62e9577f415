"""REST endpoints of this app (registered on the /api/v1/ router)."""

from .staff import StaffViewSet
from .views import FacilityViewSet, StationViewSet


def register(router) -> None:
    router.register("facilities", FacilityViewSet, basename="facility")
    router.register("stations", StationViewSet, basename="station")
    router.register("staff", StaffViewSet, basename="staff")

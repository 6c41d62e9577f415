"""REST endpoints of this app (registered on the /api/v1/ router)."""

from .views import DistanceMatrixViewSet, PlanViewSet


def register(router) -> None:
    router.register("planning/plans", PlanViewSet, basename="plan")
    router.register("planning/distance-matrices", DistanceMatrixViewSet, basename="distance-matrix")

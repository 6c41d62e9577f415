"""REST endpoints of this app (registered on the /api/v1/ router)."""

from .views import ScorecardView


def register(router) -> None:
    router.add_view("scorecard", ScorecardView.as_view(), "scorecard")

"""Reads for evaluation, scoped to the acting user."""

from django.utils import timezone

from xiangcun.regions.models import County
from xiangcun.regions.selectors import county_list

from .scorecard import SHANGHAI, YEAR_MAX, YEAR_MIN


def evaluable_county(*, user, code: str | None = None) -> County | None:
    """The county whose scorecard `user` may see: their own county (`code` empty or equal to it), any
    county for a superuser (`code` empty: their own county if they have one, else the first by code).
    None when the county is unknown or out of scope, so callers answer 404 either way.

    Every signed-in user of a county may see its scorecard: it shows county totals only, and its
    links lead to register pages that apply the user's own scope.
    """
    counties = county_list(user=user).defer("outline")  # the outline is large and not needed here
    if code:
        return counties.filter(code=code).first()
    if getattr(user, "county_id", None):
        return counties.filter(pk=user.county_id).first()
    return counties.order_by("code").first()


def default_year(county: County) -> int:
    """The year a county's program is judged: a 2017 program is built in 2018 and judged at its end."""
    return min(max(county.program_year + 1, YEAR_MIN), YEAR_MAX)


def year_choices(county: County, selected: int | None = None) -> list[int]:
    """Years offered on the scorecard page: the program year through the current one (and `selected`)."""
    current = timezone.now().astimezone(SHANGHAI).year
    first = max(min(county.program_year, current), YEAR_MIN)
    years = set(range(first, max(current, default_year(county)) + 1))
    if selected is not None:
        years.add(selected)
    return sorted(y for y in years if YEAR_MIN <= y <= YEAR_MAX)

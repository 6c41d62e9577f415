"""The scorecard page."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from xiangcun.regions.selectors import county_list

from .forms import ScorecardFilterForm
from .scorecard import build_scorecard
from .selectors import default_year, evaluable_county, year_choices


@require_GET
@login_required
def scorecard(request):
    """`?year=2018` (and `?county=` for superusers): the user's county scorecard, grouped by requirement.

    Bad parameters answer 400 with the form's errors; a county outside the user's scope answers 404.
    """
    form = ScorecardFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "evaluation/scorecard.html", {"form": form}, status=400)
    county = evaluable_county(user=request.user, code=form.cleaned_data["county"] or None)
    if county is None:
        raise Http404(_("No such county in your scope."))
    year = form.cleaned_data["year"] or default_year(county)
    card = build_scorecard(county=county, year=year)
    if request.user.is_superuser:
        card = card.with_county_in_links()
    context = {
        "form": form,
        "scorecard": card,
        "groups": card.by_requirement(),
        "years": year_choices(county, year),
        "counties": county_list(user=request.user) if request.user.is_superuser else None,
    }
    return render(request, "evaluation/scorecard.html", context)

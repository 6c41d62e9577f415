from django import forms
from django.utils.translation import gettext_lazy as _

from .scorecard import YEAR_MAX, YEAR_MIN


class ScorecardFilterForm(forms.Form):
    """The scorecard page's query: `year` (2015–2100) and, for superusers, `county` (a county code)."""

    year = forms.IntegerField(label=_("Year"), min_value=YEAR_MIN, max_value=YEAR_MAX, required=False)
    county = forms.RegexField(
        label=_("County"),
        regex=r"^\d{6}$",
        required=False,
        error_messages={"invalid": _("A county code has exactly 6 digits.")},
    )

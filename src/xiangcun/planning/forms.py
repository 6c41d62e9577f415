"""Forms of the planning pages: run a layout or siting plan, upload a distance matrix. They only parse;
the services validate again and decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xiangcun.regions.selectors import county_list

from . import selectors
from .choices import DEFAULT_CENTERS, DEFAULT_DETOUR_FACTOR, DEFAULT_MIN_STATIONS
from .services import DEFAULT_BEYOND_M, DEFAULT_MIN_SHARE, MAX_TIME_LIMIT_S


class PlanFormBase(forms.Form):
    name = forms.CharField(
        label=_("Name"), required=False, max_length=100, help_text=_("Leave empty for a name with the date.")
    )
    time_limit = forms.FloatField(
        label=_("Time limit (s)"), initial=10, min_value=0.1, max_value=MAX_TIME_LIMIT_S
    )
    seed = forms.IntegerField(
        label=_("Seed"), initial=1, min_value=0, help_text=_("The same inputs and seed give the same plan.")
    )
    detour_factor = forms.DecimalField(
        label=_("Detour factor"),
        required=False,
        min_value=1,
        max_value=3,
        decimal_places=2,
        initial=DEFAULT_DETOUR_FACTOR,
        help_text=_(
            "Road distance ÷ straight-line distance, used without a distance matrix (rural roads: 1.2–1.4)."
        ),
    )
    distance_matrix = forms.ModelChoiceField(
        label=_("Distance matrix"),
        queryset=None,
        required=False,
        empty_label=_("None: great-circle distance × detour factor"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["distance_matrix"].queryset = selectors.distance_matrix_list(user=user)
        if user.is_superuser:
            self.fields["county"] = forms.ModelChoiceField(label=_("County"), queryset=county_list(user=user))
            self.order_fields(["county"])

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        county = data.pop("county", None) or self.user.county
        if data.get("distance_matrix") is not None:
            data["detour_factor"] = None
        return {"county": county, **data}


class LayoutPlanForm(PlanFormBase):
    p = forms.IntegerField(
        label=_("Number of centers (p)"),
        initial=DEFAULT_CENTERS,
        min_value=1,
        required=False,
        help_text=_("Exactly this many township seats get a center (may be empty with a capacity)."),
    )
    capacity = forms.IntegerField(
        label=_("Capacity (residents per center)"),
        required=False,
        min_value=1,
        help_text=_("With a capacity, each village is served whole by one center within its capacity."),
    )
    fixed_cost = forms.DecimalField(label=_("Fixed cost per center (yuan)"), required=False, min_value=0)
    cost_per_person_km = forms.DecimalField(
        label=_("Transport cost (yuan per resident·km)"), required=False, min_value=0
    )
    field_order = ["name", "p", "capacity", "fixed_cost", "cost_per_person_km"]

    def service_kwargs(self) -> dict:
        data = super().service_kwargs()
        if data.get("capacity") is None:
            # Costs mean nothing without a capacity; the service refuses them, the form just drops empties.
            for key in ("fixed_cost", "cost_per_person_km"):
                if data.get(key) is None:
                    data.pop(key)
        return data


class SitingPlanForm(PlanFormBase):
    coverage_m = forms.IntegerField(
        label=_("Coverage distance (m)"),
        initial=0,
        min_value=0,
        help_text=_("A village is covered by a station this close; 0: only by a station in the village."),
    )
    min_stations = forms.IntegerField(
        label=_("At least this many stations"), initial=DEFAULT_MIN_STATIONS, min_value=0
    )
    min_share = forms.DecimalField(
        label=_("Stations in at least this share of villages"),
        initial=DEFAULT_MIN_SHARE,
        min_value=0,
        max_value=1,
        decimal_places=4,
    )
    beyond_m = forms.IntegerField(
        label=_("Report residents farther than (m)"), initial=DEFAULT_BEYOND_M, min_value=0
    )
    keep_existing = forms.BooleanField(label=_("Keep the existing stations"), initial=True, required=False)
    cost_per_station = forms.DecimalField(label=_("Cost per new station (yuan)"), required=False, min_value=0)
    field_order = [
        "name",
        "coverage_m",
        "min_stations",
        "min_share",
        "beyond_m",
        "keep_existing",
        "cost_per_station",
    ]


class DistanceMatrixForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8) or Excel .xlsx: one row per pair: from-code, to-code, metres."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.is_superuser:
            self.fields["county"] = forms.ModelChoiceField(label=_("County"), queryset=county_list(user=user))
            self.order_fields(["county"])

"""Forms of the planning pages: run a layout, siting, visit-schedule or route plan, upload a distance matrix. They only parse;
the services validate again and decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xiangcun.regions.selectors import county_list

from . import selectors
from .choices import (
    DEFAULT_CAPACITY_KG,
    DEFAULT_CENTERS,
    DEFAULT_DELIVERY_WEEKDAYS,
    DEFAULT_DETOUR_FACTOR,
    DEFAULT_HISTORY_WEEKS,
    DEFAULT_MIN_STATIONS,
    DEFAULT_PARCELS_PER_VISIT,
    DEFAULT_SERVICE_MIN,
    DEFAULT_SERVICE_PER_PARCEL_MIN,
    DEFAULT_SHIFT_END,
    DEFAULT_SHIFT_START,
    DEFAULT_SPEED_KMH,
    DemandBasis,
)
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


# --- delivery routes and visit schedules -------------------------------------------------------------

WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class CenterChoiceMixin:
    """A `center` field listing the township delivery centers the user may see."""

    def add_center_field(self, user):
        from xiangcun.network.choices import FacilityKind, SiteStatus
        from xiangcun.network.selectors import facility_list

        self.fields["center"] = forms.ModelChoiceField(
            label=_("Township delivery center"),
            queryset=facility_list(user=user)
            .filter(kind=FacilityKind.TOWNSHIP_CENTER)
            .exclude(status=SiteStatus.CLOSED)
            .order_by("code"),
        )
        self.order_fields(["center", *[f for f in self.fields if f != "center"]])


class RoutePlanForm(CenterChoiceMixin, forms.Form):
    service_date = forms.DateField(
        label=_("Delivery day"), widget=forms.DateInput(attrs={"type": "date"}), help_text=_("YYYY-MM-DD")
    )
    vehicles = forms.IntegerField(
        label=_("Vehicles"), required=False, min_value=1, help_text=_("Leave empty: as many as needed.")
    )
    capacity = forms.DecimalField(label=_("Capacity per vehicle"), initial=DEFAULT_CAPACITY_KG, min_value=0)
    capacity_unit = forms.ChoiceField(
        label=_("Capacity in"), choices=[("kg", _("kilograms")), ("parcels", _("parcels"))], initial="kg"
    )
    speed_kmh = forms.DecimalField(label=_("Average speed (km/h)"), initial=DEFAULT_SPEED_KMH, min_value=1)
    service_min = forms.DecimalField(label=_("Minutes per stop"), initial=DEFAULT_SERVICE_MIN, min_value=0)
    service_per_parcel_min = forms.DecimalField(
        label=_("Minutes per parcel"), initial=DEFAULT_SERVICE_PER_PARCEL_MIN, min_value=0
    )
    shift_start = forms.TimeField(label=_("Shift starts"), initial=DEFAULT_SHIFT_START)
    shift_end = forms.TimeField(label=_("Shift ends"), initial=DEFAULT_SHIFT_END)
    basis = forms.ChoiceField(label=_("Parcels"), choices=DemandBasis.choices, initial=DemandBasis.WAITING)
    use_schedule = forms.BooleanField(
        label=_("Follow the center's visit schedule"),
        initial=True,
        required=False,
        help_text=_(
            "Only the stations scheduled that weekday, plus any whose parcels would otherwise miss the 7-day limit."
        ),
    )
    detour_factor = PlanFormBase.base_fields["detour_factor"]
    distance_matrix = PlanFormBase.base_fields["distance_matrix"]
    time_limit = forms.FloatField(
        label=_("Time limit (s)"),
        required=False,
        min_value=0.1,
        max_value=MAX_TIME_LIMIT_S,
        help_text=_("Leave empty: 0.02 s per stop, from 0.5 to 5 s."),
    )
    seed = PlanFormBase.base_fields["seed"]
    name = PlanFormBase.base_fields["name"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["distance_matrix"].queryset = selectors.distance_matrix_list(user=user)
        self.add_center_field(user)

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        capacity, unit = data.pop("capacity"), data.pop("capacity_unit")
        data["capacity_parcels" if unit == "parcels" else "capacity_kg"] = capacity
        if data.get("distance_matrix") is not None:
            data["detour_factor"] = None
        return data


class VisitScheduleForm(CenterChoiceMixin, forms.Form):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Delivery weekdays"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        initial=list(DEFAULT_DELIVERY_WEEKDAYS),
        widget=forms.CheckboxSelectMultiple,
    )
    frequency = forms.IntegerField(
        label=_("Visits a week (every station)"),
        required=False,
        min_value=1,
        max_value=7,
        help_text=_("Leave empty: from each station's parcels, at least what the 7-day limit needs."),
    )
    parcels_per_visit = forms.IntegerField(
        label=_("Parcels per visit"), initial=DEFAULT_PARCELS_PER_VISIT, min_value=1
    )
    as_of = forms.DateField(
        label=_("Volumes measured before"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty: today."),
    )
    history_weeks = forms.IntegerField(
        label=_("Weeks of history"), initial=DEFAULT_HISTORY_WEEKS, min_value=1
    )
    warehouse_to_center_days = forms.DecimalField(
        label=_("Days from the county warehouse to the center"),
        required=False,
        min_value=0,
        max_value=6,
        help_text=_("Leave empty: measured from the scans (90th percentile), else 1."),
    )
    shift_start = forms.TimeField(label=_("Shift starts"), initial=DEFAULT_SHIFT_START)
    shift_end = forms.TimeField(label=_("Shift ends"), initial=DEFAULT_SHIFT_END)
    name = PlanFormBase.base_fields["name"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.add_center_field(user)

    def service_kwargs(self, frequencies: dict | None = None) -> dict:
        data = dict(self.cleaned_data)
        if frequencies:
            data["frequencies"] = frequencies
        return data

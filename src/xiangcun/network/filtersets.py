"""List filters for facilities and stations; the same query parameters on pages and in the API.

stations: `township` (id), `village` (id), `status`, `funded`, `poor_village`, `compliant` (meets the
construction standard), `q` (name or code contains); facilities: `kind`, `status`, `township` (id).
"""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from xiangcun.core.api.filters import IdFilter, StrictBooleanFilter

from .choices import FacilityKind, SiteStatus
from .models import Facility, Station
from .selectors import filter_stations_by_compliance


class FacilityFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=FacilityKind.choices, label=_("Kind"))
    status = filters.ChoiceFilter(choices=SiteStatus.choices, label=_("Status"))
    township = IdFilter(field_name="township_id", label=_("Township (id)"))

    class Meta:
        model = Facility
        fields = ["kind", "status", "township"]


class StationFilterSet(filters.FilterSet):
    township = IdFilter(field_name="township_id", label=_("Township (id)"))
    village = IdFilter(field_name="village_id", label=_("Village (id)"))
    status = filters.ChoiceFilter(choices=SiteStatus.choices, label=_("Status"))
    funded = StrictBooleanFilter(label=_("Built with central funds"))
    poor_village = StrictBooleanFilter(field_name="village__is_poor", label=_("In a registered poor village"))
    q = filters.CharFilter(method="filter_q", label=_("Name or code contains"))
    # Declared last on purpose: filters run in declaration order, and the standards check then only
    # runs over the stations the other filters left.
    compliant = StrictBooleanFilter(method="filter_compliant", label=_("Meets the construction standard"))

    class Meta:
        model = Station
        fields = ["township", "village", "status", "funded", "poor_village", "q", "compliant"]

    def filter_q(self, queryset: QuerySet, name, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))

    def filter_compliant(self, queryset: QuerySet, name, value: bool) -> QuerySet:
        return filter_stations_by_compliance(queryset, value)

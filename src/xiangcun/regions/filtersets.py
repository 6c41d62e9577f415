"""List filters for townships and villages; the same query parameters on pages and in the API.

townships: `has_express_outlet`; villages: `township` (id), `kind`, `is_poor`, `has_broadband`,
`has_station` (has an operating station), `q` (name or code contains).
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from xiangcun.core.api.filters import IdFilter, StrictBooleanFilter

from .choices import VillageKind
from .models import Township, Village


def operating_station_exists() -> Exists:
    """`Exists(...)` expression: the village (outer row) has at least one operating station."""
    station_model = Village._meta.get_field("stations").related_model
    return Exists(station_model.objects.filter(village=OuterRef("pk"), status="operating"))


class TownshipFilterSet(filters.FilterSet):
    has_express_outlet = StrictBooleanFilter(label=_("Express outlet in the township"))

    class Meta:
        model = Township
        fields = ["has_express_outlet"]


class VillageFilterSet(filters.FilterSet):
    township = IdFilter(field_name="township_id", label=_("Township (id)"))
    kind = filters.ChoiceFilter(choices=VillageKind.choices, label=_("Kind"))
    is_poor = StrictBooleanFilter(label=_("Registered poor village"))
    has_broadband = StrictBooleanFilter(label=_("Broadband"))
    has_station = StrictBooleanFilter(method="filter_has_station", label=_("Has an operating station"))
    q = filters.CharFilter(method="filter_q", label=_("Name or code contains"))

    class Meta:
        model = Village
        fields = ["township", "kind", "is_poor", "has_broadband", "has_station", "q"]

    def filter_has_station(self, queryset: QuerySet, name, value: bool) -> QuerySet:
        condition = operating_station_exists()
        return queryset.filter(condition if value else ~condition)

    def filter_q(self, queryset: QuerySet, name, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))

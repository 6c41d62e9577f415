"""List filters of the shipments API and the delivery ledger page: `day` / `from` / `to` (Beijing-time
days of the waybill, both included), `center` (facility code), `carrier` (id), `station` (code),
`direction`, `status`, `overdue`, `waybill`."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from xiangcun.core.api.filters import IdFilter, StrictBooleanFilter
from xiangcun.stations.selectors import day_bounds

from ..choices import Direction, ShipmentStatus
from ..models import Shipment


class ShipmentFilterSet(filters.FilterSet):
    day = filters.DateFilter(method="filter_day", label=_("Day (waybill made)"))
    center = filters.CharFilter(field_name="center__code", label=_("Township center (code)"))
    carrier = IdFilter(field_name="carrier_id", label=_("Carrier (id)"))
    station = filters.CharFilter(field_name="station__code", label=_("Station (code)"))
    township = IdFilter(field_name="station__township_id", label=_("Township (id)"))
    direction = filters.ChoiceFilter(choices=Direction.choices, label=_("Direction"))
    status = filters.ChoiceFilter(choices=ShipmentStatus.choices, label=_("Status"))
    overdue = StrictBooleanFilter(method="filter_overdue", label=_("Past the 7-day limit, not yet there"))
    waybill = filters.CharFilter(field_name="waybill_no", label=_("Waybill number"))

    class Meta:
        model = Shipment
        fields = [
            "day",
            "center",
            "carrier",
            "station",
            "township",
            "direction",
            "status",
            "overdue",
            "waybill",
        ]

    def filter_day(self, queryset, name, value):
        if value is None:
            return queryset
        start, end = day_bounds(value)
        return queryset.filter(booked_at__gte=start, booked_at__lt=end)

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = Q(due_at__lt=timezone.now(), arrived_at__isnull=True, returned_at__isnull=True)
        return queryset.filter(late) if value else queryset.exclude(late)

    def is_valid(self):
        valid = super().is_valid()
        data = self.form.cleaned_data if valid else {}
        if valid and data.get("from") and data.get("to") and data["from"] > data["to"]:
            self.form.add_error("to", forms.ValidationError(_("Must not be before from.")))
            return False
        return valid


class _From(filters.DateFilter):
    def filter(self, qs, value):
        return qs if value is None else qs.filter(booked_at__gte=day_bounds(value)[0])


class _To(filters.DateFilter):
    def filter(self, qs, value):
        return qs if value is None else qs.filter(booked_at__lt=day_bounds(value)[1])


# `from` and `to` are Python keywords: declared after the class.
for _name, _filter in (
    ("from", _From(label=_("From (day, included)"))),
    ("to", _To(label=_("To (day, included)"))),
):
    ShipmentFilterSet.base_filters[_name] = _filter
    ShipmentFilterSet.declared_filters[_name] = _filter

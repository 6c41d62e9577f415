"""List filters of the ledger API (the same query parameters serve pages that list entries).

transactions: `station` (code), `township` (id), `kind`, `status`, `from` / `to` (Beijing-time calendar
days, both included), `q` (villager name or phone contains, or the order number / reference equals).
"""

from django import forms
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from xiangcun.core.api.filters import IdFilter, StrictBooleanFilter

from ..choices import FORBIDDEN_CHARGES, RECONCILED_KINDS, ChargeKind, ServiceKind, TxStatus
from ..models import DailyReconciliation, StationCharge, Transaction
from ..selectors import day_bounds


class DayFromFilter(filters.DateFilter):
    """Entries on or after the start of this Beijing-time day."""

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(**{f"{self.field_name}__gte": day_bounds(value)[0]})


class DayToFilter(filters.DateFilter):
    """Entries before the end of this Beijing-time day (the day is included)."""

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(**{f"{self.field_name}__lt": day_bounds(value)[1]})


class TransactionFilterSet(filters.FilterSet):
    station = filters.CharFilter(field_name="station__code", label=_("Station (code)"))
    township = IdFilter(field_name="station__township_id", label=_("Township (id)"))
    kind = filters.ChoiceFilter(choices=ServiceKind.choices, label=_("Service"))
    status = filters.ChoiceFilter(choices=TxStatus.choices, label=_("Status"))
    q = filters.CharFilter(method="filter_q", label=_("Villager name or phone, order number or reference"))

    class Meta:
        model = Transaction
        fields = ["station", "township", "kind", "status", "q"]

    def filter_q(self, queryset: QuerySet, name, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(villager_name__icontains=value)
            | Q(villager_phone__contains=value)
            | Q(order_no=value)
            | Q(reference=value)
        )

    def is_valid(self):
        valid = super().is_valid()
        data = self.form.cleaned_data if valid else {}
        if valid and data.get("from") and data.get("to") and data["from"] > data["to"]:
            self.form.add_error("to", forms.ValidationError(_("Must not be before from.")))
            return False
        return valid


# `from` and `to` are Python keywords: declared after the class.
for _name, _filter in (
    ("from", DayFromFilter(field_name="occurred_at", label=_("From (day, included)"))),
    ("to", DayToFilter(field_name="occurred_at", label=_("To (day, included)"))),
):
    TransactionFilterSet.base_filters[_name] = _filter
    TransactionFilterSet.declared_filters[_name] = _filter


class ReconciliationFilterSet(filters.FilterSet):
    station = filters.CharFilter(field_name="station__code", label=_("Station (code)"))
    kind = filters.ChoiceFilter(
        choices=[(k, ServiceKind(k).label) for k in RECONCILED_KINDS], label=_("Service")
    )
    day_from = filters.DateFilter(field_name="day", lookup_expr="gte", label=_("From (day)"))
    day_to = filters.DateFilter(field_name="day", lookup_expr="lte", label=_("To (day)"))
    differs = StrictBooleanFilter(method="filter_differs", label=_("Only days with a difference"))

    class Meta:
        model = DailyReconciliation
        fields = ["station", "kind", "day_from", "day_to", "differs"]

    def filter_differs(self, queryset, name, value):
        if value is None:
            return queryset
        same = Q(ledger_total=F("statement_total"))
        return queryset.exclude(same) if value else queryset.filter(same)


class ChargeFilterSet(filters.FilterSet):
    station = filters.CharFilter(field_name="station__code", label=_("Station (code)"))
    kind = filters.ChoiceFilter(choices=ChargeKind.choices, label=_("Kind"))
    forbidden = StrictBooleanFilter(method="filter_forbidden", label=_("Only forbidden charges"))

    class Meta:
        model = StationCharge
        fields = ["station", "kind", "forbidden"]

    def filter_forbidden(self, queryset, name, value):
        if value is None:
            return queryset
        forbidden = Q(kind__in=FORBIDDEN_CHARGES)
        return queryset.filter(forbidden) if value else queryset.exclude(forbidden)

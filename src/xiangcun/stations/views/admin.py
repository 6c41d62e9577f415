"""Pages of the ledger's administration (see stations/urls.py, namespace `stations`):

- daily reconciliation (日对账) of cash withdrawals and bill payments: the station's manager records a
  day's statement totals against the ledger; the bureau sees the days that differ, largest first;
- charges to stations: record a fee the contractor charged a station; deposits, guarantees and
  equipment fees are forbidden (R2) and listed first, flagged;
- the county's service companies (R12) and the services each offers.

Reads go through the scoped selectors; each write is one service call, refused with 403 when the role
lacks the capability; service errors are shown beside the form fields.
"""

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.db.models.functions import Abs
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from xiangcun.accounts.permissions import has_capability
from xiangcun.core.errors import ApplicationError
from xiangcun.core.pages import PAGE_SIZE, BoolFilterField, Register, add_service_error, require_capability
from xiangcun.network.selectors import station_list

from .. import selectors, services
from ..choices import FORBIDDEN_CHARGES, RECONCILED_KINDS, ChargeKind, ServiceKind
from ..models import ServiceCompany

RECONCILED_CHOICES = [(k, ServiceKind(k).label) for k in RECONCILED_KINDS]


def _page(request, qs, total: int) -> Register:
    paginator = Paginator(qs, PAGE_SIZE)
    return Register(
        page=paginator.get_page(request.GET.get("page")), sort="", total=total, count=paginator.count
    )


class StationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


# --- daily reconciliation -------------------------------------------------------------------------


class StationFilterForm(forms.Form):
    """A list filter by station (among those the user may see) and kind; subclasses add fields and
    narrow further in `filter_more`. Invalid input lists nothing."""

    station = StationChoiceField(label=gettext_lazy("Station"), queryset=None, required=False)

    def __init__(self, data, *, user):
        super().__init__({k: v for k, v in data.items() if k in self.base_fields})
        self.fields["station"].queryset = station_list(user=user).order_by("code")
        self.fields["station"].empty_label = gettext_lazy("All stations")

    def filter(self, qs):
        if not self.is_valid():
            return qs.none()
        data = self.cleaned_data
        if data["station"]:
            qs = qs.filter(station=data["station"])
        if data["kind"]:
            qs = qs.filter(kind=data["kind"])
        return self.filter_more(qs, data)

    def filter_more(self, qs, data):
        return qs


class ReconciliationFilterForm(StationFilterForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("Service"),
        choices=[("", gettext_lazy("Any")), *RECONCILED_CHOICES],
        required=False,
    )
    differs = BoolFilterField(label=gettext_lazy("Differs from the ledger"))
    day_from = forms.DateField(
        label=pgettext_lazy("date range", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    day_to = forms.DateField(
        label=pgettext_lazy("date range", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def filter_more(self, qs, data):
        if data["differs"] is not None:
            same = {"ledger_total": F("statement_total")}
            qs = qs.exclude(**same) if data["differs"] else qs.filter(**same)
        if data["day_from"]:
            qs = qs.filter(day__gte=data["day_from"])
        if data["day_to"]:
            qs = qs.filter(day__lte=data["day_to"])
        return qs


class ReconcileForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=gettext_lazy("Service"), choices=RECONCILED_CHOICES)
    statement_total = forms.DecimalField(
        label=gettext_lazy("Statement total (yuan)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text=gettext_lazy("The day's total on the bank's or biller's statement."),
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)


@login_required
def reconciliation_list(request):
    """Reconciled days in the user's scope, largest difference first; the station's manager also
    reconciles a day here (the ledger's totals of the chosen day are shown beside the form)."""
    user = request.user
    base = selectors.reconciliation_list(user=user)
    filters = ReconciliationFilterForm(request.GET, user=user)
    rows = filters.filter(base).annotate(gap=Abs(F("statement_total") - F("ledger_total")))
    reg = _page(request, rows.order_by("-gap", "-day", "kind"), base.count())
    station = (
        user.station if user.station_id and has_capability(user, "stations.record_transaction") else None
    )
    form = None
    day_totals = None
    status = 400 if filters.errors else 200
    if station is not None:
        today = timezone.localdate()
        form = ReconcileForm(request.POST or None, initial={"day": today})
        if request.method == "POST" and form.is_valid():
            try:
                row = services.reconciliation_record(actor=user, station=station, **form.cleaned_data)
            except (ApplicationError, ValidationError) as exc:
                add_service_error(form, exc)
            else:
                if row.difference:
                    messages.warning(
                        request,
                        _("Recorded: the statement differs from the ledger by %(diff)s yuan.")
                        % {"diff": row.difference},
                    )
                else:
                    messages.success(request, _("Recorded: the statement agrees with the ledger."))
                return redirect("stations:reconciliation_list")
        if form.errors:
            status = 400
        shown_day = form["day"].value() if request.method == "POST" else request.GET.get("day")
        try:
            shown_day = date.fromisoformat(str(shown_day)) if shown_day else today
        except ValueError:
            shown_day = today
        day_totals = {
            "day": shown_day,
            "rows": [
                (ServiceKind(kind).label, count, total)
                for kind, (count, total) in services.ledger_day_totals(station=station, day=shown_day).items()
            ],
        }
    elif request.method == "POST":
        raise DjangoPermissionDenied  # only a station's manager reconciles its days
    context = {
        "filters": filters,
        "register": reg,
        "form": form,
        "station": station,
        "day_totals": day_totals,
    }
    return render(request, "stations/reconciliation_list.html", context, status=status)


# --- charges to stations --------------------------------------------------------------------------


class ChargeFilterForm(StationFilterForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=[("", gettext_lazy("Any")), *ChargeKind.choices], required=False
    )
    forbidden = BoolFilterField(label=gettext_lazy("Forbidden (deposit, guarantee, equipment)"))

    def filter_more(self, qs, data):
        if data["forbidden"] is not None:
            qs = (
                qs.filter(kind__in=FORBIDDEN_CHARGES)
                if data["forbidden"]
                else qs.exclude(kind__in=FORBIDDEN_CHARGES)
            )
        return qs


class ChargeForm(forms.Form):
    station = StationChoiceField(label=gettext_lazy("Station"), queryset=None)
    charged_on = forms.DateField(
        label=gettext_lazy("Charged on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=ChargeKind.choices,
        help_text=gettext_lazy(
            "Deposits, guarantees and equipment fees are forbidden (R2); record them all the same."
        ),
    )
    amount = forms.DecimalField(
        label=gettext_lazy("Amount (yuan)"), min_value=0.01, max_digits=12, decimal_places=2
    )
    charged_by = forms.CharField(label=gettext_lazy("Charged by"), max_length=100)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        stations = station_list(user=user).order_by("code")
        self.fields["station"].queryset = stations
        if user.station_id:
            self.fields["station"].initial = user.station_id


@login_required
def charge_list(request):
    user = request.user
    base = selectors.charge_list(user=user)
    filters = ChargeFilterForm(request.GET, user=user)
    reg = _page(request, filters.filter(base), base.count())
    context = {
        "filters": filters,
        "register": reg,
        "can_record": has_capability(user, "stations.record_charge"),
        "forbidden_count": base.filter(kind__in=FORBIDDEN_CHARGES).count(),
    }
    return render(request, "stations/charge_list.html", context, status=400 if filters.errors else 200)


@login_required
def charge_create(request):
    user = request.user
    require_capability(user, "stations.record_charge")
    form = ChargeForm(request.POST or None, user=user, initial={"charged_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            charge = services.charge_record(actor=user, **form.cleaned_data)
        except (ApplicationError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            if charge.forbidden:
                messages.warning(
                    request,
                    _("Recorded and flagged: a %(kind)s must not be charged to a station (R2).")
                    % {"kind": charge.get_kind_display()},
                )
            else:
                messages.success(request, _("Charge recorded."))
            return redirect("stations:charge_list")
    return render(request, "stations/charge_form.html", {"form": form}, status=400 if form.errors else 200)


# --- service companies ----------------------------------------------------------------------------


class CompanyForm(forms.ModelForm):
    class Meta:
        model = ServiceCompany
        fields = ["name", *ServiceCompany.OFFER_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The service checks the name (also its uniqueness in the county) and writes.
        self.fields["name"].validators = []

    def validate_unique(self):
        pass


def _company_or_404(user, pk: int) -> ServiceCompany:
    company = selectors.service_company_list(user=user).filter(pk=pk).first()
    if company is None:
        raise Http404
    return company


@login_required
def company_list(request):
    user = request.user
    companies = list(selectors.service_company_list(user=user).order_by("county__code", "name"))
    offers = [(f, ServiceCompany._meta.get_field(f).verbose_name) for f in ServiceCompany.OFFER_FIELDS]
    for company in companies:
        company.offer_marks = [getattr(company, f) for f, _label in offers]
    context = {
        "companies": companies,
        "offers": offers,
        "can_manage": has_capability(user, "stations.manage_service_company"),
        "complete": any(c.offers_everything for c in companies),
    }
    return render(request, "stations/company_list.html", context)


@login_required
def company_create(request):
    user = request.user
    require_capability(user, "stations.manage_service_company")
    form = CompanyForm(request.POST or None)
    if user.county_id is None and request.method == "POST":
        form.is_valid()
        form.add_error(None, _("Only a county's bureau registers its service companies."))
    elif request.method == "POST" and form.is_valid():
        try:
            services.service_company_create(actor=user, county=user.county, **form.cleaned_data)
        except (ApplicationError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Service company registered."))
            return redirect("stations:company_list")
    context = {"form": form, "company": None}
    return render(request, "stations/company_form.html", context, status=400 if form.errors else 200)


@login_required
def company_edit(request, pk: int):
    user = request.user
    company = _company_or_404(user, pk)
    require_capability(user, "stations.manage_service_company")
    form = CompanyForm(request.POST or None, instance=ServiceCompany.objects.get(pk=company.pk))
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in form.changed_data}
        try:
            if changes:
                services.service_company_update(actor=user, company=company, **changes)
        except (ApplicationError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Saved.") if changes else _("Nothing was changed."))
            return redirect("stations:company_list")
    context = {"form": form, "company": company}
    return render(request, "stations/company_form.html", context, status=400 if form.errors else 200)


urlpatterns = [
    path("reconciliation/", reconciliation_list, name="reconciliation_list"),
    path("charges/", charge_list, name="charge_list"),
    path("charges/new/", charge_create, name="charge_create"),
    path("companies/", company_list, name="company_list"),
    path("companies/new/", company_create, name="company_create"),
    path("companies/<int:pk>/edit/", company_edit, name="company_edit"),
]

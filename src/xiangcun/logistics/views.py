"""Pages of the logistics app (namespace `logistics`): the delivery ledger (物流配送记录台账) with its
Excel export, the aging list (parcels not yet delivered, oldest first) and the scan page (a barcode
scanner types the waybill number and Enter; a pasted list is scanned in one go).

Reads go through the scoped selectors; the scan page calls `scanning.scans_record` once per submit.
"""

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from xiangcun.accounts.permissions import has_capability
from xiangcun.core.errors import ApplicationError, PermissionDenied
from xiangcun.core.excel import XLSX_CONTENT_TYPE
from xiangcun.core.pages import PAGE_SIZE, Register, add_service_error, require_capability
from xiangcun.network.choices import FacilityKind
from xiangcun.network.selectors import facility_list, station_list
from xiangcun.stations.selectors import TZ, day_bounds

from . import exports, scanning, selectors, services
from .choices import MAX_SCAN_BATCH, CarrierKind, Direction, ScanKind, ShipmentStatus


class _CodeChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


class LedgerFilterForm(forms.Form):
    """The ledger's filters; invalid input lists nothing (never more than was asked for)."""

    day = forms.DateField(
        label=gettext_lazy("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
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
    center = _CodeChoice(label=gettext_lazy("Township delivery center"), queryset=None, required=False)
    carrier = forms.ModelChoiceField(label=gettext_lazy("Carrier"), queryset=None, required=False)
    station = _CodeChoice(label=gettext_lazy("Station"), queryset=None, required=False)
    direction = forms.ChoiceField(
        label=gettext_lazy("Direction"),
        choices=[("", gettext_lazy("Any")), *Direction.choices],
        required=False,
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("Any")), *ShipmentStatus.choices],
        required=False,
    )
    waybill = forms.CharField(label=gettext_lazy("Waybill number"), max_length=40, required=False)

    def __init__(self, data, *, user):
        super().__init__({k: v for k, v in data.items() if k in self.base_fields})
        self.fields["center"].queryset = facility_list(user=user).filter(kind=FacilityKind.TOWNSHIP_CENTER)
        self.fields["carrier"].queryset = selectors.carrier_list(user=user)
        self.fields["station"].queryset = station_list(user=user).order_by("code")
        for name in ("center", "carrier", "station"):
            self.fields[name].empty_label = _("All")

    def clean(self):
        data = super().clean()
        if data.get("day_from") and data.get("day_to") and data["day_from"] > data["day_to"]:
            self.add_error("day_to", _("Must not be before from."))
        return data

    def filter(self, qs):
        if not self.is_valid():
            return qs.none()
        data = self.cleaned_data
        if data["day"]:
            start, end = day_bounds(data["day"])
            qs = qs.filter(booked_at__gte=start, booked_at__lt=end)
        if data["day_from"]:
            qs = qs.filter(booked_at__gte=day_bounds(data["day_from"])[0])
        if data["day_to"]:
            qs = qs.filter(booked_at__lt=day_bounds(data["day_to"])[1])
        for name in ("center", "carrier", "station"):
            if data[name] is not None:
                qs = qs.filter(**{name: data[name]})
        for name in ("direction", "status"):
            if data[name]:
                qs = qs.filter(**{name: data[name]})
        if data["waybill"].strip():
            qs = qs.filter(waybill_no=data["waybill"].strip())
        return qs

    def label(self) -> str:
        """What was filtered, for the export's title and file name."""
        if not self.is_valid():
            return ""
        data = self.cleaned_data
        parts = []
        if data["day"]:
            parts.append(data["day"].isoformat())
        if data["day_from"] or data["day_to"]:
            parts.append(f"{data['day_from'] or ''}~{data['day_to'] or ''}")
        parts += [str(data[n]) for n in ("center", "carrier") if data[n] is not None]
        if data["station"] is not None:
            parts.append(data["station"].code)
        return " ".join(parts)


def _register(request, qs, total: int) -> Register:
    paginator = Paginator(qs, PAGE_SIZE)
    return Register(
        page=paginator.get_page(request.GET.get("page")), sort="", total=total, count=paginator.count
    )


@login_required
def ledger(request):
    """The delivery ledger: parcels in the user's scope, newest waybill first, filtered."""
    user = request.user
    base = selectors.shipment_list(user=user)
    filters = LedgerFilterForm(request.GET, user=user)
    rows = filters.filter(base).order_by("-booked_at", "-id")
    context = {
        "filters": filters,
        "register": _register(request, rows, base.count()),
        "query": request.GET.urlencode(),
        "now": timezone.now(),
        "can_scan": has_capability(user, "logistics.scan"),
        "can_book": has_capability(user, "logistics.record_shipment"),
    }
    return render(request, "logistics/ledger.html", context, status=400 if filters.errors else 200)


@login_required
def ledger_export(request):
    """The filtered delivery ledger as .xlsx (same filters as the page)."""
    user = request.user
    filters = LedgerFilterForm(request.GET, user=user)
    if not filters.is_valid():
        return render(
            request,
            "logistics/ledger.html",
            {
                "filters": filters,
                "register": _register(request, selectors.shipment_list(user=user).none(), 0),
            },
            status=400,
        )
    county = user.county.code if user.county_id else "all"
    export = exports.ledger_workbook(
        shipments=filters.filter(selectors.shipment_list(user=user)),
        county_code=county,
        label=filters.label(),
    )
    response = HttpResponse(export.content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = export.content_disposition
    return response


class AgingFilterForm(forms.Form):
    center = _CodeChoice(label=gettext_lazy("Township delivery center"), queryset=None, required=False)
    carrier = forms.ModelChoiceField(label=gettext_lazy("Carrier"), queryset=None, required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Only past the 7-day limit"), required=False)

    def __init__(self, data, *, user):
        super().__init__({k: v for k, v in data.items() if k in self.base_fields})
        self.fields["center"].queryset = facility_list(user=user).filter(kind=FacilityKind.TOWNSHIP_CENTER)
        self.fields["carrier"].queryset = selectors.carrier_list(user=user)
        for name in ("center", "carrier"):
            self.fields[name].empty_label = _("All")


@login_required
def aging(request):
    """Parcels not yet delivered, oldest waybill first: where each is, for how long, whether it is late."""
    user = request.user
    now = timezone.now()
    base = selectors.aging_list(user=user)
    filters = AgingFilterForm(request.GET, user=user)
    rows = base.none()
    if filters.is_valid():
        rows = base
        data = filters.cleaned_data
        for name in ("center", "carrier"):
            if data[name] is not None:
                rows = rows.filter(**{name: data[name]})
        if data["overdue"]:
            rows = rows.filter(due_at__lt=now)
    register = _register(request, rows, base.count())
    for p in register.rows:
        p.hours_here = selectors.hours_between(p.current_since, now)
        p.overdue = bool(p.due_at and p.due_at < now)
    context = {
        "filters": filters,
        "register": register,
        "now": now,
        "overdue_total": base.filter(due_at__lt=now).count(),
    }
    return render(request, "logistics/aging.html", context, status=400 if filters.errors else 200)


class ScanForm(forms.Form):
    """One scan (the scanner types the waybill number and Enter) or a pasted list, one number a line."""

    kind = forms.ChoiceField(label=gettext_lazy("Scan"), choices=ScanKind.choices)
    site = forms.ChoiceField(label=gettext_lazy("Where"), choices=())
    device = forms.CharField(label=gettext_lazy("Device"), max_length=64, required=False)
    waybill = forms.CharField(
        label=gettext_lazy("Waybill number"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "inputmode": "text"}),
        help_text=gettext_lazy("Scan the barcode: the scanner types the number and Enter."),
    )
    waybills = forms.CharField(
        label=gettext_lazy("Or paste a list"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("One waybill number a line (up to 1,000)."),
    )
    at = forms.DateTimeField(
        label=gettext_lazy("Scanned at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=gettext_lazy("Leave empty for now."),
    )
    # A new batch id on each blank form; scans are keyed by it, so re-sending the same form (a reload)
    # records nothing twice.
    batch = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = sites

    def clean(self):
        data = super().clean()
        numbers = [data.get("waybill", "").strip()] if data.get("waybill", "").strip() else []
        numbers += [line.strip() for line in data.get("waybills", "").splitlines() if line.strip()]
        if not numbers:
            self.add_error("waybill", _("Scan or type a waybill number."))
        elif len(numbers) > MAX_SCAN_BATCH:
            self.add_error("waybills", _("At most %(n)s waybill numbers at a time.") % {"n": MAX_SCAN_BATCH})
        data["numbers"] = numbers
        return data


def scan_sites(user) -> list[tuple[str, str]]:
    """The sites the user may scan at: their station, their township's center and stations, or every
    facility and station of their county (codes, as the scan items take them)."""
    from xiangcun.network.choices import SiteStatus

    if user.station_id and not user.is_superuser:
        return [(user.station.code, f"{user.station.code} {user.station.name}")]
    facilities = (
        facility_list(user=user).exclude(kind=FacilityKind.COUNTY_CENTER).exclude(status=SiteStatus.CLOSED)
    )
    if user.township_id and not user.is_superuser:
        facilities = facilities.filter(township_id=user.township_id)
    stations = station_list(user=user).exclude(status=SiteStatus.CLOSED).order_by("code")
    choices = [(f.code, f"{f.code} {f.name}") for f in facilities.order_by("kind", "code")]
    choices += [(s.code, f"{s.code} {s.name}") for s in stations]
    if not user.township_id or user.is_superuser:
        choices.append(("", _("Outside the county (delivered by the long-haul carrier)")))
    return choices


@login_required
def scan(request):
    user = request.user
    if not has_capability(user, "logistics.scan"):
        raise DjangoPermissionDenied
    sites = scan_sites(user)
    initial = {
        "batch": uuid.uuid4(),
        "kind": request.GET.get("kind", ScanKind.IN),
        "site": request.GET.get("site", ""),
    }
    form = ScanForm(request.POST or None, sites=sites, initial=initial)
    results = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            at = data["at"] or timezone.now()
            if timezone.is_naive(at):
                at = timezone.make_aware(at, TZ)
            items = [
                {
                    "uuid": str(uuid.uuid5(data["batch"], f"{i}|{number}")),
                    "waybill": number,
                    "kind": data["kind"],
                    "at": at.isoformat(),
                    "site": data["site"] or None,
                    "device": data["device"],
                }
                for i, number in enumerate(data["numbers"])
            ]
            try:
                results = scanning.scans_record(actor=user, items=items)
            except PermissionDenied as exc:
                raise DjangoPermissionDenied(exc.message) from exc
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                for r in results:
                    r.status_label = ShipmentStatus(r.shipment_status).label if r.shipment_status else ""
                # A fresh form for the next scan, keeping the kind, site and device.
                keep = {k: data[k] for k in ("kind", "site", "device")}
                form = ScanForm(sites=sites, initial={**keep, "batch": uuid.uuid4()})
        if form.errors:
            status = 400
    context = {
        "form": form,
        "results": results,
        "created": sum(1 for r in results or () if r.status == "created"),
        "rejected": sum(1 for r in results or () if r.status == "rejected"),
    }
    return render(request, "logistics/scan.html", context, status=status)


class PeriodForm(forms.Form):
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

    def clean(self):
        data = super().clean()
        if data.get("day_from") and data.get("day_to") and data["day_from"] > data["day_to"]:
            self.add_error("day_to", _("Must not be before from."))
        return data


@login_required
def performance(request):
    """The bureau's view of the three-tier delivery: per carrier and per township, parcels, on-time rate
    within 7 days and cost per parcel (waybills made in the period); carriers integrated at township
    centers (R3: at least two) and township express coverage (100 %); funded-route conflicts (R1.3)."""
    from xiangcun.regions.selectors import county_list

    user = request.user
    now = timezone.now()
    form = PeriodForm({k: v for k, v in request.GET.items() if k in PeriodForm.base_fields})
    start = end = None
    valid = form.is_valid()
    if valid:
        if form.cleaned_data["day_from"]:
            start = day_bounds(form.cleaned_data["day_from"])[0]
        if form.cleaned_data["day_to"]:
            end = day_bounds(form.cleaned_data["day_to"])[1]
    county = user.county if user.county_id else county_list(user=user).order_by("code").first()
    context = {
        "form": form,
        "carriers": selectors.carrier_performance(user=user, now=now, start=start, end=end) if valid else [],
        "townships": selectors.township_performance(user=user, now=now, start=start, end=end)
        if valid
        else [],
        "coverage": selectors.township_coverage(user=user, county=county, on=timezone.localdate(now, TZ))
        if county
        else None,
        "conflicts": selectors.funded_route_conflicts(user=user),
        "prices": selectors.price_comparison(user=user, county=county, on=timezone.localdate(now, TZ))
        if county
        else [],
    }
    return render(request, "logistics/performance.html", context, status=200 if valid else 400)


# --- carriers and their presence at township centers -------------------------------------------------


class CarrierForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=CarrierKind.choices)
    contact_name = forms.CharField(label=gettext_lazy("Contact person"), max_length=50, required=False)
    contact_phone = forms.CharField(label=gettext_lazy("Contact phone"), max_length=20, required=False)
    funded = forms.BooleanField(label=gettext_lazy("Receives program funds"), required=False)
    funded_route = forms.CharField(
        label=gettext_lazy("Funded route"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("At most one funded company per logistics route (R1.3)."),
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    notes = forms.CharField(
        label=gettext_lazy("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class PresenceForm(forms.Form):
    carrier = forms.ModelChoiceField(label=gettext_lazy("Carrier"), queryset=None)
    facility = _CodeChoice(label=gettext_lazy("Township delivery center"), queryset=None)
    since = forms.DateField(label=gettext_lazy("Since"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(
        label=gettext_lazy("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["carrier"].queryset = selectors.carrier_list(user=user)
        self.fields["facility"].queryset = facility_list(user=user).filter(kind=FacilityKind.TOWNSHIP_CENTER)


@login_required
def carrier_list(request):
    """The county's carriers (second funded carrier on a route flagged) and their presence at township
    centers; the bureau and contractor record a carrier's integration at a center here."""
    user = request.user
    can_manage = has_capability(user, "logistics.manage_carrier")
    if request.method == "POST" and not can_manage:
        raise DjangoPermissionDenied
    form = PresenceForm(request.POST or None, user=user) if can_manage else None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.presence_record(actor=user, **form.cleaned_data)
        except (ApplicationError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Recorded."))
            return redirect("logistics:carrier_list")
    if form is not None and form.errors:
        status = 400
    conflicts = selectors.funded_route_conflicts(user=user)
    flagged = {c.pk for conflict in conflicts for c in conflict.carriers}
    carriers = list(selectors.carrier_list(user=user).order_by("county__code", "name"))
    for carrier in carriers:
        carrier.route_conflict = carrier.pk in flagged
    context = {
        "carriers": carriers,
        "presences": selectors.presence_list(user=user).order_by("facility__code", "carrier__name", "since"),
        "conflicts": conflicts,
        "form": form,
        "can_manage": can_manage,
    }
    return render(request, "logistics/carrier_list.html", context, status=status)


@login_required
def carrier_edit(request, pk: int | None = None):
    user = request.user
    require_capability(user, "logistics.manage_carrier")
    carrier = None
    if pk is not None:
        carrier = selectors.carrier_list(user=user).filter(pk=pk).first()
        if carrier is None:
            raise Http404
    initial = {f: getattr(carrier, f) for f in services.CARRIER_FIELDS} if carrier else {"is_active": True}
    form = CarrierForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if carrier is None:
                if user.county_id is None:
                    raise ApplicationError(_("Only a county's bureau or contractor registers its carriers."))
                services.carrier_create(actor=user, county=user.county, **form.cleaned_data)
            else:
                changes = {f: form.cleaned_data[f] for f in form.changed_data}
                if changes:
                    services.carrier_update(actor=user, carrier=carrier, **changes)
        except (ApplicationError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("logistics:carrier_list")
    context = {"form": form, "carrier": carrier}
    return render(request, "logistics/carrier_form.html", context, status=400 if form.errors else 200)


@login_required
def shipment_detail(request, pk: int):
    """One parcel: its waybill, route (legs) and every scan, oldest first."""
    shipment = selectors.shipment_list(user=request.user).select_related("transaction").filter(pk=pk).first()
    if shipment is None:
        raise Http404
    now = timezone.now()
    context = {
        "p": shipment,
        "legs": selectors.shipment_legs(shipment=shipment).order_by("sequence"),
        "scans": selectors.shipment_scans(shipment=shipment),
        "overdue": bool(
            shipment.due_at and not shipment.arrived_at and not shipment.returned_at and shipment.due_at < now
        ),
        "hours_here": selectors.hours_between(shipment.current_since, now),
    }
    return render(request, "logistics/shipment_detail.html", context)


urlpatterns = [
    path("parcels/<int:pk>/", shipment_detail, name="shipment_detail"),
    path("carriers/", carrier_list, name="carrier_list"),
    path("carriers/new/", carrier_edit, name="carrier_create"),
    path("carriers/<int:pk>/edit/", carrier_edit, name="carrier_edit"),
    path("performance/", performance, name="performance"),
    path("", ledger, name="ledger"),
    path("export.xlsx", ledger_export, name="ledger_export"),
    path("aging/", aging, name="aging"),
    path("scan/", scan, name="scan"),
]

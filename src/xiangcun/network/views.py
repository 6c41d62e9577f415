"""Pages of the network registers: facilities and village stations, their details (equipment checklist,
standards check, status history, location), editors and status transitions.

Reads go through the scoped selectors (out of scope → 404); writes are one service call each, refused
with 403 when the role lacks the capability. Service errors are shown beside the form fields.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xiangcun.accounts.permissions import has_capability
from xiangcun.core.errors import ApplicationError
from xiangcun.core.pages import add_service_error, register, require_capability
from xiangcun.core.templatetags.xiangcun import facility_url

from . import checks, selectors, services
from .choices import SITE_TRANSITIONS
from .forms import (
    FacilityCreateForm,
    FacilityFilterForm,
    FacilityForm,
    StationCreateForm,
    StationFilterForm,
    StationForm,
    StationManagerForm,
    TransitionForm,
)
from .models import Facility, Station
from .standard import STANDARDS, STATION, station_min_area

FACILITY_SORTS = {
    "code": ("code",),
    "name": ("name",),
    "kind": ("kind",),
    "township": ("township__code",),
    "status": ("status",),
    "area": ("area_m2",),
}
STATION_SORTS = {
    "code": ("code",),
    "name": ("name",),
    "village": ("village__name",),
    "township": ("township__code",),
    "status": ("status",),
    "area": ("area_m2",),
    "opened": ("opened_on",),
}


def _facility_or_404(request, code: str) -> Facility:
    """Facility codes are unique per county; `?county=` picks the county when the user sees several."""
    qs = selectors.facility_list(user=request.user).filter(code=code)
    if request.GET.get("county"):
        qs = qs.filter(county__code=request.GET["county"])
    facility = qs.order_by("county__code").first()
    if facility is None:
        raise Http404
    return facility


def _station_or_404(user, code: str) -> Station:
    station = selectors.station_get(user=user, code=code)
    if station is None:
        raise Http404
    return station


def checklist(site, kind_key: str) -> list[dict]:
    """The construction standard's requirements of this kind, grouped by category, each with ✓/✗."""
    equipment = site.equipment or {}
    labels = {"room": _("Rooms"), "equipment": _("Equipment"), "signage": _("Signage")}
    groups: dict[str, list] = {}
    for req in STANDARDS[kind_key].requirements:
        applies = not req.only_if or bool(getattr(site, req.only_if, False))
        groups.setdefault(req.category, []).append(
            {"code": req.code, "name": req.name, "present": bool(equipment.get(req.code)), "applies": applies}
        )
    return [{"label": labels[c], "items": groups[c]} for c in ("room", "equipment", "signage") if c in groups]


def _can_transition(user, site) -> bool:
    capability = "network.transition_station" if isinstance(site, Station) else "network.transition_facility"
    return has_capability(user, capability) and bool(SITE_TRANSITIONS[site.status])


# --- facilities ---------------------------------------------------------------------------------


@login_required
def facility_list(request):
    user = request.user
    base = selectors.facility_list(user=user)
    form = FacilityFilterForm(request.GET, user=user)
    reg = register(request, form.filter(base), total=base.count(), sorts=FACILITY_SORTS, default_sort="kind")
    compliance = selectors.facility_compliance(reg.rows)
    for facility in reg.rows:
        facility.compliant = checks.is_compliant(compliance[facility.pk])
    context = {"form": form, "register": reg, "can_add": has_capability(user, "network.add_facility")}
    return render(request, "network/facility_list.html", context, status=400 if form.errors else 200)


def _facility_page(request, facility: Facility, *, transition_form=None, status=200):
    user = request.user
    findings = checks.facility_findings(facility)
    context = {
        "facility": facility,
        "standard": STANDARDS[facility.kind],
        "checklist": checklist(facility, facility.kind),
        "findings": findings,
        "compliant": checks.is_compliant(findings),
        "history": selectors.status_history(site=facility),
        "can_edit": has_capability(user, "network.change_facility"),
        "can_transition": _can_transition(user, facility),
        "transition_form": transition_form or TransitionForm(site=facility),
        "outline": facility.county.outline,
    }
    return render(request, "network/facility_detail.html", context, status=status)


@login_required
def facility_detail(request, code: str):
    return _facility_page(request, _facility_or_404(request, code))


@login_required
def facility_create(request):
    user = request.user
    require_capability(user, "network.add_facility")
    form = FacilityCreateForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        county = form.cleaned_data["county"] if user.is_superuser else user.county
        try:
            facility = services.facility_create(actor=user, county=county, **form.values())
        except (ApplicationError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Facility created."))
            return redirect(facility_url(facility))
    context = {"form": form, "facility": None}
    return render(request, "network/facility_form.html", context, status=400 if form.errors else 200)


@login_required
def facility_edit(request, code: str):
    user = request.user
    facility = _facility_or_404(request, code)
    require_capability(user, "network.change_facility")
    form = FacilityForm(request.POST or None, request.FILES or None, instance=facility)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect(facility_url(facility))
        try:
            services.facility_update(actor=user, facility=facility, **changes)
        except (ApplicationError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(facility_url(facility))
    context = {"form": form, "facility": facility}
    return render(request, "network/facility_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def facility_transition(request, code: str):
    user = request.user
    facility = _facility_or_404(request, code)
    require_capability(user, "network.transition_facility")
    form = TransitionForm(request.POST, site=facility)
    if form.is_valid():
        try:
            services.facility_transition(actor=user, facility=facility, **form.cleaned_data)
        except (ApplicationError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Status changed."))
            return redirect(facility_url(facility))
    return _facility_page(request, facility, transition_form=form, status=400)


# --- stations -----------------------------------------------------------------------------------


@login_required
def station_list(request):
    user = request.user
    base = selectors.station_list(user=user)
    form = StationFilterForm(request.GET, user=user)
    reg = register(request, form.filter(base), total=base.count(), sorts=STATION_SORTS, default_sort="code")
    # The standards check for the rows of this page only, in bulk (two queries).
    findings = selectors.station_compliance(base.filter(pk__in=[s.pk for s in reg.rows]))
    for station in reg.rows:
        station.blocking = [f for f in findings[station.pk] if f.blocking]
        station.compliant = not station.blocking
    form.prepare_village_choices()
    context = {"form": form, "register": reg, "can_add": has_capability(user, "network.add_station")}
    return render(request, "network/station_list.html", context, status=400 if form.errors else 200)


def _station_page(request, station: Station, *, transition_form=None, status=200):
    user = request.user
    findings = checks.station_findings_one(station)
    village = station.village
    context = {
        "station": station,
        "checklist": checklist(station, STATION),
        "findings": findings,
        "blocking": [f for f in findings if f.blocking],
        "warnings": [f for f in findings if not f.blocking],
        "compliant": checks.is_compliant(findings),
        "min_area": station_min_area(population=village.population, is_poor=village.is_poor),
        "history": selectors.status_history(site=station),
        "can_edit": _station_form_class(user, station) is not None,
        "can_transition": _can_transition(user, station),
        "transition_form": transition_form or TransitionForm(site=station),
        "outline": station.county.outline,
    }
    return render(request, "network/station_detail.html", context, status=status)


@login_required
def station_detail(request, code: str):
    return _station_page(request, _station_or_404(request.user, code))


def _station_form_class(user, station: Station):
    """The editor `user` may use on `station`: all fields, the manager's few, or none."""
    if has_capability(user, "network.change_station"):
        return StationForm
    if has_capability(user, "network.change_own_station") and user.station_id == station.pk:
        return StationManagerForm
    return None


@login_required
def station_create(request):
    user = request.user
    require_capability(user, "network.add_station")
    initial = {}
    if request.method == "GET" and request.GET.get("village", "").isdigit():
        initial["village"] = int(request.GET["village"])
    form = StationCreateForm(request.POST or None, request.FILES or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            station = services.station_create(actor=user, **form.values())
        except (ApplicationError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Station %(code)s created.") % {"code": station.code})
            return redirect("network:station_detail", code=station.code)
    context = {"form": form, "station": None}
    return render(request, "network/station_form.html", context, status=400 if form.errors else 200)


@login_required
def station_edit(request, code: str):
    user = request.user
    station = _station_or_404(user, code)
    form_class = _station_form_class(user, station)
    if form_class is None:
        raise PermissionDenied
    form = form_class(request.POST or None, request.FILES or None, instance=station)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("network:station_detail", code=station.code)
        try:
            services.station_update(actor=user, station=station, **changes)
        except (ApplicationError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("network:station_detail", code=station.code)
    context = {"form": form, "station": station, "manager_form": form_class is StationManagerForm}
    return render(request, "network/station_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def station_transition(request, code: str):
    user = request.user
    station = _station_or_404(user, code)
    require_capability(user, "network.transition_station")
    form = TransitionForm(request.POST, site=station)
    if form.is_valid():
        try:
            services.station_transition(actor=user, station=station, **form.cleaned_data)
        except (ApplicationError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Status changed."))
            return redirect("network:station_detail", code=station.code)
    return _station_page(request, station, transition_form=form, status=400)


# ==================================================================================================
# staff (ledger helper's block): people working at centers and stations, R7 flag
# ==================================================================================================


def _staff_or_404(user, pk: int):
    member = selectors.staff_list(user=user).filter(pk=pk).first()
    if member is None:
        raise Http404
    return member


@login_required
def staff_list(request):
    """Staff per facility and station, with the "from a registered poor household" flag (R7)."""
    from django.core.paginator import Paginator
    from django.db.models import Count, F, Q

    from xiangcun.core.pages import PAGE_SIZE, Register

    from .forms import StaffFilterForm

    user = request.user
    base = selectors.staff_list(user=user)
    form = StaffFilterForm(request.GET, user=user)
    # Facilities first, then stations, each by code (NULL codes last on every database).
    rows = form.filter(base).order_by(
        F("facility__code").asc(nulls_last=True), F("station__code").asc(nulls_last=True), "name", "id"
    )
    paginator = Paginator(rows, PAGE_SIZE)
    reg = Register(
        page=paginator.get_page(request.GET.get("page")), sort="", total=base.count(), count=paginator.count
    )
    current = base.filter(left_on__isnull=True).aggregate(
        n=Count("id"), poor=Count("id", filter=Q(from_poor_household=True))
    )
    context = {
        "form": form,
        "register": reg,
        "current": current,
        "can_manage": has_capability(user, "network.manage_staff"),
    }
    return render(request, "network/staff_list.html", context, status=400 if form.errors else 200)


def _staff_form_page(request, member=None):
    from .forms import StaffForm

    user = request.user
    require_capability(user, "network.manage_staff")
    form = StaffForm(request.POST or None, user=user, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            if member is None:
                services.staff_create(actor=user, **form.values())
            else:
                values = form.values()
                changes = {k: v for k, v in values.items() if getattr(member, k) != v}
                if changes:
                    services.staff_update(actor=user, member=member, **changes)
        except (ApplicationError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Staff record saved."))
            return redirect("network:staff_list")
    context = {"form": form, "member": member}
    return render(request, "network/staff_form.html", context, status=400 if form.errors else 200)


@login_required
def staff_create(request):
    return _staff_form_page(request)


@login_required
def staff_edit(request, pk: int):
    return _staff_form_page(request, _staff_or_404(request.user, pk))

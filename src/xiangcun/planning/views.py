"""Pages of the planning app: the list of saved plans, the forms that run a layout or siting plan, the
plan page (map, comparison with the built layout, assignment table, Excel export), a township center's
visit schedule (station × weekday grid, re-planned from the grid) and delivery routes (map, one table
per vehicle, the printable driver's sheet and its Excel export), and the uploaded distance matrices. Reads go through the scoped selectors; a run is one service call."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from xiangcun.accounts.permissions import has_capability
from xiangcun.core.errors import ApplicationError
from xiangcun.core.pages import add_service_error, require_capability

from . import exports, selectors, services
from .choices import PlanKind
from .forms import DistanceMatrixForm, LayoutPlanForm, RoutePlanForm, SitingPlanForm, VisitScheduleForm

FORMS = {PlanKind.LAYOUT: LayoutPlanForm, PlanKind.SITING: SitingPlanForm}


@login_required
def plan_list(request):
    user = request.user
    context = {
        "plans": selectors.plan_list(user=user)[:200],
        "can_create": has_capability(user, "planning.create_plan"),
    }
    return render(request, "planning/plan_list.html", context)


@login_required
def plan_create(request, kind: str):
    if kind not in FORMS:
        raise Http404
    require_capability(request.user, "planning.create_plan")
    form_class = FORMS[kind]
    form = form_class(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            create = services.layout_plan_create if kind == PlanKind.LAYOUT else services.siting_plan_create
            try:
                plan = create(actor=request.user, **form.service_kwargs())
            except (ApplicationError, ValidationError) as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("The plan was computed and saved."))
                return redirect("planning:plan_detail", pk=plan.pk)
        status = 400
    context = {"form": form, "kind": kind, "kind_label": PlanKind(kind).label}
    return render(request, "planning/plan_form.html", context, status=status)


def _plan_or_404(request, pk) -> object:
    plan = selectors.plan_get(user=request.user, pk=pk)
    if plan is None:
        raise Http404
    return plan


def map_data(plan, comparison) -> dict:
    """What the plan map draws: the county outline, the villages (coloured by assigned center, or by
    station and coverage for siting), the candidate seats (chosen, built)."""
    demand = plan.inputs["demand"]
    assignment = {a["code"]: a for a in plan.result["assignment"]}
    data = {"kind": plan.kind, "outline": plan.county.outline, "villages": [], "sites": []}
    if plan.kind == PlanKind.LAYOUT:
        chosen = plan.result["open_sites"]
        names = {c["code"]: c["name"] for c in plan.inputs["candidates"]}
        built = set(comparison["built_sites"]) if comparison else set()
        for c in plan.inputs["candidates"]:
            if c["lat"] is None:
                continue
            data["sites"].append(
                {
                    **c,
                    "chosen": c["code"] in chosen,
                    "built": c["code"] in built,
                    "group": chosen.index(c["code"]) if c["code"] in chosen else None,
                }
            )
        for d in demand:
            if d["lat"] is None:
                continue
            a = assignment[d["code"]]
            data["villages"].append(
                {
                    "code": d["code"],
                    "name": d["name"],
                    "lat": d["lat"],
                    "lng": d["lng"],
                    "weight": d["weight"],
                    "group": chosen.index(a["site"]),
                    "site": a["site"],
                    "site_name": names.get(a["site"], ""),
                    "distance_m": a["distance_m"],
                }
            )
        return data
    new, existing = set(plan.result["new"]), set(plan.result["existing"])
    beyond = plan.result["beyond"]["distance_m"]
    for d in demand:
        if d["lat"] is None:
            continue
        a = assignment[d["code"]]
        if d["code"] in new:
            state = "new"
        elif d["code"] in existing:
            state = "existing"
        elif a["distance_m"] is not None and a["distance_m"] <= beyond:
            state = "near"
        else:
            state = "far"
        data["villages"].append(
            {
                "code": d["code"],
                "name": d["name"],
                "lat": d["lat"],
                "lng": d["lng"],
                "weight": d["weight"],
                "state": state,
                "required": a["required"],
                "site": a["site"],
                "distance_m": a["distance_m"],
            }
        )
    return data


@login_required
def plan_detail(request, pk: int):
    plan = _plan_or_404(request, pk)
    if plan.kind == PlanKind.ROUTES:
        return _route_detail(request, plan)
    if plan.kind == PlanKind.SCHEDULE:
        return _schedule_detail(request, plan)
    comparison = selectors.plan_comparison(plan)
    headers, rows, _codes = exports.plan_rows(plan)
    context = {
        "plan": plan,
        "comparison": comparison,
        "map_data": map_data(plan, comparison),
        "headers": headers,
        "rows": rows,
        "names": {c["code"]: c["name"] for c in plan.inputs.get("candidates", [])}
        | {d["code"]: d["name"] for d in plan.inputs["demand"]},
    }
    return render(request, "planning/plan_detail.html", context)


@login_required
def plan_export(request, pk: int):
    plan = _plan_or_404(request, pk)
    export = exports.plan_export(plan, user=request.user)
    response = HttpResponse(export.content, content_type=exports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = export.content_disposition
    return response


@login_required
def matrix_list(request):
    user = request.user
    can_upload = has_capability(user, "planning.create_plan")
    form = DistanceMatrixForm(request.POST or None, request.FILES or None, user=user)
    status = 200
    row_errors = []
    if request.method == "POST":
        require_capability(user, "planning.create_plan")
        if form.is_valid():
            data = dict(form.cleaned_data)
            county = data.pop("county", None) or user.county
            try:
                services.distance_matrix_upload(
                    actor=user, county=county, name=data["name"], upload=data["file"]
                )
            except (ApplicationError, ValidationError) as exc:
                if isinstance(exc, ApplicationError) and "rows" in exc.fields:
                    row_errors = exc.fields["rows"]
                    form.add_error(None, exc.message)
                else:
                    add_service_error(form, exc)
            else:
                messages.success(request, _("The distance matrix was saved."))
                return redirect(reverse("planning:matrix_list"))
        status = 400
    context = {
        "matrices": selectors.distance_matrix_list(user=user)[:200],
        "form": form,
        "can_upload": can_upload,
        "row_errors": row_errors,
    }
    return render(request, "planning/matrix_list.html", context, status=status)


# --- delivery routes and visit schedules -------------------------------------------------------------


def _run(request, form, create, *, extra=None):
    """Validate `form`, call `create`, redirect to the new plan; or the form again with errors (400)."""
    if form.is_valid():
        try:
            plan = create(actor=request.user, **form.service_kwargs(**(extra or {})))
        except (ApplicationError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The plan was computed and saved."))
            return redirect("planning:plan_detail", pk=plan.pk)
    return None


@login_required
def route_plan_create(request):
    require_capability(request.user, "planning.create_plan")
    initial = {k: request.GET[k] for k in ("center", "service_date") if k in request.GET}
    form = RoutePlanForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST":
        done = _run(request, form, services.route_plan_create)
        if done is not None:
            return done
    context = {"form": form, "kind": PlanKind.ROUTES, "kind_label": PlanKind.ROUTES.label}
    return render(
        request, "planning/plan_form.html", context, status=400 if request.method == "POST" else 200
    )


@login_required
def schedule_create(request):
    """The schedule form; a POST from a schedule page's grid also carries `freq_<station code>` for
    every station whose visits a week the user changed (compared with `was_<station code>`)."""
    require_capability(request.user, "planning.create_plan")
    initial = {"center": request.GET["center"]} if "center" in request.GET else {}
    form = VisitScheduleForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST":
        frequencies = {}
        for key, value in request.POST.items():
            if (
                key.startswith("freq_")
                and value.strip()
                and value.strip() != request.POST.get(f"was_{key[5:]}")
            ):
                frequencies[key[5:]] = value.strip()
        done = _run(request, form, services.visit_schedule_create, extra={"frequencies": frequencies})
        if done is not None:
            return done
    context = {"form": form, "kind": PlanKind.SCHEDULE, "kind_label": PlanKind.SCHEDULE.label}
    return render(
        request, "planning/plan_form.html", context, status=400 if request.method == "POST" else 200
    )


# The vehicles' colours, as in static/planning/route_map.js.
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]
PALETTE += ["#bcbd22", "#7f7f7f", "#393b79", "#637939"]


def route_map_data(plan) -> dict:
    """What the route map draws: the center, the stops (with vehicle and order) and each vehicle's
    polyline (center → stops → center)."""
    center = plan.inputs["center"]
    located = {s["code"]: s for s in plan.inputs["stops"]}
    routes = []
    for route in plan.result["routes"]:
        path = [[center["lat"], center["lng"]]] if center["lat"] is not None else []
        stops = []
        for number, stop in enumerate(route["stops"], start=1):
            where = located.get(stop["station"], {})
            if where.get("lat") is None:
                continue
            path.append([where["lat"], where["lng"]])
            stops.append(
                {
                    "number": number,
                    "name": stop["name"],
                    "code": stop["station"],
                    "lat": where["lat"],
                    "lng": where["lng"],
                    "arrival": stop["arrival"],
                    "parcels": stop["parcels"],
                    "urgent": stop["urgent"],
                }
            )
        if path and center["lat"] is not None:
            path.append([center["lat"], center["lng"]])
        routes.append({"vehicle": route["vehicle"], "km": route["km"], "path": path, "stops": stops})
    return {"outline": plan.county.outline, "center": center, "routes": routes}


def _route_detail(request, plan):
    vehicles = exports.driver_sheet(plan, user=request.user)
    for i, vehicle in enumerate(vehicles):
        vehicle["colour"] = PALETTE[i % len(PALETTE)]
    context = {"plan": plan, "map_data": route_map_data(plan), "vehicles": vehicles}
    return render(request, "planning/route_detail.html", context)


def _schedule_detail(request, plan):
    columns, rows = exports.schedule_grid(plan)
    context = {
        "plan": plan,
        "columns": columns,
        "rows": rows,
        "can_create": has_capability(request.user, "planning.create_plan"),
        "replan_form": VisitScheduleForm(
            user=request.user,
            initial={
                "center": plan.center_id,
                "weekdays": plan.parameters["weekdays"],
                "frequency": plan.parameters.get("frequency"),
                "parcels_per_visit": plan.parameters["parcels_per_visit"],
                "as_of": plan.parameters["as_of"],
                "history_weeks": plan.parameters["history_weeks"],
                "warehouse_to_center_days": plan.parameters.get("warehouse_to_center_days"),
                "shift_start": plan.parameters["shift_start"],
                "shift_end": plan.parameters["shift_end"],
            },
        ),
    }
    return render(request, "planning/schedule_detail.html", context)


@login_required
def route_sheet(request, pk: int):
    """The printable driver's sheet of a route plan (A4, one vehicle per page)."""
    plan = _plan_or_404(request, pk)
    if plan.kind != PlanKind.ROUTES:
        raise Http404
    context = {"plan": plan, "vehicles": exports.driver_sheet(plan, user=request.user)}
    return render(request, "planning/route_sheet.html", context)

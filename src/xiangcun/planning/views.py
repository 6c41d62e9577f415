"""Pages of the planning app: the list of saved plans, the forms that run a layout or siting plan, the
plan page (map, comparison with the built layout, assignment table, Excel export) and the uploaded
distance matrices. Reads go through the scoped selectors; a run is one service call."""

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
from .forms import DistanceMatrixForm, LayoutPlanForm, SitingPlanForm

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
    export = exports.plan_workbook(plan)
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

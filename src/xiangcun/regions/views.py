"""Pages of the regions registers: townships and villages, their details and fact editors.

Every read goes through the scoped selectors (a row outside the user's scope is a 404); every write is
one service call, refused with 403 when the role lacks the capability.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from xiangcun.accounts.permissions import has_capability
from xiangcun.core.errors import ApplicationError
from xiangcun.core.pages import add_service_error, register, require_capability
from xiangcun.network.choices import SiteStatus
from xiangcun.network.selectors import facility_list, station_list

from . import selectors, services
from .forms import TownshipExpressForm, TownshipFilterForm, VillageFactsForm, VillageFilterForm
from .models import Township, Village

TOWNSHIP_SORTS = {
    "code": ("code",),
    "name": ("name",),
    "villages": ("village_count",),
    "poor": ("poor_village_count",),
    "stations": ("station_count",),
    "operating": ("operating_station_count",),
}
VILLAGE_SORTS = {
    "code": ("code",),
    "name": ("name",),
    "township": ("township__code",),
    "population": ("population",),
}


def villages_with_station(user) -> QuerySet[Village]:
    """The user's villages annotated with `has_station`: an operating station (that the user may see)
    is in the village — the coverage measure of R1.5."""
    operating = station_list(user=user).filter(village=OuterRef("pk"), status=SiteStatus.OPERATING)
    return selectors.village_list(user=user).annotate(has_station=Exists(operating))


def _township_or_404(user, pk: int) -> Township:
    township = selectors.township_summary(user=user).filter(pk=pk).first()
    if township is None:
        raise Http404
    return township


def _village_or_404(user, code: str) -> Village:
    village = villages_with_station(user).filter(code=code).first()
    if village is None:
        raise Http404
    return village


@login_required
def township_list(request):
    base = selectors.township_summary(user=request.user)
    form = TownshipFilterForm(request.GET, user=request.user)
    reg = register(request, form.filter(base), total=base.count(), sorts=TOWNSHIP_SORTS, default_sort="code")
    context = {"form": form, "register": reg}
    return render(request, "regions/township_list.html", context, status=400 if form.errors else 200)


@login_required
def township_detail(request, pk: int):
    user = request.user
    township = _township_or_404(user, pk)
    context = {
        "township": township,
        "villages": villages_with_station(user).filter(township=township).order_by("code"),
        "stations": station_list(user=user).filter(township=township).order_by("code"),
        "facilities": facility_list(user=user).filter(township=township),
        "can_edit": has_capability(user, "regions.change_township"),
        "express_form": TownshipExpressForm(township=township),
    }
    return render(request, "regions/township_detail.html", context)


@login_required
def township_edit(request, pk: int):
    """Record whether the township has an express outlet (bureau)."""
    township = _township_or_404(request.user, pk)
    require_capability(request.user, "regions.change_township")
    form = TownshipExpressForm(request.POST or None, township=township)
    if request.method == "POST" and form.is_valid():
        try:
            services.township_update(actor=request.user, township=township, has_express_outlet=form.value())
        except (ApplicationError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("regions:township_detail", pk=township.pk)
    context = {"township": township, "form": form}
    return render(request, "regions/township_form.html", context, status=400 if form.errors else 200)


@login_required
def village_list(request):
    user = request.user
    base = villages_with_station(user)
    form = VillageFilterForm(request.GET, user=user)
    reg = register(request, form.filter(base), total=base.count(), sorts=VILLAGE_SORTS, default_sort="code")
    context = {"form": form, "register": reg, "can_add_station": has_capability(user, "network.add_station")}
    return render(request, "regions/village_list.html", context, status=400 if form.errors else 200)


@login_required
def village_detail(request, code: str):
    user = request.user
    village = _village_or_404(user, code)
    context = {
        "village": village,
        "stations": station_list(user=user).filter(village=village).order_by("code"),
        "can_edit": bool(VillageFactsForm.fields_for(user)),
        "can_add_station": has_capability(user, "network.add_station"),
    }
    return render(request, "regions/village_detail.html", context)


@login_required
def village_edit(request, code: str):
    """Edit a village's facts: all of them (bureau) or only the poor-village flag (poverty office)."""
    user = request.user
    village = _village_or_404(user, code)
    if not VillageFactsForm.fields_for(user):
        raise PermissionDenied
    form = VillageFactsForm(request.POST or None, user=user, village=village)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("regions:village_detail", code=village.code)
        try:
            services.village_update(actor=user, village=village, **changes)
        except (ApplicationError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("regions:village_detail", code=village.code)
    context = {"village": village, "form": form}
    return render(request, "regions/village_form.html", context, status=400 if form.errors else 200)

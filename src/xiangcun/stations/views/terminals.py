"""Pages: station terminals (上网行为数据管理器) — the county's terminals with this month's online rate
(shortfalls first), and one station's terminal: status, days of the month, issue / rotate / revoke.

For users with `stations.manage_terminal` (bureau, contractor), scoped to their county (a superuser
picks one with `?county=`). Another station or county is a 404; a user without the capability a 403.
Writes are one service call each (`stations.terminals`), audited there. A newly issued token is shown
once, in the response to the POST that made it (never stored, never put in a message or a redirect).
"""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from xiangcun.core.errors import ApplicationError
from xiangcun.core.pages import add_service_error, require_capability
from xiangcun.network.selectors import station_list
from xiangcun.regions.models import County
from xiangcun.reporting.online import TARGET_PERCENT, station_days, station_online, terminal_rows
from xiangcun.stations.terminals import terminal_issue, terminal_revoke
from xiangcun.stations.uptime import last_heartbeat

CAPABILITY = "stations.manage_terminal"


class TerminalIssueForm(forms.Form):
    serial = forms.CharField(
        label=gettext_lazy("Serial number"),
        required=False,
        max_length=64,
        help_text=gettext_lazy("Printed on the device; optional."),
    )


def _county(request) -> County:
    """The user's county; a superuser's from `?county=` (or the first county)."""
    user = request.user
    counties = County.objects.all() if user.is_superuser else County.objects.filter(pk=user.county_id)
    code = request.GET.get("county")
    if code:
        counties = counties.filter(code=code)
    county = counties.order_by("code").defer("outline").first()
    if county is None:
        raise Http404
    return county


def _station(request, code: str):
    """The station `code` in the user's scope (`?county=` picks the county for a superuser)."""
    qs = station_list(user=request.user).filter(code=code)
    if request.GET.get("county"):
        qs = qs.filter(county__code=request.GET["county"])
    station = qs.select_related("terminal").order_by("county__code").first()
    if station is None:
        raise Http404
    return station


def _detail_url(station) -> str:
    return f"{reverse('stations:terminal_detail', args=[station.code])}?county={station.county.code}"


@login_required
def terminal_list(request):
    """The county's stations with their terminal and this month's online rate, shortfalls first."""
    require_capability(request.user, CAPABILITY)
    county = _county(request)
    now = timezone.now()
    today = timezone.localdate(now)
    rows = terminal_rows(user=request.user, county=county, year=today.year, month=today.month, now=now)
    measured = [r for r in rows if r.meets is not None]
    context = {
        "county": county,
        "month": today.replace(day=1),
        "rows": rows,
        "target": TARGET_PERCENT,
        "measured": len(measured),
        "meeting": sum(1 for r in measured if r.meets),
        "online_seconds": sum(r.online.online_seconds for r in measured),
        "opening_seconds": sum(r.online.opening_seconds for r in measured),
        "without_terminal": sum(1 for r in rows if r.terminal is None),
    }
    return render(request, "stations/terminal_list.html", context)


def _detail(request, station, *, form=None, token: str = "", status: int = 200):
    now = timezone.now()
    today = timezone.localdate(now)
    context = {
        "station": station,
        "terminal": getattr(station, "terminal", None),
        "last_heartbeat": last_heartbeat(station),
        "online": station_online(station=station, year=today.year, month=today.month, now=now),
        "target": TARGET_PERCENT,
        "month": today.replace(day=1),
        "days": station_days(
            station=station, start=today.replace(day=1), end=today + timedelta(days=1), now=now
        ),
        "form": form or TerminalIssueForm(),
        "token": token,
        "county_query": f"?county={station.county.code}",
    }
    return render(request, "stations/terminal_detail.html", context, status=status)


@login_required
def terminal_detail(request, code: str):
    require_capability(request.user, CAPABILITY)
    return _detail(request, _station(request, code))


@never_cache
@login_required
@require_POST
def terminal_issue_view(request, code: str):
    """Issue the station's terminal a token, or rotate it; the page shows the token this once."""
    require_capability(request.user, CAPABILITY)
    station = _station(request, code)
    form = TerminalIssueForm(request.POST)
    if form.is_valid():
        try:
            terminal, token = terminal_issue(
                actor=request.user, station=station, serial=form.cleaned_data["serial"]
            )
        except (ApplicationError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            station.terminal = terminal
            return _detail(request, station, token=token)
    return _detail(request, station, form=form, status=400)


@login_required
@require_POST
def terminal_revoke_view(request, code: str):
    require_capability(request.user, CAPABILITY)
    station = _station(request, code)
    terminal = getattr(station, "terminal", None)
    if terminal is None:
        raise Http404
    if terminal.is_active:
        terminal_revoke(actor=request.user, terminal=terminal)
        messages.success(request, _("The terminal's token is revoked: its heartbeats and syncs are refused."))
    else:
        messages.info(request, _("The terminal's token was already revoked."))
    return redirect(_detail_url(station))


urlpatterns = [
    path("terminals/", terminal_list, name="terminal_list"),
    path("terminals/<str:code>/", terminal_detail, name="terminal_detail"),
    path("terminals/<str:code>/issue/", terminal_issue_view, name="terminal_issue"),
    path("terminals/<str:code>/revoke/", terminal_revoke_view, name="terminal_revoke"),
]

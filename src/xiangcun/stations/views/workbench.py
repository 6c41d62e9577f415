"""Pages: the station manager's workbench (服务站工作台), the station month view, a ledger entry's detail.

The workbench records services offline first: the page's script (static/js/outbox.js, workbench.js)
writes each entry to an IndexedDB outbox with a client UUID and sends it to the sync API
(`POST /api/v1/stations/<code>/sync`), now or on reconnect; parcel status changes go to
`entry_transition` (JSON) the same way. A service worker (`service_worker`, scope /stations/) keeps the
page and its static files so that it reloads without a network.

Reads go through the scoped selectors (a station out of the user's scope → 404); totals come from the
StationMonth / StationMonthOnline rollups. Writes need `stations.record_transaction` on the station
(its manager; a superuser back-filling): everyone else may only look (403 on a write).
"""

import hashlib
import json
import re
from datetime import date, datetime, timedelta
from functools import lru_cache

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import re_path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiangcun.core.errors import ApplicationError
from xiangcun.stations import selectors
from xiangcun.stations.choices import (
    MAX_AMOUNT,
    ORDERS_TARGET,
    RECONCILED_KINDS,
    TURNOVER_TARGET,
    TX_TRANSITIONS,
    Marketplace,
    PaymentMethod,
    ServiceKind,
    TxStatus,
)
from xiangcun.stations.services import may_record, transaction_set_household, transaction_transition

CODE = r"(?P<code>\d{12}-\d{2})"
UUID = r"(?P<uuid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
EARLIEST_MONTH = date(2015, 1, 1)
TODAY_LIMIT = 200
NIL_UUID = "00000000-0000-0000-0000-000000000000"  # replaced by the script with an entry's UUID
PAGE_SIZE = 50
# The workbench's own static files, cached by the service worker for offline reloads.
SHELL_ASSETS = ("css/app.css", "css/workbench.css", "js/outbox.js", "js/workbench.js")


def _station_or_404(request, code: str):
    station = selectors.station_in_scope(user=request.user, code=code, county_code=request.GET.get("county"))
    if station is None:
        raise Http404
    return station


def _today() -> date:
    return timezone.now().astimezone(selectors.TZ).date()


def _month_url(station, month: date) -> str:
    return reverse("stations:station_month", args=[station.code, f"{month:%Y-%m}"])


def _row_context(station) -> dict:
    """Labels resolved once per page (not per row) and the entries' base URL, for long lists."""
    return {
        "kind_labels": {k.value: str(k.label) for k in ServiceKind},
        "status_labels": {s.value: str(s.label) for s in TxStatus},
        "entry_base": reverse("stations:entry_detail", args=[station.code, NIL_UUID]).removesuffix(
            f"{NIL_UUID}/"
        ),
    }


def _allowed(tx) -> list[tuple[str, str]]:
    return [(s, str(TxStatus(s).label)) for s in TX_TRANSITIONS[tx.kind].get(tx.status, ())]


@login_required
@require_GET
def workbench_home(request):
    """A station manager's way in: their station's workbench; others go to the station register."""
    station = request.user.station if request.user.station_id else None
    if station is not None and selectors.station_in_scope(user=request.user, code=station.code):
        return redirect("stations:workbench", code=station.code)
    return redirect("network:station_list")


def _labels() -> dict:
    """Strings the page's script shows (translated here: the script has none of its own)."""
    return {
        "pending": _("waiting to be sent"),
        "sent": _("sent"),
        "rejected": _("rejected: correct it"),
        "duplicate": _("already stored"),
        "online": _("Online"),
        "offline": _("Offline: entries are kept on this device and sent when the network is back."),
        "sending": _("Sending…"),
        "signin": _("Your session has ended: sign in again to send the waiting entries."),
        "failed": _("Could not reach the server; will try again."),
        "edit": _("Correct"),
        "discard": _("Discard"),
        "confirm_discard": _("Discard this entry? It will not be recorded."),
        "amount_invalid": _("Enter the amount in yuan, e.g. 12.50 (at most two decimals)."),
        "amount_too_large": _("Implausibly large for this service."),
        "required": _("This field is required."),
        "queued": _("Saved on this device."),
        "change_queued": _("Status change saved; it will be sent."),
        "offline_ready": _("This page also works offline."),
        "no_storage": _("This browser cannot store entries offline (IndexedDB is unavailable)."),
        "status_change": _("status change"),
        "household_link": _("poor household"),
        "yuan": _("yuan"),
    }


@login_required
@require_GET
def workbench(request, code: str):
    """The workbench: record a service, today's entries, the month against the targets, parcels."""
    station = _station_or_404(request, code)
    user = request.user
    can_record = may_record(user, station)
    today = _today()
    start, end = selectors.day_bounds(today)
    entries = list(
        selectors.station_ledger(user=user, station=station, start=start, end=end)
        .select_related(None)
        .order_by("-occurred_at", "-id")[:TODAY_LIMIT]
    )
    parcels = list(selectors.parcels_awaiting(user=user, station=station, now=timezone.now()))
    month = today.replace(day=1)
    totals = selectors.station_month_totals(station=station, month=month)
    config = {
        "station": station.code,
        "user": user.username,
        "syncUrl": reverse("station-sync", args=[station.code]),
        "transitionUrl": reverse("stations:entry_transition", args=[station.code, NIL_UUID]),
        "householdUrl": reverse("stations:entry_household", args=[station.code, NIL_UUID]),
        "nilUuid": NIL_UUID,
        "pageUrl": request.path,
        "swUrl": reverse("stations:service_worker"),
        "scope": _scope(),
        "maxAmount": {k: str(v) for k, v in MAX_AMOUNT.items()},
        "kinds": {k.value: str(k.label) for k in ServiceKind},
        "statuses": {s.value: str(s.label) for s in TxStatus},
        "labels": _labels(),
        "fields": {
            "kind": _("Service"),
            "occurred_at": _("Time"),
            "amount": _("Amount (yuan)"),
            "fee": _("Fee or commission (yuan)"),
            "villager_name": _("Villager's name"),
            "villager_phone": _("Phone"),
            "description": _("Items or bill details"),
            "payment_method": _("Payment method"),
            "marketplace": _("Marketplace"),
            "order_no": _("Order number"),
            "biller": _("Biller (power, water, phone, insurance)"),
            "reference": _("Bank or biller reference"),
            "to_status": _("Status"),
            "household": _("Registered poor household"),
        },
    }
    return render(
        request,
        "stations/workbench.html",
        {
            "station": station,
            "can_record": can_record,
            "entries": entries,
            "parcels": [(p, _allowed(p)) for p in parcels],
            "totals": totals,
            "today": today,
            "month_url": _month_url(station, month),
            "target_orders": ORDERS_TARGET,
            "target_amount": TURNOVER_TARGET,
            "kinds": ServiceKind.choices,
            "payment_methods": PaymentMethod.choices,
            "marketplaces": Marketplace.choices,
            "reconciled_kinds": [str(k) for k in RECONCILED_KINDS],
            "households": selectors.station_households(user=user, station=station) if can_record else [],
            "config": config,
            **_row_context(station),
        },
    )


def _parse_month(value: str) -> date:
    m = MONTH.match(value)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise Http404
    month = date(int(m.group(1)), int(m.group(2)), 1)
    if month < EARLIEST_MONTH or month > _today().replace(day=1) + timedelta(days=31):
        raise Http404
    return month


def _shift(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@login_required
@require_GET
def station_month(request, code: str, month: str):
    """A station's month: totals per service kind against the targets, online rate, the entries."""
    station = _station_or_404(request, code)
    first = _parse_month(month)
    totals = selectors.station_month_totals(station=station, month=first)
    online = selectors.station_month_online(station=station, month=first, now=timezone.now())
    start, end = selectors.month_bounds(first)
    entries = selectors.station_ledger(user=request.user, station=station, start=start, end=end).order_by(
        "-occurred_at", "-id"
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    previous, following = _shift(first, -1), _shift(first, 1)
    return render(
        request,
        "stations/month.html",
        {
            "station": station,
            "month": first,
            "totals": totals,
            "online": online,
            "page": page,
            "target_orders": ORDERS_TARGET,
            "target_amount": TURNOVER_TARGET,
            "previous_url": _month_url(station, previous) if previous >= EARLIEST_MONTH else "",
            "next_url": _month_url(station, following) if following <= _today().replace(day=1) else "",
            "workbench_url": reverse("stations:workbench", args=[station.code]),
            **_row_context(station),
        },
    )


def _entry_or_404(request, station, uuid: str):
    tx = selectors.transaction_get(user=request.user, station=station, uuid=uuid.lower())
    if tx is None:
        raise Http404
    return tx


@login_required
@require_http_methods(["GET", "POST"])
def entry_detail(request, code: str, uuid: str):
    """A ledger entry: its fields, status history and (for its station's manager) the allowed changes."""
    station = _station_or_404(request, code)
    tx = _entry_or_404(request, station, uuid)
    can_record = may_record(request.user, station)
    error = None
    status = 200
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied(_("Only the station's manager may change its ledger."))
        to_status = request.POST.get("to_status", "")
        note = request.POST.get("note", "")[:200]
        try:
            transaction_transition(actor=request.user, tx=tx, to_status=to_status, note=note)
        except ApplicationError as exc:
            if exc.status == 403:
                raise PermissionDenied(exc.message) from exc
            error, status = exc.message, 400
        else:
            messages.success(
                request, _("Status changed to %(status)s.") % {"status": TxStatus(to_status).label}
            )
            return redirect(request.path)
        tx = _entry_or_404(request, station, uuid)
    return render(
        request,
        "stations/transaction_detail.html",
        {
            "station": station,
            "tx": tx,
            "events": selectors.transaction_events(tx=tx),
            "allowed": _allowed(tx) if can_record else [],
            "can_record": can_record,
            "error": error,
            "workbench_url": reverse("stations:workbench", args=[station.code]),
            "month_url": _month_url(station, selectors.month_of_local(tx.occurred_at)),
        },
        status=status,
    )


def _json_error(detail: str, code: str, status: int, errors: dict | None = None) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code, "errors": errors or {}}, status=status)


def _json_entry(request, code: str, uuid: str):
    """(entry, payload, None) of a JSON write on an entry by the outbox, or (None, None, error response)."""
    if not request.user.is_authenticated:
        return None, None, _json_error(_("Sign in first."), "not_authenticated", 403)
    station = selectors.station_in_scope(user=request.user, code=code)
    if station is None:
        return None, None, _json_error(_("Not found."), "not_found", 404)
    if not may_record(request.user, station):
        error = _json_error(_("Only the station's manager may change its ledger."), "permission_denied", 403)
        return None, None, error
    try:
        payload = json.loads(request.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None, None, _json_error(_("Malformed JSON."), "parse_error", 400)
    if not isinstance(payload, dict):
        return None, None, _json_error(_("Send a JSON object."), "invalid", 400)
    tx = selectors.transaction_get(user=request.user, station=station, uuid=uuid.lower())
    if tx is None:
        return None, None, _json_error(_("No such entry at this station."), "not_found", 404)
    return tx, payload, None


@require_POST
def entry_transition(request, code: str, uuid: str):
    """JSON status change of an entry, sent by the workbench's outbox: `{"to_status", "occurred_at"?,
    "note"?}`. Idempotent for replays: when the entry already is in (or has passed through) `to_status`,
    nothing changes and the answer is 200 with `"changed": false`."""
    tx, payload, error = _json_entry(request, code, uuid)
    if error is not None:
        return error
    to_status = payload.get("to_status")
    if not isinstance(to_status, str) or to_status not in TxStatus.values:
        return _json_error(_("Invalid input."), "invalid", 400, {"to_status": [_("Unknown status.")]})
    occurred_at = None
    if payload.get("occurred_at") is not None:
        try:
            occurred_at = datetime.fromisoformat(str(payload["occurred_at"]))
        except ValueError:
            occurred_at = None
        if occurred_at is None or occurred_at.tzinfo is None:
            return _json_error(
                _("Invalid input."), "invalid", 400, {"occurred_at": [_("Not an ISO 8601 date-time.")]}
            )
    note = payload.get("note") or ""
    if not isinstance(note, str):
        return _json_error(_("Invalid input."), "invalid", 400, {"note": [_("Must be text.")]})
    if tx.status == to_status or selectors.transaction_reached(tx=tx, status=to_status):
        return JsonResponse({"uuid": str(tx.uuid), "status": tx.status, "changed": False})
    if occurred_at is not None and occurred_at < tx.occurred_at:
        occurred_at = tx.occurred_at  # the device's clock ran behind the entry's own time
    try:
        tx = transaction_transition(
            actor=request.user, tx=tx, to_status=to_status, occurred_at=occurred_at, note=note
        )
    except ApplicationError as exc:
        return _json_error(exc.message, exc.code, exc.status, exc.fields)
    return JsonResponse({"uuid": str(tx.uuid), "status": tx.status, "changed": True})


@require_POST
def entry_household(request, code: str, uuid: str):
    """JSON link of an entry to a registered poor household, sent by the outbox after the entry:
    `{"household": "<register number>" | null}`. Setting the link it already has changes nothing."""
    tx, payload, error = _json_entry(request, code, uuid)
    if error is not None:
        return error
    value = payload.get("household")
    household = None
    if value not in (None, ""):
        if isinstance(value, str):
            household = selectors.household_by_code(user=request.user, county_id=tx.county_id, code=value)
        if household is None:
            return _json_error(_("Invalid input."), "invalid", 400, {"household": [_("Unknown household.")]})
    before = tx.household_id
    try:
        tx = transaction_set_household(actor=request.user, tx=tx, household=household)
    except ApplicationError as exc:
        return _json_error(exc.message, exc.code, exc.status, exc.fields)
    return JsonResponse(
        {
            "uuid": str(tx.uuid),
            "household": household.code if household else None,
            "changed": tx.household_id != before,
        }
    )


def _scope() -> str:
    """/stations/ (under the site's script prefix): the service worker's scope."""
    return reverse("stations:workbench_home").rsplit("workbench/", 1)[0]


@lru_cache(maxsize=1)
def _shell_version() -> str:
    """Changes when a cached static file changes, so the service worker replaces its cache."""
    digest = hashlib.sha256(render_to_string("stations/workbench_sw.js", {}).encode())
    for path in SHELL_ASSETS + ("vendor/htmx/htmx.min.js",):
        found = finders.find(path)
        digest.update(path.encode())
        if found:
            with open(found, "rb") as f:
                digest.update(f.read())
    return digest.hexdigest()[:12]


@never_cache
@require_GET
def service_worker(request):
    """The workbench's service worker, served from /stations/ so that its scope covers the workbench."""
    assets = [static(p) for p in (*SHELL_ASSETS, "vendor/htmx/htmx.min.js")]
    body = render_to_string(
        "stations/workbench_sw.js",
        {
            "version": json.dumps(_shell_version()),
            "assets": json.dumps(assets),
            "static_prefix": json.dumps(static("")),
            "page_pattern": json.dumps("^" + re.escape(_scope()) + r"\d{12}-\d{2}/$"),
        },
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = _scope()
    return response


urlpatterns = [
    re_path(r"^workbench/$", workbench_home, name="workbench_home"),
    re_path(r"^sw\.js$", service_worker, name="service_worker"),
    re_path(rf"^{CODE}/$", workbench, name="workbench"),
    re_path(rf"^{CODE}/month/(?P<month>\d{{4}}-\d{{2}})/$", station_month, name="station_month"),
    re_path(rf"^{CODE}/entries/{UUID}/$", entry_detail, name="entry_detail"),
    re_path(rf"^{CODE}/entries/{UUID}/transition/$", entry_transition, name="entry_transition"),
    re_path(rf"^{CODE}/entries/{UUID}/household/$", entry_household, name="entry_household"),
]

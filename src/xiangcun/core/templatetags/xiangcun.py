"""Template helpers of the pages: status badges, ✓/✗ marks, sortable column headers, percentages."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from xiangcun.network.choices import STATUS_COLOURS, SiteStatus

register = template.Library()


@register.simple_tag
def status_badge(status: str):
    """A coloured badge for a facility or station status (same colours as the map)."""
    try:
        label = SiteStatus(status).label
    except ValueError:
        label = status or "—"
    return format_html(
        '<span class="badge status status-{}" style="--status-colour: {}">{}</span>',
        status,
        STATUS_COLOURS.get(status, "#777"),
        label,
    )


@register.simple_tag
def mark(value, yes_title: str = "", no_title: str = ""):
    """✓ for true, ✗ for false, ? for unknown (None); the title says it in words for screen readers."""
    if value is None:
        return format_html(
            '<span class="mark mark-unknown" title="{0}" aria-label="{0}">?</span>', _("Unknown")
        )
    if value:
        return format_html(
            '<span class="mark mark-yes" title="{0}" aria-label="{0}">✓</span>', yes_title or _("Yes")
        )
    return format_html(
        '<span class="mark mark-no" title="{0}" aria-label="{0}">✗</span>', no_title or _("No")
    )


@register.simple_tag(takes_context=True)
def sort_th(context, key: str, label: str, numeric: bool = False):
    """A column header that sorts the register by `key` (toggling ascending / descending), keeping the
    filters of the query string and going back to page 1."""
    request = context["request"]
    current = context.get("register").sort if context.get("register") else ""
    params = request.GET.copy()
    params.pop("page", None)
    if current == key:
        params["sort"], arrow, aria = f"-{key}", " ▲", "ascending"
    elif current == f"-{key}":
        params["sort"], arrow, aria = key, " ▼", "descending"
    else:
        params["sort"], arrow, aria = key, "", "none"
    return format_html(
        '<th scope="col" aria-sort="{}"{}><a href="?{}">{}{}</a></th>',
        aria,
        mark_safe(' class="num"') if numeric else "",  # noqa: S308 - a constant
        params.urlencode(),
        label,
        arrow,
    )


@register.filter
def percent(part, whole) -> str:
    """`part / whole` as a percentage with one decimal ("—" when `whole` is 0 or unknown)."""
    try:
        if not whole:
            return "—"
        value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    except (TypeError, ValueError, ArithmeticError):
        return "—"
    return f"{value}%"


@register.simple_tag
def facility_url(facility) -> str:
    """A facility's page. Codes are unique per county only, so the county goes along (superusers see
    several counties)."""
    url = reverse("network:facility_detail", args=[facility.code])
    return f"{url}?{urlencode({'county': facility.county.code})}"


@register.filter
def get_item(mapping, key):
    """`mapping[key]` in a template (None when missing)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def status_colour(status: str) -> str:
    """The map / badge colour of a status."""
    return STATUS_COLOURS.get(status, "#777")


@register.inclusion_tag("includes/excel_actions.html", takes_context=True)
def excel_actions(context, register_name: str):
    """Export (with the list's current filters) and, for users who may, import buttons of a register."""
    from xiangcun.core.excel import can_import

    request = context["request"]
    query = request.GET.copy()
    for key in ("page", "sort"):
        query.pop(key, None)
    return {
        "register": register_name,
        "query": query.urlencode(),
        "can_import": can_import(request.user, register_name),
    }


@register.filter
def can(user, capability: str) -> bool:
    """`{% if user|can:"stations.manage_terminal" %}`: whether the user holds a capability."""
    from xiangcun.accounts.permissions import has_capability

    return bool(user and user.is_authenticated and has_capability(user, capability))

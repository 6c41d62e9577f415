"""Station terminals: issuing and checking their secret tokens.

A terminal token is 40 random URL-safe characters, shown once when issued. Only its SHA-256 is stored,
so a leaked database does not leak working tokens; lookups are by the hash (unique index).
"""

import hashlib
import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from xiangcun.accounts.permissions import has_capability
from xiangcun.core.audit import audit_record
from xiangcun.core.errors import PermissionDenied
from xiangcun.core.scoping import lock_in_scope
from xiangcun.network.selectors import station_list

from .models import Terminal


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def terminal_by_token(token: str) -> Terminal | None:
    """The active terminal holding `token`, with its station, or None."""
    if not token or len(token) > 200:
        return None
    return (
        Terminal.objects.select_related("station")
        .defer("station__equipment", "station__notes")
        .filter(token_hash=token_hash(token), is_active=True)
        .first()
    )


@transaction.atomic
def terminal_issue(*, actor, station, serial: str = "") -> tuple[Terminal, str]:
    """Give `station` a terminal with a new token (replacing the old token if it has one).

    Returns the terminal and the token in clear, which is never shown again.
    """
    if not has_capability(actor, "stations.manage_terminal"):
        raise PermissionDenied(_("You may not manage station terminals."))
    station = lock_in_scope(station_list(user=actor), station.pk, _("This station is outside your scope."))
    token = secrets.token_urlsafe(30)
    terminal = Terminal.objects.filter(station=station).first()
    action = "terminal.rotate" if terminal else "terminal.issue"
    if terminal is None:
        terminal = Terminal(county_id=station.county_id, station=station)
    terminal.token_hash = token_hash(token)
    terminal.token_prefix = token[:6]
    terminal.is_active = True
    if serial:
        terminal.serial = serial
    terminal.full_clean()
    terminal.save()
    audit_record(actor=actor, action=action, instance=terminal, county=station.county)
    return terminal, token


@transaction.atomic
def terminal_revoke(*, actor, terminal: Terminal) -> Terminal:
    if not has_capability(actor, "stations.manage_terminal"):
        raise PermissionDenied(_("You may not manage station terminals."))
    lock_in_scope(station_list(user=actor), terminal.station_id, _("This station is outside your scope."))
    terminal.is_active = False
    terminal.save(update_fields=["is_active", "updated_at"])
    audit_record(actor=actor, action="terminal.revoke", instance=terminal)
    return terminal

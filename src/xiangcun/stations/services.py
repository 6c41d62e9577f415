"""Writes on the station ledger other than the batch sync (`stations.sync`): status changes of entries.

Recording new entries always goes through `stations.sync.transactions_sync`, for the station page
(which queues entries offline and syncs them), terminals and back-filled paper records alike.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiangcun.accounts.permissions import has_capability
from xiangcun.core.audit import audit_record
from xiangcun.core.errors import ApplicationError, PermissionDenied
from xiangcun.core.money import to_fen
from xiangcun.core.scoping import lock_in_scope
from xiangcun.reporting.rollups import LedgerDelta, ledger_add, month_of

from .choices import TX_TRANSITIONS, VOID_STATUSES, TxStatus
from .models import Transaction, TransactionEvent
from .selectors import transaction_list


def may_record(user, station) -> bool:
    """Whether `user` may write `station`'s ledger: its manager, or a superuser back-filling records."""
    if getattr(user, "is_superuser", False):
        return True
    return user.station_id == station.pk and has_capability(user, "stations.record_transaction")


@transaction.atomic
def transaction_transition(
    *, actor, tx: Transaction, to_status: str, occurred_at: datetime | None = None, note: str = ""
) -> Transaction:
    """Move a ledger entry along its kind's state machine (e.g. a parcel arrived, was picked up).

    Only the station's manager (or a superuser) may; the change is recorded as a TransactionEvent and
    an audit event, and an entry that becomes void (cancelled, returned, reversed, declined) is
    subtracted from the business counted in the rollups.
    """
    tx = lock_in_scope(transaction_list(user=actor), tx.pk, _("This ledger entry is outside your scope."))
    if not may_record(actor, tx.station):
        raise PermissionDenied(_("Only the station's manager may change its ledger."))
    machine = TX_TRANSITIONS[tx.kind]
    if to_status not in machine.get(tx.status, ()):
        allowed = ", ".join(str(TxStatus(s).label) for s in machine.get(tx.status, ())) or "—"
        raise ApplicationError(
            _("A %(kind)s cannot go from %(from)s to %(to)s.")
            % {
                "kind": tx.get_kind_display(),
                "from": tx.get_status_display(),
                "to": TxStatus(to_status).label if to_status in TxStatus.values else to_status,
            },
            code="invalid_transition",
            fields={"to_status": [_("Allowed: %(allowed)s") % {"allowed": allowed}]},
        )
    now = timezone.now()
    occurred_at = occurred_at or now
    if occurred_at > now + timedelta(minutes=10) or occurred_at < tx.occurred_at:
        raise ApplicationError(
            _("The change must be dated between the entry's time and now."),
            code="invalid",
            fields={"occurred_at": [_("Out of range.")]},
        )
    from_status = tx.status
    tx.status = to_status
    tx.status_changed_at = occurred_at
    tx.save(update_fields=["status", "status_changed_at"])
    TransactionEvent.objects.create(
        county_id=tx.county_id,
        transaction=tx,
        from_status=from_status,
        to_status=to_status,
        occurred_at=occurred_at,
        actor=actor if getattr(actor, "pk", None) else None,
        note=note[:200],
    )
    if to_status in VOID_STATUSES and from_status not in VOID_STATUSES:
        ledger_add(
            [
                LedgerDelta(
                    county_id=tx.county_id,
                    township_id=tx.station.township_id,
                    station_id=tx.station_id,
                    month=month_of(tx.occurred_at),
                    kind=tx.kind,
                    void_count=1,
                    void_amount=to_fen(tx.amount),
                )
            ]
        )
    audit_record(
        actor=actor,
        action="transaction.transition",
        instance=tx,
        changes={"status": [from_status, to_status]},
    )
    return tx


# --- Workbench (workbench helper): linking an entry to a registered poor household -----------------------


@transaction.atomic
def transaction_set_household(*, actor, tx: Transaction, household) -> Transaction:
    """Link a ledger entry to a registered poor household of its county (R7: services to poor households
    are counted), or unlink it (`household=None`). Only the station's manager (or a superuser) may.
    Setting the link it already has changes nothing (the workbench's outbox may send it twice)."""
    tx = lock_in_scope(transaction_list(user=actor), tx.pk, _("This ledger entry is outside your scope."))
    if not may_record(actor, tx.station):
        raise PermissionDenied(_("Only the station's manager may change its ledger."))
    if household is not None and household.county_id != tx.county_id:
        raise ApplicationError(
            _("The household is not registered in this county."),
            code="invalid",
            fields={"household": [_("Unknown household.")]},
        )
    new_id = household.pk if household is not None else None
    if tx.household_id == new_id:
        return tx
    old_id = tx.household_id
    tx.household = household
    tx.save(update_fields=["household"])
    audit_record(
        actor=actor, action="transaction.household", instance=tx, changes={"household": [old_id, new_id]}
    )
    return tx

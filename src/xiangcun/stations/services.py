"""Writes on the station ledger other than the batch sync (`stations.sync`): status changes of entries.

Recording new entries always goes through `stations.sync.transactions_sync`, for the station page
(which queues entries offline and syncs them), terminals and back-filled paper records alike.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from xiangcun.accounts.permissions import has_capability
from xiangcun.core.audit import audit_record, diff, snapshot
from xiangcun.core.errors import ApplicationError, PermissionDenied
from xiangcun.core.money import to_fen, yuan
from xiangcun.core.scoping import lock_in_scope
from xiangcun.reporting.rollups import LedgerDelta, ledger_add, month_of

from .choices import RECONCILED_KINDS, TX_TRANSITIONS, VOID_STATUSES, ChargeKind, ServiceKind, TxStatus
from .models import DailyReconciliation, ServiceCompany, StationCharge, Transaction, TransactionEvent
from .selectors import TZ, day_bounds, service_company_list, transaction_list


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
    _apply_transition(tx, to_status, occurred_at=occurred_at, actor=actor, note=note)
    return tx


def _apply_transition(tx: Transaction, to_status: str, *, occurred_at: datetime, actor, note: str) -> None:
    """Write a checked transition of a locked entry: its status, a TransactionEvent, the voids in the
    rollups, an audit event."""
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


@transaction.atomic
def transaction_follow_parcel(*, actor, tx: Transaction, to_status: str, occurred_at: datetime) -> bool:
    """Move a proxy purchase along as its parcel is scanned (logistics): reached the station → arrived,
    signed for → picked up. Returns whether the entry moved.

    Not the manager's own change, so there is no `may_record` check: the scan was checked (the scanner
    may scan that parcel at that site). Scans are replayed and arrive out of order, so a transition the
    entry's state machine does not allow from its current status (already moved, cancelled, returned)
    is skipped, not refused. The change is dated at the scan, kept between the entry's time and now.
    """
    tx = Transaction.objects.select_for_update().select_related("station").get(pk=tx.pk)
    if to_status not in TX_TRANSITIONS[tx.kind].get(tx.status, ()):
        return False
    occurred_at = min(max(occurred_at, tx.occurred_at), timezone.now())
    _apply_transition(tx, to_status, occurred_at=occurred_at, actor=actor, note=_("Parcel scan"))
    return True


# ==================================================================================================
# ledger helper's block: daily reconciliation, charges to stations, service companies
# ==================================================================================================

RECONCILE_FROM = date(2015, 1, 1)
MAX_STATEMENT_TOTAL = Decimal("10000000")  # yuan; a station's day is far below this
MAX_CHARGE = Decimal("1000000")


def _money_errors(value, field: str, errors: dict, *, positive: bool, maximum: Decimal) -> None:
    """Field errors of an amount in yuan (a Decimal with at most two places)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int) or not Decimal(value).is_finite():
        errors[field] = [_("Enter an amount in yuan, e.g. 12.50.")]
    elif Decimal(value).as_tuple().exponent < -2:
        errors[field] = [_("At most two decimal places (fen).")]
    elif value < 0 or (positive and value == 0):
        errors[field] = [_("Must be more than zero.") if positive else _("Must not be negative.")]
    elif value > maximum:
        errors[field] = [_("At most %(max)s yuan.") % {"max": maximum}]


def _day_errors(value, field: str, errors: dict) -> None:
    if not isinstance(value, date) or isinstance(value, datetime):
        errors[field] = [_("Enter a date.")]
    elif value < RECONCILE_FROM:
        errors[field] = [_("Before 2015: not plausible for this program.")]
    elif value > timezone.localdate(timezone.now(), TZ):
        errors[field] = [_("Must not be in the future.")]


def ledger_day_totals(*, station, day: date) -> dict[str, tuple[int, Decimal]]:
    """{kind: (entries, total yuan)} of the reconciled kinds at `station` on a Beijing-time day, from
    the ledger (one station-day through the station/time index). Voided entries (reversed) do not
    count: no money changed hands for them."""
    start, end = day_bounds(day)
    rows = (
        Transaction.objects.filter(
            station=station, occurred_at__gte=start, occurred_at__lt=end, kind__in=RECONCILED_KINDS
        )
        .exclude(status__in=VOID_STATUSES)
        .values("kind")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    )
    totals = {kind: (0, Decimal("0.00")) for kind in RECONCILED_KINDS}
    for row in rows:
        totals[row["kind"]] = (row["n"], row["total"] or Decimal("0.00"))
    return totals


RECONCILIATION_FIELDS = ["ledger_count", "ledger_total", "statement_total", "note"]


@transaction.atomic
def reconciliation_record(
    *, actor, station, day: date, kind: str, statement_total: Decimal, note: str = ""
) -> DailyReconciliation:
    """Record a station's counted day total (from the bank's or biller's statement) for cash
    withdrawals or bill payments against the ledger's total of that day; the difference is kept.

    Only the station's manager (or a superuser). Reconciling the same day and kind again (e.g. after
    entries recorded offline arrived) recounts the ledger and replaces the statement total.
    """
    from xiangcun.network.models import Station

    if not may_record(actor, station):
        raise PermissionDenied(_("Only the station's manager may reconcile its day."))
    # Locking the station serialises two reconciliations of its days (no duplicate-row race).
    station = Station.objects.select_for_update().get(pk=station.pk)
    errors: dict[str, list] = {}
    if kind not in RECONCILED_KINDS:
        labels = ", ".join(str(ServiceKind(k).label) for k in RECONCILED_KINDS)
        errors["kind"] = [_("Only these are reconciled: %(kinds)s.") % {"kinds": labels}]
    _day_errors(day, "day", errors)
    _money_errors(statement_total, "statement_total", errors, positive=False, maximum=MAX_STATEMENT_TOTAL)
    if not isinstance(note, str) or len(note) > 200:
        errors["note"] = [_("At most %(n)s characters.") % {"n": 200}]
    if errors:
        raise ValidationError(errors)
    count, total = ledger_day_totals(station=station, day=day)[kind]
    values = {
        "ledger_count": count,
        "ledger_total": total,
        "statement_total": yuan(statement_total),
        "note": note.strip(),
    }
    row = (
        DailyReconciliation.objects.select_for_update()
        .filter(county_id=station.county_id, station=station, day=day, kind=kind)
        .first()
    )
    if row is None:
        row = DailyReconciliation.objects.create(
            county_id=station.county_id, station=station, day=day, kind=kind, recorded_by=actor, **values
        )
        changes = {k: [None, v] for k, v in values.items()}
        action = "reconciliation.record"
    else:
        before = snapshot(row, RECONCILIATION_FIELDS)
        for field, value in values.items():
            setattr(row, field, value)
        row.recorded_by = actor
        row.save()
        changes = diff(before, snapshot(row, RECONCILIATION_FIELDS))
        action = "reconciliation.update"
    changes["difference"] = [None, row.difference]
    audit_record(actor=actor, action=action, instance=row, changes=changes)
    return row


CHARGE_FIELDS = ["charged_on", "kind", "amount", "charged_by", "note"]


@transaction.atomic
def charge_record(
    *, actor, station, charged_on: date, kind: str, amount: Decimal, charged_by: str, note: str = ""
) -> StationCharge:
    """Record money the contractor charged a station. Deposits, guarantees and equipment fees are
    forbidden (R2) but recorded all the same, flagged: the record is the evidence.

    The bureau (for any station of its county) and a station's manager (for their own station).
    """
    from xiangcun.network.selectors import station_list

    if not has_capability(actor, "stations.record_charge"):
        raise PermissionDenied(_("You may not record charges to stations."))
    station = lock_in_scope(station_list(user=actor), station.pk, _("This station is outside your scope."))
    errors: dict[str, list] = {}
    if kind not in ChargeKind.values:
        errors["kind"] = [_("One of: %(values)s.") % {"values": ", ".join(ChargeKind.values)}]
    _day_errors(charged_on, "charged_on", errors)
    _money_errors(amount, "amount", errors, positive=True, maximum=MAX_CHARGE)
    charged_by = charged_by.strip() if isinstance(charged_by, str) else charged_by
    if not isinstance(charged_by, str) or not charged_by:
        errors["charged_by"] = [_("Say who charged the station.")]
    elif len(charged_by) > 100:
        errors["charged_by"] = [_("At most %(n)s characters.") % {"n": 100}]
    if not isinstance(note, str) or len(note) > 200:
        errors["note"] = [_("At most %(n)s characters.") % {"n": 200}]
    if errors:
        raise ValidationError(errors)
    charge = StationCharge.objects.create(
        county_id=station.county_id,
        station=station,
        charged_on=charged_on,
        kind=kind,
        amount=yuan(amount),
        charged_by=charged_by,
        note=note.strip(),
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action="charge.record",
        instance=charge,
        changes={f: [None, getattr(charge, f)] for f in CHARGE_FIELDS},
        note=_("Forbidden charge (R2): no deposit, guarantee or equipment fee may be charged to a station.")
        if charge.forbidden
        else "",
    )
    return charge


COMPANY_FIELDS = ["name", *ServiceCompany.OFFER_FIELDS]


def _company_errors(county, name, offers: dict, *, exclude_pk=None) -> dict:
    errors: dict[str, list] = {}
    if name is not None:
        if not isinstance(name, str) or not name.strip():
            errors["name"] = [_("This field is required.")]
        elif len(name.strip()) > 100:
            errors["name"] = [_("At most %(n)s characters.") % {"n": 100}]
        elif ServiceCompany.objects.filter(county=county, name=name.strip()).exclude(pk=exclude_pk).exists():
            errors["name"] = [_("This county already has a service company with this name.")]
    for field, value in offers.items():
        if field not in ServiceCompany.OFFER_FIELDS:
            errors[field] = [_("Unknown field.")]
        elif not isinstance(value, bool):
            errors[field] = [_("Enter true or false.")]
    return errors


@transaction.atomic
def service_company_create(*, actor, county, name: str, **offers) -> ServiceCompany:
    """Register a rural e-commerce service company of the county (R12) and the services it offers."""
    if not has_capability(actor, "stations.manage_service_company"):
        raise PermissionDenied(_("You may not manage service companies."))
    if not actor.is_superuser and actor.county_id != getattr(county, "pk", None):
        raise PermissionDenied(_("This county is outside your scope."))
    errors = _company_errors(county, name, offers)
    if errors:
        raise ValidationError(errors)
    company = ServiceCompany.objects.create(county=county, name=name.strip(), **offers)
    audit_record(
        actor=actor,
        action="service_company.create",
        instance=company,
        changes={f: [None, getattr(company, f)] for f in COMPANY_FIELDS},
    )
    return company


@transaction.atomic
def service_company_update(*, actor, company: ServiceCompany, **changes) -> ServiceCompany:
    """Change a service company's name or the services it offers."""
    if not has_capability(actor, "stations.manage_service_company"):
        raise PermissionDenied(_("You may not manage service companies."))
    company = lock_in_scope(
        service_company_list(user=actor), company.pk, _("This service company is outside your scope.")
    )
    name = changes.pop("name", None)
    errors = _company_errors(company.county, name, changes, exclude_pk=company.pk)
    if errors:
        raise ValidationError(errors)
    before = snapshot(company, COMPANY_FIELDS)
    if name is not None:
        company.name = name.strip()
    for field, value in changes.items():
        setattr(company, field, value)
    company.save()
    changed = diff(before, snapshot(company, COMPANY_FIELDS))
    if changed:
        audit_record(actor=actor, action="service_company.update", instance=company, changes=changed)
    return company


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

"""Carriers, their users, their presence at township delivery centers."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xiangcun.accounts.choices import Role
from xiangcun.accounts.permissions import has_capability
from xiangcun.core.audit import audit_record, diff, snapshot
from xiangcun.core.errors import ApplicationError, PermissionDenied
from xiangcun.core.scoping import lock_in_scope

from ..choices import CarrierKind
from ..models import Carrier, CarrierAccount, CarrierPresence
from ..selectors import carrier_list, presence_list
from .checks import PHONE, in_county, text_value

# --- carriers ---------------------------------------------------------------------------------------

CARRIER_FIELDS = [
    "name",
    "kind",
    "contact_name",
    "contact_phone",
    "funded",
    "funded_route",
    "is_active",
    "notes",
]


def _carrier_values(county, values: dict, *, exclude_pk=None, current: Carrier | None = None) -> dict:
    errors: dict[str, list] = {}
    unknown = set(values) - set(CARRIER_FIELDS)
    for name in sorted(unknown):
        errors[name] = [_("Unknown field.")]
    clean: dict = {}
    if "name" in values:
        clean["name"] = text_value(values["name"], "name", errors, limit=100, required=True)
        if (
            "name" not in errors
            and Carrier.objects.filter(county=county, name=clean["name"]).exclude(pk=exclude_pk).exists()
        ):
            errors["name"] = [_("This county already has a carrier with this name.")]
    if "kind" in values:
        if values["kind"] not in CarrierKind.values:
            errors["kind"] = [_("One of: %(values)s.") % {"values": ", ".join(CarrierKind.values)}]
        else:
            clean["kind"] = values["kind"]
    for name, limit in (("contact_name", 50), ("funded_route", 100), ("notes", 2000)):
        if name in values:
            clean[name] = text_value(values[name], name, errors, limit=limit)
    if "contact_phone" in values:
        phone = text_value(values["contact_phone"], "contact_phone", errors, limit=20)
        if phone and "contact_phone" not in errors and not PHONE.match(phone):
            errors["contact_phone"] = [_("Enter a phone number (digits, +, -).")]
        clean["contact_phone"] = phone
    for name in ("funded", "is_active"):
        if name in values:
            if not isinstance(values[name], bool):
                errors[name] = [_("Enter true or false.")]
            else:
                clean[name] = values[name]
    funded = clean.get("funded", current.funded if current else False)
    route = clean.get("funded_route", current.funded_route if current else "")
    if funded and not route and "funded_route" not in errors:
        errors["funded_route"] = [_("Say which logistics route the funds support.")]
    if not funded and route:
        if values.get("funded_route"):
            errors["funded_route"] = [_("Only a carrier receiving program funds has a funded route.")]
        else:
            # The funds stopped: the route they supported goes too, rather than a stale one staying.
            clean["funded_route"] = ""
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def carrier_create(*, actor, county, name: str, kind: str, **fields) -> Carrier:
    """Register an express or logistics company of the county (bureau or contractor)."""
    if not has_capability(actor, "logistics.manage_carrier"):
        raise PermissionDenied(_("You may not manage carriers."))
    in_county(actor, county)
    values = _carrier_values(county, {"name": name, "kind": kind, **fields})
    carrier = Carrier(county=county, is_demo=county.is_demo, **values)
    carrier.full_clean()
    carrier.save()
    audit_record(
        actor=actor,
        action="carrier.create",
        instance=carrier,
        changes={f: [None, getattr(carrier, f)] for f in CARRIER_FIELDS},
    )
    return carrier


@transaction.atomic
def carrier_update(*, actor, carrier: Carrier, **changes) -> Carrier:
    """Change a carrier's details, e.g. the funds it receives and for which route."""
    if not has_capability(actor, "logistics.manage_carrier"):
        raise PermissionDenied(_("You may not manage carriers."))
    carrier = lock_in_scope(carrier_list(user=actor), carrier.pk, _("This carrier is outside your scope."))
    values = _carrier_values(carrier.county, changes, exclude_pk=carrier.pk, current=carrier)
    before = snapshot(carrier, CARRIER_FIELDS)
    for name, value in values.items():
        setattr(carrier, name, value)
    carrier.full_clean()
    carrier.save()
    changed = diff(before, snapshot(carrier, CARRIER_FIELDS))
    if changed:
        audit_record(actor=actor, action="carrier.update", instance=carrier, changes=changed)
    return carrier


@transaction.atomic
def carrier_account_set(*, actor, user, carrier: Carrier | None) -> CarrierAccount | None:
    """Link a user of role `carrier` to the company they work for (or unlink with `carrier=None`)."""
    if not has_capability(actor, "logistics.manage_carrier"):
        raise PermissionDenied(_("You may not manage carriers."))
    in_county(actor, user.county)
    if user.role != Role.CARRIER:
        raise ApplicationError(
            _("Only users of role carrier work for a carrier."),
            fields={"user": [_("Not a carrier's user.")]},
        )
    account = CarrierAccount.objects.select_for_update().filter(user=user).first()
    old = account.carrier_id if account else None
    if carrier is None:
        if account is not None:
            audit_record(
                actor=actor,
                action="carrier_account.delete",
                instance=account,
                changes={"carrier": [old, None]},
            )
            account.delete()
        return None
    carrier = lock_in_scope(carrier_list(user=actor), carrier.pk, _("This carrier is outside your scope."))
    if carrier.county_id != user.county_id:
        raise ApplicationError(
            _("The carrier works in another county."), fields={"carrier": [_("Not in the user's county.")]}
        )
    if account is None:
        account = CarrierAccount.objects.create(county_id=carrier.county_id, user=user, carrier=carrier)
    elif old != carrier.pk:
        account.carrier = carrier
        account.save(update_fields=["carrier"])
    else:
        return account
    audit_record(
        actor=actor, action="carrier_account.set", instance=account, changes={"carrier": [old, carrier.pk]}
    )
    return account


# --- carriers at township centers -------------------------------------------------------------------


@transaction.atomic
def presence_record(
    *, actor, carrier: Carrier, facility, since: date, until: date | None = None, note: str = ""
):
    """Record that a carrier is integrated at a township delivery center from `since` (until `until`)."""
    from xiangcun.network.choices import FacilityKind
    from xiangcun.network.selectors import facility_list

    if not has_capability(actor, "logistics.manage_carrier"):
        raise PermissionDenied(_("You may not manage carriers."))
    carrier = lock_in_scope(carrier_list(user=actor), carrier.pk, _("This carrier is outside your scope."))
    if not facility_list(user=actor).filter(pk=facility.pk).exists():
        raise PermissionDenied(_("This facility is outside your scope."))
    errors: dict[str, list] = {}
    if facility.kind != FacilityKind.TOWNSHIP_CENTER:
        errors["facility"] = [_("Carriers are integrated at township delivery centers.")]
    elif facility.county_id != carrier.county_id:
        errors["facility"] = [_("Not in the carrier's county.")]
    if not isinstance(since, date) or isinstance(since, datetime):
        errors["since"] = [_("Enter a date.")]
    if until is not None and (not isinstance(until, date) or isinstance(until, datetime)):
        errors["until"] = [_("Enter a date.")]
    elif until is not None and "since" not in errors and until < since:
        errors["until"] = [_("Must not be before since.")]
    note = text_value(note, "note", errors, limit=200)
    if not errors:
        overlapping = CarrierPresence.objects.filter(carrier=carrier, facility=facility).filter(
            since__lte=until or date.max
        )
        overlapping = [p for p in overlapping if p.until is None or p.until >= since]
        if overlapping:
            errors["since"] = [_("The carrier is already recorded at this center in this period.")]
    if errors:
        raise ValidationError(errors)
    presence = CarrierPresence.objects.create(
        county_id=carrier.county_id, carrier=carrier, facility=facility, since=since, until=until, note=note
    )
    audit_record(
        actor=actor,
        action="carrier_presence.record",
        instance=presence,
        changes={
            "carrier": [None, carrier.pk],
            "facility": [None, facility.pk],
            "since": [None, since],
            "until": [None, until],
        },
    )
    return presence


@transaction.atomic
def presence_end(*, actor, presence: CarrierPresence, until: date) -> CarrierPresence:
    """Record the last day a carrier was integrated at a township center."""
    if not has_capability(actor, "logistics.manage_carrier"):
        raise PermissionDenied(_("You may not manage carriers."))
    presence = lock_in_scope(presence_list(user=actor), presence.pk, _("This record is outside your scope."))
    if not isinstance(until, date) or isinstance(until, datetime) or until < presence.since:
        raise ValidationError({"until": [_("Enter a date not before since.")]})
    old = presence.until
    presence.until = until
    presence.save(update_fields=["until", "updated_at"])
    audit_record(
        actor=actor, action="carrier_presence.end", instance=presence, changes={"until": [old, until]}
    )
    return presence

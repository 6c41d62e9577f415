"""Writes on the service network: creating and editing facilities and stations, status transitions.

Every function checks the actor's capability and scope, validates with `full_clean()`, writes one
StatusChange per transition and an audit event, all in one transaction.
"""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiangcun.accounts.permissions import has_capability
from xiangcun.core.audit import audit_record, diff, snapshot
from xiangcun.core.errors import ApplicationError, PermissionDenied
from xiangcun.core.scoping import lock_in_scope
from xiangcun.regions.selectors import township_list, village_list

from .choices import SITE_TRANSITIONS, SiteStatus
from .models import Facility, Station, StatusChange
from .selectors import facility_list, station_list
from .standard import STATION, requirement_codes

SITE_FIELDS = [
    "name",
    "address",
    "latitude",
    "longitude",
    "area_m2",
    "operator",
    "manager_name",
    "manager_phone",
    "equipment",
    "photo",
    "notes",
]
FACILITY_FIELDS = [*SITE_FIELDS, "cold_chain_needed", "rnd_center_area_m2"]
STATION_FIELDS = [*SITE_FIELDS, "funded", "opens_at", "closes_at"]
# What a station manager may keep up to date on their own station.
STATION_MANAGER_FIELDS = ["manager_phone", "opens_at", "closes_at", "photo", "notes"]


def _clean_equipment(equipment, kind_key: str) -> dict[str, bool]:
    """Checklist with exactly the standard's codes, each a bool; unknown codes are an error."""
    if equipment is None:
        equipment = {}
    if not isinstance(equipment, dict):
        raise ApplicationError(
            _("The equipment checklist must map requirement codes to true/false."),
            code="invalid",
            fields={"equipment": [_("Expected an object of requirement code → true/false.")]},
        )
    codes = requirement_codes(kind_key)
    unknown = sorted(set(equipment) - set(codes))
    if unknown:
        raise ApplicationError(
            _("Unknown equipment codes: %(codes)s") % {"codes": ", ".join(unknown)},
            code="invalid",
            fields={"equipment": [_("Unknown codes: %(codes)s") % {"codes": ", ".join(unknown)}]},
        )
    not_bool = sorted(k for k, v in equipment.items() if not isinstance(v, bool))
    if not_bool:
        raise ApplicationError(
            _("Equipment values must be true or false."),
            code="invalid",
            fields={"equipment": [_("Not true/false: %(codes)s") % {"codes": ", ".join(not_bool)}]},
        )
    return {code: bool(equipment.get(code, False)) for code in codes}


def _apply(instance, fields: dict, allowed: list[str]):
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(unknown)},
            code="read_only_field",
            fields={f: [_("You may not change this field.")] for f in unknown},
        )
    for name, value in fields.items():
        setattr(instance, name, value)


def _record_change(*, site, from_status: str, to_status: str, actor, effective_at: datetime, note: str = ""):
    field = "station" if isinstance(site, Station) else "facility"
    return StatusChange.objects.create(
        county_id=site.county_id,
        from_status=from_status,
        to_status=to_status,
        effective_at=effective_at,
        actor=actor if getattr(actor, "pk", None) else None,
        note=note[:200],
        **{field: site},
    )


# --- facilities ---------------------------------------------------------------------------------


@transaction.atomic
def facility_create(
    *, actor, county, kind: str, code: str, township=None, effective_at: datetime | None = None, **fields
) -> Facility:
    """Create a facility in status `planned`."""
    if not has_capability(actor, "network.add_facility"):
        raise PermissionDenied(_("You may not add facilities."))
    if not actor.is_superuser and actor.county_id != county.pk:
        raise PermissionDenied(_("This county is outside your scope."))
    if township is not None and not township_list(user=actor).filter(pk=township.pk).exists():
        raise PermissionDenied(_("This township is outside your scope."))
    if township is not None and township.county_id != county.pk:
        raise ApplicationError(
            _("The township is not in this county."),
            code="invalid",
            fields={"township": [_("Not in this county.")]},
        )
    facility = Facility(
        county=county,
        kind=kind,
        code=code,
        township=township,
        status=SiteStatus.PLANNED,
        is_demo=county.is_demo,
    )
    _apply(facility, fields, FACILITY_FIELDS)
    if kind in {"county_center", "county_warehouse", "township_center"}:
        facility.equipment = _clean_equipment(facility.equipment, kind)
    facility.full_clean()
    facility.save()
    _record_change(
        site=facility,
        from_status="",
        to_status=SiteStatus.PLANNED,
        actor=actor,
        effective_at=effective_at or timezone.now(),
    )
    audit_record(actor=actor, action="facility.create", instance=facility)
    return facility


@transaction.atomic
def facility_update(*, actor, facility: Facility, **fields) -> Facility:
    if not has_capability(actor, "network.change_facility"):
        raise PermissionDenied(_("You may not change facilities."))
    facility = lock_in_scope(
        facility_list(user=actor), facility.pk, _("This facility is outside your scope.")
    )
    return _update(actor=actor, site=facility, fields=fields, allowed=FACILITY_FIELDS, kind_key=facility.kind)


@transaction.atomic
def facility_transition(
    *, actor, facility: Facility, to_status: str, effective_at: datetime | None = None, note: str = ""
) -> Facility:
    if not has_capability(actor, "network.transition_facility"):
        raise PermissionDenied(_("You may not change the status of facilities."))
    facility = lock_in_scope(
        facility_list(user=actor), facility.pk, _("This facility is outside your scope.")
    )
    return _transition(actor=actor, site=facility, to_status=to_status, effective_at=effective_at, note=note)


# --- stations -----------------------------------------------------------------------------------


def station_next_code(*, village) -> str:
    """The next free station code for a village: its division code and a two-digit sequence."""
    prefix = f"{village.code}-"
    existing = Station.objects.filter(county_id=village.county_id, code__startswith=prefix).values_list(
        "code", flat=True
    )
    used = {int(c[len(prefix) :]) for c in existing}
    n = 1
    while n in used:
        n += 1
    if n > 99:
        raise ApplicationError(
            _("No free station code left in this village."), code="station_codes_exhausted"
        )
    return f"{prefix}{n:02d}"


@transaction.atomic
def station_create(
    *, actor, village, effective_at: datetime | None = None, code: str | None = None, **fields
) -> Station:
    """Create a village station in status `planned`; its code is derived from the village (stable)."""
    if not has_capability(actor, "network.add_station"):
        raise PermissionDenied(_("You may not add stations."))
    village = lock_in_scope(village_list(user=actor), village.pk, _("This village is outside your scope."))
    station = Station(
        county_id=village.county_id,
        township_id=village.township_id,
        village=village,
        code=code or station_next_code(village=village),
        status=SiteStatus.PLANNED,
        is_demo=village.county.is_demo,  # rows of the demo county are simulated
    )
    if not fields.get("name"):
        fields["name"] = _("%(village)s e-commerce service station") % {"village": village.short_name}
    _apply(station, fields, STATION_FIELDS)
    station.equipment = _clean_equipment(station.equipment, STATION)
    station.full_clean()
    station.save()
    _record_change(
        site=station,
        from_status="",
        to_status=SiteStatus.PLANNED,
        actor=actor,
        effective_at=effective_at or timezone.now(),
    )
    audit_record(actor=actor, action="station.create", instance=station)
    return station


@transaction.atomic
def station_update(*, actor, station: Station, **fields) -> Station:
    """Change a station's details. Bureau and contractor may change all fields, a station manager only
    the contact details, opening hours, photo and notes of their own station."""
    if has_capability(actor, "network.change_station"):
        allowed = STATION_FIELDS
    elif has_capability(actor, "network.change_own_station") and actor.station_id == station.pk:
        allowed = STATION_MANAGER_FIELDS
    else:
        raise PermissionDenied(_("You may not change this station."))
    station = lock_in_scope(station_list(user=actor), station.pk, _("This station is outside your scope."))
    return _update(actor=actor, site=station, fields=fields, allowed=allowed, kind_key=STATION)


@transaction.atomic
def station_transition(
    *, actor, station: Station, to_status: str, effective_at: datetime | None = None, note: str = ""
) -> Station:
    if not has_capability(actor, "network.transition_station"):
        raise PermissionDenied(_("You may not change the status of stations."))
    station = lock_in_scope(station_list(user=actor), station.pk, _("This station is outside your scope."))
    return _transition(actor=actor, site=station, to_status=to_status, effective_at=effective_at, note=note)


def _update(*, actor, site, fields: dict, allowed: list[str], kind_key: str):
    """Apply `fields` (only those `allowed`) to a locked site, validate, save and audit the changes."""
    if "equipment" in fields:
        fields["equipment"] = _clean_equipment(fields["equipment"], kind_key)
    before = snapshot(site, list(fields))
    _apply(site, fields, allowed)
    site.full_clean()
    site.save()
    kind = "station" if isinstance(site, Station) else "facility"
    audit_record(
        actor=actor,
        action=f"{kind}.update",
        instance=site,
        changes=diff(before, snapshot(site, list(fields))),
    )
    return site


def _transition(*, actor, site, to_status: str, effective_at: datetime | None, note: str):
    """Move a locked site along the state machine and record the change."""
    if to_status not in SiteStatus.values:
        raise ApplicationError(
            _("Unknown status %(status)s.") % {"status": to_status},
            code="invalid",
            fields={"to_status": [_("Unknown status.")]},
        )
    allowed = SITE_TRANSITIONS[site.status]
    if to_status not in allowed:
        raise ApplicationError(
            _("A site cannot go from %(from)s to %(to)s.")
            % {"from": SiteStatus(site.status).label, "to": SiteStatus(to_status).label},
            code="invalid_transition",
            fields={"to_status": [_("Allowed: %(allowed)s") % {"allowed": ", ".join(allowed) or "—"}]},
        )
    effective_at = effective_at or timezone.now()
    if effective_at > timezone.now() + timedelta(minutes=5):
        raise ApplicationError(
            _("A status change cannot be dated in the future."),
            code="invalid",
            fields={"effective_at": [_("In the future.")]},
        )
    last = site.changes.order_by("-effective_at", "-id").first()
    if last is not None and effective_at < last.effective_at:
        raise ApplicationError(
            _("A status change cannot be dated before the previous one (%(date)s).")
            % {"date": timezone.localtime(last.effective_at).strftime("%Y-%m-%d %H:%M")},
            code="invalid",
            fields={"effective_at": [_("Before the previous change.")]},
        )
    from_status = site.status
    site.status = to_status
    if to_status == SiteStatus.OPERATING and site.opened_on is None:
        site.opened_on = timezone.localdate(effective_at)
    site.save(update_fields=["status", "opened_on", "updated_at"])
    _record_change(
        site=site,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        effective_at=effective_at,
        note=note,
    )
    kind = "station" if isinstance(site, Station) else "facility"
    audit_record(
        actor=actor,
        action=f"{kind}.transition",
        instance=site,
        changes={"status": [from_status, to_status]},
        note=note,
    )
    return site


# ==================================================================================================
# staff (ledger helper's block): people working at centers and stations; R7 counts those from
# registered poor households
# ==================================================================================================

STAFF_FIELDS = [
    "facility",
    "station",
    "name",
    "position",
    "phone",
    "from_poor_household",
    "household",
    "hired_on",
    "left_on",
]
STAFF_TEXT_LIMITS = {"name": 50, "position": 50, "phone": 20}
STAFF_EARLIEST = date(2000, 1, 1)


def _staff_clean(actor, values: dict) -> dict:
    """Check a staff member's complete values (after applying changes); field errors raise."""
    from xiangcun.households.models import Household

    errors: dict[str, list] = {}
    facility, station = values.get("facility"), values.get("station")
    if (facility is None) == (station is None):
        message = _("Give either a facility or a station (the one workplace).")
        errors["station" if facility is None else "facility"] = [message]
    elif facility is not None and not facility_list(user=actor).filter(pk=facility.pk).exists():
        errors["facility"] = [_("This facility is outside your scope.")]
    elif station is not None and not station_list(user=actor).filter(pk=station.pk).exists():
        errors["station"] = [_("This station is outside your scope.")]
    for field, limit in STAFF_TEXT_LIMITS.items():
        value = values.get(field)
        if not isinstance(value, str):
            errors[field] = [_("Must be text.")]
            continue
        values[field] = value.strip()
        if len(values[field]) > limit:
            errors[field] = [_("At most %(n)s characters.") % {"n": limit}]
    if not values.get("name") and "name" not in errors:
        errors["name"] = [_("This field is required.")]
    if not isinstance(values.get("from_poor_household"), bool):
        errors["from_poor_household"] = [_("Enter true or false.")]
    today = timezone.localdate()
    hired_on, left_on = values.get("hired_on"), values.get("left_on")
    if not isinstance(hired_on, date) or isinstance(hired_on, datetime):
        errors["hired_on"] = [_("Enter a date.")]
    elif hired_on < STAFF_EARLIEST or hired_on > today:
        errors["hired_on"] = [_("Between 2000 and today.")]
    if left_on is not None:
        if not isinstance(left_on, date) or isinstance(left_on, datetime):
            errors["left_on"] = [_("Enter a date.")]
        elif left_on > today:
            errors["left_on"] = [_("Must not be in the future.")]
        elif isinstance(hired_on, date) and left_on < hired_on:
            errors["left_on"] = [_("Must not be before the day hired.")]
    household = values.get("household")
    if household is not None:
        county_id = (facility or station).county_id if (facility or station) else None
        if not isinstance(household, Household) or household.county_id != county_id:
            errors["household"] = [_("A registered poor household of the same county.")]
        elif values.get("from_poor_household") is False:
            errors["from_poor_household"] = [_("A linked registered poor household means yes.")]
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def staff_create(
    *,
    actor,
    name: str,
    hired_on: date,
    facility: Facility | None = None,
    station: Station | None = None,
    position: str = "",
    phone: str = "",
    from_poor_household: bool = False,
    household=None,
    left_on: date | None = None,
    is_demo: bool = False,
):
    """Record a person working at a facility (center, warehouse, township center) or a station."""
    from .models import StaffMember

    if not has_capability(actor, "network.manage_staff"):
        raise PermissionDenied(_("You may not manage staff records."))
    values = _staff_clean(
        actor,
        {
            "facility": facility,
            "station": station,
            "name": name,
            "position": position,
            "phone": phone,
            "from_poor_household": from_poor_household,
            "household": household,
            "hired_on": hired_on,
            "left_on": left_on,
        },
    )
    workplace = values["facility"] or values["station"]
    member = StaffMember.objects.create(county_id=workplace.county_id, is_demo=is_demo, **values)
    audit_record(
        actor=actor,
        action="staff.create",
        instance=member,
        changes={f: [None, getattr(member, f)] for f in STAFF_FIELDS},
    )
    return member


@transaction.atomic
def staff_update(*, actor, member, **changes):
    """Change a staff member's record (e.g. the day they left, or their workplace)."""
    from .selectors import staff_list

    if not has_capability(actor, "network.manage_staff"):
        raise PermissionDenied(_("You may not manage staff records."))
    member = lock_in_scope(staff_list(user=actor), member.pk, _("This staff member is outside your scope."))
    unknown = sorted(set(changes) - set(STAFF_FIELDS))
    if unknown:
        raise ValidationError({f: [_("Unknown field.")] for f in unknown})
    before = snapshot(member, STAFF_FIELDS)
    values = {f: getattr(member, f) for f in STAFF_FIELDS}
    values.update(changes)
    if "facility" in changes and changes["facility"] is not None and "station" not in changes:
        values["station"] = None  # moving to a facility leaves the station
    if "station" in changes and changes["station"] is not None and "facility" not in changes:
        values["facility"] = None
    values = _staff_clean(actor, values)
    for field, value in values.items():
        setattr(member, field, value)
    workplace = member.facility or member.station
    if workplace.county_id != member.county_id:
        raise ValidationError({"station": [_("A staff member stays in their county.")]})
    member.save()
    changed = diff(before, snapshot(member, STAFF_FIELDS))
    if changed:
        audit_record(actor=actor, action="staff.update", instance=member, changes=changed)
    return member

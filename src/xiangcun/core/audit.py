"""Recording audit events. Services call `audit_record` inside their transaction."""

from datetime import date, datetime, time
from decimal import Decimal

from django.db import models

from .models import AuditEvent


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or None
    return value


def snapshot(instance: models.Model, fields: list[str]) -> dict:
    """The JSON-safe values of `fields` on `instance` (foreign keys as ids)."""
    return {name: _plain(getattr(instance, name)) for name in fields}


def diff(before: dict, after: dict) -> dict:
    """`{field: [old, new]}` for every field whose value changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def audit_record(*, actor, action: str, instance: models.Model, county=None, changes=None, note: str = ""):
    """Store one audit event for `instance`. `county` defaults to the instance's `county`, if it has one."""
    if county is None:
        county = getattr(instance, "county", None)
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        county=county,
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes={k: [_plain(v[0]), _plain(v[1])] for k, v in (changes or {}).items()},
        note=note,
    )

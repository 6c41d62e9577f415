"""Writes on users: creation with a scope, login failures and lockout."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from xiangcun.core.audit import audit_record

from .choices import Role
from .models import User


def login_failure_record(*, username: str) -> None:
    """Count a failed password for `username`; lock the account once the threshold is reached.

    The counter is per account, never per IP address: stations share carrier NATs. The increment is a
    single UPDATE with F() so concurrent failures are all counted.
    """
    if not username:
        return
    with transaction.atomic():
        updated = User.objects.filter(username=username).update(failed_logins=F("failed_logins") + 1)
        if not updated:
            return
        user = User.objects.select_for_update().get(username=username)
        if user.failed_logins >= settings.LOGIN_LOCKOUT_THRESHOLD:
            user.locked_until = timezone.now() + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
            user.failed_logins = 0
            user.save(update_fields=["locked_until", "failed_logins"])
            audit_record(actor=None, action="user.locked", instance=user, note="too many failed logins")


def login_success_record(*, user: User) -> None:
    if user.failed_logins or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)


def user_is_locked(*, username: str) -> bool:
    return User.objects.filter(username=username, locked_until__gt=timezone.now()).exists()


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    role: str = "",
    county=None,
    township=None,
    station=None,
    full_name: str = "",
    is_demo: bool = False,
    actor=None,
) -> User:
    """Create a user with a role and a scope. A station manager is scoped to one station."""
    if role == Role.STATION_MANAGER and station is not None:
        township = station.township
        county = station.county
    elif township is not None:
        county = township.county
    user = User(
        username=username,
        role=role,
        county=county,
        township=township,
        station=station,
        first_name=full_name,
        is_demo=is_demo,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(actor=actor, action="user.create", instance=user, county=county)
    return user

from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xiangcun.accounts.models import User
from xiangcun.core.models import AuditEvent
from xiangcun.core.testing import make_user

PASSWORD = "pw-Secret-123"


def _login(username, password, ip="10.0.0.1"):
    return Client(REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en").post(
        reverse("accounts:login"), {"username": username, "password": password}
    )


@pytest.mark.django_db
def test_good_password_logs_in_and_redirects_to_dashboard(bureau):
    response = _login("bureau", PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("core:dashboard")


@pytest.mark.django_db
def test_account_locks_after_five_failures_from_any_address(bureau, settings):
    settings.LOGIN_LOCKOUT_THRESHOLD = 5
    for i in range(4):
        assert _login("bureau", "wrong", ip=f"10.0.0.{i}").status_code == 200
    assert User.objects.get(username="bureau").failed_logins == 4
    assert User.objects.get(username="bureau").locked_until is None
    _login("bureau", "wrong", ip="10.9.9.9")
    user = User.objects.get(username="bureau")
    assert user.locked_until is not None and user.locked_until > timezone.now()
    assert AuditEvent.objects.filter(action="user.locked", object_id=str(user.pk)).count() == 1
    # Even the right password is refused while locked, with a message that says so.
    response = _login("bureau", PASSWORD)
    assert response.status_code == 200
    assert "locked" in response.content.decode()
    assert authenticate(username="bureau", password=PASSWORD) is None


@pytest.mark.django_db
def test_lockout_is_per_account_not_per_address(bureau, contractor):
    for _ in range(5):
        _login("bureau", "wrong", ip="100.64.0.1")  # a station NAT shared by both users
    assert _login("contractor", PASSWORD, ip="100.64.0.1").status_code == 302


@pytest.mark.django_db
def test_lock_expires(bureau, settings):
    settings.LOGIN_LOCKOUT_MINUTES = 15
    for _ in range(5):
        _login("bureau", "wrong")
    User.objects.filter(username="bureau").update(locked_until=timezone.now() - timedelta(seconds=1))
    assert _login("bureau", PASSWORD).status_code == 302
    user = User.objects.get(username="bureau")
    assert user.failed_logins == 0 and user.locked_until is None


@pytest.mark.django_db
def test_success_resets_the_failure_counter(bureau):
    for _ in range(3):
        _login("bureau", "wrong")
    assert _login("bureau", PASSWORD).status_code == 302
    assert User.objects.get(username="bureau").failed_logins == 0


@pytest.mark.django_db
def test_unknown_username_fails_quietly():
    assert _login("nobody", "wrong").status_code == 200
    assert not User.objects.filter(username="nobody").exists()


@pytest.mark.django_db
def test_station_manager_must_have_a_station(county):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        make_user("station_manager", county, username="sm")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("demo_mode", "demo_county", "shown"), [(True, True, True), (False, True, False), (True, False, False)]
)
def test_demo_passwords_only_in_demo_mode_with_the_demo_county(
    settings, county, demo_mode, demo_county, shown
):
    from xiangcun.devtools.users import DEMO_PASSWORD
    from xiangcun.regions.models import County

    settings.DEMO_MODE = demo_mode
    County.objects.filter(pk=county.pk).update(is_demo=demo_county)
    user = make_user("auditor", county, username="auditor-demo")
    User.objects.filter(pk=user.pk).update(is_demo=True)
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("accounts:login")).content.decode()
    assert (DEMO_PASSWORD in page) is shown
    assert ("<code>auditor-demo</code>" in page) is shown

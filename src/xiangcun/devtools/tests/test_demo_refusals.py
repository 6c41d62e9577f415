"""`xiangcun demo` on databases without the demo county: refusals, --if-empty, atomicity, deletion.

None of these tests runs a full load (see test_demo.py for that): they stop before or fail early.
"""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from xiangcun.accounts.models import User
from xiangcun.core.errors import ApplicationError
from xiangcun.core.testing import make_county, make_station, make_user
from xiangcun.devtools import services
from xiangcun.devtools.selectors import non_demo_data
from xiangcun.devtools.services import demo_delete
from xiangcun.network.models import Station, StatusChange
from xiangcun.regions.models import County, Township, Village

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("demo", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_refuses_a_database_with_a_real_county_and_writes_nothing():
    make_county("130425", "大名县")
    with pytest.raises(CommandError) as exc:
        run("--seed", "1")
    assert exc.value.returncode == 1
    assert str(exc.value) == (
        "The database holds non-demo data (county 大名县 (130425)); the demo loader never touches it. "
        "Use an empty database for the demo county."
    )
    assert County.objects.count() == 1 and not User.objects.exists()


def test_a_non_demo_station_counts_as_non_demo_data():
    county = make_county("130425")
    County.objects.filter(pk=county.pk).update(is_demo=True)
    station = make_station(county.villages.first())
    assert station.is_demo  # stations of a demo county are demo data
    Station.objects.filter(pk=station.pk).update(is_demo=False)  # e.g. left over from before the flag
    assert non_demo_data() == ["1 station"]
    with pytest.raises(CommandError, match=r"non-demo data \(1 station\)"):
        run("--reset")


def test_if_empty_skips_when_any_county_exists():
    make_county("130426", "邻县")
    out, err = run("--if-empty")
    assert out == "A county is already loaded; skipping the demo county.\n" and err == ""
    assert list(County.objects.values_list("code", flat=True)) == ["130426"]
    out, _err = run("--if-empty", "-v", "0")
    assert out == ""


def test_refuses_when_a_real_user_holds_a_demo_username():
    make_user(None, None, username="bureau")
    with pytest.raises(CommandError) as exc:
        run()
    assert (
        str(exc.value) == "These demo usernames belong to non-demo users: bureau. Rename those users first."
    )
    assert not County.objects.exists() and User.objects.count() == 1


def test_a_failed_load_leaves_nothing_behind(monkeypatch):
    def fail(*args, **kwargs):
        raise ApplicationError("simulated failure")

    monkeypatch.setattr(services, "_load_villages", fail)
    with pytest.raises(CommandError, match="simulated failure"):
        run()
    assert not County.objects.exists() and not User.objects.exists()


def test_progress_goes_to_stderr_and_is_silent_with_verbosity_zero(monkeypatch):
    def fail(*args, **kwargs):
        raise ApplicationError("stop after the divisions")

    monkeypatch.setattr(services, "_load_villages", fail)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("demo", stdout=out, stderr=err)
    assert "divisions : 100%" in err.getvalue() and out.getvalue() == ""
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("demo", "-v", "0", stdout=out, stderr=err)
    assert err.getvalue() == "" and out.getvalue() == ""


def test_demo_delete_removes_the_demo_county_and_demo_users_only():
    root = make_user(None, None, username="root")
    demo = make_county("130425")
    County.objects.filter(pk=demo.pk).update(is_demo=True)
    real = make_county("130426", "邻县")
    station = make_station(demo.villages.first(), actor=root, status="operating")
    make_station(real.villages.first(), actor=root)
    User.objects.create_user(
        username="zhan01", role="station_manager", county=demo, station=station, is_demo=True
    )
    demo_delete()
    assert list(County.objects.values_list("code", flat=True)) == ["130426"]
    assert list(User.objects.values_list("username", flat=True)) == ["root"]
    assert Station.objects.filter(county=real).count() == 1 and Station.objects.count() == 1
    assert StatusChange.objects.filter(county=real).count() == StatusChange.objects.count() == 1
    assert Township.objects.filter(county=real).count() == Township.objects.count() == 2
    assert Village.objects.count() == 6


def test_demo_delete_refuses_while_a_real_user_belongs_to_the_demo_county():
    demo = make_county("130425")
    County.objects.filter(pk=demo.pk).update(is_demo=True)
    make_user("auditor", demo, username="real-auditor")
    with pytest.raises(ApplicationError) as exc:
        demo_delete()
    assert exc.value.code == "demo_delete_blocked"
    assert "real-auditor" in exc.value.message
    assert County.objects.filter(pk=demo.pk).exists()


@pytest.mark.parametrize("scale", ["0", "-1", "1.5"])
def test_a_scale_outside_0_to_1_is_refused_and_writes_nothing(scale):
    with pytest.raises(CommandError, match="--scale must be more than 0 and at most 1"):
        run("--scale", scale)
    assert not County.objects.exists() and not User.objects.exists()

"""`xiangcun rollups rebuild [--county CODE] [--check]`: twice == once == kept fresh on every write."""

import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from xiangcun.reporting.management.commands.rollups import snapshot
from xiangcun.reporting.models import CountyMonth, StationDayOnline, StationMonth, StationMonthOnline
from xiangcun.stations.sync import transactions_sync
from xiangcun.stations.tests.test_uptime import bj, operating_station
from xiangcun.stations.uptime import heartbeats_record


def rebuild(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("rollups", "rebuild", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def data(county, other_county, superuser):
    """Two counties with ledger entries and heartbeats, recorded through the services (so the rollups
    are the ones kept fresh on every write)."""
    stations = [
        operating_station(county.villages.order_by("code")[0], actor=superuser),
        operating_station(county.villages.order_by("code")[1], actor=superuser),
        operating_station(other_county.villages.order_by("code")[0], actor=superuser),
    ]
    for n, station in enumerate(stations):
        items = [
            {
                "uuid": str(uuid.UUID(int=1000 * n + i)),
                "kind": ["proxy_purchase", "bill_payment", "cash_withdrawal"][i % 3],
                "occurred_at": (bj(2018, 5, 30, 10) + timedelta(days=i)).isoformat(),
                "amount": f"{10 + i}.50",
                "villager_name": "张三",
                "description": "",
            }
            for i in range(6)
        ]
        results = transactions_sync(station=station, items=items, actor=superuser)
        assert {r.status for r in results} == {"created"}
        heartbeats_record(
            station=station,
            beats=[bj(2018, 5, 31, 17) + timedelta(minutes=3 * i + n) for i in range(10 * (n + 1))],
        )
    return stations


@pytest.mark.django_db
def test_rebuild_twice_equals_once_equals_incremental(data, county, other_county):
    live = snapshot(None)
    assert live["StationMonth"] and live["StationDayOnline"] and live["CountyMonth"]
    out = rebuild()
    assert out.startswith("Rollups rebuilt for every county: ")
    assert snapshot(None) == live
    rebuild()
    assert snapshot(None) == live
    assert rebuild("--check").startswith("Rollups rebuilt")


@pytest.mark.django_db
def test_rebuild_one_county_repairs_it_and_leaves_the_others(data, county, other_county):
    live = snapshot(None)
    StationMonth.objects.all().update(count=99)
    StationDayOnline.objects.all().delete()
    StationMonthOnline.objects.filter(county=county).update(online_seconds=1)
    CountyMonth.objects.filter(county=county).delete()
    out = rebuild("--county", "130425")
    assert "county 130425" in out
    assert snapshot(county) == _only(live, county)
    assert snapshot(other_county) != _only(live, other_county)  # not touched
    rebuild("--county", other_county.code)
    assert snapshot(None) == live


def _only(snap: dict, county) -> dict:
    """The rows of `county` in a snapshot (county_id is each row's first column)."""
    return {name: [row for row in rows if row[0] == county.pk] for name, rows in snap.items()}


@pytest.mark.django_db
def test_check_reports_rollups_that_differed(data):
    StationMonthOnline.objects.all().update(online_seconds=1)
    with pytest.raises(CommandError, match="differed"):
        rebuild("--check")
    assert rebuild("--check").startswith("Rollups rebuilt")  # corrected by the first run


@pytest.mark.django_db
def test_bad_county_code_is_a_clear_error(data, capsys):
    before = snapshot(None)
    StationMonth.objects.all().update(count=99)
    broken = snapshot(None)
    with pytest.raises(
        CommandError, match=r"Unknown county code: '999999' \(expected one of: 130425, 130426\)"
    ):
        rebuild("--county", "999999")
    assert snapshot(None) == broken != before
    # From the command line: a message on stderr and a non-zero exit status.
    with pytest.raises(SystemExit) as exc:
        execute_from_command_line(["xiangcun", "rollups", "rebuild", "--county", "nope"])
    assert exc.value.code != 0
    assert "Unknown county code: 'nope'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        execute_from_command_line(["xiangcun", "rollups"])
    assert exc.value.code != 0

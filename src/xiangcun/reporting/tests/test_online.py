"""Online-rate reports (reporting/online.py) from the rollups: exact values per station, township,
county, month and year; the 95% target compared exactly; periods not over counted up to now."""

from datetime import date, time

import pytest

from xiangcun.core.testing import make_station
from xiangcun.network import services as network
from xiangcun.reporting.online import (
    Online,
    online_report,
    station_days,
    station_months,
    station_online,
    station_year,
)
from xiangcun.stations.tests.test_uptime import bj, operating_station
from xiangcun.stations.uptime import heartbeats_record

WINDOW = 20 * 60  # stations open 08:00–08:20: 1,200 s a day
JUNE = 30 * WINDOW  # 36,000


def full_days(station, days):
    """Online the whole window (08:00–08:20) on each of `days` of June 2018."""
    beats = [bj(2018, 6, d, 8, 5 * i) for d in days for i in range(4)]
    heartbeats_record(station=station, beats=beats)


@pytest.fixture
def network_(county, superuser):
    v = {
        (t, i): village
        for t in range(2)
        for i, village in enumerate(
            county.villages.filter(township__code=_township(county, t)).order_by("code")
        )
    }
    hours = {"opens": time(8), "closes": time(8, 20)}
    a = operating_station(v[0, 0], actor=superuser, **hours)
    b = operating_station(v[0, 1], actor=superuser, **hours)
    c = operating_station(v[1, 0], actor=superuser, **hours)
    e = operating_station(v[1, 1], actor=superuser, **hours)
    make_station(v[1, 2], actor=superuser)  # planned: never operating, never counted
    # a: every day of June; b: exactly 95% (28 days and 600 s); c: one second short of 95%;
    # e: every day it was operating (suspended at noon on 15 June: the 16th onwards do not count).
    full_days(a, range(1, 31))
    full_days(b, range(1, 29))
    heartbeats_record(station=b, beats=[bj(2018, 6, 29, 8, 10), bj(2018, 6, 29, 8, 15)])
    full_days(c, range(1, 29))
    heartbeats_record(station=c, beats=[bj(2018, 6, 29, 8, 10, 1), bj(2018, 6, 29, 8, 15, 1)])  # 599 s
    network.station_transition(
        actor=superuser, station=e, to_status="suspended", effective_at=bj(2018, 6, 15, 12)
    )
    full_days(e, range(1, 31))  # beats while suspended are stored but do not count
    return a, b, c, e


def _township(county, t):
    return county.townships.order_by("code")[t].code


@pytest.mark.django_db
def test_month_report(county, network_):
    a, b, c, e = network_
    report = online_report(county=county, year=2018, month=6)
    assert (report.start, report.end) == (date(2018, 6, 1), date(2018, 7, 1))
    assert report.stations == {
        a.pk: Online(JUNE, JUNE),
        b.pk: Online(34200, JUNE),
        c.pk: Online(34199, JUNE),
        e.pk: Online(15 * WINDOW, 15 * WINDOW),
    }
    assert [report.stations[s.pk].meets() for s in (a, b, c, e)] == [True, True, False, True]
    assert (report.measured, report.meeting) == (4, 3)
    assert report.share_meeting == 0.75
    # Ratios of sums, per township and for the county.
    assert report.townships == {
        a.township_id: Online(JUNE + 34200, 2 * JUNE),
        c.township_id: Online(34199 + 15 * WINDOW, JUNE + 15 * WINDOW),
    }
    assert report.county == Online(JUNE + 34200 + 34199 + 15 * WINDOW, 3 * JUNE + 15 * WINDOW)
    assert report.stations[b.pk].rate == 0.95
    assert online_report(county=county, year=2018, month=6, target_percent=100).meeting == 2


@pytest.mark.django_db
def test_township_and_year(county, network_):
    a, b, c, e = network_
    report = online_report(county=county, year=2018, month=6, township=c.township)
    assert set(report.stations) == {c.pk, e.pk}
    year = online_report(county=county, year=2018)
    # Operating since 1 January: 365 days of opening hours; suspended from 16 June.
    assert year.stations[a.pk] == Online(JUNE, 365 * WINDOW)
    assert year.stations[e.pk] == Online(15 * WINDOW, (31 + 28 + 31 + 30 + 31 + 15) * WINDOW)
    assert year.meeting == 0
    months = station_months(county=county, year=2018)
    assert months[a.pk][date(2018, 6, 1)] == Online(JUNE, JUNE)
    assert months[a.pk][date(2018, 2, 1)] == Online(0, 28 * WINDOW)
    assert months[e.pk][date(2018, 5, 1)] == Online(0, 31 * WINDOW)
    assert date(2018, 7, 1) not in months[e.pk]  # not operating in July
    assert station_online(station=b, year=2018, month=6) == Online(34200, JUNE)
    assert station_online(station=a, year=2018) == Online(JUNE, 365 * WINDOW)
    assert online_report(county=county, year=2017).stations == {}


@pytest.mark.django_db
def test_station_year_sums_the_months(county, network_):
    """The scorecard's per-station year: the sums of `station_months`, and the months with opening hours."""
    a, b, c, e = network_
    year = station_year(county=county, year=2018)
    january_to_june = [date(2018, m, 1) for m in range(1, 7)]
    assert year[a.pk] == (Online(JUNE, 365 * WINDOW), [date(2018, m, 1) for m in range(1, 13)])
    assert year[e.pk] == (Online(15 * WINDOW, (31 + 28 + 31 + 30 + 31 + 15) * WINDOW), january_to_june)
    months = station_months(county=county, year=2018)
    assert set(year) == set(months) == {a.pk, b.pk, c.pk, e.pk}
    for sid, cells in months.items():
        total = sum(cells.values(), Online())
        assert year[sid] == (total, sorted(m for m, cell in cells.items() if cell.opening_seconds))
    assert station_year(county=county, year=2017) == {}


@pytest.mark.django_db
def test_up_to_now(county, superuser):
    """A period not over counts its opening hours up to now, and online seconds up to now: the part
    of spans reaching past now (a beat vouches for 5 minutes ahead; a fast clock beats ahead) is left
    out, exactly."""
    station = operating_station(county.villages.order_by("code")[0], actor=superuser)  # 08:00–18:00
    now = bj(2018, 6, 15, 12)
    heartbeats_record(
        station=station, beats=[bj(2018, 6, 14, 9), bj(2018, 6, 15, 11, 58), bj(2018, 6, 15, 12, 7)], now=now
    )
    so_far = 14 * 36000 + 4 * 3600
    assert station_online(station=station, year=2018, month=6) == Online(900, 30 * 36000)
    assert station_online(station=station, year=2018, month=6, now=now) == Online(420, so_far)
    report = online_report(county=county, year=2018, month=6, now=now)
    assert report.stations[station.pk] == Online(420, so_far)
    assert station_months(county=county, year=2018, now=now)[station.pk] == {
        date(2018, m, 1): Online(0, n * 36000) for m, n in ((1, 31), (2, 28), (3, 31), (4, 30), (5, 31))
    } | {date(2018, 6, 1): Online(420, so_far)}
    assert online_report(county=county, year=2018, now=now).stations[station.pk] == Online(
        420, (31 + 28 + 31 + 30 + 31 + 14) * 36000 + 4 * 3600
    )
    days = station_days(station=station, start=date(2018, 6, 13), end=date(2018, 6, 16), now=now)
    assert days == [
        (date(2018, 6, 15), Online(120, 4 * 3600)),
        (date(2018, 6, 14), Online(300, 36000)),
        (date(2018, 6, 13), Online(0, 36000)),
    ]
    # A past period is not clipped; one not begun has no opening seconds yet.
    assert station_online(station=station, year=2018, month=5, now=now) == Online(0, 31 * 36000)
    assert station_online(station=station, year=2018, month=7, now=now) == Online(0, 0)


@pytest.mark.django_db
def test_online_values():
    assert Online(0, 0).rate is None and Online(0, 0).meets() is None
    assert Online(95, 100).meets() is True and Online(94, 100).meets() is False
    assert Online(1, 3).online_hours == 0 and Online(5400, 7200).online_hours == Online(5400, 0).online_hours
    assert str(Online(5400, 7200).online_hours) == "1.5"
    assert Online(1, 2) + Online(3, 4) == Online(4, 6)

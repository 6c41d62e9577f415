"""The online-rate rule (stations/uptime.py, docs/uptime.md) on constructed cases, in exact seconds."""

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from xiangcun.core.testing import full_equipment
from xiangcun.network import services as network
from xiangcun.network.models import StatusChange
from xiangcun.reporting.models import StationDayOnline, StationMonthOnline
from xiangcun.stations.models import OnlineSpan
from xiangcun.stations.uptime import (
    CLOCK_SKEW,
    InvalidBeats,
    heartbeat_record,
    heartbeats_record,
    last_heartbeat,
    opening_seconds,
    operating_days,
    uptime_rebuild,
)

TZ = ZoneInfo("Asia/Shanghai")
SINCE = datetime(2018, 1, 1, tzinfo=TZ)
NOW = datetime(2018, 12, 31, tzinfo=TZ)


def bj(y, m, d, h=0, mi=0, s=0) -> datetime:
    """A Beijing-time moment."""
    return datetime(y, m, d, h, mi, s, tzinfo=TZ)


def operating_station(village, *, actor, since=SINCE, opens=None, closes=None):
    """A station created and operating since `since` (status changes back-dated through the services)."""
    hours = {"opens_at": opens, "closes_at": closes} if opens is not None else {}
    station = network.station_create(
        actor=actor, village=village, effective_at=since, area_m2=20, equipment=full_equipment(), **hours
    )
    for to in ("building", "operating"):
        station = network.station_transition(actor=actor, station=station, to_status=to, effective_at=since)
    return station


def days(station) -> dict[date, int]:
    return dict(
        StationDayOnline.objects.filter(station=station).values_list("day", "online_seconds").order_by("day")
    )


def months(station) -> dict[date, int]:
    return dict(
        StationMonthOnline.objects.filter(station=station)
        .values_list("month", "online_seconds")
        .order_by("month")
    )


def spans(station) -> list[tuple[datetime, datetime, int]]:
    return [
        (s.astimezone(TZ), e.astimezone(TZ), n)
        for s, e, n in OnlineSpan.objects.filter(station=station)
        .order_by("start")
        .values_list("start", "end", "heartbeats")
    ]


def rollup_rows():
    return (
        sorted(StationDayOnline.objects.values_list("county_id", "station_id", "day", "online_seconds")),
        sorted(
            StationMonthOnline.objects.values_list(
                "county_id", "township_id", "station_id", "month", "online_seconds"
            )
        ),
    )


def record(station, *beats):
    return heartbeats_record(station=station, beats=list(beats), now=NOW)


@pytest.fixture
def station(county, superuser):
    return operating_station(county.villages.order_by("code")[0], actor=superuser)


# --- the gap rule ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_beat_covers_five_minutes(station):
    assert record(station, bj(2018, 6, 1, 9)).online_seconds_added == 300
    assert days(station) == {date(2018, 6, 1): 300}
    assert months(station) == {date(2018, 6, 1): 300}
    assert spans(station) == [(bj(2018, 6, 1, 9), bj(2018, 6, 1, 9, 5), 1)]
    assert last_heartbeat(station) == bj(2018, 6, 1, 9)


@pytest.mark.django_db
def test_four_missed_beats_are_still_online(station):
    record(station, bj(2018, 6, 1, 9), bj(2018, 6, 1, 9, 5))  # 5 min apart: covers touch
    assert spans(station) == [(bj(2018, 6, 1, 9), bj(2018, 6, 1, 9, 10), 2)]
    assert days(station) == {date(2018, 6, 1): 600}


@pytest.mark.django_db
def test_a_gap_longer_than_the_cover_is_offline(station):
    # 5 min 1 s apart: one second offline, two spans.
    record(station, bj(2018, 6, 1, 9), bj(2018, 6, 1, 9, 5, 1))
    assert spans(station) == [
        (bj(2018, 6, 1, 9), bj(2018, 6, 1, 9, 5), 1),
        (bj(2018, 6, 1, 9, 5, 1), bj(2018, 6, 1, 9, 10, 1), 1),
    ]
    assert days(station) == {date(2018, 6, 1): 600}
    # 6 min apart: the minute between the covers is offline.
    assert record(station, bj(2018, 6, 1, 10), bj(2018, 6, 1, 10, 6)).online_seconds_added == 600
    assert days(station) == {date(2018, 6, 1): 1200}


@pytest.mark.django_db
def test_overlapping_and_repeated_beats_count_once(station):
    assert (
        record(station, bj(2018, 6, 1, 9), bj(2018, 6, 1, 9, 1), bj(2018, 6, 1, 9, 2)).online_seconds_added
        == 420
    )
    assert record(station, bj(2018, 6, 1, 9, 1)).online_seconds_added == 0
    assert heartbeat_record(station=station, at=bj(2018, 6, 1, 9)) == 0
    assert spans(station) == [(bj(2018, 6, 1, 9), bj(2018, 6, 1, 9, 7), 5)]
    assert days(station) == {date(2018, 6, 1): 420}


@pytest.mark.django_db
def test_sub_seconds_are_truncated(station):
    record(station, bj(2018, 6, 1, 9) + timedelta(microseconds=999_999))
    assert spans(station) == [(bj(2018, 6, 1, 9), bj(2018, 6, 1, 9, 5), 1)]


@pytest.mark.django_db
def test_a_late_beat_bridges_two_spans(station):
    record(station, bj(2018, 6, 1, 9), bj(2018, 6, 1, 9, 20))
    assert days(station) == {date(2018, 6, 1): 600}
    # 09:10 covers 09:10–09:15: fills 09:10–09:15 of the gap 09:05–09:20, stays a third span.
    assert record(station, bj(2018, 6, 1, 9, 10)).online_seconds_added == 300
    assert len(spans(station)) == 3
    # 09:05 and 09:15 join everything into one span 09:00–09:25.
    assert record(station, bj(2018, 6, 1, 9, 15), bj(2018, 6, 1, 9, 5)).online_seconds_added == 600
    assert spans(station) == [(bj(2018, 6, 1, 9), bj(2018, 6, 1, 9, 25), 5)]
    assert days(station) == {date(2018, 6, 1): 1500}


# --- opening hours, days, months -------------------------------------------------------------------


@pytest.mark.django_db
def test_only_opening_hours_count(station):
    # Default hours 08:00–18:00: 07:58 covers 07:58–08:03 (3 min inside), 17:57 covers 17:57–18:02.
    assert record(station, bj(2018, 6, 1, 7, 58)).online_seconds_added == 180
    assert record(station, bj(2018, 6, 1, 17, 57)).online_seconds_added == 180
    assert record(station, bj(2018, 6, 1, 3)).online_seconds_added == 0
    assert record(station, bj(2018, 6, 1, 18)).online_seconds_added == 0
    assert days(station) == {date(2018, 6, 1): 360}
    # Beats outside the hours are stored all the same (18:00 joins the 17:57 span).
    assert len(spans(station)) == 3


@pytest.mark.django_db
def test_recorded_opening_hours(county, superuser):
    village = county.villages.order_by("code")[1]
    station = operating_station(village, actor=superuser, opens=time(9, 30), closes=time(17, 0))
    assert record(station, bj(2018, 6, 1, 9, 27)).online_seconds_added == 120
    assert record(station, bj(2018, 6, 1, 16, 59)).online_seconds_added == 60
    assert (
        opening_seconds(
            station, StatusChange.objects.filter(station=station), date(2018, 6, 1), date(2018, 6, 2)
        )
        == 27000
    )


@pytest.mark.django_db
def test_midnight_and_month_boundary(county, superuser):
    village = county.villages.order_by("code")[2]
    station = operating_station(village, actor=superuser, opens=time(0, 0), closes=time(23, 59, 59))
    # 23:58 on 30 June covers 23:58–00:03: 119 s of June's window (it closes at 23:59:59), 180 s of July.
    assert record(station, bj(2018, 6, 30, 23, 58)).online_seconds_added == 299
    assert days(station) == {date(2018, 6, 30): 119, date(2018, 7, 1): 180}
    assert months(station) == {date(2018, 6, 1): 119, date(2018, 7, 1): 180}
    # Day boundaries are Beijing time: 16:00 UTC is midnight in Beijing.
    record(station, datetime(2018, 7, 10, 15, 58, tzinfo=UTC))
    assert days(station)[date(2018, 7, 10)] == 119
    assert days(station)[date(2018, 7, 11)] == 180


@pytest.mark.django_db
def test_non_operating_days_do_not_count(station, superuser):
    # Suspended at 12:00 on 10 June (it was operating at that day's opening: the 10th counts), operating
    # again at 07:00 on the 12th (before that day's opening: the 12th counts, the 11th does not).
    network.station_transition(
        actor=superuser, station=station, to_status="suspended", effective_at=bj(2018, 6, 10, 12)
    )
    network.station_transition(
        actor=superuser, station=station, to_status="operating", effective_at=bj(2018, 6, 12, 7)
    )
    changes = StatusChange.objects.filter(station=station)
    assert operating_days(station, changes, date(2018, 6, 9), date(2018, 6, 14)) == [
        date(2018, 6, 9),
        date(2018, 6, 10),
        date(2018, 6, 12),
        date(2018, 6, 13),
    ]
    assert opening_seconds(station, changes, date(2018, 6, 1), date(2018, 7, 1)) == 29 * 36000
    result = record(station, bj(2018, 6, 10, 13), bj(2018, 6, 11, 9), bj(2018, 6, 12, 9))
    assert (result.recorded, result.online_seconds_added) == (3, 600)
    assert days(station) == {date(2018, 6, 10): 300, date(2018, 6, 12): 300}
    assert months(station) == {date(2018, 6, 1): 600}


@pytest.mark.django_db
def test_a_station_never_operating_counts_nothing(county, superuser):
    station = network.station_create(
        actor=superuser, village=county.villages.order_by("code")[3], effective_at=SINCE, area_m2=20
    )
    assert record(station, bj(2018, 6, 1, 9)).online_seconds_added == 0
    assert days(station) == {}
    assert len(spans(station)) == 1
    uptime_rebuild()
    assert days(station) == {}


# --- refused beats ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_refused_beats_write_nothing(station):
    record(station, bj(2018, 6, 1, 9))
    before = (spans(station), rollup_rows())
    with pytest.raises(InvalidBeats) as exc:
        record(station, bj(2018, 6, 1, 10), NOW + CLOCK_SKEW + timedelta(seconds=1))
    assert exc.value.by_index == {1: "This time is in the future."}
    with pytest.raises(InvalidBeats) as exc:
        record(station, bj(2018, 6, 1, 10), datetime(2018, 6, 1, 10))  # naive
    assert list(exc.value.by_index) == [1]
    with pytest.raises(InvalidBeats) as exc:
        record(station, bj(2018, 6, 1, 10), bj(2017, 12, 31, 23))  # before the station existed
    assert exc.value.by_index == {1: "This time is before the station existed."}
    assert (spans(station), rollup_rows()) == before
    # Within the clock skew is fine.
    assert record(station, NOW + CLOCK_SKEW).recorded == 1


# --- order independence, incremental == rebuild ------------------------------------------------------


def _random_beats(seed: int) -> list[datetime]:
    """Beats over three days around a month end: runs of 1-minute beats, gaps of 1–12 minutes, some
    repeated, some at night."""
    rng = random.Random(seed)
    beats, t = [], bj(2018, 6, 29, 6)
    end = bj(2018, 7, 2, 20)
    while t < end:
        beats.append(t)
        if rng.random() < 0.05:
            beats.append(t)  # a repeated beat
        step = rng.choice([60, 60, 60, 60, 120, 300, 301, 360, 720]) + rng.randint(0, 3)
        if rng.random() < 0.01:
            step = 3600 * rng.randint(1, 14)  # an outage
        t += timedelta(seconds=step)
    return beats


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2])
def test_out_of_order_beats_give_the_same_result(county, superuser, seed):
    villages = list(county.villages.order_by("code"))
    in_order, shuffled, batched = (operating_station(v, actor=superuser) for v in villages[:3])
    beats = _random_beats(seed)
    mixed = beats[:]
    random.Random(seed).shuffle(mixed)
    added_in_order = sum(record(in_order, b).online_seconds_added for b in beats)
    added_shuffled = sum(record(shuffled, b).online_seconds_added for b in mixed)
    added_batched = sum(
        record(batched, *mixed[i : i + 97]).online_seconds_added for i in range(0, len(mixed), 97)
    )
    assert added_in_order == added_shuffled == added_batched > 0
    assert spans(in_order) == spans(shuffled) == spans(batched)
    assert sum(n for _s, _e, n in spans(in_order)) == len(beats)
    assert days(in_order) == days(shuffled) == days(batched)
    assert months(in_order) == months(shuffled) == months(batched)
    assert sum(days(in_order).values()) == added_in_order
    # The expected seconds, computed independently: a second-by-second scan of the opening windows.
    covered = set()
    for b in beats:
        first = int(b.timestamp())
        covered.update(range(first, first + 300))
    expected: dict[date, int] = {}
    for second in covered:
        local = datetime.fromtimestamp(second, TZ)
        if time(8) <= local.time() < time(18):
            expected[local.date()] = expected.get(local.date(), 0) + 1
    assert days(in_order) == expected
    live = rollup_rows()
    assert uptime_rebuild() == 3 * len(expected)
    assert rollup_rows() == live


@pytest.mark.django_db
def test_rebuild_is_idempotent_and_scoped(county, other_county, superuser, station):
    other = operating_station(other_county.villages.order_by("code")[0], actor=superuser)
    record(station, bj(2018, 6, 1, 9), bj(2018, 6, 2, 9))
    record(other, bj(2018, 6, 1, 9))
    live = rollup_rows()
    StationDayOnline.objects.filter(station=station).update(online_seconds=1)
    StationMonthOnline.objects.all().delete()
    assert uptime_rebuild(county=county) == 2
    assert months(other) == {}  # outside the rebuilt county: untouched
    assert uptime_rebuild(station=other) == 1
    assert rollup_rows() == live
    assert uptime_rebuild() == 3
    assert uptime_rebuild() == 3
    assert rollup_rows() == live

"""`POST /api/v1/terminals/heartbeat`: served by the fast-path middleware, the DRF view as fallback."""

import json
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from xiangcun.core.testing import api_client, make_user
from xiangcun.reporting.models import StationDayOnline, StationMonthOnline
from xiangcun.stations.models import OnlineSpan
from xiangcun.stations.terminals import terminal_issue, terminal_revoke
from xiangcun.stations.tests.test_uptime import bj, operating_station

URL = "/api/v1/terminals/heartbeat"


@pytest.fixture
def station(county, superuser):
    return operating_station(county.villages.order_by("code")[0], actor=superuser)


@pytest.fixture
def token(station, superuser):
    return terminal_issue(actor=superuser, station=station)[1]


def beat(token=None, body=None, *, raw: bytes | None = None, path=URL, client=None):
    client = client or Client(HTTP_ACCEPT_LANGUAGE="en")
    headers = {"HTTP_AUTHORIZATION": f"Terminal {token}"} if token else {}
    data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
    return client.post(path, data=data, content_type="application/json", **headers)


def written():
    return (
        list(OnlineSpan.objects.values_list("station_id", "start", "end", "heartbeats").order_by("start")),
        list(StationDayOnline.objects.values_list("station_id", "day", "online_seconds").order_by("day")),
        list(StationMonthOnline.objects.values_list("station_id", "month", "online_seconds")),
    )


@pytest.mark.django_db
def test_a_beat_now(token, station):
    before = timezone.now().replace(microsecond=0)
    response = beat(token)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["recorded"] == 1
    span = OnlineSpan.objects.get(station=station)
    assert before <= span.start <= timezone.now()
    assert span.end - span.start == timedelta(minutes=5)
    assert beat(token, {}).json()["recorded"] == 1
    assert OnlineSpan.objects.get(station=station).heartbeats == 2


@pytest.mark.django_db
def test_a_buffered_beat_and_a_batch(token, station):
    response = beat(token, {"at": "2018-06-01T09:00:00+08:00"})
    assert response.status_code == 200
    assert response.json() == {"recorded": 1, "online_seconds_added": 300}
    # Buffered beats, out of order and with a repeat, in UTC and Beijing offsets.
    batch = [
        "2018-06-01T01:10:00Z",
        "2018-06-01T09:05:00+08:00",
        "2018-06-01T09:05:00+08:00",
        "2018-06-01T17:59:00+08:00",
    ]
    response = beat(token, {"beats": batch})
    assert response.json() == {"recorded": 4, "online_seconds_added": 300 + 300 + 60}
    assert list(OnlineSpan.objects.values_list("start", "end", "heartbeats").order_by("start")) == [
        (bj(2018, 6, 1, 9), bj(2018, 6, 1, 9, 15), 4),
        (bj(2018, 6, 1, 17, 59), bj(2018, 6, 1, 18, 4), 1),
    ]
    assert StationDayOnline.objects.get(station=station).online_seconds == 960
    assert StationMonthOnline.objects.get(station=station, month=date(2018, 6, 1)).online_seconds == 960
    # A trailing slash is tolerated.
    assert beat(token, {"at": "2018-06-01T09:00:00+08:00"}, path=URL + "/").json() == {
        "recorded": 1,
        "online_seconds_added": 0,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "not_authenticated"),
        ("Terminal", "authentication_failed"),
        ("Terminal not-a-token", "authentication_failed"),
        ("Terminal a b", "authentication_failed"),
        ("Bearer x", "not_authenticated"),
    ],
)
def test_missing_or_bad_token_is_401(token, header, code):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.post(URL, data=b"{}", content_type="application/json", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Terminal"
    body = response.json()
    assert body["code"] == code
    assert set(body) == {"detail", "code", "errors"}
    assert written() == ([], [], [])


@pytest.mark.django_db
def test_a_user_token_is_not_a_terminal_token(county, token):
    user = make_user("bureau_admin", county)
    client = api_client(user)
    response = client.post(URL, {}, format="json")
    assert response.status_code == 401
    assert written() == ([], [], [])


@pytest.mark.django_db
def test_revoked_and_rotated_tokens_are_401(token, station, superuser):
    assert beat(token, {"at": "2018-06-01T09:00:00+08:00"}).status_code == 200
    before = written()
    _terminal, new = terminal_issue(actor=superuser, station=station)  # rotate
    assert beat(token, {"at": "2018-06-01T10:00:00+08:00"}).status_code == 401
    assert beat(new, {"at": "2018-06-01T10:00:00+08:00"}).status_code == 200
    before = written()
    terminal_revoke(actor=superuser, terminal=station.terminal)
    response = beat(new, {"at": "2018-06-01T11:00:00+08:00"})
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Unknown or revoked terminal token.",
        "code": "authentication_failed",
        "errors": {},
    }
    assert written() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "errors"),
    [
        (b"{not json", {"non_field_errors": ["Malformed JSON."]}),
        (b"\xff\xfe", {"non_field_errors": ["Malformed JSON."]}),
        (b"[" * 50000, {"non_field_errors": ["Malformed JSON."]}),
        (b"[]", {"non_field_errors": ['Send an object: {}, {"at": \u2026} or {"beats": [\u2026]}.']}),
        (
            b'"2018-06-01T09:00:00+08:00"',
            {"non_field_errors": ['Send an object: {}, {"at": \u2026} or {"beats": [\u2026]}.']},
        ),
        (b'{"at": 5}', {"at": ["Send the time as an ISO 8601 string with its UTC offset."]}),
        (b'{"at": null}', {"at": ["Send the time as an ISO 8601 string with its UTC offset."]}),
        (b'{"at": "yesterday"}', {"at": ["Not an ISO 8601 time, e.g. 2018-05-01T09:30:00+08:00."]}),
        (
            b'{"at": "2018-06-01T09:00:00"}',
            {"at": ["A time needs its UTC offset, e.g. 2018-05-01T09:30:00+08:00."]},
        ),
        (b'{"beats": "2018-06-01T09:00:00+08:00"}', {"beats": ["Send a non-empty list of times."]}),
        (b'{"beats": []}', {"beats": ["Send a non-empty list of times."]}),
        (
            b'{"beats": ["2018-06-01T09:00:00+08:00", 7]}',
            {"beats[1]": ["Send the time as an ISO 8601 string with its UTC offset."]},
        ),
        (
            b'{"at": "2018-06-01T09:00:00+08:00", "beats": []}',
            {"non_field_errors": ['Send either "at" or "beats", not both.']},
        ),
        (b'{"when": "2018-06-01T09:00:00+08:00"}', {"when": ["Unknown field."]}),
        (b'{"at": "2017-06-01T09:00:00+08:00"}', {"at": ["This time is before the station existed."]}),
    ],
)
def test_malformed_bodies_are_400_and_write_nothing(token, raw, errors):
    response = beat(token, raw=raw)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"] == errors
    field, messages = next(iter(errors.items()))
    assert body["detail"] == (messages[0] if field == "non_field_errors" else f"{field}: {messages[0]}")
    assert written() == ([], [], [])


@pytest.mark.django_db
def test_future_beats_beyond_the_clock_skew_are_400(token):
    now = timezone.now()
    soon, late = now + timedelta(minutes=9), now + timedelta(minutes=11)
    response = beat(token, {"beats": [bj(2018, 6, 1, 9).isoformat(), late.isoformat()]})
    assert response.status_code == 400
    assert response.json()["errors"] == {"beats[1]": ["This time is in the future."]}
    assert beat(token, {"at": late.isoformat()}).json()["errors"] == {"at": ["This time is in the future."]}
    assert written() == ([], [], [])
    assert beat(token, {"at": soon.isoformat()}).status_code == 200


@pytest.mark.django_db
def test_too_many_beats_are_400(token):
    beats = [(bj(2018, 6, 1) + timedelta(minutes=i)).isoformat() for i in range(1001)]
    response = beat(token, {"beats": beats})
    assert response.status_code == 400
    assert response.json()["errors"] == {"beats": ["At most 1000 beats per request."]}
    assert beat(token, raw=b" " * (64 * 1024 + 1)).status_code == 400
    assert written() == ([], [], [])
    response = beat(token, {"beats": beats[:1000]})
    # Beats every minute from 00:00 to 16:39 cover 00:00–16:44; the window opens at 08:00.
    assert response.json() == {"recorded": 1000, "online_seconds_added": 8 * 3600 + 44 * 60}


@pytest.mark.django_db
def test_errors_speak_the_clients_language(token):
    from django.utils import translation

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = client.post(
        URL, data=b"{", content_type="application/json", HTTP_AUTHORIZATION=f"Terminal {token}"
    )
    assert response.status_code == 400
    with translation.override("zh-hans"):
        expected = translation.gettext("Malformed JSON.")
    assert response.json()["errors"] == {"non_field_errors": [expected]}
    assert translation.get_language() == "en"  # the request did not leave its language active


@pytest.mark.django_db
def test_the_fast_path_skips_the_stack(token, monkeypatch):
    """The middleware answers before URL resolution: the DRF view is never reached."""
    from xiangcun.stations.api import heartbeat

    def refuse(*args, **kwargs):
        raise AssertionError("the DRF view was called")

    monkeypatch.setattr(heartbeat.HeartbeatView, "post", refuse)
    assert beat(token, {"at": "2018-06-01T09:00:00+08:00"}).status_code == 200
    assert beat(token, {"at": "2018-06-01T09:00:00+08:00"}, path=URL + "/").status_code == 200
    # Other methods and paths go down the normal stack.
    assert Client().get(URL).status_code in (401, 405)


@pytest.mark.django_db
def test_the_drf_view_serves_without_the_middleware(token, station):
    middleware = [m for m in settings.MIDDLEWARE if "fastpath" not in m]
    with override_settings(MIDDLEWARE=middleware):
        response = beat(token, {"at": "2018-06-01T09:00:00+08:00"})
        assert response.status_code == 200
        assert response.json() == {"recorded": 1, "online_seconds_added": 300}
        assert beat("nope", {}).status_code == 401
        assert beat(None, {}).status_code == 401
        response = beat(token, raw=b"{")
        assert response.status_code == 400
        assert response.json()["errors"] == {"non_field_errors": ["Malformed JSON."]}
    assert OnlineSpan.objects.get(station=station).heartbeats == 1


@pytest.mark.django_db
def test_the_schema_documents_the_endpoint(superuser):
    client = Client()
    client.force_login(superuser)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    operation = schema["paths"]["/api/v1/terminals/heartbeat"]["post"]
    assert operation["operationId"] == "terminals_heartbeat"
    assert set(operation["responses"]) == {"200", "400", "401"}
    assert {"terminalAuth": []} in operation["security"]
    request = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][request]["properties"]) == {"at", "beats"}


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_on_the_raw_connection(county, superuser):
    """As in production: no atomic block around the request, so on SQLite the recorder runs its own
    IMMEDIATE transaction on the raw sqlite3 connection (the statements in the "?" style)."""
    from xiangcun.stations.tests.test_uptime import operating_station

    station = operating_station(county.villages.order_by("code")[0], actor=superuser)
    token = terminal_issue(actor=superuser, station=station)[1]
    batch = [bj(2018, 6, 1, 9).isoformat(), bj(2018, 6, 1, 9, 20).isoformat()]
    assert beat(token, {"beats": batch}).json() == {"recorded": 2, "online_seconds_added": 600}
    assert beat(token, {"at": bj(2018, 6, 1, 9, 21).isoformat()}).json() == {
        "recorded": 1,
        "online_seconds_added": 60,
    }
    assert beat(token, {"at": bj(2018, 6, 1, 9, 10).isoformat()}).json() == {
        "recorded": 1,
        "online_seconds_added": 300,
    }
    assert beat(token, {"at": bj(2017, 6, 1, 9).isoformat()}).status_code == 400
    assert list(OnlineSpan.objects.values_list("start", "end", "heartbeats").order_by("start")) == [
        (bj(2018, 6, 1, 9), bj(2018, 6, 1, 9, 5), 1),
        (bj(2018, 6, 1, 9, 10), bj(2018, 6, 1, 9, 15), 1),
        (bj(2018, 6, 1, 9, 20), bj(2018, 6, 1, 9, 26), 2),
    ]
    assert StationDayOnline.objects.get(station=station).online_seconds == 960

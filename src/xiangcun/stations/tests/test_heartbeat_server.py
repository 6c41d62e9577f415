"""Heartbeats as the production server records them: in groups (`heartbeat_handle_many`,
`heartbeats_record_many`) on the ASGI fast path (`stations.fastpath.heartbeat_asgi`, ADRs 0004, 0007)."""

import asyncio
import json
from datetime import timedelta
from unittest import mock

import pytest
from django.test import RequestFactory, override_settings

from xiangcun.reporting.models import StationDayOnline, StationMonthOnline
from xiangcun.stations.api.heartbeat import heartbeat_handle_many
from xiangcun.stations.fastpath import heartbeat_asgi
from xiangcun.stations.models import OnlineSpan
from xiangcun.stations.terminals import terminal_issue
from xiangcun.stations.tests.test_ledger_support import file_database, in_thread
from xiangcun.stations.tests.test_uptime import NOW, bj, operating_station
from xiangcun.stations.uptime import InvalidBeats, heartbeats_record, heartbeats_record_many, uptime_rebuild

URL = "/api/v1/terminals/heartbeat"
handle_many = heartbeat_handle_many  # the real one, for spies that wrap it while it is patched


@pytest.fixture
def two(county, superuser):
    villages = county.villages.order_by("code")
    a = operating_station(villages[0], actor=superuser)
    b = operating_station(villages[1], actor=superuser)
    return a, b, terminal_issue(actor=superuser, station=a)[1], terminal_issue(actor=superuser, station=b)[1]


def stored():
    return (
        sorted(OnlineSpan.objects.values_list("station_id", "start", "end", "heartbeats")),
        sorted(StationDayOnline.objects.values_list("station_id", "day", "online_seconds")),
        sorted(StationMonthOnline.objects.values_list("station_id", "month", "online_seconds")),
    )


@pytest.mark.django_db
def test_a_group_records_what_one_by_one_records(two):
    a, b, _ta, _tb = two
    items = [
        (a, [bj(2018, 6, 1, 9)]),
        (b, [bj(2018, 6, 1, 9), NOW + timedelta(hours=1)]),  # one beat in the future: refused whole
        (a, [bj(2018, 6, 1, 9, 3)]),  # the same station again in the group
        (b, [bj(2018, 6, 1, 10), bj(2018, 6, 1, 9, 58)]),
        (a, [bj(2018, 6, 1, 8, 55)]),  # late: merges with the span the first item made
    ]
    outcomes = heartbeats_record_many(items, now=NOW)
    assert isinstance(outcomes[1], InvalidBeats)
    assert outcomes[1].by_index == {1: "This time is in the future."}
    assert [(o.recorded, o.online_seconds_added) for o in outcomes if not isinstance(o, InvalidBeats)] == [
        (1, 300),
        (1, 180),
        (2, 420),
        (1, 300),
    ]
    grouped = stored()
    assert grouped[0] == [
        (a.pk, bj(2018, 6, 1, 8, 55), bj(2018, 6, 1, 9, 8), 3),
        (b.pk, bj(2018, 6, 1, 9, 58), bj(2018, 6, 1, 10, 5), 2),
    ]
    # Recording the same items one by one, in another order, leaves exactly the same rows.
    OnlineSpan.objects.all().delete()
    uptime_rebuild()
    for station, beats in reversed([items[0], items[2], items[3], items[4]]):
        heartbeats_record(station=station, beats=beats, now=NOW)
    assert stored() == grouped


@pytest.mark.django_db
def test_a_group_of_requests_each_gets_its_answer(two):
    a, b, ta, tb = two
    factory = RequestFactory(HTTP_ACCEPT_LANGUAGE="en")

    def post(body, token=None, **extra):
        headers = {"HTTP_AUTHORIZATION": f"Terminal {token}"} if token else {}
        return factory.post(URL, data=body, content_type="application/json", **headers, **extra)

    at = json.dumps({"at": bj(2018, 6, 1, 9).isoformat()})
    requests = [
        post(at, ta),
        post(at),  # no credentials
        post(at, "not-a-token"),
        post("{", ta),  # malformed
        post(at, tb),
        post(json.dumps({"at": "2999-01-01T00:00:00+08:00"}), tb),  # in the future
        post(json.dumps({"at": bj(2018, 6, 1, 9, 1).isoformat()}), ta),
    ]
    responses = heartbeat_handle_many(requests)
    assert [r.status_code for r in responses] == [200, 401, 401, 400, 200, 400, 200]
    bodies = [json.loads(r.content) for r in responses]
    assert bodies[0] == {"recorded": 1, "online_seconds_added": 300}
    assert bodies[1]["code"] == "not_authenticated"
    assert bodies[2]["code"] == "authentication_failed"
    assert bodies[3]["errors"] == {"non_field_errors": ["Malformed JSON."]}
    assert bodies[5]["errors"] == {"at": ["This time is in the future."]}
    assert bodies[6] == {"recorded": 1, "online_seconds_added": 60}
    assert stored()[0] == [
        (a.pk, bj(2018, 6, 1, 9), bj(2018, 6, 1, 9, 6), 2),
        (b.pk, bj(2018, 6, 1, 9), bj(2018, 6, 1, 9, 5), 1),
    ]


# --- the ASGI fast path -------------------------------------------------------------------------------


class Inner:
    """The application behind the fast path: answers 299 and notes what reached it."""

    def __init__(self):
        self.seen = []

    async def __call__(self, scope, receive, send):
        self.seen.append((scope["type"], scope.get("method"), scope.get("path")))
        if scope["type"] == "http":
            body = (await receive()).get("body", b"")
            await send({"type": "http.response.start", "status": 299, "headers": []})
            await send({"type": "http.response.body", "body": body})


async def call(app, path=URL, body=b"", token=None, host="testserver", method="POST", language="en"):
    """(status, headers, body) of one request through the ASGI application `app`."""
    headers = [
        (b"host", host.encode()),
        (b"content-type", b"application/json"),
        (b"accept-language", language.encode()),
    ]
    if token:
        headers.append((b"authorization", f"Terminal {token}".encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    # The body in two chunks, as a server may deliver it.
    messages = [
        {"type": "http.request", "body": body[:5], "more_body": True},
        {"type": "http.request", "body": body[5:], "more_body": False},
    ]
    sent = []

    async def receive():
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)  # the client keeps the connection open

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    start, content = sent[0], b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], dict(start["headers"]), content


def beats_of(token, minutes, first=bj(2018, 6, 1, 9)):
    return [(token, json.dumps({"at": (first + timedelta(minutes=m)).isoformat()}).encode()) for m in minutes]


@pytest.mark.django_db(transaction=True)
def test_concurrent_beats_are_written_in_groups(two, tmp_path):
    """40 beats of two terminals at once and two refused requests: every beat is answered and stored
    exactly once, in fewer transactions than beats, and the rollups equal the rebuilt ones."""
    a, b, ta, tb = two
    inner = Inner()
    groups = []

    def spy(requests):
        groups.append(len(requests))
        return handle_many(requests)

    requests = beats_of(ta, range(20)) + beats_of(tb, range(0, 40, 2))
    requests += [("unknown", requests[0][1]), (ta, b'{"at": 1}')]
    with file_database(tmp_path), mock.patch("xiangcun.stations.api.heartbeat.heartbeat_handle_many", spy):
        app = heartbeat_asgi(inner, max_group=8)

        async def main():
            return await asyncio.gather(*(call(app, body=body, token=token) for token, body in requests))

        try:
            answers = asyncio.run(main())
        finally:
            app.close()
        assert [status for status, _h, _b in answers] == [200] * 40 + [401, 400]
        assert answers[0][1][b"content-length"] == str(len(answers[0][2])).encode()
        assert json.loads(answers[0][2]) == {"recorded": 1, "online_seconds_added": 300}
        assert json.loads(answers[-1][2])["errors"] == {
            "at": ["Send the time as an ISO 8601 string with its UTC offset."]
        }
        assert sum(groups) == 42 and max(groups) <= 8 and len(groups) < 42
        assert inner.seen == []

        def check():
            spans = stored()[0]
            assert spans == [
                (a.pk, bj(2018, 6, 1, 9), bj(2018, 6, 1, 9, 24), 20),
                (b.pk, bj(2018, 6, 1, 9), bj(2018, 6, 1, 9, 43), 20),
            ]
            live = stored()
            uptime_rebuild()
            assert stored() == live

        in_thread(check)


@pytest.mark.django_db(transaction=True)
def test_a_failing_group_answers_500_and_the_next_one_works(two, tmp_path):
    _a, _b, ta, _tb = two
    (token, body), *_ = beats_of(ta, [0])
    with file_database(tmp_path):
        app = heartbeat_asgi(Inner())
        try:
            with mock.patch(
                "xiangcun.stations.api.heartbeat.heartbeat_handle_many", side_effect=ConnectionError("gone")
            ):
                status, _h, content = asyncio.run(call(app, body=body, token=token))
            assert (status, json.loads(content)["code"]) == (500, "error")
            assert in_thread(lambda: OnlineSpan.objects.count()) == 0
            assert asyncio.run(call(app, body=body, token=token))[0] == 200
        finally:
            app.close()
        assert in_thread(lambda: OnlineSpan.objects.get().heartbeats) == 1


@pytest.mark.django_db(transaction=True)
def test_refused_beats_are_explained_in_the_clients_language(two, tmp_path):
    """The heartbeat thread has no active language: each refusal is worded for its own request."""
    _a, _b, ta, _tb = two
    future = json.dumps({"beats": [bj(2018, 6, 1, 9).isoformat(), "2999-01-01T00:00:00+08:00"]}).encode()
    with file_database(tmp_path):
        app = heartbeat_asgi(Inner())
        try:

            async def main():
                return await asyncio.gather(
                    call(app, body=future, token=ta, language="en"),
                    call(app, body=future, token=ta, language="zh-CN"),
                )

            english, chinese = asyncio.run(main())
        finally:
            app.close()
    assert english[0] == chinese[0] == 400
    assert json.loads(english[2])["errors"] == {"beats[1]": ["This time is in the future."]}
    assert json.loads(chinese[2])["errors"] == {"beats[1]": ["该时间晚于当前时间。"]}


@pytest.mark.django_db
def test_everything_else_goes_to_the_inner_application(two):
    _a, _b, ta, _tb = two
    inner = Inner()
    app = heartbeat_asgi(inner)
    try:
        assert asyncio.run(call(app, path="/healthz", method="GET"))[0] == 299
        assert asyncio.run(call(app, path="/api/v1/terminals/heartbeats", token=ta))[0] == 299
        assert asyncio.run(call(app, method="GET", token=ta))[0] == 299
        with override_settings(ALLOWED_HOSTS=["example.org"]):
            # A host Django refuses: Django answers (400), with the body replayed to it intact.
            status, _h, content = asyncio.run(call(app, body=b'{"at": "x"}', token=ta, host="evil"))
            assert (status, content) == (299, b'{"at": "x"}')
        with override_settings(SECURE_SSL_REDIRECT=True):
            assert asyncio.run(call(app, token=ta))[0] == 299  # Django redirects plain HTTP
    finally:
        app.close()
    assert inner.seen == [
        ("http", "GET", "/healthz"),
        ("http", "POST", "/api/v1/terminals/heartbeats"),
        ("http", "GET", URL),
        ("http", "POST", URL),
        ("http", "POST", URL),
    ]
    assert OnlineSpan.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_production_application(two, tmp_path):
    """`config.asgi.application`: a heartbeat on the fast path, a page through Django's WSGI handler."""
    from xiangcun.config import asgi

    _a, _b, ta, _tb = two
    (token, body), *_ = beats_of(ta, [0])
    with file_database(tmp_path):
        assert asyncio.run(call(asgi.application, path="/healthz", method="GET"))[0] == 200
        status, _h, content = asyncio.run(call(asgi.application, body=body, token=token))
        assert (status, json.loads(content)) == (200, {"recorded": 1, "online_seconds_added": 300})
        asgi.application.close()
        assert in_thread(lambda: OnlineSpan.objects.get().heartbeats) == 1

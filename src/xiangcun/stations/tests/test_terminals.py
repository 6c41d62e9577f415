"""Terminal management: `/api/v1/stations/<code>/terminal` and the pages under /stations/terminals/."""

from datetime import time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from xiangcun.core.models import AuditEvent
from xiangcun.core.testing import api_client, make_station, make_user
from xiangcun.stations.models import Terminal
from xiangcun.stations.terminals import terminal_by_token, terminal_issue
from xiangcun.stations.tests.test_uptime import bj, operating_station
from xiangcun.stations.uptime import heartbeats_record

API = "/api/v1/stations/{}/terminal"


NOW = bj(2018, 6, 15, 12)
# Opening seconds of June up to NOW with the default hours 08:00–18:00: 14 days and 08:00–12:00.
OPENING_SO_FAR = 14 * 36000 + 4 * 3600


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    """The clock stands at NOW (12:00 on 15 June 2018, Beijing time)."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def station(county, superuser):
    return operating_station(county.villages.order_by("code")[0], actor=superuser)


@pytest.fixture
def other_station(other_county, superuser):
    return operating_station(other_county.villages.order_by("code")[0], actor=superuser)


@pytest.fixture
def manager(county, station):
    return make_user("station_manager", county, station=station, username="manager")


def state():
    """Everything a terminal write could change."""
    return (
        sorted(Terminal.objects.values_list("station_id", "token_hash", "is_active", "serial")),
        AuditEvent.objects.filter(action__startswith="terminal.").count(),
    )


# --- the API ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_issue_rotate_revoke(bureau, station):
    client = api_client(bureau)
    response = client.post(API.format(station.code), {"serial": "SN-1"}, format="json")
    assert response.status_code == 201
    body = response.json()
    token = body["token"]
    assert terminal_by_token(token).station_id == station.pk
    assert body["station"] == station.code
    assert body["serial"] == "SN-1"
    assert body["token_prefix"] == token[:6]
    assert body["active"] is True
    assert body["last_heartbeat"] is None
    assert body["online_this_month"] == {
        "month": "2018-06",
        "online_seconds": 0,
        "opening_seconds": OPENING_SO_FAR,
        "rate": 0.0,
    }
    assert AuditEvent.objects.filter(action="terminal.issue", object_id=str(station.terminal.pk)).count() == 1

    # Beats at 11:00 and two minutes ago: the status shows the last one, and counts up to now only
    # (the 11:58 beat vouches for 11:58–12:03; the 3 minutes after now are not counted yet).
    heartbeats_record(station=station, beats=[bj(2018, 6, 15, 11), bj(2018, 6, 15, 11, 58)])
    status = client.get(API.format(station.code)).json()
    assert "token" not in status
    assert status["last_heartbeat"] == "2018-06-15T11:58:00+08:00"
    assert status["online_this_month"] == {
        "month": "2018-06",
        "online_seconds": 420,
        "opening_seconds": OPENING_SO_FAR,
        "rate": 420 / OPENING_SO_FAR,
    }

    rotated = client.post(API.format(station.code), format="json")
    assert rotated.status_code == 200
    new = rotated.json()["token"]
    assert new != token and terminal_by_token(token) is None and terminal_by_token(new) is not None
    assert rotated.json()["serial"] == "SN-1"  # kept when not given
    assert AuditEvent.objects.filter(action="terminal.rotate").count() == 1

    revoked = client.delete(API.format(station.code))
    assert revoked.status_code == 200
    assert revoked.json()["active"] is False
    assert terminal_by_token(new) is None
    assert AuditEvent.objects.filter(action="terminal.revoke").count() == 1
    # Issuing again brings the terminal back with a fresh token.
    again = client.post(API.format(station.code), format="json")
    assert again.status_code == 200 and again.json()["active"] is True


@pytest.mark.django_db
def test_contractor_and_superuser_may_manage(contractor, superuser, station):
    assert api_client(contractor).post(API.format(station.code), format="json").status_code == 201
    response = api_client(superuser).post(f"{API.format(station.code)}?county=130425", format="json")
    assert response.status_code == 200


@pytest.mark.django_db
def test_anonymous_is_refused(station, superuser):
    terminal_issue(actor=superuser, station=station)
    before = state()
    client = api_client(None)
    assert client.get(API.format(station.code)).status_code == 401
    assert client.post(API.format(station.code), format="json").status_code == 401
    assert client.delete(API.format(station.code)).status_code == 401
    assert state() == before


@pytest.mark.django_db
def test_another_county_is_not_found(other_bureau, station, superuser):
    terminal_issue(actor=superuser, station=station)
    before = state()
    client = api_client(other_bureau)
    for response in (
        client.get(API.format(station.code)),
        client.post(API.format(station.code), format="json"),
        client.delete(API.format(station.code)),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert state() == before


@pytest.mark.django_db
def test_users_without_the_capability_may_only_read(manager, auditor, station, superuser, county):
    terminal_issue(actor=superuser, station=station)
    before = state()
    for user in (manager, auditor):
        client = api_client(user)
        assert client.get(API.format(station.code)).status_code == 200
        for response in (
            client.post(API.format(station.code), format="json"),
            client.delete(API.format(station.code)),
        ):
            assert response.status_code == 403
            assert response.json() == {
                "detail": "You may not manage station terminals.",
                "code": "permission_denied",
                "errors": {},
            }
    # A station manager does not see another station of the county.
    second = operating_station(county.villages.order_by("code")[1], actor=superuser)
    assert api_client(manager).get(API.format(second.code)).status_code == 404
    assert state() == before


@pytest.mark.django_db
def test_bad_input_is_400(bureau, station):
    client = api_client(bureau)
    for body in ({"serial": "x" * 65}, {"serial": 5, "colour": "red"}, {"colour": "red"}):
        response = client.post(API.format(station.code), body, format="json")
        assert response.status_code == 400, body
        assert response.json()["code"] == "invalid"
    response = client.post(API.format(station.code), data="{", content_type="application/json")
    assert response.status_code == 400
    assert state() == ([], 0)
    assert client.get(API.format(station.code)).status_code == 404  # no terminal yet
    assert client.delete(API.format(station.code)).status_code == 404
    assert client.get(API.format("999999999999999")).status_code == 404


# --- the pages -------------------------------------------------------------------------------------


def page_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.django_db
def test_list_page_puts_shortfalls_first(bureau, county, superuser, station):
    villages = county.villages.order_by("code")
    # `good` opens 08:00–09:00 and was online all that hour every day of June so far; `station` one
    # hour in all; `silent` never; `planned` is not operating.
    good = operating_station(villages[1], actor=superuser, opens=time(8), closes=time(9))
    silent = operating_station(villages[2], actor=superuser)
    planned = make_station(villages[3], actor=superuser)
    for s in (station, good):
        terminal_issue(actor=superuser, station=s)
    beats = [bj(2018, 6, d, 8) + timedelta(minutes=5 * i) for d in range(1, 16) for i in range(12)]
    heartbeats_record(station=good, beats=beats)
    heartbeats_record(
        station=station, beats=[bj(2018, 6, 1, 9) + timedelta(minutes=5 * i) for i in range(12)]
    )

    response = page_client(bureau).get("/stations/terminals/")
    assert response.status_code == 200
    rows = response.context["rows"]
    # The two shortfalls, lowest rate first, then the station meeting the target, then the one not
    # operating.
    assert [r.station.code for r in rows] == [silent.code, station.code, good.code, planned.code]
    assert [r.meets for r in rows] == [False, False, True, None]
    assert [(r.online.online_seconds, r.online.opening_seconds) for r in rows[:3]] == [
        (0, OPENING_SO_FAR),
        (3600, OPENING_SO_FAR),
        (15 * 3600, 15 * 3600),
    ]
    assert rows[2].last_heartbeat == bj(2018, 6, 15, 8, 55)
    assert (response.context["measured"], response.context["meeting"]) == (3, 1)
    assert response.context["without_terminal"] == 2
    html = response.content.decode()
    assert html.index(f'data-row="{station.code}"') < html.index(f'data-row="{good.code}"')
    assert "1 of 3 operating stations" in html
    assert f"{100 * 16 * 3600 / (2 * OPENING_SO_FAR + 15 * 3600):.1f}%" in html  # the county's rate


@pytest.mark.django_db
def test_pages_are_refused_without_the_capability(manager, auditor, station):
    anonymous = page_client(None).get("/stations/terminals/")
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    for user in (manager, auditor):
        assert page_client(user).get("/stations/terminals/").status_code == 403
        assert page_client(user).get(f"/stations/terminals/{station.code}/").status_code == 403


@pytest.mark.django_db
def test_detail_page_issues_the_token_once(bureau, station):
    client = page_client(bureau)
    url = f"/stations/terminals/{station.code}/"
    response = client.get(url)
    assert response.status_code == 200
    assert "No terminal issued yet." in response.content.decode()
    response = client.post(f"{url}issue/", {"serial": "SN-9"})
    assert response.status_code == 200
    token = response.context["token"]
    assert terminal_by_token(token).serial == "SN-9"
    assert token in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert "0.0%" in response.content.decode()
    # Never again.
    assert token not in client.get(url).content.decode()
    assert AuditEvent.objects.filter(action="terminal.issue").count() == 1
    # Rotate, then revoke.
    rotated = client.post(f"{url}issue/", {"serial": ""})
    assert terminal_by_token(token) is None
    assert terminal_by_token(rotated.context["token"]).serial == "SN-9"
    response = client.post(f"{url}revoke/")
    assert response.status_code == 302
    assert not Terminal.objects.get(station=station).is_active
    assert "revoked" in client.get(response["Location"]).content.decode()
    assert AuditEvent.objects.filter(action__startswith="terminal.").count() == 3


@pytest.mark.django_db
def test_detail_page_bad_serial_writes_nothing(bureau, station):
    response = page_client(bureau).post(f"/stations/terminals/{station.code}/issue/", {"serial": "x" * 65})
    assert response.status_code == 400
    assert state() == ([], 0)


@pytest.mark.django_db
def test_page_writes_are_refused_out_of_scope(other_bureau, manager, station, superuser):
    terminal_issue(actor=superuser, station=station)
    before = state()
    assert page_client(other_bureau).get(f"/stations/terminals/{station.code}/").status_code == 404
    assert page_client(other_bureau).post(f"/stations/terminals/{station.code}/issue/").status_code == 404
    assert page_client(other_bureau).post(f"/stations/terminals/{station.code}/revoke/").status_code == 404
    assert page_client(manager).post(f"/stations/terminals/{station.code}/issue/").status_code == 403
    assert page_client(manager).post(f"/stations/terminals/{station.code}/revoke/").status_code == 403
    assert page_client(None).post(f"/stations/terminals/{station.code}/revoke/").status_code == 302
    assert page_client(other_bureau).get("/stations/terminals/").context["rows"] == []
    assert state() == before


@pytest.mark.django_db
def test_superuser_picks_the_county(superuser, station, other_station):
    client = page_client(superuser)
    rows = client.get("/stations/terminals/?county=130426").context["rows"]
    assert [r.station.code for r in rows] == [other_station.code]
    assert client.get("/stations/terminals/?county=999999").status_code == 404
    detail = client.get(f"/stations/terminals/{other_station.code}/?county=130426")
    assert detail.context["station"] == other_station

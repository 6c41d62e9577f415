"""The station workbench, month view and entry detail pages: scope, read-only viewers, parcel status
changes (idempotent replays), and the month's figures from the rollups, exact to the fen and second."""

import json
import uuid
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xiangcun.core.testing import full_equipment, make_user
from xiangcun.network import services as network_services
from xiangcun.network.models import StatusChange
from xiangcun.reporting.models import StationMonth
from xiangcun.stations.models import Transaction, TransactionEvent
from xiangcun.stations.services import transaction_transition
from xiangcun.stations.sync import transactions_sync
from xiangcun.stations.uptime import heartbeat_record


@pytest.fixture(autouse=True)
def midday(monkeypatch):
    """Entries made "a few minutes ago" must fall on today, and in this month, in Beijing time whatever
    the time of day the suite runs: the clock reads today's noon in Beijing and runs on from there."""
    real = timezone.now
    started = real()
    noon = timezone.make_aware(datetime.combine(timezone.localdate(started), time(12)))
    monkeypatch.setattr(timezone, "now", lambda: noon + (real() - started))


PASSWORD = "pw-Secret-123"


def _station(county, village_index, root):
    """A station operating since 15 April 2018 (status history back-dated), default hours 08:00–18:00."""
    village = county.villages.order_by("code")[village_index]
    station = network_services.station_create(
        actor=root, village=village, area_m2=Decimal("20"), equipment=full_equipment()
    )
    # Its creation (status planned) is recorded now: date it back to before the story starts.
    StatusChange.objects.filter(station=station).update(effective_at=datetime(2018, 3, 1, tzinfo=UTC))
    station = network_services.station_transition(
        actor=root, station=station, to_status="building", effective_at=datetime(2018, 4, 1, tzinfo=UTC)
    )
    return network_services.station_transition(
        actor=root, station=station, to_status="operating", effective_at=datetime(2018, 4, 15, tzinfo=UTC)
    )


@pytest.fixture
def world(county, superuser, bureau, auditor):
    station = _station(county, 0, superuser)
    other = _station(county, 3, superuser)  # in the other township
    return {
        "county": county,
        "station": station,
        "other": other,
        "root": superuser,
        "manager": make_user("station_manager", county, username="manager", station=station),
        "other_manager": make_user("station_manager", county, username="other-manager", station=other),
        "bureau": bureau,
        "auditor": auditor,
        "township": make_user("bureau_admin", county, username="township", township=station.township),
        "other_township": make_user("bureau_admin", county, username="township2", township=other.township),
    }


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def item(kind="proxy_purchase", amount="10.00", at=None, **extra):
    at = at or timezone.now() - timedelta(minutes=1)
    return {
        "uuid": str(uuid.uuid4()),
        "kind": kind,
        "occurred_at": at.isoformat(),
        "amount": amount,
        "villager_name": "王秀英",
        "description": "化肥 2 袋",
        **extra,
    }


def sync(world, *items, who="manager"):
    results = transactions_sync(station=world["station"], items=list(items), actor=world[who])
    assert [r.status for r in results] == ["created"] * len(items), [r.errors for r in results]
    return [Transaction.objects.get(uuid=i["uuid"]) for i in items]


# --- the workbench --------------------------------------------------------------------------------------


def test_workbench_home_sends_a_manager_to_their_station(world):
    url = reverse("stations:workbench_home")
    response = client_for(world["manager"]).get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/stations/{world['station'].code}/"
    assert client_for(world["bureau"]).get(url)["Location"] == reverse("network:station_list")
    assert client_for(None).get(url)["Location"].startswith("/accounts/login/")


def test_workbench_scope(world, other_bureau):
    url = reverse("stations:workbench", args=[world["station"].code])
    assert client_for(None).get(url).status_code == 302  # to the login page
    for who, status in [
        ("other_manager", 404),
        ("other_township", 404),
        ("manager", 200),
        ("bureau", 200),
        ("auditor", 200),
        ("township", 200),
        ("root", 200),
    ]:
        assert client_for(world[who]).get(url).status_code == status, who
    assert client_for(other_bureau).get(url).status_code == 404
    assert client_for(world["manager"]).get("/stations/130425999999-01/").status_code == 404


def test_workbench_for_its_manager_has_the_form_and_the_outbox_config(world):
    station = world["station"]
    response = client_for(world["manager"]).get(reverse("stations:workbench", args=[station.code]))
    html = response.content.decode()
    assert 'id="wb-form"' in html and "js/outbox.js" in html
    assert html.count('name="kind"') == 6
    config = response.context["config"]
    assert config["syncUrl"] == f"/api/v1/stations/{station.code}/sync"
    assert config["transitionUrl"] == (
        f"/stations/{station.code}/entries/00000000-0000-0000-0000-000000000000/transition/"
    )
    assert config["swUrl"] == "/stations/sw.js" and config["scope"] == "/stations/"
    assert config["user"] == "manager" and config["station"] == station.code
    assert config["labels"]["pending"] == "waiting to be sent"
    assert set(config["kinds"]) == {
        "proxy_purchase",
        "proxy_sale",
        "bill_payment",
        "cash_withdrawal",
        "insurance_credit",
        "life_service",
    }


@pytest.mark.parametrize("who", ["bureau", "auditor", "township"])
def test_workbench_is_read_only_for_viewers(world, who):
    sync(world, item())
    response = client_for(world[who]).get(reverse("stations:workbench", args=[world["station"].code]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="wb-form"' not in html and "js/outbox.js" not in html and "wb-config" not in html
    assert "data-to=" not in html  # no parcel buttons
    assert "化肥 2 袋" in html  # but today's list and the parcels are visible


def test_workbench_today_month_and_parcels(world):
    now = timezone.now()
    stale, placed, shipped, bill = sync(
        world,
        item(amount="5.00", at=now - timedelta(days=61)),  # an order left open two months ago
        item(amount="120.50", at=now - timedelta(minutes=3)),
        item(amount="30.00", at=now - timedelta(minutes=2)),
        item(
            kind="bill_payment", amount="88.00", fee="1.00", reference="GD-1", at=now - timedelta(minutes=1)
        ),
    )
    transaction_transition(actor=world["manager"], tx=shipped, to_status="shipped")
    other = transactions_sync(
        station=world["other"], items=[item(amount="999.00")], actor=world["other_manager"]
    )
    assert other[0].status == "created"

    response = client_for(world["manager"]).get(reverse("stations:workbench", args=[world["station"].code]))
    assert [e.uuid for e in response.context["entries"]] == [bill.uuid, shipped.uuid, placed.uuid]
    parcels = response.context["parcels"]
    assert [(p.uuid, [s for s, _label in allowed]) for p, allowed in parcels] == [
        (placed.uuid, ["shipped", "cancelled"]),
        (shipped.uuid, ["arrived", "returned"]),
    ]
    totals = response.context["totals"]
    assert totals.orders == 2 and totals.orders_amount == Decimal("150.50")
    assert totals.of("bill_payment").net_amount == Decimal("88.00")
    assert totals.of("bill_payment").fee == Decimal("1.00")
    assert not totals.orders_met and not totals.amount_met
    html = response.content.decode()
    assert "999.00" not in html  # the other station's entry


# --- parcel status changes (JSON, from the outbox) ------------------------------------------------------


def post_transition(client, station, tx_uuid, payload):
    url = reverse("stations:entry_transition", args=[station.code, str(tx_uuid)])
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post(url, raw, content_type="application/json")


def test_parcel_transitions_and_idempotent_replays(world):
    (tx,) = sync(world, item(amount="66.00"))
    client = client_for(world["manager"])
    station = world["station"]
    for to in ("shipped", "arrived", "picked_up"):
        response = post_transition(client, station, tx.uuid, {"to_status": to})
        assert response.status_code == 200
        assert response.json() == {"uuid": str(tx.uuid), "status": to, "changed": True}
    # Replays (a dropped response, the outbox sending again): no change, a success.
    for to in ("arrived", "picked_up", "shipped"):
        response = post_transition(client, station, tx.uuid, {"to_status": to})
        assert response.status_code == 200
        assert response.json() == {"uuid": str(tx.uuid), "status": "picked_up", "changed": False}
    assert list(TransactionEvent.objects.filter(transaction=tx).values_list("to_status", flat=True)) == [
        "shipped",
        "arrived",
        "picked_up",
    ]
    # Returned after pickup: voided, subtracted from the month's counted business.
    response = post_transition(client, station, tx.uuid, {"to_status": "returned"})
    assert response.json()["changed"] is True
    row = StationMonth.objects.get(station=station, kind="proxy_purchase")
    assert (row.count, row.void_count, row.amount, row.void_amount) == (
        1,
        1,
        Decimal("66.00"),
        Decimal("66.00"),
    )


def test_transition_time_from_the_device(world):
    (tx,) = sync(world, item(at=timezone.now() - timedelta(hours=2)))
    client = client_for(world["manager"])
    at = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)
    response = post_transition(
        client, world["station"], tx.uuid, {"to_status": "shipped", "occurred_at": at.isoformat()}
    )
    assert response.status_code == 200
    tx.refresh_from_db()
    assert tx.status_changed_at == at
    # A device clock behind the entry's own time: the change is dated at the entry's time.
    response = post_transition(
        client,
        world["station"],
        tx.uuid,
        {"to_status": "arrived", "occurred_at": (tx.occurred_at - timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 200
    tx.refresh_from_db()
    assert tx.status_changed_at == tx.occurred_at


def test_bad_transitions_are_400_and_change_nothing(world):
    (tx,) = sync(world, item())
    client = client_for(world["manager"])
    station = world["station"]
    response = post_transition(client, station, tx.uuid, {"to_status": "picked_up"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_transition"
    assert body["errors"] == {"to_status": ["Allowed: Shipped, Cancelled"]}
    cases = [
        ("{not json", "parse_error", {}),
        ("[1]", "invalid", {}),
        ({"to_status": "flying"}, "invalid", {"to_status": ["Unknown status."]}),
        (
            {"to_status": "shipped", "occurred_at": "yesterday"},
            "invalid",
            {"occurred_at": ["Not an ISO 8601 date-time."]},
        ),
        (
            {"to_status": "shipped", "occurred_at": "2018-05-01T09:00:00"},
            "invalid",
            {"occurred_at": ["Not an ISO 8601 date-time."]},
        ),
        ({"to_status": "shipped", "note": 5}, "invalid", {"note": ["Must be text."]}),
    ]
    for payload, code, errors in cases:
        response = post_transition(client, station, tx.uuid, payload)
        assert response.status_code == 400, payload
        assert response.json()["code"] == code and response.json()["errors"] == errors, payload
    future = (timezone.now() + timedelta(days=1)).isoformat()
    response = post_transition(client, station, tx.uuid, {"to_status": "shipped", "occurred_at": future})
    assert response.status_code == 400 and response.json()["errors"] == {"occurred_at": ["Out of range."]}
    response = post_transition(client, station, uuid.uuid4(), {"to_status": "shipped"})
    assert response.status_code == 404
    tx.refresh_from_db()
    assert tx.status == "placed" and not TransactionEvent.objects.exists()


@pytest.mark.parametrize(
    "who,status", [(None, 403), ("other_manager", 404), ("bureau", 403), ("auditor", 403), ("township", 403)]
)
def test_transition_denied_changes_nothing(world, who, status):
    (tx,) = sync(world, item())
    client = client_for(world[who] if who else None)
    response = post_transition(client, world["station"], tx.uuid, {"to_status": "shipped"})
    assert response.status_code == status
    tx.refresh_from_db()
    assert tx.status == "placed" and not TransactionEvent.objects.exists()


def test_transition_needs_csrf(world):
    (tx,) = sync(world, item())
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["manager"])
    response = post_transition(client, world["station"], tx.uuid, {"to_status": "shipped"})
    assert response.status_code == 403
    tx.refresh_from_db()
    assert tx.status == "placed"


# --- entry detail ---------------------------------------------------------------------------------------


def test_entry_detail_history_and_allowed_changes(world):
    (tx,) = sync(
        world, item(kind="cash_withdrawal", amount="500.00", reference="ICBC-778", payment_method="cash")
    )
    url = reverse("stations:entry_detail", args=[world["station"].code, str(tx.uuid)])
    response = client_for(world["manager"]).get(url)
    assert response.status_code == 200
    assert response.context["allowed"] == [("reversed", "Reversed")]
    assert "ICBC-778" in response.content.decode()
    response = client_for(world["manager"]).post(url, {"to_status": "reversed", "note": "bank refused"})
    assert response.status_code == 302
    tx.refresh_from_db()
    assert tx.status == "reversed"
    response = client_for(world["manager"]).get(url)
    assert [(e.from_status, e.to_status, e.note) for e in response.context["events"]] == [
        ("completed", "reversed", "bank refused")
    ]
    assert response.context["allowed"] == []
    # Not allowed any more: shown again with the error, nothing changes.
    response = client_for(world["manager"]).post(url, {"to_status": "completed"})
    assert response.status_code == 400
    assert "cannot go from Reversed to Completed" in response.content.decode()
    assert TransactionEvent.objects.count() == 1


def test_entry_detail_scope_and_read_only(world):
    (tx,) = sync(world, item())
    url = reverse("stations:entry_detail", args=[world["station"].code, str(tx.uuid)])
    assert client_for(None).get(url).status_code == 302
    assert client_for(world["other_manager"]).get(url).status_code == 404
    assert client_for(world["other_manager"]).post(url, {"to_status": "shipped"}).status_code == 404
    for who in ("bureau", "auditor", "township"):
        response = client_for(world[who]).get(url)
        assert response.status_code == 200 and response.context["allowed"] == []
        assert 'id="entry-transition"' not in response.content.decode()
        assert client_for(world[who]).post(url, {"to_status": "shipped"}).status_code == 403
    # An entry of another station under this station's code: not found.
    other = transactions_sync(station=world["other"], items=[item()], actor=world["other_manager"])
    assert (
        client_for(world["bureau"])
        .get(reverse("stations:entry_detail", args=[world["station"].code, other[0].uuid]))
        .status_code
        == 404
    )
    tx.refresh_from_db()
    assert tx.status == "placed" and not TransactionEvent.objects.exists()


# --- the month view -------------------------------------------------------------------------------------


def beijing(day, hour, minute=0):
    return datetime.fromisoformat(f"2018-05-{day:02d}T{hour:02d}:{minute:02d}:00+08:00")


def test_month_view_figures(world):
    station = world["station"]
    first, second, third, *_rest = sync(
        world,
        item(amount="100.00", at=beijing(3, 10)),
        item(amount="250.50", at=beijing(12, 15), fee="2.50"),
        item(amount="49.50", at=beijing(31, 23, 30)),  # still May in Beijing (15:30 UTC)
        item(kind="bill_payment", amount="80.00", fee="1.00", reference="GD-2018-1", at=beijing(5, 9)),
        item(kind="cash_withdrawal", amount="500.00", reference="ICBC-1", at=beijing(6, 11)),
        item(amount="77.00", at=datetime.fromisoformat("2018-06-01T00:10:00+08:00")),  # June
        item(amount="12.00", at=datetime.fromisoformat("2018-04-30T23:50:00+08:00")),  # April
    )
    transaction_transition(actor=world["manager"], tx=first, to_status="cancelled")
    # The terminal: two beats on 2 May 09:00 and 09:04 cover 09:00–09:09, i.e. 540 s.
    heartbeat_record(station=station, at=beijing(2, 9))
    heartbeat_record(station=station, at=beijing(2, 9, 4))

    response = client_for(world["bureau"]).get(
        reverse("stations:station_month", args=[station.code, "2018-05"])
    )
    assert response.status_code == 200
    totals = response.context["totals"]
    pp = totals.of("proxy_purchase")
    assert (pp.count, pp.void_count, pp.net_count) == (3, 1, 2)
    assert (pp.amount, pp.void_amount, pp.net_amount, pp.fee) == (
        Decimal("400.00"),
        Decimal("100.00"),
        Decimal("300.00"),
        Decimal("2.50"),
    )
    assert totals.orders == 2 and totals.orders_amount == Decimal("300.00")
    assert not totals.orders_met and not totals.amount_met
    assert totals.total_count == 4 and totals.total_amount == Decimal("880.00")
    assert totals.total_fee == Decimal("3.50")
    assert totals.of("proxy_sale").count == 0
    online = response.context["online"]
    # Operating every day of May (since 15 April), 08:00–18:00: 31 × 36,000 s.
    assert (online.online_seconds, online.opening_seconds) == (540, 1_116_000)
    assert online.percent == Decimal("0.0") and online.met is False
    page = response.context["page"]
    assert page.paginator.count == 5
    assert [e.uuid for e in page] == [third.uuid, second.uuid, *[t.uuid for t in _rest[1::-1]], first.uuid]
    html = response.content.decode()
    assert f'href="/stations/{station.code}/month/2018-04/"' in html
    assert f'href="/stations/{station.code}/month/2018-06/"' in html
    assert "0:09 h online of 310:00 h open" in html
    assert online.online_clock == "0:09" and online.opening_clock == "310:00"

    june = client_for(world["bureau"]).get(reverse("stations:station_month", args=[station.code, "2018-06"]))
    assert june.context["totals"].orders_amount == Decimal("77.00")
    assert june.context["online"].opening_seconds == 30 * 36_000


def test_month_view_targets_met(world):
    items = [item(amount="40.00", at=beijing(1 + i % 28, 10, i % 60)) for i in range(50)]
    sync(world, *items)
    response = client_for(world["manager"]).get(
        reverse("stations:station_month", args=[world["station"].code, "2018-05"])
    )
    totals = response.context["totals"]
    assert totals.orders == 50 and totals.orders_amount == Decimal("2000.00")
    assert totals.orders_met and totals.amount_met
    assert response.context["page"].paginator.num_pages == 1
    assert len(response.context["page"].object_list) == 50


def test_month_view_pages_and_bad_months(world):
    sync(world, *[item(amount="1.00", at=beijing(7, 8, i)) for i in range(51)])
    url = reverse("stations:station_month", args=[world["station"].code, "2018-05"])
    second = client_for(world["manager"]).get(url + "?page=2")
    assert second.context["page"].number == 2 and len(second.context["page"].object_list) == 1
    for bad in ("2018-13", "2018-00", "2014-12", "2999-01"):
        assert (
            client_for(world["manager"]).get(f"/stations/{world['station'].code}/month/{bad}/").status_code
            == 404
        )
    first_month = client_for(world["manager"]).get(
        reverse("stations:station_month", args=[world["station"].code, "2015-01"])
    )
    assert first_month.context["previous_url"] == ""


@pytest.mark.parametrize(
    "who,status",
    [("other_manager", 404), ("other_township", 404), ("manager", 200), ("bureau", 200), ("auditor", 200)],
)
def test_month_view_scope(world, who, status):
    url = reverse("stations:station_month", args=[world["station"].code, "2018-05"])
    assert client_for(world[who]).get(url).status_code == status


def test_month_view_anonymous(world):
    url = reverse("stations:station_month", args=[world["station"].code, "2018-05"])
    assert client_for(None).get(url)["Location"].startswith("/accounts/login/")


# --- the service worker ---------------------------------------------------------------------------------


def test_service_worker(db):
    response = Client().get(reverse("stations:service_worker"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/stations/"
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    for asset in (
        "/static/css/app.css",
        "/static/css/workbench.css",
        "/static/js/outbox.js",
        "/static/js/workbench.js",
    ):
        assert f'"{asset}"' in body
    assert 'var PAGE = new RegExp("^/stations/\\\\d{12}-\\\\d{2}/$");' in body


# --- linking an entry to a registered poor household ----------------------------------------------------


def post_household(client, station, tx_uuid, payload):
    url = reverse("stations:entry_household", args=[station.code, str(tx_uuid)])
    return client.post(url, json.dumps(payload), content_type="application/json")


@pytest.fixture
def households(world, other_county):
    from xiangcun.households.models import Household

    village = world["station"].village
    own = Household.objects.create(county=world["county"], village=village, code="H-0001", head_name="王秀英")
    Household.objects.create(
        county=world["county"], village=world["other"].village, code="H-0900", head_name="李四"
    )
    Household.objects.create(
        county=other_county, village=other_county.villages.first(), code="H-0002", head_name="外县"
    )
    return own


def test_workbench_offers_the_village_households(world, households):
    response = client_for(world["manager"]).get(reverse("stations:workbench", args=[world["station"].code]))
    assert [h.code for h in response.context["households"]] == ["H-0001"]
    assert '<option value="H-0001">H-0001 王秀英</option>' in response.content.decode()


def test_household_link_and_replay(world, households):
    from xiangcun.core.models import AuditEvent

    (tx,) = sync(world, item())
    client = client_for(world["manager"])
    response = post_household(client, world["station"], tx.uuid, {"household": "H-0001"})
    assert response.status_code == 200
    assert response.json() == {"uuid": str(tx.uuid), "household": "H-0001", "changed": True}
    response = post_household(client, world["station"], tx.uuid, {"household": "H-0001"})
    assert response.json()["changed"] is False
    tx.refresh_from_db()
    assert tx.household == households
    events = AuditEvent.objects.filter(action="transaction.household")
    assert [e.changes for e in events] == [{"household": [None, households.pk]}]
    response = post_household(client, world["station"], tx.uuid, {"household": None})
    assert response.json() == {"uuid": str(tx.uuid), "household": None, "changed": True}
    tx.refresh_from_db()
    assert tx.household is None


def test_household_link_refusals_change_nothing(world, households):
    (tx,) = sync(world, item())
    client = client_for(world["manager"])
    for payload in ({"household": "H-0002"}, {"household": "nope"}, {"household": 7}):
        response = post_household(client, world["station"], tx.uuid, payload)
        assert response.status_code == 400, payload
        assert response.json()["errors"] == {"household": ["Unknown household."]}
    # A household of another township of the county: outside a station manager's scope.
    response = post_household(client, world["station"], tx.uuid, {"household": "H-0900"})
    assert response.status_code == 400
    for who, status in [(None, 403), ("bureau", 403), ("auditor", 403), ("other_manager", 404)]:
        response = post_household(
            client_for(world[who] if who else None), world["station"], tx.uuid, {"household": "H-0001"}
        )
        assert response.status_code == status, who
    tx.refresh_from_db()
    assert tx.household is None

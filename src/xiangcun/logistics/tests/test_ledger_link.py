"""The station ledger follows its parcels: a proxy purchase's parcel reaching its station moves the entry
to "arrived", signed for to "picked up" (`tracking.orders_follow_parcels`)."""

import uuid
from datetime import timedelta

import pytest

from xiangcun.core.models import AuditEvent
from xiangcun.stations.models import Transaction, TransactionEvent
from xiangcun.stations.services import transaction_transition
from xiangcun.stations.sync import transactions_sync

from .world import T0, book, scan

pytestmark = pytest.mark.django_db


def order(w, *, status="shipped", station=None):
    station = station or w.s1
    manager = w.manager1 if station == w.s1 else w.manager2
    key = str(uuid.uuid4())
    transactions_sync(
        station=station,
        items=[{"uuid": key, "kind": "proxy_purchase", "occurred_at": T0.isoformat(), "amount": "99.00"}],
        actor=manager,
    )
    tx = Transaction.objects.get(uuid=key)
    if status == "shipped":
        tx = transaction_transition(actor=manager, tx=tx, to_status="shipped", occurred_at=T0)
    return tx


def status_of(tx) -> str:
    return Transaction.objects.get(pk=tx.pk).status


def test_in_at_the_station_then_signed_for(w):
    tx = order(w)
    parcel = book(w, "LK0001", transaction_uuid=tx.uuid)
    scan(w, parcel, "out", w.warehouse, T0 + timedelta(hours=1))
    assert status_of(tx) == "shipped"
    scan(w, parcel, "in", w.center, T0 + timedelta(hours=5))
    assert status_of(tx) == "shipped"
    scan(w, parcel, "in", w.s1, T0 + timedelta(days=1))
    assert status_of(tx) == "arrived"
    event = TransactionEvent.objects.get(transaction=tx, to_status="arrived")
    assert (event.from_status, event.occurred_at, event.actor) == (
        "shipped",
        T0 + timedelta(days=1),
        w.superuser,
    )
    scan(w, parcel, "in", w.s1, T0 + timedelta(days=1))  # the same scan again
    scan(w, parcel, "signed_for", w.s1, T0 + timedelta(days=2))
    assert status_of(tx) == "picked_up"
    assert TransactionEvent.objects.filter(transaction=tx).count() == 2 + 1  # shipped, arrived, picked up
    assert AuditEvent.objects.filter(action="transaction.transition", object_id=str(tx.pk)).count() == 3


def test_signed_for_first_moves_through_both_steps_and_replays_move_nothing(w):
    tx = order(w)
    parcel = book(w, "LK0002", transaction_uuid=tx.uuid)
    scan(w, parcel, "signed_for", w.s1, T0 + timedelta(days=2))
    assert status_of(tx) == "picked_up"
    events = list(
        TransactionEvent.objects.filter(transaction=tx).order_by("id").values_list("to_status", "occurred_at")
    )
    assert events[-2:] == [("arrived", T0 + timedelta(days=2)), ("picked_up", T0 + timedelta(days=2))]
    scan(w, parcel, "in", w.s1, T0 + timedelta(days=1))  # earlier, received later: nothing more
    scan(w, parcel, "signed_for", w.s1, T0 + timedelta(days=2))
    assert TransactionEvent.objects.filter(transaction=tx).count() == 3


def test_entries_not_shipped_and_returned_parcels_do_not_move(w):
    placed = order(w, status="placed")
    parcel = book(w, "LK0003", transaction_uuid=placed.uuid)
    scan(w, parcel, "in", w.s1, T0 + timedelta(days=1))
    assert status_of(placed) == "placed"
    tx = order(w)
    returned = book(w, "LK0004", transaction_uuid=tx.uuid)
    scan(w, returned, "out", w.warehouse, T0 + timedelta(hours=1))
    scan(w, returned, "returned", w.center, T0 + timedelta(hours=9))
    scan(w, returned, "in", w.s1, T0 + timedelta(days=1))
    assert status_of(tx) == "shipped"


def test_a_carriers_user_scanning_moves_the_entry(w):
    tx = order(w)
    parcel = book(w, "LK0005", transaction_uuid=tx.uuid)
    result = scan(w, parcel, "in", w.s1, T0 + timedelta(days=1), actor=w.carrier_a)
    assert result["status"] == "created"
    assert status_of(tx) == "arrived"
    assert TransactionEvent.objects.get(transaction=tx, to_status="arrived").actor == w.carrier_a

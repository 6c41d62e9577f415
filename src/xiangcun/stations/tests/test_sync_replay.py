"""Sync reliability: the same batches replayed several times, interleaved, re-chunked, concurrently
from threads, and after dropped responses or a server failure mid-batch. The stored ledger always equals
the intended one exactly (nothing lost, nothing doubled) and the rollups equal a fresh rebuild."""

import random
from collections import Counter
from unittest import mock

import pytest
from django.db import connection

from xiangcun.core.testing import api_client
from xiangcun.stations.models import Transaction
from xiangcun.stations.tests.test_ledger_support import (
    S1,
    S2,
    assert_rollups_equal_rebuild,
    file_database,
    in_thread,
    intended_rows,
    ledger_rows,
    ledger_world,
    rollup_rows,
    run_concurrently,
    sync_url,
    varied_items,
)


@pytest.fixture
def w(county, other_county, superuser, bureau, contractor, auditor, other_bureau):
    return ledger_world(county, other_county, superuser, bureau, contractor, auditor, other_bureau)


def terminal_client(token: str):
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION=f"Terminal {token}")
    return client


def send(client, code, items) -> list[str]:
    response = client.post(sync_url(code), {"transactions": items}, format="json")
    assert response.status_code == 200, response.content
    return [r["status"] for r in response.json()["results"]]


def statuses_by_uuid(pairs) -> Counter:
    """How often each UUID was answered `created`, over (items, statuses) pairs."""
    created = Counter()
    for items, statuses in pairs:
        for item, status in zip(items, statuses, strict=True):
            assert status in ("created", "duplicate"), status
            if status == "created":
                created[item["uuid"]] += 1
    return created


@pytest.mark.django_db
def test_replaying_a_batch_stores_it_once(w):
    items = varied_items(300)
    client = api_client(w.manager1)
    assert send(client, S1, items) == ["created"] * 300
    first = rollup_rows()
    for _ in range(3):
        assert send(client, S1, items) == ["duplicate"] * 300
    assert ledger_rows() == intended_rows(items, w.s1)
    assert rollup_rows() == first
    assert_rollups_equal_rebuild()


@pytest.mark.django_db
def test_interleaved_and_rechunked_replays(w):
    """A client that lost track of what went through re-sends overlapping chunks in another order,
    through the page (manager) and the terminal alike."""
    items = varied_items(600)
    rng = random.Random(3)
    manager, terminal = api_client(w.manager1), terminal_client(w.token1)
    pairs = []
    for start, end in [(0, 200), (100, 300), (250, 600), (0, 600), (500, 600), (150, 450)]:
        chunk = items[start:end]
        rng.shuffle(chunk)
        client = manager if start % 100 == 0 else terminal
        pairs.append((chunk, send(client, S1, chunk)))
    assert statuses_by_uuid(pairs) == Counter({i["uuid"]: 1 for i in items})
    assert ledger_rows() == intended_rows(items, w.s1)
    assert_rollups_equal_rebuild()


@pytest.mark.django_db
def test_two_stations_interleaved(w):
    a, b = varied_items(120), varied_items(120, start=1000)
    m1, t2 = api_client(w.manager1), terminal_client(w.token2)
    for round_ in range(3):
        send(m1, S1, a[: 40 * (round_ + 1)])
        send(t2, S2, b[40 * round_ :])
    assert ledger_rows(station=w.s1) == intended_rows(a, w.s1)
    assert ledger_rows(station=w.s2) == intended_rows(b, w.s2)
    assert_rollups_equal_rebuild()


@pytest.mark.django_db
def test_a_dropped_response_is_resent_and_acknowledged(w):
    """The server stored the batch but the reply never arrived: the client sends it again and is told
    every entry is there (`duplicate`), which clears its queue."""
    items = varied_items(50)
    client = api_client(w.manager1)
    client.post(sync_url(S1), {"transactions": items}, format="json")  # reply lost
    queue = list(items)
    while queue:  # the client's outbox: resend until acknowledged
        statuses = send(client, S1, queue)
        queue = [i for i, s in zip(queue, statuses, strict=True) if s not in ("created", "duplicate")]
    assert ledger_rows() == intended_rows(items, w.s1)
    assert_rollups_equal_rebuild()


@pytest.mark.django_db
def test_a_failure_mid_batch_writes_nothing_and_the_resend_stores_everything(w):
    """The server fails after inserting the rows but before the rollups (the connection drops, the
    process dies): the transaction rolls back, ledger and rollups alike; the client resends."""
    first, items = varied_items(30), varied_items(80, start=30)
    client = api_client(w.manager1)
    send(client, S1, first)
    before = (ledger_rows(), rollup_rows())
    client.raise_request_exception = False
    with mock.patch("xiangcun.stations.sync.ledger_add_station_rows", side_effect=ConnectionError("gone")):
        response = client.post(sync_url(S1), {"transactions": first + items}, format="json")
    assert response.status_code == 500
    assert (ledger_rows(), rollup_rows()) == before
    assert send(client, S1, first + items) == ["duplicate"] * 30 + ["created"] * 80
    assert ledger_rows() == intended_rows(first + items, w.s1)
    assert_rollups_equal_rebuild()


@pytest.mark.django_db(transaction=True)
def test_concurrent_replays_store_each_entry_once(w, tmp_path):
    """Four clients (the manager's page twice, the terminal, and a client retrying after dropped
    replies) send overlapping batches of the same entries at the same time, in different orders."""
    items = varied_items(800)
    rng = random.Random(7)
    clients = [
        api_client(w.manager1),
        api_client(w.manager1),
        terminal_client(w.token1),
        api_client(w.manager1),
    ]

    def sender(client, seed):
        def run():
            local = random.Random(seed)
            pairs = []
            for _ in range(3):
                start = local.randrange(0, 400)
                chunk = items[start : start + 400]
                local.shuffle(chunk)
                pairs.append((chunk, send(client, S1, chunk)))
            # and finally everything, so the union is complete
            chunk = list(items)
            local.shuffle(chunk)
            pairs.append((chunk, send(client, S1, chunk[:500])[:500] + send(client, S1, chunk[500:])))
            return pairs

        return run

    with file_database(tmp_path):
        results = run_concurrently(*(sender(c, rng.random()) for c in clients))

        def check():
            assert connection.vendor != "sqlite" or not connection.is_in_memory_db()
            assert statuses_by_uuid(p for pairs in results for p in pairs) == Counter(
                {i["uuid"]: 1 for i in items}
            )
            assert Transaction.objects.count() == 800
            assert ledger_rows() == intended_rows(items, w.s1)
            assert_rollups_equal_rebuild()

        in_thread(check)


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_in_opposite_orders_do_not_deadlock(w, tmp_path):
    """Two requests inserting the same entries in opposite orders (PostgreSQL would deadlock on the
    unique index if rows were inserted in the order received) and a third station at the same time."""
    items, other = varied_items(400), varied_items(400, start=5000)
    m1, t1, t2 = api_client(w.manager1), terminal_client(w.token1), terminal_client(w.token2)
    with file_database(tmp_path):
        for _ in range(3):
            run_concurrently(
                lambda: send(m1, S1, items),
                lambda: send(t1, S1, items[::-1]),
                lambda: send(t2, S2, other),
            )

        def check():
            assert ledger_rows(station=w.s1) == intended_rows(items, w.s1)
            assert ledger_rows(station=w.s2) == intended_rows(other, w.s2)
            assert_rollups_equal_rebuild()

        in_thread(check)

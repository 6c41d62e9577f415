"""`sync_tx_per_s` and `sync_vs_raw_ratio`: ledger sync through the HTTP endpoint vs a raw insert.

A fresh SQLite database gets a small county with 20 operating stations and their managers. Batches of
500 transactions (all new) are POSTed to `/api/v1/stations/<code>/sync` on gunicorn (2 workers) by two
client threads with keep-alive connections; the rate is transactions stored per second of wall time.
Then the ledger is emptied and the *same rows* are inserted with `sqlite3.executemany`, 500 per commit,
into the same table with the same indexes: `sync_vs_raw_ratio` = HTTP rate / raw rate.
"""

import json
import random
import sqlite3
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

from harness import Server, fresh_sqlite

BATCHES = 80
BATCH = 500
STATIONS = 20
CLIENTS = int(__import__("os").environ.get("SYNC_CLIENTS", "2"))
KINDS = ["proxy_purchase"] * 5 + [
    "proxy_sale",
    "bill_payment",
    "bill_payment",
    "cash_withdrawal",
    "life_service",
]


def payloads(codes: list[str], rng: random.Random) -> list[tuple[str, bytes]]:
    start = datetime(2018, 1, 1, tzinfo=UTC)
    out = []
    for i in range(BATCHES):
        code = codes[i % len(codes)]
        items = []
        for _ in range(BATCH):
            at = start + timedelta(seconds=rng.randrange(365 * 86400))
            items.append(
                {
                    "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "kind": rng.choice(KINDS),
                    "occurred_at": at.astimezone().isoformat(timespec="seconds"),
                    "amount": f"{rng.randrange(100, 50000) / 100:.2f}",
                    "villager_name": rng.choice(["王秀英", "李建国", "张桂兰", "刘洋"]),
                    "description": rng.choice(["化肥 2 袋", "电费", "手机话费", "花生 20 斤"]),
                }
            )
        out.append((code, json.dumps({"transactions": items}, ensure_ascii=False).encode()))
    return out


def main() -> None:
    path = fresh_sqlite("sync.sqlite3")
    from rest_framework.authtoken.models import Token

    from xiangcun.core.testing import make_county, make_station, make_user
    from xiangcun.stations.models import Transaction
    from xiangcun.stations.sync import COLUMNS

    county = make_county("130425", townships=4, villages=5)
    tokens = {}
    for village in county.villages.order_by("code")[:STATIONS]:
        station = make_station(village, status="operating")
        manager = make_user("station_manager", county, station=station, username=f"m{station.pk}")
        tokens[station.code] = Token.objects.create(user=manager).key
    work = payloads(sorted(tokens), random.Random(1))

    import http.client

    errors = []

    def client(mine, port):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for code, body in mine:
            conn.request(
                "POST",
                f"/api/v1/stations/{code}/sync",
                body=body,
                headers={"Content-Type": "application/json", "Authorization": f"Token {tokens[code]}"},
            )
            response = conn.getresponse()
            data = json.loads(response.read())
            if response.status != 200 or any(r["status"] != "created" for r in data["results"]):
                errors.append((response.status, str(data)[:300]))

    with Server(workers=2) as server:
        threads = [
            threading.Thread(target=client, args=(work[i::CLIENTS], server.port)) for i in range(CLIENTS)
        ]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        http_seconds = time.perf_counter() - start
    if errors:
        sys.exit(f"sync errors: {errors[:3]}")
    total = BATCHES * BATCH
    if Transaction.objects.count() != total:
        sys.exit(f"stored {Transaction.objects.count()} of {total}")

    # The same rows, as stored, inserted raw into the emptied table.
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=NORMAL")
    rows = raw.execute(f"SELECT {', '.join(COLUMNS)} FROM stations_transaction ORDER BY id").fetchall()
    raw.execute("DELETE FROM stations_transaction")
    raw.commit()
    sql = f"INSERT INTO stations_transaction ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    start = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        raw.executemany(sql, rows[i : i + BATCH])
        raw.commit()
    raw_seconds = time.perf_counter() - start
    raw.close()

    http_rate = total / http_seconds
    raw_rate = total / raw_seconds
    print(
        f"sync: {total} transactions in {BATCHES} batches of {BATCH} over HTTP in {http_seconds:.2f} s "
        f"({http_rate:,.0f}/s); raw executemany {raw_seconds:.2f} s ({raw_rate:,.0f}/s)",
        file=sys.stderr,
    )
    print(json.dumps({"name": "sync_tx_per_s", "value": round(http_rate), "unit": "tx/s"}))
    print(json.dumps({"name": "sync_raw_tx_per_s", "value": round(raw_rate), "unit": "tx/s"}))
    print(json.dumps({"name": "sync_vs_raw_ratio", "value": round(http_rate / raw_rate, 3), "unit": "ratio"}))


if __name__ == "__main__":
    main()

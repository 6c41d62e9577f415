"""`heartbeats_per_s`: terminal heartbeats recorded per second through `POST /api/v1/terminals/heartbeat`.

A fresh SQLite database gets a county with 200 operating stations, each with a terminal, open around
the clock (so every beat counts, whatever the time of day the benchmark runs). The production server
serves it (gunicorn, 2 uvicorn workers, `bench/harness.py`); `bench/loadgen.py` (32 keep-alive
connections, one request in flight on each, in this process on the same machine) sends the load: each
request is one terminal's next beat, `{"at": …}` one minute after that terminal's previous one,
terminals in turn. This is the common case in production (a terminal beats once a minute; each beat
extends its station's span by a minute and adds to the day and month rollups). When the time is up no
new beat is sent and those in flight are answered, so every beat sent is counted; the rate is the beats
answered 200 over the time from the first request to the last answer.

Checks after the run (the benchmark fails otherwise): every heartbeat was answered 200, the heartbeats
stored in the spans equal the 200 responses (nothing lost, nothing doubled), and the day and month
online rollups kept fresh by the beats equal those rebuilt from the spans.

Connections: in production each terminal holds its own connection, hundreds of them, which the two
workers share out evenly on average; a keep-alive connection stays with the worker that accepted it,
so with very few connections the split between the workers is a matter of luck (8 connections split
6–2 or worse 29 % of the time, one worker then serving three quarters of the load or more). 32 connections
keep that luck out of the figure while staying far fewer than a county's terminals.

The load generator's own CPU time per request is printed beside the server's (both share the two
cores), with the rate two idle CPUs would give at that cost.

Environment: HEARTBEAT_SECONDS (default 10), HEARTBEAT_CONNECTIONS (32), HEARTBEAT_STATIONS (200).
"""

import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import loadgen
from harness import Server, fresh_sqlite

SECONDS = int(os.environ.get("HEARTBEAT_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("HEARTBEAT_CONNECTIONS", "32"))
PATH = "/api/v1/terminals/heartbeat"
STATIONS = int(os.environ.get("HEARTBEAT_STATIONS", "200"))


def setup_county(stations: int) -> list[str]:
    """A county with `stations` operating stations (since 30 days ago) and their terminal tokens."""
    from datetime import time as clock

    from xiangcun.core.testing import full_equipment, make_county, make_user
    from xiangcun.network import services as network
    from xiangcun.stations.terminals import terminal_issue

    townships = max(1, (stations + 19) // 20)
    county = make_county("130425", townships=townships, villages=20)
    root = make_user(None, None, username="root")
    since = datetime.now(UTC) - timedelta(days=30)
    tokens = []
    for village in county.villages.order_by("code")[:stations]:
        station = network.station_create(
            actor=root,
            village=village,
            effective_at=since,
            area_m2=20,
            equipment=full_equipment(),
            opens_at=clock(0, 0),
            closes_at=clock(23, 59, 59),
        )
        for to in ("building", "operating"):
            station = network.station_transition(
                actor=root, station=station, to_status=to, effective_at=since
            )
        tokens.append(terminal_issue(actor=root, station=station)[1])
    return tokens


def send_beats(port: int, tokens: list[str], start: datetime) -> dict:
    """Beats from every terminal in turn for SECONDS; their counts and the seconds they took."""
    headers = [{"Authorization": f"Terminal {token}", "Content-Type": "application/json"} for token in tokens]
    first = int(start.timestamp())
    state = {"i": 0}
    counts = {"ok": 0, "refused": 0, "other": 0}

    def next_request() -> bytes:
        i = state["i"]
        state["i"] = i + 1
        beat, terminal = divmod(i, len(tokens))
        at = datetime.fromtimestamp(first + beat * 60, UTC).isoformat()
        return loadgen.request("POST", PATH, headers[terminal], b'{"at": "%s"}' % at.encode())

    def on_response(status: int, body: bytes) -> None:
        if status == 200 and body.startswith(b'{"recorded": 1,'):
            counts["ok"] += 1
        elif status in (400, 401):
            counts["refused"] += 1
        else:
            counts["other"] += 1

    outcome = loadgen.run(port, CONNECTIONS, SECONDS, next_request, on_response)
    return {**counts, **outcome, "sent": state["i"]}


def server_cpu_seconds(master_pid: int) -> float:
    """CPU seconds (user + system) used so far by the gunicorn master and its workers (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state, ppid, …
        if int(entry) == master_pid or int(fields[1]) == master_pid:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def reference_rate(port: int, seconds: float = 3) -> float:
    """Requests per second of `GET /healthz` (Django's full stack and one query) with the same server
    and load generator, just before the heartbeats: what this machine serves right now, for context
    (the machine may be shared; the heartbeat figure is noisy in the same way)."""
    health = loadgen.request("GET", "/healthz")
    answered = []
    outcome = loadgen.run(
        port, CONNECTIONS, seconds, lambda: health, lambda status, _body: answered.append(status)
    )
    return answered.count(200) / outcome["seconds"] if outcome["seconds"] else float("nan")


def rollups() -> tuple[list, list]:
    from xiangcun.reporting.models import StationDayOnline, StationMonthOnline

    return (
        sorted(StationDayOnline.objects.values_list("station_id", "day", "online_seconds")),
        sorted(StationMonthOnline.objects.values_list("station_id", "month", "online_seconds")),
    )


def main() -> None:
    fresh_sqlite("heartbeats.sqlite3")
    from django.db.models import Sum

    from xiangcun.stations.models import OnlineSpan
    from xiangcun.stations.uptime import uptime_rebuild

    tokens = setup_county(STATIONS)
    # Beats start 12 hours ago: at most ~200 beats a terminal (an hour of beats is 60) stay in the past.
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=12)
    with Server(workers=2) as server:
        reference = reference_rate(server.port)
        cpu_server = server_cpu_seconds(server.proc.pid)
        cpu_client = time.process_time()
        counts = send_beats(server.port, tokens, start)
        cpu_client = time.process_time() - cpu_client
        cpu_server = server_cpu_seconds(server.proc.pid) - cpu_server
    ok = counts["ok"]
    stored = OnlineSpan.objects.aggregate(n=Sum("heartbeats"))["n"] or 0
    if counts["refused"] or counts["other"] or counts["errors"] or ok != counts["sent"]:
        sys.exit(f"heartbeats sent {counts['sent']}, answered 200: {ok} ({counts})")
    if stored != ok:
        sys.exit(f"heartbeats answered 200: {ok}, stored: {stored}")
    live = rollups()
    uptime_rebuild()
    if rollups() != live:
        sys.exit("the online rollups kept fresh by the heartbeats differ from the rebuilt ones")
    rate = ok / counts["seconds"]
    per_request = (cpu_server + cpu_client) / ok
    print(
        f"heartbeats: {ok} answered 200 and stored in {counts['seconds']:.2f} s ({rate:,.0f}/s), "
        f"{STATIONS} terminals, {CONNECTIONS} connections; rollups equal the rebuilt ones. Reference in "
        f"the same run: GET /healthz (Django's full stack) {reference:,.0f}/s; load average "
        f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs. CPU per heartbeat: server "
        f"{cpu_server / ok * 1e6:.0f} µs, load generator {cpu_client / ok * 1e6:.0f} µs — with "
        f"{os.cpu_count()} idle CPUs that is about {os.cpu_count() / per_request:,.0f}/s",
        file=sys.stderr,
    )
    print(json.dumps({"name": "heartbeats_per_s", "value": round(rate), "unit": "1/s"}))


if __name__ == "__main__":
    main()

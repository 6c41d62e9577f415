"""`heartbeats_per_s`: terminal heartbeats recorded per second through `POST /api/v1/terminals/heartbeat`.

A fresh SQLite database gets a county with 200 operating stations, each with a terminal, open around
the clock (so every beat counts, whatever the time of day the benchmark runs). the production server serves it
(gunicorn, 2 uvicorn workers, `bench/harness.py`); `wrk` (1 thread, 32 keep-alive connections) on the same machine sends the load from
`LUA` below: each request is one terminal's next beat, `{"at": …}` one minute after that terminal's
previous one, terminals in turn. This is the common case in production (a terminal beats once a
minute; each beat extends its station's span by a minute and adds to the day and month rollups). For
the last seconds of the run wrk asks `/healthz` instead, so that no heartbeat is in flight when wrk
stops and every heartbeat sent is answered and counted.

Checks after the run (the benchmark fails otherwise): every heartbeat was answered 200, the heartbeats
stored in the spans equal the 200 responses (nothing lost, nothing doubled), and the day and month
online rollups kept fresh by the beats equal those rebuilt from the spans.

Needs `wrk` (Debian package `wrk`); without it this benchmark says so on stderr and fails.
Connections: in production each terminal holds its own connection, hundreds of them, which the two
workers share out evenly on average; a keep-alive connection stays with the worker that accepted it,
so with very few connections the split between the workers is a matter of luck (8 connections split
6–2 or worse 29 % of the time, one worker then serving three quarters of the load or more). 32 connections
keep that luck out of the figure while staying far fewer than a county's terminals.

Environment: HEARTBEAT_SECONDS (default 10), HEARTBEAT_CONNECTIONS (32), HEARTBEAT_STATIONS (200).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from harness import Server, fresh_sqlite

SECONDS = int(os.environ.get("HEARTBEAT_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("HEARTBEAT_CONNECTIONS", "32"))
STATIONS = int(os.environ.get("HEARTBEAT_STATIONS", "200"))
DRAIN = 2  # seconds of /healthz at the end
# wrk's script. Arguments: the token file, the first beat (epoch seconds), the end of the heartbeat
# phase (epoch seconds). Counters are globals so that done() can read them from each thread.
LUA = r"""
local tokens, start, deadline, i = {}, 0, 0, 0
ok, failed, other, health = 0, 0, 0, 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  start, deadline = tonumber(args[2]), tonumber(args[3])
end

function request()
  if os.time() >= deadline then
    return wrk.format("GET", "/healthz")
  end
  local n = #tokens
  local token, beat = tokens[i % n + 1], math.floor(i / n)
  i = i + 1
  local body = '{"at": "' .. os.date("!%Y-%m-%dT%H:%M:%S+00:00", start + beat * 60) .. '"}'
  return wrk.format("POST", "/api/v1/terminals/heartbeat",
    {["Authorization"] = "Terminal " .. token, ["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  if string.find(body, '"recorded"', 1, true) then
    if status == 200 then ok = ok + 1 else other = other + 1 end
  elseif status == 200 then health = health + 1
  elseif status == 400 or status == 401 then failed = failed + 1
  else other = other + 1 end
end

local threads = {}
function setup(thread) table.insert(threads, thread) end

function done(summary, latency, requests)
  local t = {ok = 0, failed = 0, other = 0, health = 0}
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + thread:get(k) end
  end
  local e = summary.errors
  io.write(string.format(
    'HEARTBEATS {"ok": %d, "failed": %d, "other": %d, "health": %d, "socket_errors": %d}\n',
    t.ok, t.failed, t.other, t.health, e.connect + e.read + e.write + e.timeout))
end
"""


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


def run_wrk(port: int, tokens: list[str], start: datetime) -> dict:
    """Run wrk; returns its counts (see LUA) and the heartbeat phase's seconds."""
    base = os.environ["BENCH_DATABASE_URL"].removeprefix("sqlite:///")
    token_file, script = Path(f"{base}.tokens"), Path(f"{base}.lua")
    token_file.write_text("\n".join(tokens) + "\n")
    script.write_text(LUA)
    began = time.time()
    deadline = int(began) + SECONDS + 1  # heartbeats until this whole second, then /healthz
    proc = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{CONNECTIONS}",
            f"-d{deadline - int(began) + DRAIN}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
            "--",
            str(token_file),
            str(int(start.timestamp())),
            str(deadline),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    token_file.unlink(missing_ok=True)
    script.unlink(missing_ok=True)
    match = re.search(r"^HEARTBEATS (\{.*\})$", proc.stdout, re.MULTILINE)
    if proc.returncode != 0 or match is None:
        sys.exit(f"wrk failed (status {proc.returncode}):\n{proc.stdout}")
    print(proc.stdout, file=sys.stderr)
    counts = json.loads(match.group(1))
    counts["seconds"] = deadline - began
    return counts


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


def reference_rate(port: int, seconds: int = 3) -> float:
    """Requests per second of `GET /healthz` (the full Django stack and one query) with the same server
    and load generator, just before the heartbeats: what this machine serves right now, for context
    (the machine may be shared; the heartbeat figure is noisy in the same way)."""
    proc = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", f"http://127.0.0.1:{port}/healthz"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    match = re.search(r"^Requests/sec:\s+([\d.]+)", proc.stdout, re.MULTILINE)
    return float(match.group(1)) if match else float("nan")


def rollups() -> tuple[list, list]:
    from xiangcun.reporting.models import StationDayOnline, StationMonthOnline

    return (
        sorted(StationDayOnline.objects.values_list("station_id", "day", "online_seconds")),
        sorted(StationMonthOnline.objects.values_list("station_id", "month", "online_seconds")),
    )


def main() -> None:
    if shutil.which("wrk") is None:
        print(
            "bench_heartbeats: `wrk` is not installed (Debian package `wrk`: apt-get install wrk); "
            "it generates the load for heartbeats_per_s.",
            file=sys.stderr,
        )
        sys.exit(2)
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
        cpu_children = os.times().children_user + os.times().children_system
        counts = run_wrk(server.port, tokens, start)
        cpu_server = server_cpu_seconds(server.proc.pid) - cpu_server
        cpu_wrk = os.times().children_user + os.times().children_system - cpu_children
    ok, failed = counts["ok"], counts["failed"]
    stored = OnlineSpan.objects.aggregate(n=Sum("heartbeats"))["n"] or 0
    if failed or counts["other"] or counts["socket_errors"]:
        sys.exit(f"heartbeats refused: {failed}, unexpected responses: {counts['other']} ({counts})")
    if stored != ok:
        sys.exit(f"heartbeats answered 200: {ok}, stored: {stored}")
    live = rollups()
    uptime_rebuild()
    if rollups() != live:
        sys.exit("the online rollups kept fresh by the heartbeats differ from the rebuilt ones")
    rate = ok / counts["seconds"]
    requests = ok + counts["health"]
    per_request = (cpu_server + cpu_wrk) / requests if requests else float("nan")
    print(
        f"heartbeats: {ok} answered 200 and stored in {counts['seconds']:.2f} s ({rate:,.0f}/s), "
        f"{STATIONS} terminals, {CONNECTIONS} connections; rollups equal the rebuilt ones. Reference in "
        f"the same run: GET /healthz (full Django stack) {reference:,.0f}/s; load average {os.getloadavg()[0]:.2f} "
        f"on {os.cpu_count()} CPUs. CPU per request (heartbeats and the final /healthz): server "
        f"{cpu_server / requests * 1e6:.0f} µs, wrk {cpu_wrk / requests * 1e6:.0f} µs — with "
        f"{os.cpu_count()} idle CPUs that is about {os.cpu_count() / per_request:,.0f}/s",
        file=sys.stderr,
    )
    print(json.dumps({"name": "heartbeats_per_s", "value": round(rate), "unit": "1/s"}))


if __name__ == "__main__":
    main()

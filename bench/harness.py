"""Shared pieces of the HTTP benchmarks: a fresh SQLite database, a gunicorn server, a keep-alive client.

Benchmarks that go through HTTP run the production server (gunicorn with uvicorn workers, as configured by
`xiangcun.config.gunicorn`, ADR 0007) on 127.0.0.1 with the bench settings, against their own SQLite file under `var/bench/`, created fresh for each run.
"""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = "xiangcun.config.settings.bench"


def fresh_sqlite(name: str) -> str:
    """Point this process (and the servers it starts) at an empty, migrated `var/bench/<name>`."""
    path = ROOT / "var" / "bench" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.environ["BENCH_DATABASE_URL"] = f"sqlite:///{path}"
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return str(path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The production server (`gunicorn -c python:xiangcun.config.gunicorn xiangcun.config.asgi:application`)
    with `workers` workers, started and stopped with `with`. GUNICORN_EXTRA adds command-line options
    (they override the configuration's), e.g. to compare worker classes:
    `GUNICORN_EXTRA="--worker-class sync"` with GUNICORN_APP=xiangcun.config.wsgi."""

    def __init__(self, workers: int = 2):
        self.port = free_port()
        self.workers = workers
        self.proc = None

    def __enter__(self):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "ALLOWED_HOSTS": "127.0.0.1,localhost"}
        self.proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "--config",
                "python:xiangcun.config.gunicorn",
                os.environ.get("GUNICORN_APP", "xiangcun.config.asgi:application"),
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                *os.environ.get("GUNICORN_EXTRA", "").split(),
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=30)

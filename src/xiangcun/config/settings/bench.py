"""Benchmarks (`make bench`): like local, without debug overhead (DEBUG keeps every SQL query in
memory), on a dedicated SQLite file `var/bench/bench.sqlite3` that the benchmarks may reset at will.

`DATABASE_URL` is deliberately ignored so that a benchmark never touches a working database; set
`BENCH_DATABASE_URL` to benchmark another database (e.g. PostgreSQL).
"""

import dj_database_url

from .env import env_int, env_str
from .local import *  # noqa: F403
from .local import VAR_DIR

DEBUG = False

BENCH_SQLITE_PATH = VAR_DIR / "bench" / "bench.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("BENCH_DATABASE_URL", f"sqlite:///{BENCH_SQLITE_PATH}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # As in production-like local use (base.py): WAL, immediate transactions.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

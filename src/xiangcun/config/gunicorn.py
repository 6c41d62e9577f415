"""gunicorn settings of the production server (ADR 0007):

    gunicorn -c python:xiangcun.config.gunicorn xiangcun.config.asgi:application

uvicorn workers (uvloop, httptools, keep-alive) serve the ASGI application: terminal heartbeats on
their fast path (ADR 0004), every other request through Django's WSGI handler on a thread pool.
Environment: XIANGCUN_BIND (default 127.0.0.1:8000), XIANGCUN_WORKERS (2), XIANGCUN_THREADS (threads per
worker for Django's pages and API, 4; see `config/asgi.py`), XIANGCUN_TIMEOUT (seconds, 60).
"""

import os

bind = os.environ.get("XIANGCUN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("XIANGCUN_WORKERS", "2"))
worker_class = "uvicorn_worker.UvicornWorker"
keepalive = 30  # terminals and the workbench keep their connection between requests
timeout = int(os.environ.get("XIANGCUN_TIMEOUT", "60"))  # the monthly Excel export takes ~10 s
graceful_timeout = 30
accesslog = None

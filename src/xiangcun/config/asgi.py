"""The application of the production server (gunicorn with uvicorn workers, `config/gunicorn.py`,
ADR 0007).

Terminal heartbeats, most of the requests, take the fast path `stations.fastpath.heartbeat_asgi`
(ADR 0004). Every other request goes to Django's WSGI handler, run on a pool of threads by a2wsgi:
pages and API keep Django's synchronous request cycle (persistent database connections per thread,
no async/sync switching between middleware), as under a WSGI server.
"""

import os

from a2wsgi import WSGIMiddleware
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiangcun.config.settings.production")
THREADS = int(os.environ.get("XIANGCUN_THREADS", "4"))
django_application = WSGIMiddleware(get_wsgi_application(), workers=THREADS)

from xiangcun.stations.fastpath import heartbeat_asgi  # noqa: E402 (needs the apps loaded)

application = heartbeat_asgi(django_application)

"""The heartbeat fast path: a middleware, first in `MIDDLEWARE`, that serves exactly
`POST /api/v1/terminals/heartbeat` (with or without a trailing slash) by calling `heartbeat_handle`.

Terminals beat about once a minute each, so heartbeats are most of the API's traffic. Skipping the
session, locale, CSRF, authentication and message middleware, URL resolution and DRF roughly doubles
the rate one worker serves (docs/adr/0004-heartbeat-fast-path.md). Nothing those layers provide is
needed here: the terminal authenticates with its token (no session or cookie, so no CSRF exposure),
the body is parsed by the handler, and errors negotiate their language themselves. The host is still
checked against ALLOWED_HOSTS, and a plain-HTTP request is passed on when HTTPS is enforced (the
security middleware then redirects it).
"""

from django.conf import settings

PATHS = frozenset({"/api/v1/terminals/heartbeat", "/api/v1/terminals/heartbeat/"})


def heartbeat_fastpath(get_response):
    from xiangcun.stations.api.heartbeat import heartbeat_handle

    def middleware(request):
        if request.method == "POST" and request.path_info in PATHS:
            if settings.SECURE_SSL_REDIRECT and not request.is_secure():
                return get_response(request)
            request.get_host()  # DisallowedHost (400) for a host not in ALLOWED_HOSTS
            return heartbeat_handle(request)
        return get_response(request)

    return middleware


class _Replay:
    """An ASGI `receive` that first gives back a body already read, then defers to the server's."""

    def __init__(self, body: bytes, receive):
        self.body, self.receive = body, receive

    async def __call__(self):
        if self.body is not None:
            body, self.body = self.body, None
            return {"type": "http.request", "body": body, "more_body": False}
        return await self.receive()


def heartbeat_asgi(app, *, max_group: int = 64):
    """The heartbeat fast path for the production server (ASGI, ADR 0007): wraps the ASGI application
    `app` that serves everything else (lifespan events included).

    Heartbeats are recorded on one dedicated thread per process (Django's database connections are per
    thread and refuse to run inside the event loop), in groups: the requests that arrive while a group
    is being written queue, and are handed over together (up to `max_group`) to `heartbeat_handle_many`,
    which looks their tokens up in one query and records them in one transaction (group commit: the
    write lock, BEGIN and COMMIT once per group). Each request still gets its own response, and a
    refused one writes nothing. What the WSGI middleware checks applies: a plain-HTTP beat when HTTPS
    is enforced and a host not in ALLOWED_HOSTS go to `app` (which redirects, or answers 400)."""
    import asyncio
    import io
    import logging
    from concurrent.futures import ThreadPoolExecutor

    from django.core.exceptions import DisallowedHost
    from django.core.handlers.asgi import ASGIRequest
    from django.db import connections

    from xiangcun.stations.api import heartbeat as api

    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="heartbeat")
    logger = logging.getLogger("django.request")
    queue: list[tuple[ASGIRequest, asyncio.Future]] = []
    state = {"writing": False}
    failed = (500, [(b"content-type", b"application/json")], b'{"detail": "Server error.", "code": "error"}')

    def serve(requests):
        """(status, headers, body) per request; runs on the heartbeat thread."""
        try:
            responses = api.heartbeat_handle_many(requests)
        except Exception:
            # E.g. a database that went away: the group is rolled back and the next one reconnects.
            logger.exception("Recording %s heartbeats failed", len(requests))
            connections.close_all()
            return [failed] * len(requests)
        return [
            (r.status_code, [(k.encode("latin1"), v.encode("latin1")) for k, v in r.items()], r.content)
            for r in responses
        ]

    def write_next(loop):
        group = queue[:max_group]
        del queue[:max_group]
        state["writing"] = True
        done = loop.run_in_executor(executor, serve, [request for request, _future in group])
        done.add_done_callback(lambda outcome: written(loop, group, outcome))

    def written(loop, group, outcome):
        state["writing"] = False
        results = outcome.result() if not outcome.cancelled() and outcome.exception() is None else None
        for i, (_request, future) in enumerate(group):
            if not future.done():  # a client that went away cancelled its future
                future.set_result(failed if results is None else results[i])
        if queue:
            write_next(loop)

    async def application(scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in PATHS:
            return await app(scope, receive, send)
        chunks, size, more = [], 0, True
        while more and size <= api.MAX_BODY:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
        body = b"".join(chunks)
        request = ASGIRequest(scope, io.BytesIO(body))
        try:
            request.get_host()
            passed_on = more or (settings.SECURE_SSL_REDIRECT and not request.is_secure())
        except DisallowedHost:
            passed_on = True
        if passed_on:  # `app` answers (redirect, 400, body too large) as for any request
            return await app(scope, _Replay(body, receive), send)
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        queue.append((request, future))
        if not state["writing"]:
            write_next(loop)
        status, headers, content = await future
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [*headers, (b"content-length", str(len(content)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": content})

    def close():
        """Close the heartbeat thread's database connections and stop it (tests; a worker that exits
        needs nothing: its connections go with the process)."""
        executor.submit(connections.close_all).result()
        executor.shutdown()

    application.close = close
    return application

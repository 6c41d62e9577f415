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

"""`POST /api/v1/terminals/heartbeat`: a station terminal reports that it is up.

The request is served by `heartbeat_handle`, a plain function on Django's `HttpRequest`: the fast-path
middleware (`stations.fastpath`, first in `MIDDLEWARE`) calls it for exactly this path and method, so a
heartbeat skips the rest of the middleware stack, URL resolution and DRF; `HeartbeatView` documents the
endpoint in the OpenAPI schema and calls the same function (it serves the request only if the
middleware is not installed). See docs/adr/0004-heartbeat-fast-path.md.

Contract (for terminal vendors):
- `Authorization: Terminal <token>` (the token issued to the station's terminal); none, unknown or
  revoked → 401.
- Body: empty or `{}` = a beat now; `{"at": "<ISO 8601 with offset>"}` = one beat the terminal buffered
  while offline; `{"beats": ["<ISO 8601 with offset>", …]}` = up to 1,000 buffered beats at once.
  Times must carry their UTC offset, lie no more than 10 minutes in the future and not before the
  station existed; otherwise 400 with field errors and nothing is recorded.
- 200 `{"recorded": n, "online_seconds_added": s}`: the beats recorded and the seconds of the station's
  opening hours they newly counted as online (0 for a repeated beat).
"""

import json
from datetime import UTC, datetime

from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from xiangcun.core.api.serializers import ErrorSerializer
from xiangcun.network.models import Station
from xiangcun.stations.models import Terminal
from xiangcun.stations.terminals import token_hash
from xiangcun.stations.uptime import MAX_BEATS, InvalidBeats, _Sql, heartbeats_record_many

from .authentication import KEYWORD, TerminalAuthentication

MAX_BODY = 64 * 1024  # 1,000 beats of ~30 characters fit with room to spare
JSON = "application/json"


class TerminalStation:
    """The columns of a terminal's station that recording a heartbeat needs, and its status summary
    (`stations.uptime.status_summary`), read with the token in one query."""

    __slots__ = (
        "terminal_id",
        "pk",
        "county_id",
        "township_id",
        "opens_at",
        "closes_at",
        "created_at",
        "status_summary",
    )

    def __init__(self, row):
        (self.terminal_id, self.pk, self.county_id, self.township_id, self.opens_at, self.closes_at) = row[:6]
        self.created_at = datetime.fromtimestamp(row[6], UTC)
        self.status_summary = row[7:10]


_LOOKUP: dict[tuple[str, str, int], str] = {}


def _lookup_sql(db, style: str, n: int) -> str:
    """The look-up of `n` token hashes (their terminals' and stations' columns, the hash first)."""
    key = (db.vendor, style, n)
    if key not in _LOOKUP:
        qn = db.ops.quote_name
        t, s = qn(Terminal._meta.db_table), qn(Station._meta.db_table)
        # The status columns are `stations.uptime`'s status statement, correlated to the station. Built
        # in the "%s" style with SQLite's strftime format escaped as "%%s", then turned into the style.
        status = _Sql.get(db, "%s").status.replace("%%s", "\0").replace("%s", "s.id")
        created = (
            "CAST(strftime('\0', s.created_at) AS INTEGER)"
            if db.vendor == "sqlite"
            else "CAST(FLOOR(EXTRACT(EPOCH FROM s.created_at)) AS BIGINT)"
        )
        hashes = ", ".join(["%s"] * n)
        sql = (
            f"SELECT t.token_hash, t.id, s.id, s.county_id, s.township_id, s.opens_at, s.closes_at, {created}, "  # noqa: S608 (names from the models)
            f"{status.removeprefix('SELECT ')} "
            f"FROM {t} t JOIN {s} s ON s.id = t.station_id WHERE t.token_hash IN ({hashes}) AND t.is_active = %s"
        )
        if style == "?":
            sql = sql.replace("%s", "?").replace("\0", "%s")
        else:
            sql = sql.replace("\0", "%%s")
        _LOOKUP[key] = sql
    return _LOOKUP[key]


def terminal_stations(tokens) -> dict[str, TerminalStation]:
    """Token → the station of the active terminal holding it, for those of `tokens` that are known
    (unknown, revoked and malformed tokens are left out).

    Not cached: a revoked or rotated token stops working at once, in every worker. One indexed query
    on the token hashes (the rule of `stations.terminals.terminal_by_token`), whatever the number of
    tokens; on SQLite it runs on the raw sqlite3 connection, skipping Django's cursor wrapper (ADR 0004)."""
    by_hash = {token_hash(token): token for token in tokens if token and len(token) <= 200}
    if not by_hash:
        return {}
    params = (*by_hash, True)
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor == "sqlite":
        db.ensure_connection()
        rows = db.connection.execute(_lookup_sql(db, "?", len(by_hash)), params).fetchall()
    else:
        with db.cursor() as cursor:
            cursor.execute(_lookup_sql(db, "%s", len(by_hash)), params)
            rows = cursor.fetchall()
    return {by_hash[row[0]]: TerminalStation(row[1:]) for row in rows}


def _json(status: int, payload: dict, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(payload, ensure_ascii=False).encode(), content_type=JSON, status=status
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _error(
    request, status: int, code: str, message, errors: dict | None = None, headers=None
) -> HttpResponse:
    """An error in the API's one shape, in the language the client asked for (errors are rare, so the
    language is negotiated here rather than by the locale middleware the fast path skips)."""
    with translation.override(translation.get_language_from_request(request)):
        errors = {field: [str(m) for m in messages] for field, messages in (errors or {}).items()}
        detail = str(message)
        if errors:
            field, messages = next(iter(errors.items()))
            # As core/api/exceptions.py words it: "field: message", or the message alone.
            detail = messages[0] if field == "non_field_errors" else f"{field}: {messages[0]}"
        return _json(status, {"detail": detail, "code": code, "errors": errors}, headers)


def _unauthorized(request, code: str, message) -> HttpResponse:
    return _error(request, 401, code, message, headers={"WWW-Authenticate": KEYWORD})


class BadBody(Exception):
    def __init__(self, errors: dict):
        self.errors = errors


def _parse_time(value) -> datetime:
    if not isinstance(value, str):
        raise ValueError(_("Send the time as an ISO 8601 string with its UTC offset."))
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(_("Not an ISO 8601 time, e.g. 2018-05-01T09:30:00+08:00.")) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(_("A time needs its UTC offset, e.g. 2018-05-01T09:30:00+08:00."))
    return moment


def parse_beats(body: bytes, now: datetime) -> tuple[str, list[datetime]]:
    """(field, beats) of a heartbeat body; BadBody with field errors when it is not one."""
    if not body.strip():
        return "at", [now]
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError; RecursionError: deep nesting
        raise BadBody({"non_field_errors": [_("Malformed JSON.")]}) from None
    if not isinstance(data, dict):
        raise BadBody({"non_field_errors": [_('Send an object: {}, {"at": …} or {"beats": […]}.')]})
    unknown = sorted(set(data) - {"at", "beats"})
    if unknown:
        raise BadBody({name: [_("Unknown field.")] for name in unknown})
    if "at" in data and "beats" in data:
        raise BadBody({"non_field_errors": [_('Send either "at" or "beats", not both.')]})
    if "beats" in data:
        raw = data["beats"]
        if not isinstance(raw, list) or not raw:
            raise BadBody({"beats": [_("Send a non-empty list of times.")]})
        if len(raw) > MAX_BEATS:
            raise BadBody({"beats": [_("At most %(n)s beats per request.") % {"n": MAX_BEATS}]})
        beats, errors = [], {}
        for i, value in enumerate(raw):
            try:
                beats.append(_parse_time(value))
            except ValueError as exc:
                errors[f"beats[{i}]"] = [str(exc)]
        if errors:
            raise BadBody(errors)
        return "beats", beats
    if "at" in data:
        try:
            return "at", [_parse_time(data["at"])]
        except ValueError as exc:
            raise BadBody({"at": [str(exc)]}) from None
    return "at", [now]


def heartbeat_handle(request) -> HttpResponse:
    """Serve `POST /api/v1/terminals/heartbeat` (see the module's contract). Called by the fast-path
    middleware and by `HeartbeatView`: one code path for production and tests."""
    return heartbeat_handle_many([request])[0]


def heartbeat_handle_many(requests: list) -> list[HttpResponse]:
    """Serve heartbeat requests that arrived together, one response each, in order: their tokens are
    looked up in one query and their beats recorded in one transaction (`heartbeats_record_many`); a
    refused request writes nothing and does not affect the others. The production server's fast path
    hands over the requests that queued while the previous group was being written (ADR 0004)."""
    responses: list[HttpResponse | None] = [None] * len(requests)
    headers = [request.META.get("HTTP_AUTHORIZATION", "").split() for request in requests]
    stations = terminal_stations([h[1] for h in headers if len(h) == 2 and h[0] == KEYWORD])
    now = timezone.now()
    jobs = []  # (index, field, station, beats)
    for i, (request, header) in enumerate(zip(requests, headers, strict=True)):
        if not header or header[0] != KEYWORD:
            responses[i] = _unauthorized(
                request, "not_authenticated", gettext_lazy("Terminal credentials were not provided.")
            )
            continue
        station = stations.get(header[1]) if len(header) == 2 else None
        if station is None:
            responses[i] = _unauthorized(
                request, "authentication_failed", gettext_lazy("Unknown or revoked terminal token.")
            )
            continue
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY:
            responses[i] = _error(
                request,
                400,
                "invalid",
                gettext_lazy("The request is too large."),
                {"beats": [gettext_lazy("Too many beats.")]},
            )
            continue
        try:
            field, beats = parse_beats(request.body, now)
        except BadBody as first:
            responses[i] = _bad_body(request, first, now)
            continue
        jobs.append((i, field, station, beats))
    outcomes = heartbeats_record_many([(station, beats) for _i, _f, station, beats in jobs], now=now)
    for (i, field, _station, _beats), outcome in zip(jobs, outcomes, strict=True):
        if isinstance(outcome, InvalidBeats):
            responses[i] = _invalid_beats(requests[i], field, outcome)
        else:
            # The hot path's answer, formatted directly (two integers; the same JSON as json.dumps gives).
            body = b'{"recorded": %d, "online_seconds_added": %d}' % (
                outcome.recorded,
                outcome.online_seconds_added,
            )
            responses[i] = HttpResponse(body, content_type=JSON)
    return responses


def _bad_body(request, first: BadBody, now: datetime) -> HttpResponse:
    # Errors are rare: the body is parsed again in the client's language for the messages (the fast
    # path skips the locale middleware, and negotiating on every beat would cost).
    errors = first.errors
    with translation.override(translation.get_language_from_request(request)):
        try:
            parse_beats(request.body, now)
        except BadBody as exc:
            errors = exc.errors
    return _error(request, 400, "invalid", "", errors)


def _invalid_beats(request, field: str, exc: InvalidBeats) -> HttpResponse:
    if field == "at":
        errors = {"at": list(exc.by_index.values())}
    else:
        errors = {f"beats[{i}]": [message] for i, message in sorted(exc.by_index.items())}
    return _error(request, 400, "invalid", "", errors)


HEARTBEAT_REQUEST = inline_serializer(
    "HeartbeatRequest",
    {
        "at": serializers.DateTimeField(
            required=False,
            help_text="One beat buffered while offline (ISO 8601 with its UTC offset). Omit for now.",
        ),
        "beats": serializers.ListField(
            child=serializers.DateTimeField(),
            required=False,
            max_length=MAX_BEATS,
            help_text="Up to 1,000 buffered beats (ISO 8601 with offsets), in any order.",
        ),
    },
)
HEARTBEAT_RESPONSE = inline_serializer(
    "HeartbeatResponse",
    {
        "recorded": serializers.IntegerField(help_text="Beats recorded."),
        "online_seconds_added": serializers.IntegerField(
            help_text="Seconds of the station's opening hours newly counted as online."
        ),
    },
)


class HeartbeatView(APIView):
    """A station terminal reports that it is up.

    Each beat vouches for the terminal being online for the 5 minutes from its time: a terminal beats
    about once a minute, so up to four missed beats in a row are still online. A station's online rate
    is the time so covered inside its opening hours on its operating days, divided by those hours.
    An empty body (or `{}`) is a beat now; a terminal that was offline sends its buffered beats with
    `{"at": …}` or, up to 1,000 at once, `{"beats": […]}` — repeated or out-of-order beats are fine.
    """

    authentication_classes = [TerminalAuthentication]
    permission_classes = [IsAuthenticated]

    def initial(self, request, *args, **kwargs):
        # Authentication and parsing are `heartbeat_handle`'s, as on the fast path.
        self.format_kwarg = self.get_format_suffix(**kwargs)

    @extend_schema(
        operation_id="terminals_heartbeat",
        request=HEARTBEAT_REQUEST,
        responses={
            200: HEARTBEAT_RESPONSE,
            400: OpenApiResponse(
                ErrorSerializer,
                description="Malformed body, a time without offset, in the future or before the station "
                "existed; nothing recorded.",
            ),
            401: OpenApiResponse(ErrorSerializer, description="No, unknown or revoked terminal token."),
        },
        examples=[
            OpenApiExample("A beat now", request_only=True, value={}),
            OpenApiExample("A buffered beat", request_only=True, value={"at": "2018-05-01T09:30:00+08:00"}),
            OpenApiExample(
                "Buffered beats",
                request_only=True,
                value={"beats": ["2018-05-01T09:30:00+08:00", "2018-05-01T09:31:00+08:00"]},
            ),
            OpenApiExample(
                "Recorded",
                response_only=True,
                status_codes=["200"],
                value={"recorded": 1, "online_seconds_added": 60},
            ),
        ],
        tags=["terminals"],
    )
    def post(self, request):
        return heartbeat_handle(request._request)

"""`Authorization: Terminal <token>`: a station terminal calling the API (heartbeats, ledger sync)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from xiangcun.stations.terminals import terminal_by_token

KEYWORD = "Terminal"


class TerminalPrincipal:
    """What `request.user` is when a terminal calls: authenticated, never a person, no capabilities."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    is_anonymous = False
    pk = None
    id = None
    role = ""
    county_id = None
    township_id = None
    station_id = None

    def __init__(self, terminal):
        self.terminal = terminal
        self.station_id = terminal.station_id
        self.county_id = terminal.county_id

    def __str__(self) -> str:
        return f"terminal {self.terminal.token_prefix}…"


class TerminalAuthentication(authentication.BaseAuthentication):
    """Authenticates a terminal by its token; `request.auth` is the Terminal."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace") != KEYWORD:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid terminal header: expected 'Terminal <token>'.")
        terminal = terminal_by_token(header[1].decode(errors="replace"))
        if terminal is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked terminal token.")
        return TerminalPrincipal(terminal), terminal

    def authenticate_header(self, request):
        return KEYWORD


class TerminalAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "xiangcun.stations.api.authentication.TerminalAuthentication"
    name = "terminalAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Terminal <token>`: the secret token issued to a station terminal.",
        }

"""`/api/v1/stations/<code>/terminal`: a station's terminal — see its status, issue or rotate its token,
revoke it.

GET is open to everyone who sees the station (its manager included); POST and DELETE need the
`stations.manage_terminal` capability (bureau, contractor). A station outside the user's scope is a 404;
a user without the capability gets a 403; in both cases nothing changes.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from xiangcun.accounts.permissions import has_capability
from xiangcun.core.api.serializers import ErrorSerializer, StrictSerializer
from xiangcun.network.selectors import station_list
from xiangcun.reporting.online import station_online
from xiangcun.stations.selectors import terminal_list
from xiangcun.stations.terminals import terminal_issue, terminal_revoke
from xiangcun.stations.uptime import last_heartbeat

CAPABILITY = "stations.manage_terminal"
COUNTY_PARAM = OpenApiParameter(
    "county",
    OpenApiTypes.STR,
    description="County code, for a user who sees several counties when the station code is used in both.",
)


class OnlineMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM (Beijing time); counted from its first day up to now.")
    online_seconds = serializers.IntegerField()
    opening_seconds = serializers.IntegerField(
        help_text="Seconds of opening hours on the station's operating days, up to now."
    )
    rate = serializers.FloatField(allow_null=True, help_text="online / opening (0–1); null when not open.")


class TerminalStatusSerializer(serializers.Serializer):
    station = serializers.CharField(help_text="Station code.")
    serial = serializers.CharField()
    token_prefix = serializers.CharField(help_text="First characters of the token, to tell tokens apart.")
    active = serializers.BooleanField(help_text="False once revoked.")
    updated_at = serializers.DateTimeField(help_text="Last issued, rotated or revoked.")
    last_heartbeat = serializers.DateTimeField(allow_null=True)
    online_this_month = OnlineMonthSerializer()


class TerminalIssuedSerializer(TerminalStatusSerializer):
    token = serializers.CharField(help_text="The secret token, shown only in this response.")


class TerminalIssueInputSerializer(StrictSerializer):
    serial = serializers.CharField(required=False, allow_blank=True, max_length=64)


def terminal_status(terminal, station) -> dict:
    """The status document of a station's terminal."""
    now = timezone.now()
    today = timezone.localdate(now)
    online = station_online(station=station, year=today.year, month=today.month, now=now)
    last = last_heartbeat(station)
    return {
        "station": station.code,
        "serial": terminal.serial,
        "token_prefix": terminal.token_prefix,
        "active": terminal.is_active,
        "updated_at": timezone.localtime(terminal.updated_at).isoformat(),
        "last_heartbeat": None if last is None else timezone.localtime(last).isoformat(),
        "online_this_month": {
            "month": f"{today:%Y-%m}",
            "online_seconds": online.online_seconds,
            "opening_seconds": online.opening_seconds,
            "rate": online.rate,
        },
    }


class StationTerminalView(APIView):
    """A station's terminal (上网行为数据管理器)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    def _station(self, code: str):
        qs = station_list(user=self.request.user)
        county = self.request.query_params.get("county")
        if county:
            qs = qs.filter(county__code=county)
        matches = list(qs.filter(code=code)[:2])
        if not matches:
            raise exceptions.NotFound(_("No station with code %(code)s.") % {"code": code})
        if len(matches) > 1:
            raise exceptions.ValidationError(
                {"county": [_("This code is used in several counties: add ?county=<county code>.")]}
            )
        return matches[0]

    def _terminal(self, station):
        terminal = terminal_list(user=self.request.user).filter(station=station).first()
        if terminal is None:
            raise exceptions.NotFound(_("This station has no terminal."))
        return terminal

    def _require_capability(self):
        if not has_capability(self.request.user, CAPABILITY):
            raise exceptions.PermissionDenied(_("You may not manage station terminals."))

    @extend_schema(
        operation_id="stations_terminal_status",
        parameters=[COUNTY_PARAM],
        responses={
            200: TerminalStatusSerializer,
            404: OpenApiResponse(ErrorSerializer, description="No such station in scope, or no terminal."),
        },
        tags=["terminals"],
    )
    def get(self, request, code: str):
        """The terminal's status: token prefix, active, last heartbeat, online rate this month."""
        station = self._station(code)
        return Response(terminal_status(self._terminal(station), station))

    @extend_schema(
        operation_id="stations_terminal_issue",
        parameters=[COUNTY_PARAM],
        request=TerminalIssueInputSerializer,
        responses={
            200: OpenApiResponse(TerminalIssuedSerializer, description="Token rotated: the old one is void."),
            201: OpenApiResponse(TerminalIssuedSerializer, description="Terminal issued."),
            400: OpenApiResponse(ErrorSerializer, description="Invalid input; nothing written."),
            403: OpenApiResponse(ErrorSerializer, description="The user may not manage terminals."),
            404: OpenApiResponse(ErrorSerializer, description="No such station in scope."),
        },
        tags=["terminals"],
    )
    def post(self, request, code: str):
        """Issue the station's terminal a token, or rotate it (the old token stops working at once; a
        revoked terminal is active again). The token is shown in this response only."""
        station = self._station(code)
        self._require_capability()
        serializer = TerminalIssueInputSerializer(data=request.data if request.body else {})
        serializer.is_valid(raise_exception=True)
        existed = terminal_list(user=request.user).filter(station=station).exists()
        terminal, token = terminal_issue(
            actor=request.user, station=station, serial=serializer.validated_data.get("serial", "")
        )
        body = {**terminal_status(terminal, station), "token": token}
        return Response(body, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="stations_terminal_revoke",
        parameters=[COUNTY_PARAM],
        request=None,
        responses={
            200: TerminalStatusSerializer,
            403: OpenApiResponse(ErrorSerializer, description="The user may not manage terminals."),
            404: OpenApiResponse(ErrorSerializer, description="No such station in scope, or no terminal."),
        },
        tags=["terminals"],
    )
    def delete(self, request, code: str):
        """Revoke the terminal's token: its heartbeats and syncs are refused from now on."""
        station = self._station(code)
        self._require_capability()
        terminal = terminal_revoke(actor=request.user, terminal=self._terminal(station))
        return Response(terminal_status(terminal, station))

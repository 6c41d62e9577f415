"""Base classes for the apps' viewsets.

The pattern every write action follows: the permission class refuses users without the capability
(403), `get_object()` looks the row up in the *scoped* selector (404 outside the user's scope), an input
serializer parses the body (400 with field errors), one service call writes, and the response is the
row re-read through the selector.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, viewsets
from rest_framework.parsers import JSONParser

from xiangcun.core.errors import ApplicationError

from .permissions import ActionCapabilityPermission
from .serializers import ErrorSerializer

ERROR_RESPONSES = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input: field errors, nothing written."),
    403: OpenApiResponse(ErrorSerializer, description="The user may not do this."),
    404: OpenApiResponse(ErrorSerializer, description="No such row in the user's scope."),
}


class ScopedViewSet(viewsets.GenericViewSet):
    """A viewset whose rows come from a selector (`get_queryset` must be overridden) and whose writes
    need the capabilities declared in `action_capabilities`."""

    permission_classes = [ActionCapabilityPermission]
    # Bodies are JSON. Form encoding is lossy here (a missing checkbox reads as false, the equipment
    # checklist is an object), so it is refused with 415 rather than half-understood.
    parser_classes = [JSONParser]
    action_capabilities: dict[str, tuple[str, ...]] = {}
    # Output: `list_serializer_class` for list rows, `detail_serializer_class` (default: the list one)
    # for one row. Input: `input_serializer_classes[action]` parses the body of a write action.
    list_serializer_class = None
    detail_serializer_class = None
    input_serializer_classes: dict = {}

    def output_serializer_class(self):
        if self.action == "list" or self.detail_serializer_class is None:
            return self.list_serializer_class
        return self.detail_serializer_class

    def get_serializer_class(self):
        return self.input_serializer_classes.get(self.action) or self.output_serializer_class()

    def parse_input(self, *, partial: bool = False, allow_empty: bool = False) -> dict:
        """The validated body of the request, parsed by the action's input serializer. An empty
        change is refused: it would only write an audit event saying nothing happened."""
        serializer = self.get_serializer(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if not data and not allow_empty:
            raise exceptions.ValidationError(
                {"non_field_errors": [_("Nothing to change: the request names no field.")]}
            )
        return data


class CodeLookupMixin:
    """Detail URLs by the row's `code`.

    Codes are unique per county, so a user who sees several counties (a superuser) may hit the same
    code twice; `?county=<county code>` then says which one is meant.
    """

    lookup_field = "code"
    lookup_url_kwarg = "code"

    def get_object(self):
        queryset = self.get_queryset()
        county = self.request.query_params.get("county")
        if county:
            queryset = queryset.filter(county__code=county)
        code = self.kwargs[self.lookup_url_kwarg]
        matches = list(queryset.filter(code=code)[:2])
        if len(matches) > 1:
            raise ApplicationError(
                _("Several counties have a row with code %(code)s; add ?county=<county code>.")
                % {"code": code},
                code="ambiguous_code",
                fields={"county": [_("Required: several counties use this code.")]},
            )
        if not matches:
            raise Http404
        obj = matches[0]
        self.check_object_permissions(self.request, obj)
        return obj

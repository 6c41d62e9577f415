"""Network API: facilities and village stations, their status transitions, standards check and
status history. Rows come from the scoped selectors; every write is one service call."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from xiangcun.core.api.viewsets import ERROR_RESPONSES, CodeLookupMixin, ScopedViewSet
from xiangcun.core.errors import ApplicationError

from .. import selectors, services
from ..checks import is_compliant
from ..filtersets import FacilityFilterSet, StationFilterSet
from ..models import Facility, Station
from .serializers import (
    CheckSerializer,
    FacilityCreateSerializer,
    FacilitySerializer,
    FacilityUpdateSerializer,
    StationCreateSerializer,
    StationSerializer,
    StationUpdateSerializer,
    StatusChangeSerializer,
    TransitionSerializer,
)


class SiteViewSet(
    CodeLookupMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """What the facility and station endpoints share. Subclasses set the serializers, the selector
    (`get_queryset`), the services and `compliance_of(rows)` → {id: findings}."""

    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    # --- hooks ---
    def compliance_of(self, rows) -> dict[int, list]:
        raise NotImplementedError

    def create_row(self, data: dict):
        raise NotImplementedError

    def update_row(self, row, data: dict):
        raise NotImplementedError

    def transition_row(self, row, data: dict):
        raise NotImplementedError

    # --- reading ---
    def serialize_rows(self, rows, *, many: bool):
        """Serialize rows with `compliant` computed for all of them at once."""
        rows = list(rows) if many else [rows]
        findings = self.compliance_of(rows)
        context = {
            **self.get_serializer_context(),
            "compliance": {pk: is_compliant(f) for pk, f in findings.items()},
        }
        serializer = self.output_serializer_class()(rows if many else rows[0], many=many, context=context)
        return serializer.data

    def reread(self, row):
        return self.get_queryset().get(pk=row.pk)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        if page is not None:
            return self.get_paginated_response(self.serialize_rows(page, many=True))
        return Response(self.serialize_rows(queryset, many=True))

    def retrieve(self, request, *args, **kwargs):
        return Response(self.serialize_rows(self.get_object(), many=False))

    # --- writing ---
    def create(self, request, *args, **kwargs):
        row = self.create_row(self.parse_input())
        return Response(self.serialize_rows(self.reread(row), many=False), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        row = self.get_object()
        data = self.parse_input(partial=partial)
        if partial and isinstance(data.get("equipment"), dict):
            # PATCH merges the checklist (JSON merge patch): `{"equipment": {"computer": true}}` changes
            # one item. PUT replaces it, and the service sets every code not given to false.
            data["equipment"] = {**(row.equipment or {}), **data["equipment"]}
        row = self.update_row(row, data)
        return Response(self.serialize_rows(self.reread(row), many=False))

    def do_transition(self, request):
        row = self.get_object()
        row = self.transition_row(row, self.parse_input())
        return Response(self.serialize_rows(self.reread(row), many=False))

    def do_check(self, request):
        row = self.get_object()
        findings = self.compliance_of([row])[row.pk]
        payload = {
            "code": row.code,
            "compliant": is_compliant(findings),
            "findings": [f.as_dict() for f in findings],
        }
        return Response(CheckSerializer(payload).data)

    def do_history(self, request):
        row = self.get_object()
        return Response(StatusChangeSerializer(selectors.status_history(site=row), many=True).data)


def _site_schema(detail, create, update):
    """The OpenAPI description of a site viewset's actions (schema texts are English, like docstrings)."""
    return extend_schema_view(
        create=extend_schema(request=create, responses={201: detail, **ERROR_RESPONSES}),
        update=extend_schema(request=update, responses={200: detail, **ERROR_RESPONSES}),
        partial_update=extend_schema(request=update, responses={200: detail, **ERROR_RESPONSES}),
        transition=extend_schema(
            request=TransitionSerializer,
            responses={200: detail, **ERROR_RESPONSES},
            description="Move the status along the state machine and record the change.",
        ),
        check=extend_schema(
            request=None,
            responses={200: CheckSerializer, 404: ERROR_RESPONSES[404]},
            description="The standards check: every requirement of the construction standard not met.",
        ),
        history=extend_schema(
            request=None,
            responses={200: StatusChangeSerializer(many=True), 404: ERROR_RESPONSES[404]},
            description="Every status change, oldest first, with who recorded it.",
        ),
    )


@_site_schema(FacilitySerializer, FacilityCreateSerializer, FacilityUpdateSerializer)
class FacilityViewSet(SiteViewSet):
    """County center, county warehouse and township delivery centers, by code. A superuser who sees
    several counties adds `?county=<county code>` to a detail URL when a code is used twice."""

    queryset = Facility.objects.none()
    list_serializer_class = FacilitySerializer
    input_serializer_classes = {
        "create": FacilityCreateSerializer,
        "update": FacilityUpdateSerializer,
        "partial_update": FacilityUpdateSerializer,
        "transition": TransitionSerializer,
    }
    filterset_class = FacilityFilterSet
    ordering_fields = ["kind", "code", "name", "status", "opened_on", "area_m2"]
    ordering = ["kind", "code"]
    action_capabilities = {
        "create": ("network.add_facility",),
        "update": ("network.change_facility",),
        "partial_update": ("network.change_facility",),
        "transition": ("network.transition_facility",),
    }

    def get_queryset(self):
        return selectors.facility_list(user=self.request.user)

    def compliance_of(self, rows):
        return selectors.facility_compliance(rows)

    def create_row(self, data):
        county = data.pop("county", None)
        if county is None:
            county = self.request.user.county
        if county is None:
            raise ApplicationError(
                _("Say in which county the facility is."),
                code="invalid",
                fields={"county": [_("This field is required.")]},
            )
        return services.facility_create(actor=self.request.user, county=county, **data)

    def update_row(self, row, data):
        return services.facility_update(actor=self.request.user, facility=row, **data)

    def transition_row(self, row, data):
        return services.facility_transition(actor=self.request.user, facility=row, **data)

    @action(detail=True, methods=["post"], filter_backends=[])
    def transition(self, request, code=None):
        return self.do_transition(request)

    @action(detail=True, methods=["get"], filter_backends=[])
    def check(self, request, code=None):
        return self.do_check(request)

    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def history(self, request, code=None):
        return self.do_history(request)


@_site_schema(StationSerializer, StationCreateSerializer, StationUpdateSerializer)
class StationViewSet(SiteViewSet):
    """Village stations by their stable code (e.g. 130425100228-01). A station manager sees and edits
    only their own station (contact details, hours, notes)."""

    queryset = Station.objects.none()
    list_serializer_class = StationSerializer
    input_serializer_classes = {
        "create": StationCreateSerializer,
        "update": StationUpdateSerializer,
        "partial_update": StationUpdateSerializer,
        "transition": TransitionSerializer,
    }
    filterset_class = StationFilterSet
    ordering_fields = ["code", "name", "status", "opened_on", "area_m2", "township__code", "village__code"]
    ordering = ["code"]
    action_capabilities = {
        "create": ("network.add_station",),
        "update": ("network.change_station", "network.change_own_station"),
        "partial_update": ("network.change_station", "network.change_own_station"),
        "transition": ("network.transition_station",),
    }

    def get_queryset(self):
        return selectors.station_list(user=self.request.user)

    def compliance_of(self, rows):
        # Two queries (the rows with their villages, and the funded stations of those villages) whatever
        # the page size. Re-read through the selector, so the check never sees a row out of scope.
        return selectors.station_compliance(self.get_queryset().filter(pk__in=[r.pk for r in rows]))

    def create_row(self, data):
        village = data.pop("village")
        return services.station_create(actor=self.request.user, village=village, **data)

    def update_row(self, row, data):
        return services.station_update(actor=self.request.user, station=row, **data)

    def transition_row(self, row, data):
        return services.station_transition(actor=self.request.user, station=row, **data)

    @action(detail=True, methods=["post"], filter_backends=[])
    def transition(self, request, code=None):
        return self.do_transition(request)

    @action(detail=True, methods=["get"], filter_backends=[])
    def check(self, request, code=None):
        return self.do_check(request)

    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def history(self, request, code=None):
        return self.do_history(request)

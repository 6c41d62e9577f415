"""Regions API: counties (read-only), townships (express outlet flag), villages (facts)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.response import Response

from xiangcun.core.api.viewsets import ERROR_RESPONSES, CodeLookupMixin, ScopedViewSet

from .. import selectors, services
from ..filtersets import TownshipFilterSet, VillageFilterSet, operating_station_exists
from ..models import County, Township, Village
from .serializers import (
    CountyDetailSerializer,
    CountySerializer,
    TownshipSerializer,
    TownshipUpdateSerializer,
    VillageSerializer,
    VillageUpdateSerializer,
)


class CountyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Counties the user may see (their own; a superuser sees all). The detail includes the outline."""

    queryset = County.objects.none()  # for the schema; rows come from get_queryset
    list_serializer_class = CountySerializer
    detail_serializer_class = CountyDetailSerializer
    lookup_field = "code"
    ordering_fields = ["code", "name"]
    ordering = ["code"]

    def get_queryset(self):
        qs = selectors.county_list(user=self.request.user)
        return qs.defer("outline") if self.action == "list" else qs


@extend_schema_view(
    partial_update=extend_schema(
        request=TownshipUpdateSerializer, responses={200: TownshipSerializer, **ERROR_RESPONSES}
    )
)
class TownshipViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, ScopedViewSet
):
    """Townships with counts of villages, poor villages and stations. PATCH records whether the
    township has an express outlet (`null` while unknown)."""

    queryset = Township.objects.none()
    list_serializer_class = TownshipSerializer
    filterset_class = TownshipFilterSet
    ordering_fields = ["code", "name", "village_count", "poor_village_count", "operating_station_count"]
    ordering = ["code"]
    http_method_names = ["get", "patch", "head", "options"]
    input_serializer_classes = {"partial_update": TownshipUpdateSerializer}
    action_capabilities = {"partial_update": ("regions.change_township",)}

    def get_queryset(self):
        return selectors.township_summary(user=self.request.user)

    def partial_update(self, request, *args, **kwargs):
        township = self.get_object()
        data = self.parse_input()  # partial=False: the one field is required
        services.township_update(actor=request.user, township=township, **data)
        return Response(TownshipSerializer(self.get_queryset().get(pk=township.pk)).data)


@extend_schema_view(
    partial_update=extend_schema(
        request=VillageUpdateSerializer, responses={200: VillageSerializer, **ERROR_RESPONSES}
    )
)
class VillageViewSet(
    CodeLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, ScopedViewSet
):
    """Villages by division code. PATCH records population, poor-village flag, broadband and
    coordinates (the poverty office may change only `is_poor`); the facts then count as `recorded`."""

    queryset = Village.objects.none()
    list_serializer_class = VillageSerializer
    filterset_class = VillageFilterSet
    ordering_fields = ["code", "name", "population", "township__code"]
    ordering = ["code"]
    http_method_names = ["get", "patch", "head", "options"]
    input_serializer_classes = {"partial_update": VillageUpdateSerializer}
    action_capabilities = {
        "partial_update": ("regions.change_village", "regions.change_village_poverty"),
    }

    def get_queryset(self):
        return selectors.village_list(user=self.request.user).annotate(has_station=operating_station_exists())

    def partial_update(self, request, *args, **kwargs):
        village = self.get_object()
        data = self.parse_input(partial=True)
        services.village_update(actor=request.user, village=village, **data)
        return Response(VillageSerializer(self.get_queryset().get(pk=village.pk)).data)

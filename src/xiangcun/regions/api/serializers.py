"""Serializers of the regions API: read shapes and the inputs of the fact updates."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from xiangcun.core.api.serializers import StrictModelSerializer, StrictSerializer, named_choice_field

from ..choices import FactSource, TownshipKind, VillageKind
from ..models import County, Township, Village

TownshipKindField = named_choice_field(TownshipKind, "TownshipKindEnum")
VillageKindField = named_choice_field(VillageKind, "VillageKindEnum")
FactSourceField = named_choice_field(FactSource, "FactSourceEnum")

GEOJSON_POLYGON = {
    "type": "object",
    "nullable": True,
    "description": "GeoJSON Polygon, WGS-84 (longitude, latitude)",
    "properties": {
        "type": {"type": "string", "enum": ["Polygon"]},
        "coordinates": {
            "type": "array",
            "items": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}},
        },
    },
}


class CountySerializer(serializers.ModelSerializer):
    class Meta:
        model = County
        fields = [
            "id",
            "code",
            "division_code",
            "name",
            "province",
            "city",
            "latitude",
            "longitude",
            "program_year",
            "is_demo",
            "data_source",
        ]
        read_only_fields = fields


@extend_schema_field(GEOJSON_POLYGON)
class GeoJSONField(serializers.JSONField):
    pass


class CountyDetailSerializer(CountySerializer):
    """A county with its outline (the list leaves the outline out: it is large)."""

    outline = GeoJSONField(read_only=True)

    class Meta(CountySerializer.Meta):
        fields = [*CountySerializer.Meta.fields, "outline"]
        read_only_fields = fields


class TownshipSerializer(serializers.ModelSerializer):
    """A township with the counts of `regions.selectors.township_summary`."""

    county = serializers.SlugRelatedField(slug_field="code", read_only=True)
    kind = TownshipKindField(read_only=True)
    express_outlet_source = FactSourceField(read_only=True)
    village_count = serializers.IntegerField(read_only=True)
    poor_village_count = serializers.IntegerField(read_only=True)
    station_count = serializers.IntegerField(read_only=True)
    operating_station_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Township
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "county",
            "code_valid_from",
            "code_valid_to",
            "latitude",
            "longitude",
            "has_express_outlet",
            "express_outlet_source",
            "village_count",
            "poor_village_count",
            "station_count",
            "operating_station_count",
        ]
        read_only_fields = fields


class TownshipUpdateSerializer(StrictSerializer):
    has_express_outlet = serializers.BooleanField(
        allow_null=True, help_text=_("true, false, or null while unknown.")
    )


class VillageSerializer(serializers.ModelSerializer):
    """A village. `facts_source` tells where population, poverty and broadband come from (`demo`: set
    by the demo simulator, not real)."""

    county = serializers.SlugRelatedField(slug_field="code", read_only=True)
    kind = VillageKindField(read_only=True)
    facts_source = FactSourceField(read_only=True)
    township_name = serializers.CharField(source="township.name", read_only=True)
    short_name = serializers.CharField(read_only=True)
    is_large = serializers.BooleanField(
        read_only=True, allow_null=True, help_text=_("At least 500 residents (null while unknown).")
    )
    has_station = serializers.BooleanField(read_only=True, help_text=_("Has an operating station."))

    class Meta:
        model = Village
        fields = [
            "id",
            "code",
            "name",
            "short_name",
            "kind",
            "urban_rural_code",
            "county",
            "township",
            "township_name",
            "code_valid_from",
            "code_valid_to",
            "population",
            "is_poor",
            "has_broadband",
            "latitude",
            "longitude",
            "facts_source",
            "is_large",
            "has_station",
        ]
        read_only_fields = fields


class VillageUpdateSerializer(StrictModelSerializer):
    """The village facts a user may record (which ones depends on the role; the service decides)."""

    class Meta:
        model = Village
        fields = ["population", "is_poor", "has_broadband", "latitude", "longitude"]

"""Serializers of the network API: read shapes of facilities and stations, the inputs of their
services, the standards check and the status history."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from xiangcun.core.api.serializers import StrictModelSerializer, StrictSerializer, named_choice_field
from xiangcun.regions.selectors import county_list, township_list, village_list

from ..checks import is_compliant
from ..choices import FacilityKind, SiteStatus
from ..models import Facility, Station, StatusChange

SiteStatusField = named_choice_field(SiteStatus, "SiteStatusEnum")
FacilityKindField = named_choice_field(FacilityKind, "FacilityKindEnum")


EQUIPMENT_SCHEMA = {
    "type": "object",
    "additionalProperties": {"type": "boolean"},
    "description": "Requirement code of the construction standard → present (true/false).",
}


@extend_schema_field(EQUIPMENT_SCHEMA)
class EquipmentField(serializers.JSONField):
    """The equipment checklist; the service checks the codes and that every value is a bool."""


class ComplianceMixin(serializers.Serializer):
    """`compliant` is read from `context["compliance"]` ({row id: bool}), computed in bulk by the view
    for all rows it serializes; rows not in it (e.g. the browsable API's forms) ask the view's
    `compliance_of([row])`."""

    compliant = serializers.SerializerMethodField(
        help_text=_("Meets the construction standard (no blocking finding of the standards check).")
    )

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_compliant(self, obj) -> bool:
        compliance = self.context.get("compliance", {})
        if obj.pk not in compliance:
            return is_compliant(self.context["view"].compliance_of([obj])[obj.pk])
        return compliance[obj.pk]


SITE_READ_FIELDS = [
    "id",
    "code",
    "name",
    "county",
    "status",
    "address",
    "latitude",
    "longitude",
    "area_m2",
    "operator",
    "manager_name",
    "manager_phone",
    "opened_on",
    "equipment",
    "photo",
    "notes",
    "is_demo",
    "compliant",
    "created_at",
    "updated_at",
]


class FacilitySerializer(ComplianceMixin, serializers.ModelSerializer):
    county = serializers.SlugRelatedField(slug_field="code", read_only=True)
    kind = FacilityKindField(read_only=True)
    status = SiteStatusField(read_only=True)
    township_name = serializers.CharField(source="township.name", read_only=True, allow_null=True)
    equipment = EquipmentField(read_only=True)

    class Meta:
        model = Facility
        fields = [
            *SITE_READ_FIELDS[:4],
            "kind",
            "township",
            "township_name",
            *SITE_READ_FIELDS[4:],
            "cold_chain_needed",
            "rnd_center_area_m2",
        ]
        read_only_fields = fields


class StationSerializer(ComplianceMixin, serializers.ModelSerializer):
    county = serializers.SlugRelatedField(slug_field="code", read_only=True)
    status = SiteStatusField(read_only=True)
    township_name = serializers.CharField(source="township.name", read_only=True)
    village_code = serializers.CharField(source="village.code", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    village_is_poor = serializers.BooleanField(source="village.is_poor", read_only=True)
    equipment = EquipmentField(read_only=True)

    class Meta:
        model = Station
        fields = [
            *SITE_READ_FIELDS[:4],
            "township",
            "township_name",
            "village",
            "village_code",
            "village_name",
            "village_is_poor",
            "funded",
            *SITE_READ_FIELDS[4:],
            "opens_at",
            "closes_at",
        ]
        read_only_fields = fields


# --- inputs ---------------------------------------------------------------------------------------

# `photo` is an upload; it is not written through the JSON API.
SITE_WRITE_FIELDS = [
    "name",
    "address",
    "latitude",
    "longitude",
    "area_m2",
    "operator",
    "manager_name",
    "manager_phone",
    "equipment",
    "notes",
]


class ScopedCodeField(serializers.Field):
    """A row referred to by its code, looked up in what the requesting user may see (so a code from
    another county reads as unknown, not as forbidden)."""

    default_error_messages = {
        "unknown": _("No {what} with code {code} in your scope."),
        "ambiguous": _("Several counties have a {what} with code {code}."),
        "invalid": _("Expected a code (text)."),
    }

    def __init__(self, *, selector, what: str, **kwargs):
        self.selector = selector
        self.what = what
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data.strip():
            self.fail("invalid")
        code = data.strip()
        matches = list(self.selector(user=self.context["request"].user).filter(code=code)[:2])
        if not matches:
            self.fail("unknown", what=self.what, code=code)
        if len(matches) > 1:
            self.fail("ambiguous", what=self.what, code=code)
        return matches[0]

    def to_representation(self, value):
        return value.code


@extend_schema_field(OpenApiTypes.STR)
class VillageCodeField(ScopedCodeField):
    def __init__(self, **kwargs):
        super().__init__(selector=village_list, what=_("village"), **kwargs)


@extend_schema_field(OpenApiTypes.STR)
class CountyCodeField(ScopedCodeField):
    def __init__(self, **kwargs):
        super().__init__(selector=county_list, what=_("county"), **kwargs)


class ScopedTownshipField(serializers.PrimaryKeyRelatedField):
    """A township id among the townships the requesting user may see."""

    def get_queryset(self):
        return township_list(user=self.context["request"].user)


class StationUpdateSerializer(StrictModelSerializer):
    """Station details. Which of them a user may change depends on the role (a station manager only
    the contact details, hours and notes of their own station); the service decides."""

    equipment = EquipmentField(
        required=False,
        help_text=_("PATCH changes only the codes given; PUT and POST set every code not given to false."),
    )

    class Meta:
        model = Station
        fields = [*SITE_WRITE_FIELDS, "funded", "opens_at", "closes_at"]


class StationCreateSerializer(StationUpdateSerializer):
    village = VillageCodeField(help_text=_("The village's 12-digit division code."))
    effective_at = serializers.DateTimeField(
        required=False, help_text=_("When planning started (default: now).")
    )

    class Meta(StationUpdateSerializer.Meta):
        fields = ["village", "effective_at", *StationUpdateSerializer.Meta.fields]
        extra_kwargs = {"name": {"required": False}}  # default: "<village> e-commerce service station"


class FacilityUpdateSerializer(StrictModelSerializer):
    equipment = EquipmentField(
        required=False,
        help_text=_("PATCH changes only the codes given; PUT and POST set every code not given to false."),
    )

    class Meta:
        model = Facility
        fields = [*SITE_WRITE_FIELDS, "cold_chain_needed", "rnd_center_area_m2"]


class FacilityCreateSerializer(FacilityUpdateSerializer):
    kind = FacilityKindField()
    county = CountyCodeField(
        required=False, help_text=_("County code; defaults to the user's county (required for superusers).")
    )
    township = ScopedTownshipField(
        required=False, allow_null=True, help_text=_("Township id (required for township centers).")
    )
    effective_at = serializers.DateTimeField(
        required=False, help_text=_("When planning started (default: now).")
    )

    class Meta(FacilityUpdateSerializer.Meta):
        fields = ["county", "kind", "code", "township", "effective_at", *FacilityUpdateSerializer.Meta.fields]
        # Uniqueness of (county, code) is checked by the service's full_clean(); a generated validator
        # would look the code up outside the user's scope.
        validators = []


class TransitionSerializer(StrictSerializer):
    to_status = SiteStatusField()
    effective_at = serializers.DateTimeField(
        required=False, help_text=_("When the change happened on the ground (default: now).")
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class FindingSerializer(serializers.Serializer):
    code = serializers.CharField()
    requirement = serializers.CharField(help_text=_("Checklist code for missing_* findings."))
    ref = serializers.CharField(help_text=_("Requirement id in the program (e.g. R1.4)."))
    message = serializers.CharField()
    blocking = serializers.BooleanField()


class CheckSerializer(serializers.Serializer):
    """The result of the standards check of one facility or station."""

    code = serializers.CharField()
    compliant = serializers.BooleanField()
    findings = FindingSerializer(many=True)


class StatusChangeSerializer(serializers.ModelSerializer):
    from_status = SiteStatusField(
        read_only=True, allow_null=True, help_text=_("Null for the change that created the row.")
    )
    to_status = SiteStatusField(read_only=True)
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = StatusChange
        fields = ["from_status", "to_status", "effective_at", "recorded_at", "actor", "note"]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["from_status"] = data["from_status"] or None  # stored blank: there was no status before
        return data

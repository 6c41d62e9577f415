"""Serializers of the logistics API. Input serializers only parse; the services validate again and write."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from xiangcun.core.api.serializers import MoneySerializerField, StrictSerializer, named_choice_field
from xiangcun.network.api.serializers import CountyCodeField, ScopedCodeField
from xiangcun.network.selectors import facility_list
from xiangcun.stations.api.serializers import StationCodeField

from ..choices import MAX_SCAN_BATCH, CarrierKind, Direction, LegStatus, ScanKind, ShipmentStatus
from ..models import Carrier, CarrierPresence, Leg, PriceBenchmark, Scan, Shipment, Tariff
from ..selectors import carrier_list

CarrierKindField = named_choice_field(CarrierKind, "CarrierKindEnum")
DirectionField = named_choice_field(Direction, "DirectionEnum")
ShipmentStatusField = named_choice_field(ShipmentStatus, "ShipmentStatusEnum")
LegStatusField = named_choice_field(LegStatus, "LegStatusEnum")
ScanKindField = named_choice_field(ScanKind, "ScanKindEnum")


def _site_code(facility, station) -> str | None:
    site = facility or station
    return site.code if site is not None else None


# --- carriers ---------------------------------------------------------------------------------------


class CarrierSerializer(serializers.ModelSerializer):
    county = serializers.SlugRelatedField(slug_field="code", read_only=True)
    kind = CarrierKindField(read_only=True)
    route_conflict = serializers.SerializerMethodField(
        help_text=_("Another carrier is funded on the same route (R1.3: at most one company per route).")
    )

    class Meta:
        model = Carrier
        fields = [
            "id",
            "county",
            "name",
            "kind",
            "contact_name",
            "contact_phone",
            "funded",
            "funded_route",
            "route_conflict",
            "is_active",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_route_conflict(self, obj) -> bool:
        return obj.pk in self.context.get("conflicting_ids", ())


class CarrierInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)
    kind = CarrierKindField()
    contact_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    funded = serializers.BooleanField(required=False)
    funded_route = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text=_("Required when funded.")
    )
    is_active = serializers.BooleanField(required=False)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    county = CountyCodeField(
        required=False, help_text=_("Only for a superuser; default: the caller's county.")
    )


# --- shipments --------------------------------------------------------------------------------------


class LegSerializer(serializers.ModelSerializer):
    from_site = serializers.SerializerMethodField(help_text=_("Facility or station code."))
    to_site = serializers.SerializerMethodField(
        help_text=_("Facility or station code; null outside the county.")
    )
    status = LegStatusField(read_only=True)

    class Meta:
        model = Leg
        fields = [
            "sequence",
            "from_site",
            "to_site",
            "to_text",
            "carrier",
            "status",
            "departed_at",
            "arrived_at",
        ]
        read_only_fields = fields

    def get_from_site(self, obj) -> str:
        return _site_code(obj.from_facility, obj.from_station)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_to_site(self, obj) -> str | None:
        return _site_code(obj.to_facility, obj.to_station)


class ScanSerializer(serializers.ModelSerializer):
    kind = ScanKindField(read_only=True)
    site = serializers.SerializerMethodField(
        help_text=_("Facility or station code; null outside the county.")
    )
    leg = serializers.IntegerField(source="leg.sequence", read_only=True, allow_null=True)
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    uuid = serializers.UUIDField(source="client_uuid", read_only=True)

    class Meta:
        model = Scan
        fields = ["uuid", "kind", "at", "site", "leg", "actor", "device", "recorded_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_site(self, obj) -> str | None:
        return _site_code(obj.facility, obj.station)


class ShipmentSerializer(serializers.ModelSerializer):
    carrier_name = serializers.CharField(source="carrier.name", read_only=True)
    direction = DirectionField(read_only=True)
    status = ShipmentStatusField(read_only=True)
    station = serializers.CharField(source="station.code", read_only=True)
    station_name = serializers.CharField(source="station.name", read_only=True)
    township = serializers.IntegerField(source="station.township_id", read_only=True)
    center = serializers.CharField(source="center.code", read_only=True)
    warehouse = serializers.CharField(source="warehouse.code", read_only=True)
    transaction_uuid = serializers.UUIDField(source="transaction.uuid", read_only=True, allow_null=True)
    current_site = serializers.SerializerMethodField(
        help_text=_("Facility or station code; null in transit.")
    )
    overdue = serializers.SerializerMethodField(
        help_text=_("Not yet at its station and past the 7-day limit (downstream parcels).")
    )

    class Meta:
        model = Shipment
        fields = [
            "id",
            "waybill_no",
            "carrier",
            "carrier_name",
            "direction",
            "station",
            "station_name",
            "township",
            "center",
            "warehouse",
            "destination_text",
            "booked_at",
            "weight_kg",
            "declared_value",
            "cost",
            "cold_chain",
            "transaction_uuid",
            "status",
            "sent_at",
            "due_at",
            "arrived_at",
            "signed_at",
            "returned_at",
            "current_site",
            "current_since",
            "overdue",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_current_site(self, obj) -> str | None:
        return _site_code(obj.current_facility, obj.current_station)

    def get_overdue(self, obj) -> bool:
        now = self.context.get("now") or timezone.now()
        return bool(obj.due_at and obj.arrived_at is None and obj.returned_at is None and obj.due_at < now)


class ShipmentDetailSerializer(ShipmentSerializer):
    legs = LegSerializer(many=True, read_only=True)
    scans = ScanSerializer(many=True, read_only=True)

    class Meta(ShipmentSerializer.Meta):
        fields = [*ShipmentSerializer.Meta.fields, "legs", "scans"]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class CarrierIdField(serializers.Field):
    """A carrier by id, among those the requesting user may see."""

    default_error_messages = {
        "unknown": _("No carrier with id {value} in your scope."),
        "invalid": _("A carrier id."),
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str) or not str(data).isdigit():
            self.fail("invalid")
        carrier = carrier_list(user=self.context["request"].user).filter(pk=int(data)).first()
        if carrier is None:
            self.fail("unknown", value=data)
        return carrier

    def to_representation(self, value):
        return value.pk


@extend_schema_field(OpenApiTypes.STR)
class FacilityCodeField(ScopedCodeField):
    def __init__(self, **kwargs):
        super().__init__(selector=facility_list, what=_("facility"), **kwargs)


class ShipmentInputSerializer(StrictSerializer):
    waybill_no = serializers.CharField(max_length=40, help_text=_("4 to 40 letters, digits or hyphens."))
    carrier = CarrierIdField(help_text=_("The carrier's id (a carrier's user: their own company)."))
    station = StationCodeField(help_text=_("The village station at the parcel's village end (its code)."))
    direction = DirectionField()
    weight_kg = serializers.DecimalField(max_digits=8, decimal_places=3, min_value=Decimal("0.001"))
    declared_value = MoneySerializerField(required=False, min_value=Decimal("0"))
    cost = MoneySerializerField(required=False, allow_null=True, min_value=Decimal("0"))
    cold_chain = serializers.BooleanField(required=False)
    destination_text = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text=_("Upstream only: where outside the county."),
    )
    booked_at = serializers.DateTimeField(
        required=False, help_text=_("When the waybill was made (default: now).")
    )
    transaction_uuid = serializers.UUIDField(
        required=False,
        help_text=_("The station's proxy purchase (downstream) or sale (upstream) it carries."),
    )
    center = FacilityCodeField(
        required=False, help_text=_("The township center (code); default: the one serving the station.")
    )


# --- scans ------------------------------------------------------------------------------------------


class ScanItemSerializer(serializers.Serializer):
    """Documents one scan item (the service parses items itself, item by item)."""

    uuid = serializers.UUIDField(help_text=_("Generated by the device; re-sending it is safe (duplicate)."))
    waybill = serializers.CharField(help_text=_("The waybill number, as the barcode scanner reads it."))
    kind = ScanKindField()
    at = serializers.DateTimeField(help_text=_("When it was scanned: ISO 8601 with its UTC offset."))
    site = serializers.CharField(
        required=False,
        help_text=_(
            "Facility or station code where it was scanned (a station's manager: default their station; "
            "leave out for a delivery outside the county)."
        ),
    )
    carrier = serializers.IntegerField(
        required=False, help_text=_("Carrier id, only needed when two carriers use the waybill number.")
    )
    device = serializers.CharField(required=False, max_length=64, help_text=_("Scanner or phone name."))


class ScanRequestSerializer(serializers.Serializer):
    scans = ScanItemSerializer(many=True, help_text=_("1 to 1,000 scans."), max_length=MAX_SCAN_BATCH)


class ScanResultSerializer(serializers.Serializer):
    uuid = serializers.CharField()
    status = serializers.ChoiceField(
        choices=[("created", "created"), ("duplicate", "duplicate"), ("rejected", "rejected")]
    )
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    waybill = serializers.CharField()
    shipment_status = serializers.CharField(
        allow_blank=True, help_text=_("The parcel's status after the batch (empty when rejected).")
    )


class ScanResponseSerializer(serializers.Serializer):
    results = ScanResultSerializer(many=True)


# --- carriers at township centers ---------------------------------------------------------------------


class PresenceSerializer(serializers.ModelSerializer):
    carrier_name = serializers.CharField(source="carrier.name", read_only=True)
    facility = serializers.CharField(source="facility.code", read_only=True)
    facility_name = serializers.CharField(source="facility.name", read_only=True)
    township = serializers.IntegerField(source="facility.township_id", read_only=True)

    class Meta:
        model = CarrierPresence
        fields = [
            "id",
            "carrier",
            "carrier_name",
            "facility",
            "facility_name",
            "township",
            "since",
            "until",
            "note",
        ]
        read_only_fields = fields


class PresenceInputSerializer(StrictSerializer):
    carrier = CarrierIdField()
    facility = FacilityCodeField(help_text=_("The township delivery center (its code)."))
    since = serializers.DateField()
    until = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PresenceEndSerializer(StrictSerializer):
    until = serializers.DateField(help_text=_("The last day the carrier was at the center."))


# --- the bureau's figures ---------------------------------------------------------------------------


class PerformanceSerializer(serializers.Serializer):
    key = serializers.IntegerField(allow_null=True, help_text=_("Carrier id or township id."))
    label = serializers.CharField()
    parcels = serializers.IntegerField()
    downstream = serializers.IntegerField()
    upstream = serializers.IntegerField()
    on_time = serializers.IntegerField(help_text=_("Downstream parcels at their station within 7 days."))
    late = serializers.IntegerField(help_text=_("Later, or not there yet and past the 7 days."))
    returned = serializers.IntegerField()
    on_time_percent = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    cost_per_parcel = MoneySerializerField(
        allow_null=True, help_text=_("Over the parcels with a recorded cost.")
    )


class PerformanceQuerySerializer(StrictSerializer):
    by = serializers.ChoiceField(
        choices=[("carrier", "carrier"), ("township", "township")], default="carrier"
    )
    day_from = serializers.DateField(required=False, help_text=_("Waybills made on or after this day."))
    day_to = serializers.DateField(required=False, help_text=_("Waybills made on or before this day."))

    def validate(self, attrs):
        if attrs.get("day_from") and attrs.get("day_to") and attrs["day_from"] > attrs["day_to"]:
            raise serializers.ValidationError({"day_to": [_("Must not be before from.")]})
        return attrs


# --- tariffs and price benchmarks -------------------------------------------------------------------


class TariffSerializer(serializers.ModelSerializer):
    carrier_name = serializers.CharField(source="carrier.name", read_only=True)
    direction = DirectionField(read_only=True)

    class Meta:
        model = Tariff
        fields = [
            "id",
            "carrier",
            "carrier_name",
            "direction",
            "first_weight_kg",
            "first_price",
            "extra_price_per_kg",
            "valid_from",
            "valid_until",
            "note",
        ]
        read_only_fields = fields


class TariffInputSerializer(StrictSerializer):
    carrier = CarrierIdField()
    direction = DirectionField()
    first_weight_kg = serializers.DecimalField(max_digits=6, decimal_places=3, required=False)
    first_price = MoneySerializerField(help_text=_("Price of the first weight (首重), yuan."))
    extra_price_per_kg = MoneySerializerField(help_text=_("Price per further started kg (续重), yuan."))
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class BenchmarkSerializer(serializers.ModelSerializer):
    class Meta:
        model = PriceBenchmark
        fields = ["id", "source", "weight_kg", "price", "observed_on", "note"]
        read_only_fields = fields


class BenchmarkInputSerializer(StrictSerializer):
    source = serializers.CharField(max_length=100, help_text=_("Platform and area, e.g. 淘宝 河北省内."))
    weight_kg = serializers.DecimalField(max_digits=6, decimal_places=3)
    price = MoneySerializerField()
    observed_on = serializers.DateField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

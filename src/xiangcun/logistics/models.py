"""The three-tier delivery (三级物流配送, R3): carriers, their presence at township centers, parcels
(shipments) with their legs and scans — together the delivery ledger (物流配送记录台账).

A *site* of a leg or scan is a network facility (county warehouse, township center) or a village
station; a pair of nullable foreign keys holds it, and `site_key` ("F12", "S34"; "X" outside the county)
names it in one column so that unique constraints can include it (NULLs never collide in a unique index).
"""

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from xiangcun.core.models import BaseModel
from xiangcun.core.money import MoneyField

from .choices import WAYBILL_PATTERN, CarrierKind, Direction, LegStatus, ScanKind, ShipmentStatus

EXTERNAL = "X"


def site_key(facility_id, station_id) -> str:
    """One text key for a site: "F<id>" (facility), "S<id>" (station), "X" (outside the county)."""
    if facility_id:
        return f"F{facility_id}"
    if station_id:
        return f"S{station_id}"
    return EXTERNAL


def _one_site_at_most(prefix: str) -> Q:
    return Q(**{f"{prefix}facility__isnull": True}) | Q(**{f"{prefix}station__isnull": True})


class Carrier(BaseModel):
    """An express or logistics company (快递物流企业) moving parcels between the county warehouse, the
    township centers and the village stations.

    R1.3: on one logistics route (物流线路) central funds support at most one company. `funded_route`
    names the route a funded carrier is supported on; a second funded carrier on the same route is not
    refused (the record is the evidence) but flagged (`selectors.funded_route_conflicts`).
    """

    county = models.ForeignKey("regions.County", verbose_name=_("county"), on_delete=models.CASCADE)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=CarrierKind.choices)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(
        _("contact phone"),
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^[0-9+\- ]{5,20}$", _("Enter a phone number (digits, +, -)."))],
    )
    funded = models.BooleanField(_("receives program funds"), default=False)
    funded_route = models.CharField(
        _("funded route"),
        max_length=100,
        blank=True,
        help_text=_(
            "The logistics route the funds support, e.g. 县城—大街乡 (at most one company per route)."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["county", "name"], name="carrier_unique_name_per_county"),
            models.CheckConstraint(
                name="carrier_funded_has_route",
                condition=(Q(funded=True) & ~Q(funded_route="")) | (Q(funded=False) & Q(funded_route="")),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CarrierAccount(models.Model):
    """The carrier a user of role `carrier` works for (承运企业账号): it scopes what the user sees to the
    carrier's parcels. Kept here rather than on the user so that accounts need not know logistics."""

    county = models.ForeignKey("regions.County", verbose_name=_("county"), on_delete=models.CASCADE)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="carrier_account",
    )
    carrier = models.ForeignKey(
        Carrier, verbose_name=_("carrier"), on_delete=models.CASCADE, related_name="accounts"
    )

    class Meta:
        verbose_name = _("carrier account")
        verbose_name_plural = _("carrier accounts")

    def __str__(self) -> str:
        return f"{self.user} → {self.carrier}"


class CarrierPresence(BaseModel):
    """A carrier integrated at a township delivery center (快递企业入驻乡镇物流配送中心) from `since`
    until `until` (open-ended while empty). R3: at least two carriers integrated; express outlets in
    100 % of townships."""

    county = models.ForeignKey("regions.County", verbose_name=_("county"), on_delete=models.CASCADE)
    carrier = models.ForeignKey(
        Carrier, verbose_name=_("carrier"), on_delete=models.CASCADE, related_name="presences"
    )
    facility = models.ForeignKey(
        "network.Facility",
        verbose_name=_("township center"),
        on_delete=models.CASCADE,
        related_name="carrier_presences",
    )
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("carrier at a township center")
        verbose_name_plural = _("carriers at township centers")
        ordering = ["facility", "carrier", "since"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "carrier", "facility", "since"], name="presence_unique_start"
            ),
            models.CheckConstraint(
                name="presence_until_after_since", condition=Q(until__isnull=True) | Q(until__gte=F("since"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} @ {self.facility}"


class Shipment(BaseModel):
    """A parcel (快件) with its waybill (运单): one row of the delivery ledger (物流配送记录台账).

    Downstream it goes county warehouse → township center → village station; upstream village station →
    township center → county warehouse (→ out of the county, `destination_text`). `station` is the village
    station at its village end and `center` the township center on its route (both scope who sees it).
    The status and the tracking fields (`sent_at`, `due_at`, `arrived_at`, current site …) are derived
    from the scans by `tracking.shipment_refresh`, never written by hand. `due_at` is the 7-day limit
    (R3), counted from the county warehouse's "out" scan of a downstream parcel.
    """

    county = models.ForeignKey("regions.County", verbose_name=_("county"), on_delete=models.CASCADE)
    carrier = models.ForeignKey(
        Carrier, verbose_name=_("carrier"), on_delete=models.PROTECT, related_name="shipments"
    )
    waybill_no = models.CharField(
        _("waybill number"), max_length=40, validators=[RegexValidator(WAYBILL_PATTERN)]
    )
    direction = models.CharField(_("direction"), max_length=12, choices=Direction.choices)
    station = models.ForeignKey(
        "network.Station",
        verbose_name=_("village station"),
        on_delete=models.PROTECT,
        related_name="shipments",
    )
    center = models.ForeignKey(
        "network.Facility",
        verbose_name=_("township center"),
        on_delete=models.PROTECT,
        related_name="shipments",
    )
    warehouse = models.ForeignKey(
        "network.Facility",
        verbose_name=_("county warehouse"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    destination_text = models.CharField(
        _("destination outside the county"),
        max_length=100,
        blank=True,
        help_text=_("Upstream parcels leaving the county: where to (e.g. 北京市朝阳区)."),
    )
    booked_at = models.DateTimeField(_("waybill made at"))
    weight_kg = models.DecimalField(
        _("weight (kg)"), max_digits=8, decimal_places=3, validators=[MinValueValidator(0)]
    )
    declared_value = MoneyField(_("declared value (yuan)"), default=0)
    cost = MoneyField(_("delivery cost (yuan)"), null=True, blank=True)
    cold_chain = models.BooleanField(_("cold chain"), default=False)
    transaction = models.ForeignKey(
        "stations.Transaction",
        verbose_name=_("ledger entry (order)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shipments",
        help_text=_("The station's proxy purchase or sale this parcel carries (one order, one parcel)."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ShipmentStatus.choices, default=ShipmentStatus.CREATED
    )
    sent_at = models.DateTimeField(_("left its origin at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due by (7 days)"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("reached its destination at"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed for at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    current_facility = models.ForeignKey(
        "network.Facility",
        verbose_name=_("current facility"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    current_station = models.ForeignKey(
        "network.Station",
        verbose_name=_("current station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    current_since = models.DateTimeField(_("there since"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-booked_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "carrier", "waybill_no"], name="shipment_unique_waybill_per_carrier"
            ),
            models.UniqueConstraint(
                fields=["county", "transaction"],
                condition=Q(transaction__isnull=False),
                name="shipment_one_parcel_per_order",
            ),
            models.CheckConstraint(name="shipment_weight_positive", condition=Q(weight_kg__gt=0)),
            models.CheckConstraint(
                name="shipment_declared_value_not_negative", condition=Q(declared_value__gte=0)
            ),
            models.CheckConstraint(
                name="shipment_cost_not_negative", condition=Q(cost__isnull=True) | Q(cost__gte=0)
            ),
            models.CheckConstraint(
                name="shipment_external_only_upstream",
                condition=Q(direction="upstream") | Q(destination_text=""),
            ),
            models.CheckConstraint(name="shipment_one_current_site", condition=_one_site_at_most("current_")),
        ]
        indexes = [
            models.Index(fields=["county", "booked_at"], name="shipment_county_booked_idx"),
            models.Index(fields=["county", "status", "booked_at"], name="shipment_county_status_idx"),
            models.Index(fields=["county", "waybill_no"], name="shipment_county_waybill_idx"),
            # The rollup's recompute of one key and month (`rollups.delivery_rollup_refresh`).
            models.Index(
                fields=["county", "carrier", "center", "direction", "booked_at"],
                name="shipment_rollup_booked_idx",
            ),
            models.Index(
                fields=["county", "carrier", "center", "direction", "arrived_at"],
                name="shipment_rollup_arrived_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.waybill_no

    @property
    def current_site(self):
        return self.current_facility or self.current_station


class Leg(models.Model):
    """One hop of a parcel (运输段) from one site to the next, by one carrier; `sequence` counts from 1.
    Its status and times are derived from the parcel's scans."""

    county = models.ForeignKey("regions.County", verbose_name=_("county"), on_delete=models.CASCADE)
    shipment = models.ForeignKey(
        Shipment, verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="legs"
    )
    sequence = models.PositiveSmallIntegerField(_("hop"), validators=[MinValueValidator(1)])
    from_facility = models.ForeignKey(
        "network.Facility",
        verbose_name=_("from facility"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_station = models.ForeignKey(
        "network.Station",
        verbose_name=_("from station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_facility = models.ForeignKey(
        "network.Facility",
        verbose_name=_("to facility"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_station = models.ForeignKey(
        "network.Station",
        verbose_name=_("to station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_text = models.CharField(_("to (outside the county)"), max_length=100, blank=True)
    carrier = models.ForeignKey(
        Carrier, verbose_name=_("carrier"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=LegStatus.choices, default=LegStatus.PENDING
    )
    departed_at = models.DateTimeField(_("left at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)

    class Meta:
        verbose_name = _("leg")
        verbose_name_plural = _("legs")
        ordering = ["shipment", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["county", "shipment", "sequence"], name="leg_unique_sequence"),
            models.CheckConstraint(
                name="leg_from_one_site",
                condition=(Q(from_facility__isnull=False) & Q(from_station__isnull=True))
                | (Q(from_facility__isnull=True) & Q(from_station__isnull=False)),
            ),
            models.CheckConstraint(name="leg_to_one_site", condition=_one_site_at_most("to_")),
        ]

    def __str__(self) -> str:
        return f"{self.shipment} #{self.sequence}"

    @property
    def from_site(self):
        return self.from_facility or self.from_station

    @property
    def to_site(self):
        return self.to_facility or self.to_station

    @property
    def from_key(self) -> str:
        return site_key(self.from_facility_id, self.from_station_id)

    @property
    def to_key(self) -> str:
        return site_key(self.to_facility_id, self.to_station_id)


class Scan(models.Model):
    """One scan of a parcel (扫描记录): out of a site, into a site, delivered, signed for, returned.

    `client_uuid` is generated by the scanning device or page, so a batch can be re-sent: a UUID already
    stored is a duplicate (`scan_unique_uuid_per_county`), and so is the same scan (parcel, kind, site,
    time) sent twice under different UUIDs, e.g. by two devices (`scan_unique_natural_key`).
    """

    county = models.ForeignKey("regions.County", verbose_name=_("county"), on_delete=models.CASCADE)
    shipment = models.ForeignKey(
        Shipment, verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="scans"
    )
    leg = models.ForeignKey(
        Leg, verbose_name=_("leg"), null=True, blank=True, on_delete=models.CASCADE, related_name="scans"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ScanKind.choices)
    at = models.DateTimeField(_("scanned at"))
    facility = models.ForeignKey(
        "network.Facility",
        verbose_name=_("facility"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    station = models.ForeignKey(
        "network.Station",
        verbose_name=_("station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    site_key = models.CharField(_("site key"), max_length=24, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scanned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    device = models.CharField(_("device"), max_length=64, blank=True)
    client_uuid = models.UUIDField(_("client UUID"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("scan")
        verbose_name_plural = _("scans")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["county", "client_uuid"], name="scan_unique_uuid_per_county"),
            models.UniqueConstraint(
                fields=["county", "shipment", "kind", "site_key", "at"], name="scan_unique_natural_key"
            ),
            models.CheckConstraint(name="scan_one_site_at_most", condition=_one_site_at_most("")),
        ]

    def __str__(self) -> str:
        return f"{self.shipment} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    @property
    def site(self):
        return self.facility or self.station


class Tariff(BaseModel):
    """A carrier's published express price (快递资费) for one direction from `valid_from`: the first
    `first_weight_kg` cost `first_price`, each further started kilogram `extra_price_per_kg` (首重 + 续重).
    R3: the county's upstream express price must not exceed the mainstream platforms' (`PriceBenchmark`)."""

    county = models.ForeignKey("regions.County", verbose_name=_("county"), on_delete=models.CASCADE)
    carrier = models.ForeignKey(
        Carrier, verbose_name=_("carrier"), on_delete=models.CASCADE, related_name="tariffs"
    )
    direction = models.CharField(_("direction"), max_length=12, choices=Direction.choices)
    first_weight_kg = models.DecimalField(
        _("first weight (kg)"), max_digits=6, decimal_places=3, default=1, validators=[MinValueValidator(0)]
    )
    first_price = MoneyField(_("price of the first weight (yuan)"))
    extra_price_per_kg = MoneyField(_("price per further kg (yuan)"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("tariff")
        verbose_name_plural = _("tariffs")
        ordering = ["carrier", "direction", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "carrier", "direction", "valid_from"], name="tariff_unique_start"
            ),
            models.CheckConstraint(name="tariff_first_weight_positive", condition=Q(first_weight_kg__gt=0)),
            models.CheckConstraint(
                name="tariff_prices_not_negative",
                condition=Q(first_price__gte=0) & Q(extra_price_per_kg__gte=0),
            ),
            models.CheckConstraint(
                name="tariff_until_after_from",
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.direction} {self.valid_from}"

    def price_for(self, weight_kg):
        """The price of a parcel of `weight_kg`: further weight is charged per started kilogram."""
        import math
        from decimal import Decimal

        extra = max(Decimal(weight_kg) - self.first_weight_kg, Decimal(0))
        return self.first_price + self.extra_price_per_kg * math.ceil(extra)


class PriceBenchmark(BaseModel):
    """The price the mainstream platforms charge for a comparable parcel (主流平台参考价), e.g. what
    Taobao sellers in comparable rural areas pay for 1 kg within the province: R3 compares the county's
    upstream express price with it."""

    county = models.ForeignKey("regions.County", verbose_name=_("county"), on_delete=models.CASCADE)
    source = models.CharField(_("platform and area"), max_length=100)
    weight_kg = models.DecimalField(
        _("weight (kg)"), max_digits=6, decimal_places=3, validators=[MinValueValidator(0)]
    )
    price = MoneyField(_("price (yuan)"))
    observed_on = models.DateField(_("observed on"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("price benchmark")
        verbose_name_plural = _("price benchmarks")
        ordering = ["source", "weight_kg", "-observed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "source", "weight_kg", "observed_on"], name="benchmark_unique_observation"
            ),
            models.CheckConstraint(name="benchmark_weight_positive", condition=Q(weight_kg__gt=0)),
            models.CheckConstraint(name="benchmark_price_not_negative", condition=Q(price__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.weight_kg} kg"


class DeliveryMonth(models.Model):
    """The monthly rollup of the delivery ledger (物流配送月汇总): per county, Beijing-time month, carrier,
    township center, township (of the parcel's village station) and direction. Kept exact by
    `logistics.rollups` (each shipment change recomputes the rows it touches; `delivery_rollup_rebuild`
    recomputes a county's from the shipments), so the performance page and the scorecard read a few
    hundred rows instead of the ledger.

    Which month a parcel counts in, per measure (docs/logistics.md):

    - by the month its waybill was made (`booked_at`): `parcels`, `weight_g`, `declared_value`,
      `costed`, `cost_total`, `returned` (booked that month, returned since), and `on_time` / `late`:
      downstream parcels, not returned, that reached their station within / after 7 days of leaving the
      county warehouse (the performance page's figures for waybills made in a period);
    - by the month it reached its destination (`arrived_at`): `delivered` (either direction) and
      `delivered_on_time` (downstream, reached the station by `due_at`, returned afterwards or not): the
      scorecard's on-time rate of the parcels delivered in a year; `slowest_delivery`, the longest time
      from leaving the county warehouse to reaching the station among those downstream parcels.
    """

    county = models.ForeignKey("regions.County", verbose_name=_("county"), on_delete=models.CASCADE)
    month = models.DateField(_("month"))
    carrier = models.ForeignKey(
        Carrier, verbose_name=_("carrier"), on_delete=models.CASCADE, related_name="+"
    )
    center = models.ForeignKey(
        "network.Facility", verbose_name=_("township center"), on_delete=models.CASCADE, related_name="+"
    )
    township = models.ForeignKey(
        "regions.Township", verbose_name=_("township"), on_delete=models.CASCADE, related_name="+"
    )
    direction = models.CharField(_("direction"), max_length=12, choices=Direction.choices)
    parcels = models.PositiveIntegerField(_("parcels booked"), default=0)
    weight_g = models.PositiveBigIntegerField(_("weight (g)"), default=0)
    declared_value = MoneyField(_("declared value (yuan)"), default=0)
    costed = models.PositiveIntegerField(_("parcels with a cost"), default=0)
    cost_total = MoneyField(_("delivery cost (yuan)"), default=0)
    returned = models.PositiveIntegerField(_("returned"), default=0)
    on_time = models.PositiveIntegerField(_("on time (by waybill month)"), default=0)
    late = models.PositiveIntegerField(_("late (by waybill month)"), default=0)
    delivered = models.PositiveIntegerField(_("delivered"), default=0)
    delivered_on_time = models.PositiveIntegerField(_("delivered within 7 days"), default=0)
    slowest_delivery = models.DurationField(_("slowest delivery"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery month")
        verbose_name_plural = _("delivery months")
        ordering = ["month", "carrier", "center", "township", "direction"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "month", "carrier", "center", "township", "direction"],
                name="delivery_month_unique",
            )
        ]
        indexes = [models.Index(fields=["county", "month"], name="delivery_month_county_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.carrier_id}/{self.center_id}/{self.township_id} {self.direction}"

"""The three-tier service network (三级服务体系): county center, county warehouse, township delivery
centers (`Facility`) and village stations (`Station`), with their status history."""

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xiangcun.core.models import BaseModel

from .choices import FacilityKind, SiteStatus


class Site(BaseModel):
    """What facilities and stations share: place, size, who runs it, status and equipment."""

    county = models.ForeignKey("regions.County", verbose_name=_("county"), on_delete=models.CASCADE)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude (WGS-84)"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude (WGS-84)"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    area_m2 = models.DecimalField(
        _("area (m²)"),
        max_digits=8,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    operator = models.CharField(_("operator"), max_length=100, blank=True)
    manager_name = models.CharField(_("manager"), max_length=50, blank=True)
    manager_phone = models.CharField(
        _("manager's phone"),
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^[0-9+\- ]{5,20}$", _("Enter a phone number (digits, +, -)."))],
    )
    status = models.CharField(
        _("status"), max_length=16, choices=SiteStatus.choices, default=SiteStatus.PLANNED
    )
    opened_on = models.DateField(_("opening date"), null=True, blank=True)
    equipment = models.JSONField(_("equipment checklist"), default=dict, blank=True)
    photo = models.FileField(_("photo"), upload_to="photos/%Y/%m/", blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        abstract = True

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class Facility(Site):
    """A county or township facility of the network (R1.1–R1.3): the county e-commerce public service
    center (县级电子商务公共服务中心), the county warehouse and logistics center (县级仓储物流配送中心)
    or a township delivery center (乡镇物流配送中心)."""

    code = models.CharField(
        _("code"), max_length=20, validators=[RegexValidator(r"^[A-Za-z0-9\-]+$")], help_text=_("e.g. TC-01")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FacilityKind.choices)
    township = models.ForeignKey(
        "regions.Township",
        verbose_name=_("township"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="facilities",
    )
    cold_chain_needed = models.BooleanField(
        _("cold chain needed"),
        default=False,
        help_text=_("Cold store, fridge and cold-chain vehicle are required."),
    )
    rnd_center_area_m2 = models.DecimalField(
        _("R&D and experience center area (m²)"),
        max_digits=8,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["county", "code"], name="facility_unique_code_per_county"),
            models.CheckConstraint(
                name="facility_township_center_has_township",
                condition=~Q(kind="township_center") | Q(township__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Station(Site):
    """A village e-commerce service station (村级电商服务站, R1.4): proxy buying and selling and
    convenience services for one village. `code` is stable for the station's life: the village's
    division code at creation plus a two-digit suffix (130425100228-01)."""

    code = models.CharField(
        _("station code"),
        max_length=20,
        validators=[RegexValidator(r"^\d{12}-\d{2}$", _("A station code looks like 130425100228-01."))],
    )
    township = models.ForeignKey(
        "regions.Township", verbose_name=_("township"), on_delete=models.PROTECT, related_name="stations"
    )
    village = models.ForeignKey(
        "regions.Village", verbose_name=_("village"), on_delete=models.PROTECT, related_name="stations"
    )
    funded = models.BooleanField(
        _("built with central funds"), default=True, help_text=_("At most one funded station per village.")
    )
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)

    class Meta:
        verbose_name = _("village station")
        verbose_name_plural = _("village stations")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["county", "code"], name="station_unique_code_per_county"),
            models.CheckConstraint(
                name="station_hours_ordered",
                condition=Q(opens_at__isnull=True)
                | Q(closes_at__isnull=True)
                | Q(closes_at__gt=models.F("opens_at")),
            ),
        ]
        indexes = [models.Index(fields=["county", "status"], name="station_county_status_idx")]

    def __str__(self) -> str:
        return self.name


class StatusChange(models.Model):
    """One transition of a facility's or station's status (状态变更记录), with who recorded it.

    `effective_at` is when the change happened on the ground (may be back-dated by the recorder);
    `recorded_at` is when it was entered. The status at any date is read from these rows.
    """

    county = models.ForeignKey("regions.County", verbose_name=_("county"), on_delete=models.CASCADE)
    facility = models.ForeignKey(
        Facility,
        verbose_name=_("facility"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="changes",
    )
    station = models.ForeignKey(
        Station,
        verbose_name=_("station"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="changes",
    )
    from_status = models.CharField(_("from"), max_length=16, choices=SiteStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=SiteStatus.choices)
    effective_at = models.DateTimeField(_("effective at"), db_index=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["effective_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="status_change_one_site",
                condition=(Q(facility__isnull=False) & Q(station__isnull=True))
                | (Q(facility__isnull=True) & Q(station__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


class StaffMember(BaseModel):
    """A person working at a center or a station (工作人员). R7: people from registered poor households
    are hired first; `from_poor_household` (with the household, when known) feeds that indicator."""

    county = models.ForeignKey("regions.County", verbose_name=_("county"), on_delete=models.CASCADE)
    facility = models.ForeignKey(
        Facility,
        verbose_name=_("facility"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="staff",
    )
    station = models.ForeignKey(
        Station,
        verbose_name=_("station"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="staff",
    )
    name = models.CharField(_("name"), max_length=50)
    position = models.CharField(_("position"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    from_poor_household = models.BooleanField(_("from a registered poor household"), default=False)
    household = models.ForeignKey(
        "households.Household",
        verbose_name=_("registered poor household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    hired_on = models.DateField(_("hired on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="staff_one_workplace",
                condition=(Q(facility__isnull=False) & Q(station__isnull=True))
                | (Q(facility__isnull=True) & Q(station__isnull=False)),
            ),
            models.CheckConstraint(
                name="staff_left_after_hired",
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("hired_on")),
            ),
            models.CheckConstraint(
                name="staff_household_means_poor",
                condition=Q(household__isnull=True) | Q(from_poor_household=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name

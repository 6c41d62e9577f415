"""County → township → village, after the NBS statistical division codes (统计用区划代码).

A division code is an attribute with a validity period, not a primary key: codes change when
townships are renamed or merged (e.g. 铺上乡 130425202 became 铺上镇 130425108 after 2016).
"""

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xiangcun.core.models import BaseModel

from .choices import FactSource, TownshipKind, VillageKind

division_code_validator = RegexValidator(r"^\d{12}$", _("A division code has exactly 12 digits."))
adcode_validator = RegexValidator(r"^\d{6}$", _("A county code has exactly 6 digits."))


class County(BaseModel):
    """A county (县) running the demonstration program: the tenant of the platform."""

    code = models.CharField(_("county code"), max_length=6, unique=True, validators=[adcode_validator])
    division_code = models.CharField(_("division code"), max_length=12, validators=[division_code_validator])
    name = models.CharField(_("name"), max_length=50)
    province = models.CharField(_("province"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    latitude = models.DecimalField(
        _("latitude (WGS-84)"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude (WGS-84)"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    outline = models.JSONField(_("outline (GeoJSON, WGS-84)"), null=True, blank=True)
    program_year = models.PositiveSmallIntegerField(_("program year"), default=2017)
    is_demo = models.BooleanField(_("demo county"), default=False)
    data_source = models.CharField(_("data source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Township(BaseModel):
    """A township-level unit (乡镇): a town (镇) or a township (乡)."""

    county = models.ForeignKey(
        County, verbose_name=_("county"), on_delete=models.CASCADE, related_name="townships"
    )
    code = models.CharField(_("division code"), max_length=12, validators=[division_code_validator])
    code_valid_from = models.DateField(_("code valid from"))
    code_valid_to = models.DateField(_("code valid to"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=16, choices=TownshipKind.choices)
    latitude = models.DecimalField(
        _("latitude (WGS-84)"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude (WGS-84)"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    has_express_outlet = models.BooleanField(
        _("express outlet in the township"), null=True, blank=True, help_text=_("Empty while unknown.")
    )
    express_outlet_source = models.CharField(
        _("express outlet fact source"), max_length=16, choices=FactSource.choices, default=FactSource.UNKNOWN
    )

    class Meta:
        verbose_name = _("township")
        verbose_name_plural = _("townships")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["county", "code"], name="township_unique_code_per_county"),
            models.CheckConstraint(
                name="township_code_validity_ordered",
                condition=Q(code_valid_to__isnull=True) | Q(code_valid_to__gte=models.F("code_valid_from")),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Village(BaseModel):
    """A village-level unit (村级单位): an administrative village (行政村, villagers' committee) or an
    urban community (社区, residents' committee).

    Population, the poor-village flag (建档立卡贫困村) and broadband are not in the division data; while
    `facts_source` is `demo` they were set by the demo simulator and the UI says so.
    """

    county = models.ForeignKey(
        County, verbose_name=_("county"), on_delete=models.CASCADE, related_name="villages"
    )
    township = models.ForeignKey(
        Township, verbose_name=_("township"), on_delete=models.PROTECT, related_name="villages"
    )
    code = models.CharField(_("division code"), max_length=12, validators=[division_code_validator])
    code_valid_from = models.DateField(_("code valid from"))
    code_valid_to = models.DateField(_("code valid to"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=16, choices=VillageKind.choices)
    urban_rural_code = models.CharField(
        _("urban-rural class code"), max_length=3, validators=[RegexValidator(r"^\d{3}$")]
    )
    population = models.PositiveIntegerField(
        _("resident population"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    is_poor = models.BooleanField(_("registered poor village"), default=False)
    has_broadband = models.BooleanField(_("broadband (incl. mobile)"), default=False)
    latitude = models.DecimalField(
        _("latitude (WGS-84)"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude (WGS-84)"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    facts_source = models.CharField(
        _("source of population, poverty and broadband facts"),
        max_length=16,
        choices=FactSource.choices,
        default=FactSource.UNKNOWN,
    )

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["county", "code"], name="village_unique_code_per_county"),
            models.CheckConstraint(
                name="village_code_validity_ordered",
                condition=Q(code_valid_to__isnull=True) | Q(code_valid_to__gte=models.F("code_valid_from")),
            ),
        ]
        indexes = [models.Index(fields=["county", "township"], name="village_county_township_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def short_name(self) -> str:
        """The name without the committee suffix (七里店村委会 → 七里店村)."""
        for suffix, replacement in (
            ("社区居民委员会", "社区"),
            ("居民委员会", ""),
            ("村民委员会", "村"),
            ("村委会", "村"),
        ):
            if self.name.endswith(suffix):
                return self.name[: -len(suffix)] + replacement
        return self.name

    @property
    def is_large(self) -> bool | None:
        """A village of ≥500 residents (None while the population is unknown)."""
        return None if self.population is None else self.population >= 500

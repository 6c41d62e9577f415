"""Registered poor households (建档立卡贫困户), the people the program must lift.

This first version holds what other modules link to (station services, staff hiring); members,
ID numbers (masked, reveal logged), training and benefit links come with the households module.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiangcun.core.models import BaseModel


class HouseholdStatus(models.TextChoices):
    POOR = "poor", _("Registered poor")
    LIFTED = "lifted", _("Lifted out of poverty")


class Household(BaseModel):
    """A registered poor household (建档立卡贫困户) of a village, identified by its register number."""

    county = models.ForeignKey("regions.County", verbose_name=_("county"), on_delete=models.CASCADE)
    village = models.ForeignKey(
        "regions.Village", verbose_name=_("village"), on_delete=models.PROTECT, related_name="households"
    )
    code = models.CharField(_("register number"), max_length=32)
    head_name = models.CharField(_("head of household"), max_length=50)
    members = models.PositiveSmallIntegerField(_("members"), default=1)
    status = models.CharField(
        _("status"), max_length=16, choices=HouseholdStatus.choices, default=HouseholdStatus.POOR
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("registered poor household")
        verbose_name_plural = _("registered poor households")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["county", "code"], name="household_unique_code_per_county")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.head_name}"

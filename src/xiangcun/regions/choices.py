from django.db import models
from django.utils.translation import gettext_lazy as _


class TownshipKind(models.TextChoices):
    TOWN = "town", _("Town (镇)")
    TOWNSHIP = "township", _("Township (乡)")
    SUBDISTRICT = "subdistrict", _("Subdistrict (街道)")


class VillageKind(models.TextChoices):
    """Village-level unit: an administrative village has a villagers' committee; a community a residents' one."""

    VILLAGERS = "villagers", _("Villagers' committee (村委会)")
    RESIDENTS = "residents", _("Residents' committee (居委会)")


class FactSource(models.TextChoices):
    """Where the village facts (population, poor flag, broadband, coordinates) come from."""

    UNKNOWN = "unknown", _("Not recorded")
    DEMO = "demo", _("Demo data (simulated)")
    RECORDED = "recorded", _("Recorded by a user")
    IMPORTED = "imported", _("Imported from Excel")


# Urban-rural classification codes (统计用城乡划分代码) of the National Bureau of Statistics.
URBAN_RURAL_CLASSES = {
    "111": _("Main urban area"),
    "112": _("Urban-rural fringe"),
    "121": _("Town centre"),
    "122": _("Town-rural fringe"),
    "123": _("Special area"),
    "210": _("Township centre"),
    "220": _("Village"),
}

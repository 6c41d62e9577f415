from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The program's users (PROGRAM.md, 'Who uses the platform')."""

    BUREAU_ADMIN = "bureau_admin", _("County commerce bureau")
    FINANCE = "finance", _("Finance bureau")
    POVERTY_OFFICE = "poverty_office", _("Poverty alleviation office")
    CONTRACTOR = "contractor", _("Contractor")
    STATION_MANAGER = "station_manager", _("Station manager")
    CARRIER = "carrier", _("Carrier")
    TRAINER = "trainer", _("Trainer")
    AUDITOR = "auditor", _("Third-party auditor")

from django.db import models
from django.utils.translation import gettext_lazy as _


class FacilityKind(models.TextChoices):
    """The three upper tiers of the service network (R1.1–R1.3); village stations are `Station`."""

    COUNTY_CENTER = "county_center", _("County e-commerce public service center")
    COUNTY_WAREHOUSE = "county_warehouse", _("County warehouse and logistics center")
    TOWNSHIP_CENTER = "township_center", _("Township delivery center")


class SiteStatus(models.TextChoices):
    """Life cycle of a facility or station."""

    PLANNED = "planned", _("Planned")
    BUILDING = "building", _("Under construction")
    OPERATING = "operating", _("Operating")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


# The state machine: status → statuses it may move to. Closed is final.
SITE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    SiteStatus.PLANNED: (SiteStatus.BUILDING, SiteStatus.CLOSED),
    SiteStatus.BUILDING: (SiteStatus.OPERATING, SiteStatus.CLOSED),
    SiteStatus.OPERATING: (SiteStatus.SUSPENDED, SiteStatus.CLOSED),
    SiteStatus.SUSPENDED: (SiteStatus.OPERATING, SiteStatus.CLOSED),
    SiteStatus.CLOSED: (),
}

# Colours of each status on the map and in badges (same in CSS).
STATUS_COLOURS = {
    SiteStatus.PLANNED: "#9e9e9e",
    SiteStatus.BUILDING: "#f39c12",
    SiteStatus.OPERATING: "#27ae60",
    SiteStatus.SUSPENDED: "#c0392b",
    SiteStatus.CLOSED: "#34495e",
}

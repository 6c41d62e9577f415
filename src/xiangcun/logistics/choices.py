"""Fixed lists of the three-tier logistics (R3): carrier kinds, directions, scan kinds and the parcel's
state machine.

A parcel's status is never set by hand: it is derived from its scans (see `logistics.tracking`). Each
scan has a *rank* on the parcel's planned route (out of leg i, into the end of leg i, delivered,
signed for; returned ends everything), and the parcel is where its highest-ranked scan puts it. Taking
the maximum makes the result independent of the order in which scans arrive and of duplicates, so a
"delivered" scan that reaches the server before the "in" scan of the same hop ends in the same state.
Because scans can be missed (a scanner that was off, a paper handover), a parcel may skip statuses
forward; it never moves back.
"""

from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CarrierKind(models.TextChoices):
    EXPRESS = "express", _("Express company (快递)")
    LOGISTICS = "logistics", _("Logistics company (物流)")
    POSTAL = "postal", _("Postal service (邮政)")


class Direction(models.TextChoices):
    """Downstream: county warehouse → township center → village station (网货下乡). Upstream: village
    station → township center → county warehouse → out of the county (农产品上行, "the first kilometre")."""

    DOWNSTREAM = "downstream", _("Downstream (county → village)")
    UPSTREAM = "upstream", _("Upstream (village → county and beyond)")


class ScanKind(models.TextChoices):
    OUT = "out", _("Out (left the site)")
    IN = "in", _("In (arrived at the site)")
    DELIVERED = "delivered", _("Delivered")
    SIGNED_FOR = "signed_for", _("Signed for")
    RETURNED = "returned", pgettext_lazy("parcel", "Returned")


class ShipmentStatus(models.TextChoices):
    CREATED = "created", _("Waybill created")
    IN_TRANSIT = "in_transit", _("In transit")
    AT_SITE = "at_site", _("At a site")
    DELIVERED = "delivered", _("Delivered")
    SIGNED_FOR = "signed_for", _("Signed for")
    RETURNED = "returned", pgettext_lazy("parcel", "Returned")


# The state machine: status → statuses it may move to. Forward skips are allowed (a missed scan must not
# hold a parcel back); in transit ↔ at a site alternate along the legs; returned is final.
SHIPMENT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ShipmentStatus.CREATED: (
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.AT_SITE,
        ShipmentStatus.DELIVERED,
        ShipmentStatus.SIGNED_FOR,
        ShipmentStatus.RETURNED,
    ),
    ShipmentStatus.IN_TRANSIT: (
        ShipmentStatus.IN_TRANSIT,  # out of the next site after a missed "in"
        ShipmentStatus.AT_SITE,
        ShipmentStatus.DELIVERED,
        ShipmentStatus.SIGNED_FOR,
        ShipmentStatus.RETURNED,
    ),
    ShipmentStatus.AT_SITE: (
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.AT_SITE,  # in at the next site after a missed "out"
        ShipmentStatus.DELIVERED,
        ShipmentStatus.SIGNED_FOR,
        ShipmentStatus.RETURNED,
    ),
    ShipmentStatus.DELIVERED: (ShipmentStatus.SIGNED_FOR, ShipmentStatus.RETURNED),
    ShipmentStatus.SIGNED_FOR: (ShipmentStatus.RETURNED,),
    ShipmentStatus.RETURNED: (),
}
# Not yet delivered: these are on the aging list.
OPEN_STATUSES = (ShipmentStatus.CREATED, ShipmentStatus.IN_TRANSIT, ShipmentStatus.AT_SITE)
DONE_STATUSES = (ShipmentStatus.DELIVERED, ShipmentStatus.SIGNED_FOR)


class LegStatus(models.TextChoices):
    PENDING = "pending", _("Not yet left")
    DEPARTED = "departed", _("Under way")
    ARRIVED = "arrived", _("Arrived")


# R3: county warehouse → village station within 7 days (downstream parcels).
DELIVERY_LIMIT = timedelta(days=7)

# Input limits (anything above is refused as implausible).
MAX_WEIGHT_KG = 5000
MAX_DECLARED_VALUE = 1_000_000
MAX_COST = 100_000
MAX_SCAN_BATCH = 1000
WAYBILL_PATTERN = r"^[A-Za-z0-9\-]{4,40}$"

from django.db import models
from django.utils.translation import gettext_lazy as _


class IndicatorStatus(models.TextChoices):
    """Where an indicator stands. Only `met` says the program did what the indicator asks; an
    indicator whose inputs do not exist yet is `not_measured`, never `met`."""

    MET = "met", _("Met")
    NOT_MET = "not_met", _("Not met")
    NOT_MEASURED = "not_measured", _("Not measured")
    # Reserved for evidence-based indicators assessed by a person (the evidence module records them).
    MANUAL = "manual", _("Assessed manually")


# Badge colours on the scorecard page (met green, not met red, not measured grey, manual blue).
STATUS_COLOURS = {
    IndicatorStatus.MET: "#1e8449",
    IndicatorStatus.NOT_MET: "#c0392b",
    IndicatorStatus.NOT_MEASURED: "#7f8c8d",
    IndicatorStatus.MANUAL: "#2471a3",
}

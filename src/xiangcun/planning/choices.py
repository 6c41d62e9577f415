from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanKind(models.TextChoices):
    """What a plan decides (PROGRAM.md R1.3, R1.4)."""

    LAYOUT = "layout", _("Township delivery center layout")
    SITING = "siting", _("Village station siting")


class DistanceSource(models.TextChoices):
    """Where a plan's distances come from."""

    GREAT_CIRCLE = "great_circle", _("Great-circle distance × detour factor")
    MATRIX = "matrix", _("Uploaded distance matrix")


class Solver(models.TextChoices):
    """The model a plan was solved as (`planning.solvers`)."""

    PMEDIAN = "pmedian", _("p-median")
    FACILITY_LOCATION = "facility_location", _("Capacitated facility location")
    SET_COVERING = "set_covering", _("Set covering (MILP)")


# Rural roads in the North China Plain run along field boundaries and canals: measured road distances
# are typically 1.2–1.4 times the straight line (the circuity factor of rural road networks; Ballou et
# al. 2002 report about 1.2–1.3 for the US, higher on sparse networks). 1.3 is the middle of that range
# and the default wherever no road data is uploaded; a plan records the factor it used.
DEFAULT_DETOUR_FACTOR = "1.3"
# The plan's number of township delivery centers (R1.3).
DEFAULT_CENTERS = 5
# R1.4: a station in every registered poor village and every village of at least this many residents.
LARGE_VILLAGE_RESIDENTS = 500
# R1.4: at least this many village stations.
DEFAULT_MIN_STATIONS = 350

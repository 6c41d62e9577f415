from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanKind(models.TextChoices):
    """What a plan decides (PROGRAM.md R1.3, R1.4)."""

    LAYOUT = "layout", _("Township delivery center layout")
    SITING = "siting", _("Village station siting")
    SCHEDULE = "schedule", _("Station visit schedule")
    ROUTES = "routes", _("Delivery routes")


class DistanceSource(models.TextChoices):
    """Where a plan's distances come from."""

    GREAT_CIRCLE = "great_circle", _("Great-circle distance × detour factor")
    MATRIX = "matrix", _("Uploaded distance matrix")
    NONE = "none", _("No distances (visit schedule)")


class Solver(models.TextChoices):
    """The model a plan was solved as (`planning.solvers`)."""

    PMEDIAN = "pmedian", _("p-median")
    FACILITY_LOCATION = "facility_location", _("Capacitated facility location")
    SET_COVERING = "set_covering", _("Set covering (MILP)")
    VRP = "vrp", _("Vehicle routing with time windows (PyVRP)")
    VISIT_BALANCING = "visit_balancing", _("Balanced visit days (greedy)")


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

# Delivery routes (`routes`): defaults of a route plan, chosen for a township center's vehicle in a
# North China Plain county: a small van (微型面包车) carries about 500 kg; rural roads allow an average of
# about 30 km/h including villages and junctions; a stop costs a few minutes to park, hand over and get
# the manager's signature, plus some seconds per parcel scanned; the driver's shift is 08:00-18:00.
DEFAULT_CAPACITY_KG = "500"
DEFAULT_SPEED_KMH = "30"
DEFAULT_SERVICE_MIN = "5"
DEFAULT_SERVICE_PER_PARCEL_MIN = "0.5"
DEFAULT_SHIFT_START = "08:00"
DEFAULT_SHIFT_END = "18:00"
# Without a time limit given, a route plan searches 0.02 s per stop, at least 0.5 s and at most 5 s: on
# the demo county's busiest day (31-150 stops per center) that is within 0.1 % of a 10x longer search
# (docs/planning.md, "Time limits"), and the five centers take under 8 s together.
ROUTE_SECONDS_PER_STOP = 0.02
ROUTE_TIME_LIMIT_RANGE_S = (0.5, 5.0)
# Iterations of PyVRP's search without improvement after which a route plan stops before its time
# limit: one township's stations converge in far fewer, and stopping on iterations (not on the clock)
# makes a plan reproducible from its seed on any machine as long as the time limit is not reached.
DEFAULT_ROUTE_MAX_STALL = 3000

# Visit schedule (`schedule`): the delivery weekdays of a center (0 = Monday … 6 = Sunday; default
# Monday to Saturday), the parcels one visit should carry when choosing a station's frequency from its
# volume, the weeks of history that volume is measured over, and the days a parcel takes from the
# county warehouse to the township center when no history tells.
DEFAULT_DELIVERY_WEEKDAYS = (0, 1, 2, 3, 4, 5)
DEFAULT_PARCELS_PER_VISIT = 10
DEFAULT_HISTORY_WEEKS = 8
DEFAULT_WAREHOUSE_TO_CENTER_DAYS = "1"


class DemandBasis(models.TextChoices):
    """Which parcels a route plan carries on its day (see `routes.day_demand`)."""

    WAITING = "waiting", _("Waiting at the center at the start of the shift")
    DEPARTED = "departed", _("Left the center on that day (recorded scans)")

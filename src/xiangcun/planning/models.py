"""Network plans (规划方案): the layout of township delivery centers and the siting of village stations,
saved with everything needed to compare and reproduce them, and uploaded road-distance matrices."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xiangcun.core.models import BaseModel

from .choices import DistanceSource, PlanKind, Solver


class DistanceMatrix(BaseModel):
    """A road-distance matrix (道路距离矩阵) uploaded from a file (CSV or Excel: from-code, to-code,
    metres), for a county that has real road data; plans use it instead of great-circle distances.

    Codes are division codes of villages and townships (a township stands for its seat). `entries` holds
    the pairs as `[[from, to, metres], …]` sorted; `digest` is their SHA-256, recorded by every plan
    that used the matrix. A matrix is never edited: upload a new one.
    """

    county = models.ForeignKey("regions.County", verbose_name=_("county"), on_delete=models.CASCADE)
    name = models.CharField(_("name"), max_length=100)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    entries = models.JSONField(_("distances"), default=list)
    pair_count = models.PositiveIntegerField(_("pairs"))
    digest = models.CharField(_("SHA-256 of the distances"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("distance matrix")
        verbose_name_plural = _("distance matrices")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["county", "name"], name="distance_matrix_unique_name_per_county"),
            models.CheckConstraint(name="distance_matrix_has_pairs", condition=Q(pair_count__gt=0)),
        ]

    def __str__(self) -> str:
        return self.name


class Plan(BaseModel):
    """A saved network plan (规划方案): the layout of township delivery centers (`layout`: which township
    seats get one of the p centers, R1.3), the siting of village stations (`siting`: which villages
    get a station, R1.4), a township center's station visit schedule (`schedule`: which stations its
    vehicles visit on which weekday, 配送频次) or its delivery routes for one day (`routes`: 配送线路),
    with its inputs as used, the solver, and the result.

    - `center`: the township delivery center of a schedule or route plan (empty for layout and siting);
    - `service_date`: the delivery day of a route plan (empty otherwise);

    - `parameters`: what the user chose (p, capacity and fixed cost, coverage distance, targets …);
    - `inputs`: a snapshot of the demand points (code, name, latitude, longitude, weight and flags) and
      the candidate sites as the solver saw them, plus the SHA-256 of the distance matrix, so that a plan
      can be re-run and checked after the registers have changed;
    - distances: great-circle × `detour_factor`, or the uploaded `distance_matrix` (none for a schedule);
    - `solver`, `method`, `time_limit_s`, `seed`: how it was solved; `objective`, `lower_bound`,
      `proven_optimal`, `seconds`: what the solver reported;
    - `result`: the chosen sites and, per demand point, its assigned site and distance.
    """

    county = models.ForeignKey("regions.County", verbose_name=_("county"), on_delete=models.CASCADE)
    kind = models.CharField(_("kind"), max_length=16, choices=PlanKind.choices)
    name = models.CharField(_("name"), max_length=100)
    parameters = models.JSONField(_("parameters"), default=dict)
    inputs = models.JSONField(_("inputs as used"), default=dict)
    center = models.ForeignKey(
        "network.Facility",
        verbose_name=_("township center"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plans",
    )
    service_date = models.DateField(_("delivery day"), null=True, blank=True)
    distance_source = models.CharField(_("distances"), max_length=16, choices=DistanceSource.choices)
    detour_factor = models.DecimalField(
        _("detour factor"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Road distance ÷ straight-line distance."),
    )
    distance_matrix = models.ForeignKey(
        DistanceMatrix,
        verbose_name=_("distance matrix"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plans",
    )
    solver = models.CharField(_("solver"), max_length=32, choices=Solver.choices)
    method = models.CharField(_("method"), max_length=32)
    time_limit_s = models.FloatField(_("time limit (s)"))
    seed = models.PositiveIntegerField(_("seed"), default=1)
    objective = models.FloatField(_("objective"))
    lower_bound = models.FloatField(_("lower bound"), null=True, blank=True)
    proven_optimal = models.BooleanField(_("proven optimal"), default=False)
    result = models.JSONField(_("result"), default=dict)
    seconds = models.FloatField(_("seconds"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(name="plan_kind_known", condition=Q(kind__in=PlanKind.values)),
            models.CheckConstraint(name="plan_time_limit_positive", condition=Q(time_limit_s__gt=0)),
            models.CheckConstraint(name="plan_seconds_not_negative", condition=Q(seconds__gte=0)),
            models.CheckConstraint(
                name="plan_distance_source_consistent",
                condition=(
                    Q(distance_source=DistanceSource.GREAT_CIRCLE)
                    & Q(detour_factor__gte=1)
                    & Q(distance_matrix__isnull=True)
                )
                | (
                    Q(distance_source=DistanceSource.MATRIX)
                    & Q(detour_factor__isnull=True)
                    & Q(distance_matrix__isnull=False)
                )
                | (
                    Q(distance_source=DistanceSource.NONE)
                    & Q(kind=PlanKind.SCHEDULE)
                    & Q(detour_factor__isnull=True)
                    & Q(distance_matrix__isnull=True)
                ),
            ),
            models.CheckConstraint(
                name="plan_center_and_day_by_kind",
                condition=(
                    Q(kind__in=[PlanKind.LAYOUT, PlanKind.SITING])
                    & Q(center__isnull=True)
                    & Q(service_date__isnull=True)
                )
                | (Q(kind=PlanKind.SCHEDULE) & Q(center__isnull=False) & Q(service_date__isnull=True))
                | (Q(kind=PlanKind.ROUTES) & Q(center__isnull=False) & Q(service_date__isnull=False)),
            ),
            models.CheckConstraint(
                name="plan_lower_bound_at_most_objective",
                condition=Q(lower_bound__isnull=True) | Q(lower_bound__lte=models.F("objective")),
            ),
        ]
        indexes = [
            models.Index(fields=["county", "kind"], name="plan_county_kind_idx"),
            models.Index(fields=["center", "kind", "service_date"], name="plan_center_kind_day_idx"),
        ]

    def __str__(self) -> str:
        return self.name

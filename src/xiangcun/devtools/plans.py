"""The demo county's network plans (docs/demo.md, "Plans"): the layout of the township delivery centers
the bureau made before building them (R1.3; R10 wants it by 31 Jan 2018), each center's visit schedule
and a week of daily delivery routes per center, all made through the planning services from the
loaded registers and parcels, so they are what a user of the demo would get by pressing the buttons.

The plans are saved as the demo's superuser and then dated in the demo's history (a plan is stamped
with the moment it is saved, which would be the day the demo was loaded): the layout on
`LAYOUT_MADE_AT` — after the division data and before the centers were planned in November 2017 —, the
schedules on the Sunday before `ROUTE_WEEK`, each route plan at 07:00 of its delivery day.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import translation

from xiangcun.accounts.models import User
from xiangcun.core.errors import ApplicationError
from xiangcun.network.choices import FacilityKind, SiteStatus
from xiangcun.network.models import Facility
from xiangcun.planning.models import Plan
from xiangcun.planning.services import layout_plan_create, route_plan_create, visit_schedule_create
from xiangcun.regions.models import County
from xiangcun.stations.selectors import TZ

LAYOUT_MADE_AT = datetime(2017, 10, 26, 10, 0, tzinfo=TZ)
LAYOUT_CENTERS = 5  # the work plan's number of township delivery centers
# The demo's last full delivery week (Monday to Saturday, the default delivery weekdays).
ROUTE_WEEK = tuple(date(2018, 12, 24) + timedelta(days=d) for d in range(6))
# Per center and day: the demo county's centers serve 31–150 stations; 0.2 s keeps a week of five
# centers' routes to a few seconds of loading, within ~3 % of ten times longer runs (docs/planning.md).
ROUTE_TIME_LIMIT_S = 0.2


@dataclass
class PlansSummary:
    layout: Plan | None = None
    schedules: int = 0
    routes: int = 0
    days_without_parcels: list = field(default_factory=list)  # (center code, day)


def plans_load(*, admin: User, county: County) -> PlansSummary:
    """Make and save the demo county's layout plan, visit schedules and a week of route plans."""
    summary = PlansSummary()
    with translation.override("zh-hans"):
        summary.layout = layout_plan_create(
            actor=admin,
            county=county,
            p=LAYOUT_CENTERS,
            name="乡镇物流配送中心布局方案（5个中心）",
            time_limit=10,
            seed=1,
        )
        _date(summary.layout, LAYOUT_MADE_AT)
        centers = Facility.objects.filter(
            county=county, kind=FacilityKind.TOWNSHIP_CENTER, status=SiteStatus.OPERATING
        ).order_by("code")
        sunday = datetime.combine(ROUTE_WEEK[0] - timedelta(days=1), time(18, 0), tzinfo=TZ)
        for center in centers:
            schedule = visit_schedule_create(
                actor=admin, center=center, as_of=ROUTE_WEEK[0], name=f"{center.name} 送货日安排"
            )
            _date(schedule, sunday)
            summary.schedules += 1
            for day in ROUTE_WEEK:
                try:
                    plan = route_plan_create(
                        actor=admin,
                        center=center,
                        service_date=day,
                        time_limit=ROUTE_TIME_LIMIT_S,
                        name=f"{center.name} {day:%m月%d日} 送货路线",
                    )
                except ApplicationError as exc:
                    if exc.code != "no_parcels":
                        raise
                    summary.days_without_parcels.append((center.code, day))
                    continue
                _date(plan, datetime.combine(day, time(7, 0), tzinfo=TZ))
                summary.routes += 1
    return summary


def _date(plan: Plan, at: datetime) -> None:
    Plan.objects.filter(pk=plan.pk).update(created_at=at, updated_at=at)

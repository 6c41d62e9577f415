"""Logistics indicators (R1.3, R3) of the scorecard, read from the monthly delivery rollup
(`logistics.DeliveryMonth`) and small registers (carriers at township centers, tariffs, price
benchmarks, carriers, saved plans).

Definitions (also in docs/indicators.md):

- Months and years are Beijing time. Which month a parcel counts in is the rollup's rule
  (docs/logistics.md): costs by the month its waybill was made, deliveries by the month it reached
  its destination.
- On time (R3-delivery-days, ≤ 7 days): the downstream parcels that reached their village station in
  the year (scanned in, delivered or signed for there), and among them those that did so within 7 days
  of leaving the county warehouse (arrival ≤ `due_at`, exactly 7 days included). The value is the
  slowest of them in days (rounded up to 0.1 day); numerator and denominator are the parcels on time
  and the parcels delivered. Met when every one was on time. Not measured without a parcel delivered.
- Carriers integrated (R3-carriers, ≥ 2): distinct carriers present at a township center
  (`CarrierPresence` in force on 31 December: since ≤ that day ≤ until, or open-ended); the reason
  names them per center and the centers with fewer than two.
- Township express coverage (R1.3, 100 %): a township has an express outlet when one is recorded for it
  (`Township.has_express_outlet`) or a carrier is present at a township center in it on 31 December.
  Townships with neither a record nor a carrier count as without one (the reason says how many).
- Upstream price (R3-upstream-express-price): each mainstream platform price observed in the year
  (`PriceBenchmark`, observed_on in the year) is compared with the county's upstream price on the day
  it was observed: the cheapest price, for the benchmark's weight, among the carriers' upstream tariffs
  in force that day (per carrier the tariff with the latest start ≤ that day, not ended before it). Met
  when the county's price is not above the platform's for every observation; an observation without
  any upstream tariff in force cannot be compared and counts as not met. Not measured without an
  observation in the year. Numerator and denominator: observations matched or beaten / observations.
- Logistics cost (R3-logistics-cost-falls): cost per parcel = total recorded delivery cost / parcels
  with a recorded cost, both directions, parcels by the month their waybill was made. Met when this
  year's is below last year's, compared exactly. Not measured without a costed parcel in either year.
  Numerator and denominator: this year's and last year's cost per parcel in yuan.
- Three-tier delivery (R3-three-tier-delivery): every township center operating on 31 December or
  handling parcels in the year moved parcels both ways in the year: downstream parcels reached their
  village stations, and upstream parcels reached their destination (the county warehouse or beyond).
- Layout plan (R3-layout-plan, by 31 January 2018): the first `planning.Plan` of kind layout saved
  (`created_at`) by the scorecard's date; met when it was saved by the end of the deadline day. The
  value is the day it was saved. Before the deadline, and with no plan yet, not measured.
- One funded company per route (R1.3-one-carrier-per-route, ≤ 1): the most carriers receiving program
  funds on one route (route names compared without surrounding spaces and case). Carriers and their
  funding have no history: the current register is judged for every year. Not measured while no carrier
  is registered.
- The delivery ledger's completeness (R3-delivery-ledger) has no rule from the records yet: not measured.

Every query is over the rollup or small registers (presences, tariffs, benchmarks, carriers, plans,
township centers, townships): no scan of the shipments.
"""

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from django.db.models import Max, Q, Sum
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from xiangcun.logistics.choices import Direction
from xiangcun.logistics.models import Carrier, CarrierPresence, DeliveryMonth, PriceBenchmark, Tariff
from xiangcun.network.choices import FacilityKind
from xiangcun.regions.models import County, Township

from .choices import IndicatorStatus
from .links import register_url
from .registry import Indicator
from .results import IndicatorResult, _count, _meets, _name, _not_measured, _ratio, _yes_no, percent

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = Decimal("0.1")


class DeliveryFacts:
    """What the logistics indicators need for one county-year, each part read once, on demand.
    From the network facts (already read by the scorecard): `facilities`, the county's facilities by id,
    and `operating_facilities`, the ids of those operating on 31 December."""

    def __init__(
        self, *, county: County, year: int, as_of: datetime, facilities: dict, operating_facilities: set[int]
    ):
        self.county, self.year, self.as_of = county, year, as_of
        self.facilities = facilities
        self.operating_facilities = operating_facilities
        self.year_end = date(year, 12, 31)

    @cached_property
    def by_center(self) -> dict[tuple[int, str], dict]:
        """(township center id, direction) → the rollup's sums over the months of the year (one query;
        plain sums, not sums of conditions, which cost SQLite ten times as much)."""
        rows = (
            DeliveryMonth.objects.filter(
                county=self.county, month__gte=date(self.year, 1, 1), month__lt=date(self.year + 1, 1, 1)
            )
            .order_by()
            .values("center_id", "direction")
            .annotate(
                n_delivered=Sum("delivered"),
                n_on_time=Sum("delivered_on_time"),
                slowest=Max("slowest_delivery"),
                cost=Sum("cost_total"),
                n_costed=Sum("costed"),
            )
        )
        return {(row["center_id"], row["direction"]): row for row in rows}

    @cached_property
    def cost_before(self) -> tuple[Decimal, int]:
        """(total cost, parcels with a cost) of the year before, from the rollup."""
        row = DeliveryMonth.objects.filter(
            county=self.county, month__gte=date(self.year - 1, 1, 1), month__lt=date(self.year, 1, 1)
        ).aggregate(cost=Sum("cost_total"), n=Sum("costed"))
        return row["cost"] or Decimal(0), row["n"] or 0

    def total(self, measure: str, direction: str | None = None):
        """The sum of `measure` over the centers (and one direction, or both)."""
        values = [
            row[measure]
            for (_center, d), row in self.by_center.items()
            if (direction is None or d == direction) and row[measure] is not None
        ]
        return sum(values, Decimal(0) if measure.startswith("cost") else 0)

    @cached_property
    def centers_both_ways(self) -> dict[int, set[str]]:
        """Township center id → the directions in which its parcels reached their destination in the year,
        for every center operating on 31 December or with parcels in the year's rollup."""
        out: dict[int, set[str]] = {pk: set() for pk in self.operating_centers}
        for (center_id, direction), row in self.by_center.items():
            directions = out.setdefault(center_id, set())
            if row["n_delivered"]:
                directions.add(direction)
        return out

    @cached_property
    def centers(self) -> dict[int, tuple[str, str, int]]:
        """Township center id → (code, name, township id), every township center of the county."""
        return {
            pk: (f.code, f.name, f.township_id)
            for pk, f in self.facilities.items()
            if f.kind == FacilityKind.TOWNSHIP_CENTER
        }

    @cached_property
    def operating_centers(self) -> set[int]:
        return {pk for pk in self.centers if pk in self.operating_facilities}

    @cached_property
    def presences(self) -> dict[int, list[str]]:
        """Township center id → names of the carriers present there on 31 December."""
        rows = (
            CarrierPresence.objects.filter(
                county=self.county, facility__kind=FacilityKind.TOWNSHIP_CENTER, since__lte=self.year_end
            )
            .filter(Q(until__isnull=True) | Q(until__gte=self.year_end))
            .order_by("facility__code", "carrier__name")
            .values_list("facility_id", "carrier__name")
        )
        out: dict[int, list[str]] = defaultdict(list)
        for facility_id, name in rows:
            if name not in out[facility_id]:
                out[facility_id].append(name)
        return dict(out)


def _period_link(facts: DeliveryFacts) -> str:
    return register_url("logistics:performance", day_from=f"{facts.year}-01-01", day_to=f"{facts.year}-12-31")


def _days(delta: timedelta) -> Decimal:
    """Days to 0.1, rounded up: 7 days and a second shows 7.1, never a misleading 7.0."""
    return (Decimal(delta.total_seconds()) / 86400).quantize(DAY, rounding=ROUND_CEILING)


def _delivery_days(ind: Indicator, facts: DeliveryFacts) -> IndicatorResult:
    delivered = facts.total("n_delivered", Direction.DOWNSTREAM)
    if not delivered:
        return _not_measured(
            ind,
            _("No downstream parcel reached a village station in %(year)s.") % {"year": facts.year},
            _period_link(facts),
        )
    on_time = facts.total("n_on_time", Direction.DOWNSTREAM)
    slowest = max(
        row["slowest"]
        for (_center, d), row in facts.by_center.items()
        if d == Direction.DOWNSTREAM and row["slowest"] is not None
    )
    values = {
        "on_time": on_time,
        "delivered": delivered,
        "year": facts.year,
        "share": percent(on_time, delivered),
        "limit": ind.target,
        "days": _days(slowest),
    }
    reason = (
        _(
            "%(on_time)s of %(delivered)s downstream parcels that reached their village station in %(year)s "
            "(%(share)s%%) did so within %(limit)s days of leaving the county warehouse; the slowest took "
            "%(days)s days."
        )
        % values
    )
    status = IndicatorStatus.MET if on_time == delivered else IndicatorStatus.NOT_MET
    return IndicatorResult(
        ind,
        _name(ind),
        status,
        value=values["days"],
        numerator=on_time,
        denominator=delivered,
        link=_period_link(facts),
        reason=reason,
    )


def _center_label(facts: DeliveryFacts, pk: int) -> str:
    code, name, _township = facts.centers.get(pk, ("?", "?", None))
    return f"{code} {name}"


def _carriers(ind: Indicator, facts: DeliveryFacts) -> IndicatorResult:
    link = register_url("logistics:performance")
    names = sorted({n for names in facts.presences.values() for n in names})
    shown = sorted(
        set(facts.presences) | facts.operating_centers, key=lambda pk: facts.centers.get(pk, ("",))[0]
    )
    if not shown:
        return _count(ind, 0, link=link, reason=_("No township center and no carrier at one on 31 December."))
    parts = [
        "%s: %s" % (_center_label(facts, pk), ", ".join(facts.presences.get(pk, [])) or "—")  # noqa: UP031
        for pk in shown
    ]
    reason = _("Carriers at the township centers on 31 December %(year)s: %(centers)s.") % {
        "year": facts.year,
        "centers": "; ".join(parts),
    }
    fewer = [_center_label(facts, pk) for pk in shown if len(facts.presences.get(pk, [])) < 2]
    if fewer:
        reason += " " + _("Fewer than two at: %(centers)s.") % {"centers": ", ".join(fewer)}
    return _count(ind, len(names), link=link, reason=reason)


def _express_coverage(ind: Indicator, facts: DeliveryFacts) -> IndicatorResult:
    link = register_url("regions:township_list", has_express_outlet=False)
    townships = list(Township.objects.filter(county=facts.county).values_list("pk", "has_express_outlet"))
    if not townships:
        return _not_measured(ind, _("The county has no townships."))
    with_carrier = {facts.centers[pk][2] for pk in facts.presences if pk in facts.centers}
    covered = sum(1 for pk, outlet in townships if outlet or pk in with_carrier)
    known = sum(1 for pk, outlet in townships if outlet is not None or pk in with_carrier)
    if not known:
        return _not_measured(
            ind,
            _("No township's express outlet is recorded yet, and no carrier is at a township center."),
            link,
        )
    reasons = []
    by_carrier = sum(1 for pk, outlet in townships if not outlet and pk in with_carrier)
    if by_carrier:
        reasons.append(
            _("%(n)s townships count through a carrier at their township center on 31 December.")
            % {"n": by_carrier}
        )
    unknown = len(townships) - known
    if unknown:
        reasons.append(
            _("%(n)s townships' express outlet is unknown; they count as without one.") % {"n": unknown}
        )
    return _ratio(ind, covered, len(townships), link=link, reason=" ".join(reasons))


def _in_force(tariffs: list[Tariff], day: date) -> list[Tariff]:
    """Per carrier, its upstream tariff in force on `day` (the latest start by then, not ended before)."""
    current: dict[int, Tariff] = {}
    for tariff in sorted(tariffs, key=lambda t: t.valid_from):
        if tariff.valid_from <= day and (tariff.valid_until is None or tariff.valid_until >= day):
            current[tariff.carrier_id] = tariff
    return list(current.values())


def _upstream_price(ind: Indicator, facts: DeliveryFacts) -> IndicatorResult:
    link = register_url("logistics:performance")
    start, end = date(facts.year, 1, 1), facts.year_end
    benchmarks = list(
        PriceBenchmark.objects.filter(
            county=facts.county, observed_on__gte=start, observed_on__lte=end
        ).order_by("observed_on", "source", "weight_kg")
    )
    if not benchmarks:
        return _not_measured(
            ind, _("No mainstream platform price was observed in %(year)s.") % {"year": facts.year}, link
        )
    tariffs = list(
        Tariff.objects.filter(county=facts.county, direction=Direction.UPSTREAM, valid_from__lte=end).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=start)
        )
    )
    matched, above, missing = 0, [], []
    for bench in benchmarks:
        prices = [t.price_for(bench.weight_kg) for t in _in_force(tariffs, bench.observed_on)]
        label = f"{bench.source} {bench.weight_kg.normalize()} kg {bench.observed_on}"
        if not prices:
            missing.append(label)
        elif min(prices) <= bench.price:
            matched += 1
        else:
            above.append(
                _("%(label)s: %(county)s yuan against %(platform)s yuan")
                % {"label": label, "county": min(prices), "platform": bench.price}
            )
    reason = _(
        "%(matched)s of %(n)s platform prices observed in %(year)s were matched or beaten by the county's "
        "cheapest upstream tariff on the day."
    ) % {"matched": matched, "n": len(benchmarks), "year": facts.year}
    if above:
        reason += " " + _("Above: %(items)s.") % {"items": "; ".join(above)}
    if missing:
        reason += " " + _("No upstream tariff in force on the day of: %(items)s.") % {
            "items": "; ".join(missing)
        }
    return _yes_no(
        ind,
        matched == len(benchmarks),
        link=link,
        reason=reason,
        numerator=matched,
        denominator=len(benchmarks),
    )


def _cost_falls(ind: Indicator, facts: DeliveryFacts) -> IndicatorResult:
    link = _period_link(facts)
    now_total, now_n = facts.total("cost"), facts.total("n_costed")
    before_total, before_n = facts.cost_before
    values = {"year": facts.year, "previous": facts.year - 1}
    if not before_n:
        return _not_measured(
            ind,
            _("No parcel booked in %(previous)s has a recorded cost: there is no baseline.") % values,
            link,
        )
    if not now_n:
        return _not_measured(ind, _("No parcel booked in %(year)s has a recorded cost.") % values, link)

    def per(total: Decimal, n: int) -> Decimal:
        return (total / n).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    values.update(now=per(now_total, now_n), before=per(before_total, before_n), n=now_n, m=before_n)
    falls = Fraction(now_total) / now_n < Fraction(before_total) / before_n
    reason = (
        _(
            "Cost per parcel: %(now)s yuan in %(year)s (%(n)s parcels with a cost) against %(before)s yuan "
            "in %(previous)s (%(m)s)."
        )
        % values
    )
    return _yes_no(
        ind, falls, link=link, reason=reason, numerator=values["now"], denominator=values["before"]
    )


def _three_tier(ind: Indicator, facts: DeliveryFacts) -> IndicatorResult:
    link = _period_link(facts)
    centers = facts.centers_both_ways
    if not centers:
        return _not_measured(
            ind, _("No township center was operating or handled parcels in %(year)s.") % {"year": facts.year}
        )
    both = {Direction.DOWNSTREAM.value, Direction.UPSTREAM.value}
    lacking = sorted((_center_label(facts, pk) for pk, dirs in centers.items() if not both <= dirs))
    done = len(centers) - len(lacking)
    reason = _(
        "%(done)s of %(n)s township centers delivered parcels both ways in %(year)s (down to the village "
        "stations, up to the county warehouse or beyond)."
    ) % {"done": done, "n": len(centers), "year": facts.year}
    if lacking:
        reason += " " + _("Not both ways: %(centers)s.") % {"centers": ", ".join(lacking)}
    return _yes_no(ind, not lacking, link=link, reason=reason, numerator=done, denominator=len(centers))


def _deadline_end(d: date) -> datetime:
    return datetime.combine(d + timedelta(days=1), time.min, tzinfo=SHANGHAI) - timedelta(microseconds=1)


def _layout_plan(ind: Indicator, facts: DeliveryFacts) -> IndicatorResult:
    from xiangcun.planning.choices import PlanKind
    from xiangcun.planning.models import Plan

    link = register_url("planning:plan_list")
    deadline = _deadline_end(ind.target)
    plan = (
        Plan.objects.filter(county=facts.county, kind=PlanKind.LAYOUT, created_at__lte=facts.as_of)
        .order_by("created_at", "id")
        .values_list("name", "created_at")
        .first()
    )
    if plan is None:
        if facts.as_of < deadline:
            return _not_measured(
                ind,
                _("No layout plan is saved yet; its deadline %(date)s comes after this scorecard's date.")
                % {"date": ind.target},
                link,
            )
        return IndicatorResult(
            ind,
            _name(ind),
            IndicatorStatus.NOT_MET,
            link=link,
            reason=_("No layout plan of the township centers was saved by %(date)s.") % {"date": ind.target},
        )
    name, created_at = plan
    saved_on = created_at.astimezone(SHANGHAI).date()
    status = (
        IndicatorStatus.MET if created_at <= deadline and _meets(ind, saved_on) else IndicatorStatus.NOT_MET
    )
    reason = _("Layout plan “%(name)s” saved on %(day)s (deadline %(date)s).") % {
        "name": name,
        "day": saved_on,
        "date": ind.target,
    }
    return IndicatorResult(ind, _name(ind), status, value=saved_on, link=link, reason=reason)


def _one_funded_per_route(ind: Indicator, facts: DeliveryFacts) -> IndicatorResult:
    link = register_url("logistics:carrier_list")
    routes: dict[str, list[str]] = defaultdict(list)
    labels: dict[str, str] = {}
    carriers = list(
        Carrier.objects.filter(county=facts.county)
        .order_by("name")
        .values_list("name", "funded", "funded_route")
    )
    for name, funded, route in carriers:
        if not funded:
            continue
        key = route.strip().casefold()
        routes[key].append(name)
        labels.setdefault(key, route.strip())
    most = max((len(names) for names in routes.values()), default=0)
    if not carriers:
        return _not_measured(ind, _("No carrier is registered."), link)
    if not routes:
        reason = _("No carrier receives program funds.")
    else:
        reason = _("%(carriers)s funded carriers on %(routes)s routes.") % {
            "carriers": sum(len(n) for n in routes.values()),
            "routes": len(routes),
        }
    shared = [f"{labels[k]}: {', '.join(names)}" for k, names in sorted(routes.items()) if len(names) > 1]
    if shared:
        reason += " " + _("More than one on: %(routes)s.") % {"routes": "; ".join(shared)}
    reason += " " + _("Funding has no history: the carriers' current funding is judged.")
    return _count(ind, most, link=link, reason=reason)


COMPUTED: dict[str, Callable[[Indicator, DeliveryFacts], IndicatorResult]] = {
    "R1.3-one-carrier-per-route": _one_funded_per_route,
    "R1.3-express-township-coverage": _express_coverage,
    "R3-carriers": _carriers,
    "R3-delivery-days": _delivery_days,
    "R3-upstream-express-price": _upstream_price,
    "R3-logistics-cost-falls": _cost_falls,
    "R3-three-tier-delivery": _three_tier,
    "R3-layout-plan": _layout_plan,
}

__all__ = ["COMPUTED", "DeliveryFacts"]

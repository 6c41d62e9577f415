"""Reads of the logistics app, scoped to the acting user.

Who sees which parcels (`shipment_list`): the bureau, the contractor and the auditor their county's;
a township-scoped user those passing through their township's center or to/from its stations; a station
manager those to or from their station; a user of role `carrier` their company's (through their
`CarrierAccount`; none without one).
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, QuerySet, Sum

from xiangcun.accounts.choices import Role
from xiangcun.core.scoping import scope_queryset

from .choices import OPEN_STATUSES, Direction, ShipmentStatus
from .models import Carrier, CarrierAccount, CarrierPresence, Leg, Scan, Shipment


def user_carrier_id(user) -> int | None:
    """The carrier a user of role `carrier` works for, or None."""
    if getattr(user, "role", "") != Role.CARRIER or not getattr(user, "pk", None):
        return None
    return CarrierAccount.objects.filter(user=user).values_list("carrier_id", flat=True).first()


def carrier_list(*, user) -> QuerySet[Carrier]:
    """The carriers of the user's county (everyone in a county may see them)."""
    return scope_queryset(Carrier.objects.select_related("county"), user, county="county")


def presence_list(*, user) -> QuerySet[CarrierPresence]:
    """Carriers at township centers; a township-scoped user sees their township's centers."""
    qs = CarrierPresence.objects.select_related("carrier", "facility", "facility__township")
    return scope_queryset(qs, user, county="county", township="facility__township")


def shipment_list(*, user) -> QuerySet[Shipment]:
    """The parcels the user may see (see the module docstring)."""
    qs = Shipment.objects.select_related(
        "carrier",
        "station",
        "station__township",
        "center",
        "warehouse",
        "current_facility",
        "current_station",
    )
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if user.is_superuser:
        return qs
    if user.county_id is None:
        return qs.none()
    qs = qs.filter(county_id=user.county_id)
    if user.role == Role.CARRIER:
        carrier_id = user_carrier_id(user)
        if carrier_id is None:
            return qs.none()
        qs = qs.filter(carrier_id=carrier_id)
    if user.station_id is not None:
        return qs.filter(station_id=user.station_id)
    if user.township_id is not None:
        return qs.filter(Q(station__township_id=user.township_id) | Q(center__township_id=user.township_id))
    return qs


def shipment_legs(*, shipment) -> QuerySet[Leg]:
    return Leg.objects.filter(shipment=shipment).select_related(
        "from_facility", "from_station", "to_facility", "to_station", "carrier"
    )


def shipment_scans(*, shipment) -> QuerySet[Scan]:
    return (
        Scan.objects.filter(shipment=shipment)
        .select_related("facility", "station", "actor")
        .order_by("at", "kind", "id")
    )


def aging_list(*, user) -> QuerySet[Shipment]:
    """Parcels not yet delivered (nor returned), oldest waybill first."""
    return shipment_list(user=user).filter(status__in=OPEN_STATUSES).order_by("booked_at", "id")


def hours_between(start: datetime | None, end: datetime) -> Decimal | None:
    if start is None:
        return None
    return (Decimal((end - start).total_seconds()) / 3600).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- performance per carrier and per township -------------------------------------------------------


@dataclass
class Performance:
    """Parcels of one carrier or township in a period (by when the waybill was made).

    On time: downstream parcels that reached their station within 7 days of leaving the county
    warehouse. Late: those that reached it later, or have not yet and are past their due time. Parcels
    still within their 7 days, and returned ones, count as neither.
    """

    key: int | None
    label: str
    parcels: int = 0
    downstream: int = 0
    upstream: int = 0
    on_time: int = 0
    late: int = 0
    returned: int = 0
    costed: int = 0
    cost_total: Decimal = Decimal("0.00")

    @property
    def on_time_percent(self) -> Decimal | None:
        judged = self.on_time + self.late
        if not judged:
            return None
        return (Decimal(self.on_time * 100) / judged).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def cost_per_parcel(self) -> Decimal | None:
        if not self.costed:
            return None
        return (self.cost_total / self.costed).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _performance(qs: QuerySet, group: str, label: str, *, now: datetime) -> list[Performance]:
    down = Q(direction=Direction.DOWNSTREAM)
    not_returned = ~Q(status=ShipmentStatus.RETURNED)
    rows = (
        qs.order_by()
        .values(group, label)
        .annotate(
            parcels=Count("id"),
            downstream=Count("id", filter=down),
            on_time=Count("id", filter=down & not_returned & Q(arrived_at__lte=F("due_at"))),
            late=Count(
                "id",
                filter=down
                & not_returned
                & (Q(arrived_at__gt=F("due_at")) | Q(arrived_at__isnull=True, due_at__lt=now)),
            ),
            returned=Count("id", filter=Q(status=ShipmentStatus.RETURNED)),
            costed=Count("cost"),
            cost_total=Sum("cost"),
        )
        .order_by(label)
    )
    return [
        Performance(
            key=row[group],
            label=row[label],
            parcels=row["parcels"],
            downstream=row["downstream"],
            upstream=row["parcels"] - row["downstream"],
            on_time=row["on_time"],
            late=row["late"],
            returned=row["returned"],
            costed=row["costed"],
            cost_total=row["cost_total"] or Decimal("0.00"),
        )
        for row in rows
    ]


def _in_period(qs: QuerySet, start: datetime | None, end: datetime | None) -> QuerySet:
    if start is not None:
        qs = qs.filter(booked_at__gte=start)
    if end is not None:
        qs = qs.filter(booked_at__lt=end)
    return qs


def _month_start(moment: datetime | None) -> bool:
    from .rollups import TZ

    if moment is None:
        return True
    local = moment.astimezone(TZ)
    return (local.day, local.hour, local.minute, local.second, local.microsecond) == (1, 0, 0, 0, 0)


def rollup_answers(*, user, start: datetime | None, end: datetime | None) -> bool:
    """Whether the monthly rollup gives the same figures as the shipments for this user and period:
    the period is whole Beijing-time months (or open), and the user's scope is a county, a township or
    a carrier (rollup rows are per carrier, township center and township; a station's manager sees one
    station, which the rollup does not separate)."""
    if getattr(user, "station_id", None) is not None and not user.is_superuser:
        return False
    return _month_start(start) and _month_start(end)


def delivery_month_list(*, user) -> QuerySet:
    """The rollup rows the user may see, scoped as `shipment_list` (no rows for a station's manager)."""
    from .models import DeliveryMonth

    qs = DeliveryMonth.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if user.is_superuser:
        return qs
    if user.county_id is None or user.station_id is not None:
        return qs.none()
    qs = qs.filter(county_id=user.county_id)
    if user.role == Role.CARRIER:
        carrier_id = user_carrier_id(user)
        if carrier_id is None:
            return qs.none()
        qs = qs.filter(carrier_id=carrier_id)
    if user.township_id is not None:
        return qs.filter(Q(township_id=user.township_id) | Q(center__township_id=user.township_id))
    return qs


def _performance_from_rollup(*, user, group: str, label: str, now: datetime, start, end) -> list[Performance]:
    """`_performance` from the monthly rollup: every figure but the late parcels not yet delivered (past
    their due time at `now`), which are counted live among the open parcels (the aging list's)."""
    from .rollups import month_of

    rows = delivery_month_list(user=user)
    if start is not None:
        rows = rows.filter(month__gte=month_of(start))
    if end is not None:
        rows = rows.filter(month__lt=month_of(end))
    down = Q(direction=Direction.DOWNSTREAM)
    figures = (
        rows.order_by()
        .values(group, label)
        .annotate(
            n_parcels=Sum("parcels"),
            n_downstream=Sum("parcels", filter=down),
            n_on_time=Sum("on_time"),
            n_late=Sum("late"),
            n_returned=Sum("returned"),
            n_costed=Sum("costed"),
            n_cost_total=Sum("cost_total"),
        )
        .filter(n_parcels__gt=0)
        .order_by(label)
    )
    live_group = {"carrier_id": "carrier_id", "township_id": "station__township_id"}[group]
    overdue = dict(
        _in_period(shipment_list(user=user), start, end)
        .filter(direction=Direction.DOWNSTREAM, status__in=OPEN_STATUSES, due_at__lt=now)
        .order_by()
        .values(live_group)
        .annotate(n=Count("id"))
        .values_list(live_group, "n")
    )
    return [
        Performance(
            key=row[group],
            label=row[label],
            parcels=row["n_parcels"],
            downstream=row["n_downstream"] or 0,
            upstream=row["n_parcels"] - (row["n_downstream"] or 0),
            on_time=row["n_on_time"],
            late=row["n_late"] + overdue.get(row[group], 0),
            returned=row["n_returned"],
            costed=row["n_costed"],
            cost_total=row["n_cost_total"] or Decimal("0.00"),
        )
        for row in figures
    ]


def carrier_performance(*, user, now: datetime, start=None, end=None) -> list[Performance]:
    """Per carrier: parcels, on-time rate within 7 days, cost per parcel (waybills made in [start, end)).
    From the monthly rollup when it gives the same figures (`rollup_answers`), else from the shipments."""
    if rollup_answers(user=user, start=start, end=end):
        return _performance_from_rollup(
            user=user, group="carrier_id", label="carrier__name", now=now, start=start, end=end
        )
    qs = _in_period(shipment_list(user=user), start, end)
    return _performance(qs, "carrier_id", "carrier__name", now=now)


def township_performance(*, user, now: datetime, start=None, end=None) -> list[Performance]:
    """Per township of the parcels' village stations, as `carrier_performance`."""
    if rollup_answers(user=user, start=start, end=end):
        return _performance_from_rollup(
            user=user, group="township_id", label="township__name", now=now, start=start, end=end
        )
    qs = _in_period(shipment_list(user=user), start, end)
    return _performance(qs, "station__township_id", "station__township__name", now=now)


# --- R1.3 and R3 checks: funded routes, carriers at township centers --------------------------------


@dataclass
class RouteConflict:
    route: str
    carriers: list[Carrier]


def funded_route_conflicts(*, user) -> list[RouteConflict]:
    """Routes on which more than one carrier receives program funds (R1.3: at most one per route).
    Route names are compared without surrounding spaces and case."""
    by_route: dict[str, list[Carrier]] = {}
    names: dict[str, str] = {}
    for carrier in carrier_list(user=user).filter(funded=True).order_by("name"):
        key = f"{carrier.county_id}:{carrier.funded_route.strip().casefold()}"
        by_route.setdefault(key, []).append(carrier)
        names.setdefault(key, carrier.funded_route.strip())
    return [RouteConflict(names[k], cs) for k, cs in sorted(by_route.items()) if len(cs) > 1]


@dataclass
class TownshipCoverage:
    township_id: int
    name: str
    centers: list = field(default_factory=list)
    carriers: list[str] = field(default_factory=list)
    has_express_outlet: bool | None = None  # the township's recorded fact (regions)

    @property
    def covered(self) -> bool:
        """An express outlet serves the township: a carrier at one of its centers, or one recorded."""
        return bool(self.carriers) or bool(self.has_express_outlet)

    @property
    def two_carriers(self) -> bool:
        return len(self.carriers) >= 2


@dataclass
class CoverageSummary:
    townships: list[TownshipCoverage]
    carriers_integrated: list[str]

    @property
    def covered(self) -> int:
        return sum(1 for t in self.townships if t.covered)

    @property
    def percent(self) -> Decimal | None:
        if not self.townships:
            return None
        return (Decimal(self.covered * 100) / len(self.townships)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    @property
    def carriers_met(self) -> bool:
        return len(self.carriers_integrated) >= 2


def township_coverage(*, user, county, on: date) -> CoverageSummary:
    """Per township of `county` (those the user may see): its township centers and the carriers present
    at them on `on`; the distinct carriers integrated at any township center (R3: at least two) and the
    share of townships an express outlet serves (R3: 100 %)."""
    from xiangcun.network.choices import FacilityKind, SiteStatus
    from xiangcun.network.selectors import facility_list
    from xiangcun.regions.selectors import township_list

    townships = {
        t.pk: TownshipCoverage(t.pk, t.name, has_express_outlet=t.has_express_outlet)
        for t in township_list(user=user).filter(county=county).order_by("code")
    }
    centers = (
        facility_list(user=user)
        .filter(county=county, kind=FacilityKind.TOWNSHIP_CENTER)
        .exclude(status=SiteStatus.CLOSED)
        .order_by("code")
    )
    for center in centers:
        if center.township_id in townships:
            townships[center.township_id].centers.append(center)
    present = (
        presence_list(user=user)
        .filter(county=county, since__lte=on)
        .filter(Q(until__isnull=True) | Q(until__gte=on))
        .values_list("facility__township_id", "carrier__name")
        .order_by("carrier__name")
    )
    integrated: set[str] = set()
    for township_id, name in present:
        if township_id in townships and name not in townships[township_id].carriers:
            townships[township_id].carriers.append(name)
        integrated.add(name)
    return CoverageSummary(list(townships.values()), sorted(integrated))


# --- R3: the county's upstream express price against the mainstream platforms' -------------------------


def tariff_list(*, user) -> QuerySet:
    from .models import Tariff

    return scope_queryset(Tariff.objects.select_related("carrier"), user, county="county")


def benchmark_list(*, user) -> QuerySet:
    from .models import PriceBenchmark

    return scope_queryset(PriceBenchmark.objects.all(), user, county="county")


@dataclass
class PriceComparison:
    """One benchmark (the latest observation of a platform and weight) against the upstream tariffs in
    force: each carrier's price for that weight, and the county's (the cheapest carrier's)."""

    source: str
    weight_kg: Decimal
    benchmark: Decimal
    observed_on: date
    carriers: list[tuple[str, Decimal]] = field(default_factory=list)

    @property
    def county_price(self) -> Decimal | None:
        return min((price for _name, price in self.carriers), default=None)

    @property
    def met(self) -> bool | None:
        return None if self.county_price is None else self.county_price <= self.benchmark


def price_comparison(*, user, county, on: date) -> list[PriceComparison]:
    """R3: for each platform and weight (its latest price observed by `on`), the upstream price of each
    carrier whose tariff is in force on `on`; met when the cheapest is not above the platform's."""
    latest: dict[tuple, object] = {}
    for row in benchmark_list(user=user).filter(county=county, observed_on__lte=on).order_by("observed_on"):
        latest[(row.source, row.weight_kg)] = row
    tariffs = {}
    in_force = (
        tariff_list(user=user)
        .filter(county=county, direction=Direction.UPSTREAM, valid_from__lte=on, carrier__is_active=True)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .order_by("valid_from")
    )
    for tariff in in_force:
        tariffs[tariff.carrier_id] = tariff  # the latest start wins
    rows = []
    for (source, weight), bench in sorted(latest.items()):
        comparison = PriceComparison(source, weight, bench.price, bench.observed_on)
        comparison.carriers = sorted(
            ((t.carrier.name, t.price_for(weight)) for t in tariffs.values()), key=lambda c: (c[1], c[0])
        )
        rows.append(comparison)
    return rows

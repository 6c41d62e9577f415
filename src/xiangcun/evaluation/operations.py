"""Station-operation indicators (R2, R7, R12) of the scorecard, read from the monthly rollups.

Definitions (also in docs/indicators.md):

- A *station-month* is a month in which the station was operating on at least one day, i.e. has
  opening hours in it (`reporting.online.station_months`: status at each day's opening, from the
  status history). Averages "per station per month" divide by station-months, so a station opened in
  June counts for seven months of 2018, not twelve.
- *Orders* and *turnover* are proxy purchases (代购) recorded in those station-months, net of entries
  later voided (count − void_count, amount − void_amount of `reporting.StationMonth`).
- A station *meets* the order (turnover) target when its own orders (turnover) over its station-months
  of the year average at least 50 (2,000 yuan) a month, compared exactly (orders ≥ 50 × months).
- Online rate: Σ online seconds / Σ opening seconds (`reporting.online`); a station meets 95 % when
  online × 100 ≥ 95 × opening over the year.
- County e-commerce transactions (R12 growth) = proxy purchases + proxy sales recorded by the stations,
  net of voids, from `reporting.CountyMonth`; growth = this year / last year − 1, judged exactly. Without
  last year's figure there is no baseline and the indicator is not measured.
- Services (R2): met when stations recorded every service kind (proxy purchase and sale, bill payment,
  cash withdrawal, insurance or credit referral, other life services) in the year, net of voids.
- Charges to stations (R2): met when no deposit, guarantee or equipment charge is recorded for the year
  in the charges register (`stations.StationCharge`); the reason gives the number and total otherwise.
- Service company (R12): the number of registered companies offering all six services of R12.
- Without any station operating in the year, the station indicators are not measured.
- Staff (R7): people working at the county center, the logistics centers or the stations at the end
  of the year. Records cannot prove who was hired *first*; the indicator is met when every tier that
  employs anyone employs at least one person from a registered poor household, and it shows the share.

Every query is over rollups or small registers (charges, companies, staff): no scan of the ledger.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from django.db.models import BigIntegerField, ExpressionWrapper, F, Q
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from xiangcun.core.db import as_date, raw_rows
from xiangcun.network.choices import FacilityKind
from xiangcun.network.models import StaffMember
from xiangcun.regions.models import County
from xiangcun.reporting.models import CountyMonth, StationMonth
from xiangcun.reporting.online import TARGET_PERCENT, Online, station_year
from xiangcun.stations.choices import FORBIDDEN_CHARGES, ORDERS_TARGET, TURNOVER_TARGET, ServiceKind
from xiangcun.stations.models import ServiceCompany, StationCharge

from .choices import IndicatorStatus
from .links import register_url
from .registry import Indicator
from .results import IndicatorResult, _average, _count, _meets, _name, _not_measured, _ratio, _yes_no, percent

# Net amounts as integer fen (MoneyField columns hold fen; the wrapper keeps them integers).
NET_FEN = ExpressionWrapper(F("amount") - F("void_amount"), output_field=BigIntegerField())
ECOMMERCE_KINDS = (ServiceKind.PROXY_PURCHASE, ServiceKind.PROXY_SALE)
TIERS = {
    "county_center": {FacilityKind.COUNTY_CENTER},
    "logistics": {FacilityKind.COUNTY_WAREHOUSE, FacilityKind.TOWNSHIP_CENTER},
}


class OperationsFacts:
    """What the station-operation indicators need for one county-year, each part read once, on demand."""

    def __init__(self, *, county: County, year: int, as_of: datetime):
        self.county, self.year, self.as_of = county, year, as_of

    @cached_property
    def _year(self) -> dict[int, tuple[Online, list[date]]]:
        return station_year(county=self.county, year=self.year)

    @cached_property
    def online(self) -> dict[int, Online]:
        """Station id → its Online over the year (stations operating in it, or with online seconds)."""
        return {sid: online for sid, (online, _months) in self._year.items()}

    @cached_property
    def station_months(self) -> dict[int, list[date]]:
        """Station id → the months of the year in which it was operating (its station-months)."""
        return {sid: months for sid, (_online, months) in self._year.items() if months}

    @cached_property
    def purchases(self) -> dict[int, dict[date, tuple[int, Decimal]]]:
        """Station id → {month: (orders, turnover)} of proxy purchases in the year, net of voids."""
        rows = (
            StationMonth.objects.filter(
                county=self.county,
                kind=ServiceKind.PROXY_PURCHASE,
                month__gte=date(self.year, 1, 1),
                month__lt=date(self.year + 1, 1, 1),
            )
            .annotate(done=F("count") - F("void_count"), turnover=NET_FEN)
            .values_list("station_id", "month", "done", "turnover")
        )
        # Raw rows (no per-row field converters: this is the scorecard's biggest read); months come back
        # as dates (PostgreSQL) or ISO strings (SQLite), net amounts as integer fen.
        out: dict[int, dict[date, tuple[int, Decimal]]] = defaultdict(dict)
        for sid, month, done, turnover in raw_rows(rows):
            out[sid][as_date(month)] = (done, Decimal(turnover) / 100)
        return out

    @cached_property
    def per_station(self) -> dict[int, tuple[int, int, Decimal]]:
        """Station id → (station-months, orders, turnover) over its station-months of the year."""
        out = {}
        purchases = self.purchases
        for sid, months in self.station_months.items():
            mine = purchases.get(sid, {})
            orders, turnover = 0, Decimal(0)
            for m in months:
                cell = mine.get(m)
                if cell is not None:
                    orders += cell[0]
                    turnover += cell[1]
            out[sid] = (len(months), orders, turnover)
        return out

    def county_kinds(self, year: int) -> dict[str, tuple[int, int]]:
        """Kind → (entries, amount in fen) in `year`, net of voids (CountyMonth); read once per year."""
        cache = self.__dict__.setdefault("_county_kinds_by_year", {})
        if year not in cache:
            cache[year] = self._county_kinds(year)
        return cache[year]

    def _county_kinds(self, year: int) -> dict[str, tuple[int, int]]:
        rows = (
            CountyMonth.objects.filter(
                county=self.county, month__gte=date(year, 1, 1), month__lt=date(year + 1, 1, 1)
            )
            .annotate(done=F("count") - F("void_count"), net=NET_FEN)
            .values_list("kind", "done", "net")
        )
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for kind, done, net in rows:
            totals[kind][0] += done
            totals[kind][1] += int(net)
        return {kind: (done, net) for kind, (done, net) in totals.items()}


def _no_station_months(ind: Indicator, facts: OperationsFacts) -> IndicatorResult:
    return _not_measured(ind, _("No station was operating in %(year)s.") % {"year": facts.year})


def _station_month_reason(facts: OperationsFacts) -> str:
    months = sum(len(m) for m in facts.station_months.values())
    return _(
        "Over %(months)s station-months (months in which a station was operating) of %(stations)s stations."
    ) % {
        "months": months,
        "stations": len(facts.station_months),
    }


def _orders_average(ind: Indicator, facts: OperationsFacts) -> IndicatorResult:
    rows = facts.per_station.values()
    months = sum(r[0] for r in rows)
    if not months:
        return _no_station_months(ind, facts)
    return _average(ind, sum(r[1] for r in rows), months, reason=_station_month_reason(facts))


def _turnover_average(ind: Indicator, facts: OperationsFacts) -> IndicatorResult:
    rows = facts.per_station.values()
    months = sum(r[0] for r in rows)
    if not months:
        return _no_station_months(ind, facts)
    return _average(ind, sum((r[2] for r in rows), Decimal(0)), months, reason=_station_month_reason(facts))


def _share_meeting(meets: Callable[[int, int, Decimal], bool]):
    def compute(ind: Indicator, facts: OperationsFacts) -> IndicatorResult:
        rows = facts.per_station.values()
        if not rows:
            return _no_station_months(ind, facts)
        meeting = sum(1 for months, orders, turnover in rows if meets(months, orders, turnover))
        reason = _("%(meeting)s of %(stations)s stations operating in %(year)s.") % {
            "meeting": meeting,
            "stations": len(rows),
            "year": facts.year,
        }
        return _ratio(ind, meeting, len(rows), reason=reason)

    return compute


def _online_rate(ind: Indicator, facts: OperationsFacts) -> IndicatorResult:
    online = opening = 0
    for cell in facts.online.values():
        online += cell.online_seconds
        opening += cell.opening_seconds
    if not opening:
        return _no_station_months(ind, facts)
    reason = _("Seconds online within opening hours / opening seconds, all stations, %(year)s.") % {
        "year": facts.year
    }
    return _ratio(ind, online, opening, reason=reason)


def _stations_online(ind: Indicator, facts: OperationsFacts) -> IndicatorResult:
    measured = meeting = 0
    for cell in facts.online.values():
        if cell.opening_seconds:
            measured += 1
            meeting += bool(cell.meets(TARGET_PERCENT))
    if not measured:
        return _no_station_months(ind, facts)
    reason = _("%(meeting)s of %(stations)s stations operating in %(year)s.") % {
        "meeting": meeting,
        "stations": measured,
        "year": facts.year,
    }
    return _ratio(ind, meeting, measured, reason=reason)


def _services(ind: Indicator, facts: OperationsFacts) -> IndicatorResult:
    if not facts.station_months:
        return _no_station_months(ind, facts)
    kinds = facts.county_kinds(facts.year)
    offered = [k for k in ServiceKind if kinds.get(k.value, (0, 0))[0] > 0]
    missing = [str(k.label) for k in ServiceKind if k not in offered]
    if missing:
        reason = _("No entries in %(year)s for: %(kinds)s.") % {
            "year": facts.year,
            "kinds": ", ".join(missing),
        }
    else:
        reason = _("Every service was recorded by the stations in %(year)s.") % {"year": facts.year}
    return _yes_no(
        ind, not missing, reason=reason, numerator=len(offered), denominator=len(ServiceKind.values)
    )


def _no_forbidden_charges(ind: Indicator, facts: OperationsFacts) -> IndicatorResult:
    if not facts.station_months:
        return _no_station_months(ind, facts)
    forbidden = StationCharge.objects.filter(
        county=facts.county,
        kind__in=FORBIDDEN_CHARGES,
        charged_on__gte=date(facts.year, 1, 1),
        charged_on__lte=date(facts.year, 12, 31),
    ).values_list("amount", flat=True)
    amounts = list(forbidden)
    if amounts:
        reason = _(
            "%(count)s deposit, guarantee or equipment charges to stations in %(year)s, %(amount)s yuan in all."
        ) % {"count": len(amounts), "year": facts.year, "amount": sum(amounts, Decimal(0))}
    else:
        reason = _("No deposit, guarantee or equipment charge to a station is recorded for %(year)s.") % {
            "year": facts.year
        }
    return _yes_no(ind, not amounts, reason=reason)


def _growth(ind: Indicator, facts: OperationsFacts) -> IndicatorResult:
    now = sum(facts.county_kinds(facts.year).get(k.value, (0, 0))[1] for k in ECOMMERCE_KINDS)
    before = sum(facts.county_kinds(facts.year - 1).get(k.value, (0, 0))[1] for k in ECOMMERCE_KINDS)
    values = {
        "year": facts.year,
        "previous": facts.year - 1,
        "now": Decimal(now) / 100,
        "before": Decimal(before) / 100,
    }
    if before <= 0:
        return _not_measured(
            ind,
            _("No proxy purchases or sales are recorded for %(previous)s: there is no baseline.") % values,
        )
    reason = (
        _("Proxy purchases and sales: %(now)s yuan in %(year)s against %(before)s yuan in %(previous)s.")
        % values
    )
    growth = Fraction(100 * (now - before), before)
    # The value is the growth in % (1 decimal); numerator and denominator the two years' totals in yuan.
    return IndicatorResult(
        ind,
        _name(ind),
        IndicatorStatus.MET if _meets(ind, growth) else IndicatorStatus.NOT_MET,
        value=percent(now - before, before),
        numerator=values["now"],
        denominator=values["before"],
        reason=reason,
    )


def _service_company(ind: Indicator, facts: OperationsFacts) -> IndicatorResult:
    companies = list(ServiceCompany.objects.filter(county=facts.county))
    complete = [c for c in companies if all(getattr(c, f) for f in ServiceCompany.OFFER_FIELDS)]
    if complete:
        reason = _("Offering every service: %(names)s.") % {"names": ", ".join(c.name for c in complete)}
    elif companies:
        reason = _("%(count)s companies registered, none offering every service.") % {"count": len(companies)}
    else:
        reason = _("No service company is registered.")
    return _count(ind, len(complete), reason=reason)


def _poor_staff(ind: Indicator, facts: OperationsFacts) -> IndicatorResult:
    end = facts.as_of.date()
    staff = StaffMember.objects.filter(county=facts.county, hired_on__lte=end).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=end)
    )
    tiers: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # tier → [staff, from poor households]
    for kind, station_id, poor in staff.values_list("facility__kind", "station_id", "from_poor_household"):
        tier = "stations" if station_id else next(t for t, kinds in TIERS.items() if kind in kinds)
        tiers[tier][0] += 1
        tiers[tier][1] += poor
    total = sum(t[0] for t in tiers.values())
    if not total:
        return _not_measured(ind, _("No staff are recorded at the centers or stations."))
    poor = sum(t[1] for t in tiers.values())
    lacking = [name for name, (count, p) in tiers.items() if count and not p]
    labels = {
        "county_center": _("county center"),
        "logistics": _("logistics centers"),
        "stations": _("stations"),
    }
    reason = _("%(poor)s of %(total)s staff are from registered poor households.") % {
        "poor": poor,
        "total": total,
    }
    if lacking:
        reason += " " + _("None at: %(tiers)s.") % {"tiers": ", ".join(str(labels[t]) for t in lacking)}
    return _yes_no(ind, not lacking, reason=reason, numerator=poor, denominator=total)


def _meets_orders(months: int, orders: int, _turnover: Decimal) -> bool:
    return orders >= ORDERS_TARGET * months


def _meets_turnover(months: int, _orders: int, turnover: Decimal) -> bool:
    return turnover >= TURNOVER_TARGET * months


def _linked(compute, link: Callable[[OperationsFacts], str]):
    """`compute` with its result linked to the page that shows the rows behind it."""

    def linked(ind: Indicator, facts: OperationsFacts) -> IndicatorResult:
        return replace(compute(ind, facts), link=link(facts))

    return linked


def _ranking(facts: OperationsFacts) -> str:
    """The year's station ranking: per station its orders, turnover and online rate against the
    targets, stations falling short first."""
    return register_url("reporting:stations", year=facts.year)


COMPUTED: dict[str, Callable[[Indicator, OperationsFacts], IndicatorResult]] = {
    "R2-terminal-online-rate": _online_rate,
    "R2-orders-per-station-month": _orders_average,
    "R2-turnover-per-station-month": _turnover_average,
    "R2-stations-meeting-orders": _share_meeting(_meets_orders),
    "R2-stations-meeting-turnover": _share_meeting(_meets_turnover),
    "R2-stations-meeting-online-rate": _stations_online,
    "R2-station-services": _services,
    "R2-no-station-fees": _no_forbidden_charges,
    "R12-transactions-growth": _growth,
    "R12-service-company": _service_company,
    "R7-poor-hired-first": _poor_staff,
}
LINKS: dict[str, Callable[[OperationsFacts], str]] = {
    "R2-terminal-online-rate": _ranking,
    "R2-orders-per-station-month": _ranking,
    "R2-turnover-per-station-month": _ranking,
    "R2-stations-meeting-orders": _ranking,
    "R2-stations-meeting-turnover": _ranking,
    "R2-stations-meeting-online-rate": _ranking,
    "R2-station-services": lambda facts: register_url("reporting:county", year=facts.year),
    "R2-no-station-fees": lambda facts: register_url("stations:charge_list", forbidden=True),
    "R12-transactions-growth": lambda facts: register_url("reporting:county", year=facts.year),
    "R12-service-company": lambda facts: register_url("stations:company_list"),
    "R7-poor-hired-first": lambda facts: register_url("network:staff_list", from_poor_household=True),
}
COMPUTED = {key: _linked(compute, LINKS[key]) for key, compute in COMPUTED.items()}

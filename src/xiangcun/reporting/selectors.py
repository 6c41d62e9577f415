"""The bureau's station-operation reports, read from the monthly rollups and scoped to the acting user.

Sources: `StationMonth` (ledger totals per station, month and service kind), `CountyMonth` /
`TownshipMonth` (the same summed per county / township, for the trend series) and the online rate of
`reporting.online` (`StationMonthOnline` seconds over the opening seconds of the operating days). No
function here reads the raw ledger.

Scope (`core.scoping`): users of the county (bureau, finance, poverty office, contractor, auditor, …) see
every station of their county; a township user only their township's stations; a station manager only
their own station. The county trend is the county's for county users, the township's for a township
user and the station's for a station manager. A superuser sees any county.

Definitions (the same as the scorecard's, `evaluation.operations`):

- Figures are *business done*: entries net of those later voided (cancelled, returned, reversed,
  declined): count − void_count, amount − void_amount.
- *Orders* are proxy purchases (代购); proxy sales (代卖) are shown beside them; *other* is every other
  service kind (bill payment, cash withdrawal, referrals, life services).
- A *station-month* is a month in which the station was operating on at least one day (it has opening
  hours in that month, from its status history).
- Month view: the station's figures of that month. The targets are judged when the month is one of its
  station-months: ≥ 50 proxy-purchase orders, ≥ 2,000 yuan of proxy purchases, online ≥ 95 %.
- Year view: `months` = the station's station-months in the year; the figures shown are *monthly
  averages over those months* (the entries recorded in them ÷ months); a station opened in July is
  averaged over six months, not twelve. Entries recorded in a month in which the station was not
  operating count in the period's totals (`total`) but not in its averages. The targets are met when
  the averages reach them, compared exactly (orders ≥ 50 × months, amount ≥ 2,000 × months).
- Online rate: Σ online seconds ÷ Σ opening seconds over the period (a ratio of sums, not a mean of
  monthly rates); met when online × 100 ≥ 95 × opening, exactly. Shown in percent rounded *down* to
  one decimal, so a rate shown as 95.0 % always meets the target.
- A station that had no station-month in the period (it was not operating) but has entries is listed
  with months = 0 and no judgement (flags null).
- Ranking: stations that fall short of at least one target first, the fewest targets met first, then
  the fewest proxy-purchase orders, the smallest proxy-purchase amount, the lowest online rate, code;
  stations not judged come last.
- Townships: the same over the township's station-months (Σ entries ÷ Σ station-months), with the number
  of its stations meeting each target; the online rate is the ratio of the township's sums.
- County trend: per month of the year, net entries and amounts per kind, the online rate and the
  number of stations operating, beside the same month of the previous year; year-on-year growth =
  this / last − 1 in percent (one decimal), none when last year's figure is zero.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.db.models import QuerySet
from django.utils import timezone

from xiangcun.core.scoping import user_township_id
from xiangcun.network.models import Station
from xiangcun.network.selectors import station_list
from xiangcun.regions.models import County, Township
from xiangcun.regions.selectors import county_list, township_list
from xiangcun.stations.choices import ORDERS_TARGET, TURNOVER_TARGET, ServiceKind

from .models import CountyMonth, StationMonth, TownshipMonth
from .online import TARGET_PERCENT, Online, station_months
from .rollups import TZ

ONLINE_TARGET = TARGET_PERCENT  # terminal online rate, percent (R2)
YEAR_MIN, YEAR_MAX = 2015, 2100
KINDS = list(ServiceKind.values)
PURCHASE, SALE = ServiceKind.PROXY_PURCHASE.value, ServiceKind.PROXY_SALE.value
OTHER_KINDS = [k for k in KINDS if k not in (PURCHASE, SALE)]
CENT, TENTH = Decimal("0.01"), Decimal("0.1")


# --- scope ----------------------------------------------------------------------------------------


def report_county(*, user, code: str | None = None) -> County | None:
    """The county `user` may report on: their own (`code` empty or equal to it); any county for a
    superuser (`code` empty: their own if they have one, else the first by code). None when unknown or
    out of scope (callers answer 404)."""
    counties = county_list(user=user).defer("outline")
    if code:
        return counties.filter(code=code).first()
    if getattr(user, "county_id", None):
        return counties.filter(pk=user.county_id).first()
    return counties.order_by("code").first()


def report_township(*, user, county: County, code: str) -> Township | None:
    """A township of `county` that `user` may see, by code (None when unknown or out of scope)."""
    return township_list(user=user).filter(county=county, code=code).first()


def report_townships(*, user, county: County) -> QuerySet[Township]:
    """The townships of `county` the user may see (one for township users and station managers)."""
    return township_list(user=user).filter(county=county).order_by("code")


def report_station(*, user, county: County, code: str) -> Station | None:
    """A station of `county` the user may see, by code (a station manager: only their own)."""
    return station_list(user=user).filter(county=county, code=code).first()


def default_year(county: County) -> int:
    """The latest year with ledger figures in the county's rollups, else the current year."""
    latest = CountyMonth.objects.filter(county=county).order_by("-month").values_list("month", flat=True)
    month = latest.first()
    return month.year if month else timezone.now().astimezone(TZ).year


def year_choices(county: County, selected: int | None = None) -> list[int]:
    """Years with ledger figures (and the selected one), newest first."""
    years = {m.year for m in CountyMonth.objects.filter(county=county).dates("month", "year")}
    years.add(selected or default_year(county))
    return sorted(years, reverse=True)


# --- figures --------------------------------------------------------------------------------------


@dataclass
class Figures:
    """Net entries and amounts (yuan) per service kind."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    amounts: dict[str, Decimal] = field(default_factory=lambda: {k: Decimal("0.00") for k in KINDS})

    def add(self, kind: str, count: int, amount: Decimal) -> None:
        self.counts[kind] += count
        self.amounts[kind] += amount

    def __iadd__(self, other: "Figures") -> "Figures":
        for k in KINDS:
            self.counts[k] += other.counts[k]
            self.amounts[k] += other.amounts[k]
        return self

    @property
    def purchase_orders(self) -> int:
        return self.counts[PURCHASE]

    @property
    def purchase_amount(self) -> Decimal:
        return self.amounts[PURCHASE]

    @property
    def sale_orders(self) -> int:
        return self.counts[SALE]

    @property
    def sale_amount(self) -> Decimal:
        return self.amounts[SALE]

    @property
    def other_count(self) -> int:
        return sum(self.counts[k] for k in OTHER_KINDS)

    @property
    def other_amount(self) -> Decimal:
        return sum((self.amounts[k] for k in OTHER_KINDS), Decimal("0.00"))

    @property
    def total_count(self) -> int:
        return sum(self.counts.values())

    @property
    def total_amount(self) -> Decimal:
        return sum(self.amounts.values(), Decimal("0.00"))


@dataclass(frozen=True)
class Averages:
    """Figures per month over `months` station-months (orders to 0.1, yuan to 0.01, half up)."""

    months: int
    purchase_orders: Decimal | None
    purchase_amount: Decimal | None
    sale_orders: Decimal | None
    sale_amount: Decimal | None
    other_count: Decimal | None
    other_amount: Decimal | None
    total_count: Decimal | None
    total_amount: Decimal | None

    @classmethod
    def of(cls, figures: Figures, months: int) -> "Averages":
        def per(value, quantum):
            if not months:
                return None
            return (Decimal(value) / months).quantize(quantum, rounding=ROUND_HALF_UP)

        return cls(
            months=months,
            purchase_orders=per(figures.purchase_orders, TENTH),
            purchase_amount=per(figures.purchase_amount, CENT),
            sale_orders=per(figures.sale_orders, TENTH),
            sale_amount=per(figures.sale_amount, CENT),
            other_count=per(figures.other_count, TENTH),
            other_amount=per(figures.other_amount, CENT),
            total_count=per(figures.total_count, TENTH),
            total_amount=per(figures.total_amount, CENT),
        )


def rate_percent(online: Online) -> Decimal | None:
    """The online rate in percent to one decimal, rounded down (so that 94.96 % shows as 94.9 %, not
    as a 95.0 % that misses the target); None without opening hours."""
    if not online.opening_seconds:
        return None
    return (Decimal(online.online_seconds) * 100 / online.opening_seconds).quantize(
        TENTH, rounding=ROUND_FLOOR
    )


def growth_percent(now, before) -> Decimal | None:
    """now / before − 1 in percent to one decimal (half up); None when `before` is zero."""
    if not before:
        return None
    return (Decimal(now - before) * 100 / Decimal(before)).quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass
class Judgement:
    """Whether a station (or township) met each target; None = not judged (no station-month)."""

    orders: bool | None
    amount: bool | None
    online: bool | None

    @property
    def judged(self) -> bool:
        return self.orders is not None

    @property
    def met(self) -> int:
        return sum(1 for v in (self.orders, self.amount, self.online) if v)

    @property
    def short(self) -> bool:
        """Falls short of at least one target (a target without opening hours counts as missed)."""
        return self.judged and self.met < 3


def _judge(months: int, judged: Figures, online: Online) -> Judgement:
    if not months:
        return Judgement(None, None, None)
    return Judgement(
        orders=judged.purchase_orders >= ORDERS_TARGET * months,
        amount=judged.purchase_amount >= TURNOVER_TARGET * months,
        online=bool(online.meets(ONLINE_TARGET)),
    )


@dataclass
class StationRow:
    rank: int
    station_id: int
    code: str
    name: str
    status: str
    township_id: int
    township_code: str
    township_name: str
    months: int  # station-months in the period
    total: Figures  # every entry of the period
    judged: Figures  # the entries of its station-months (what the averages and targets use)
    averages: Averages  # judged ÷ months
    online: Online
    targets: Judgement

    @property
    def online_rate(self) -> Decimal | None:
        return rate_percent(self.online)

    @property
    def shown(self):
        """What a page shows: the month's figures, or the year's monthly averages."""
        return self.averages if self.per_month else self.total

    per_month: bool = False


@dataclass
class TownshipRow:
    rank: int
    township_id: int
    code: str
    name: str
    stations: int  # stations with a station-month in the period
    months: int  # Σ station-months
    total: Figures
    judged: Figures
    averages: Averages  # per station-month
    online: Online
    targets: Judgement
    meeting_orders: int
    meeting_amount: int
    meeting_online: int

    @property
    def online_rate(self) -> Decimal | None:
        return rate_percent(self.online)


@dataclass
class StationTable:
    county: County
    year: int
    month: int | None
    township: Township | None
    rows: list[StationRow]

    @property
    def shortfalls(self) -> int:
        return sum(1 for r in self.rows if r.targets.short)


@dataclass
class TownshipTable:
    county: County
    year: int
    month: int | None
    rows: list[TownshipRow]


def _period(year: int, month: int | None) -> list[date]:
    return [date(year, month, 1)] if month else [date(year, m, 1) for m in range(1, 13)]


def _station_scope(*, user, county: County, township: Township | None) -> QuerySet[Station]:
    qs = station_list(user=user).filter(county=county)
    if township is not None:
        qs = qs.filter(township=township)
    return qs


@dataclass
class _Loaded:
    """What the station tables of one year need, each read once: the stations in scope, their online
    and opening seconds per month, their net ledger figures per month."""

    stations: dict[int, dict]
    online: dict[int, dict[date, Online]]
    ledger: dict[int, dict[date, Figures]]


def _load(*, user, county: County, year: int, township: Township | None) -> _Loaded:
    stations = {
        s["pk"]: s
        for s in _station_scope(user=user, county=county, township=township).values(
            "pk", "code", "name", "status", "township_id", "township__code", "township__name"
        )
    }
    if not stations:
        return _Loaded({}, {}, {})
    scope_township = township
    confined = user_township_id(user)
    if scope_township is None and confined:
        scope_township = Township(pk=confined)
    online = station_months(county=county, year=year, township=scope_township)
    ledger: dict[int, dict[date, Figures]] = defaultdict(lambda: defaultdict(Figures))
    rows = StationMonth.objects.filter(
        county=county, month__gte=date(year, 1, 1), month__lt=date(year + 1, 1, 1)
    )
    if scope_township is not None:
        rows = rows.filter(township_id=scope_township.pk)
    for sid, m, kind, count, void_count, amount, void_amount in rows.values_list(
        "station_id", "month", "kind", "count", "void_count", "amount", "void_amount"
    ):
        if sid in stations:
            ledger[sid][m].add(kind, count - void_count, amount - void_amount)
    return _Loaded(stations, online, ledger)


def _station_row(loaded: _Loaded, sid: int, months: list[date], per_month: bool) -> StationRow | None:
    """The row of station `sid` over `months`; None when it neither operated nor recorded anything."""
    s = loaded.stations[sid]
    online_months = loaded.online.get(sid, {})
    operated = [m for m in months if m in online_months and online_months[m].opening_seconds]
    mine = loaded.ledger.get(sid, {})
    if not operated and not any(m in mine for m in months):
        return None
    total, judged, online = Figures(), Figures(), Online()
    for m in months:
        if m in mine:
            total += mine[m]
            if m in operated:
                judged += mine[m]
        if m in online_months:
            online += online_months[m]
    return StationRow(
        rank=0,
        station_id=sid,
        code=s["code"],
        name=s["name"],
        status=s["status"],
        township_id=s["township_id"],
        township_code=s["township__code"],
        township_name=s["township__name"],
        months=len(operated),
        total=total,
        judged=judged,
        averages=Averages.of(judged, len(operated)),
        online=online,
        targets=_judge(len(operated), judged, online),
        per_month=per_month,
    )


def _station_rows(*, user, county: County, year: int, month: int | None, township: Township | None):
    """Unranked station rows of the period: stations in scope that were operating in it or have
    entries in it."""
    loaded = _load(user=user, county=county, year=year, township=township)
    months = _period(year, month)
    rows = (_station_row(loaded, sid, months, month is None) for sid in loaded.stations)
    return [r for r in rows if r is not None]


def station_month_rows(
    *, user, county: County, year: int, township: Township | None = None
) -> list[tuple[date, StationRow]]:
    """The county's monthly station table: (month, station row of that month) for every station in
    scope and every month of `year` it operated or recorded entries in; by township, station, month."""
    loaded = _load(user=user, county=county, year=year, township=township)
    out = []
    order = sorted(
        loaded.stations,
        key=lambda sid: (loaded.stations[sid]["township__code"], loaded.stations[sid]["code"]),
    )
    for sid in order:
        for m in _period(year, None):
            row = _station_row(loaded, sid, [m], False)
            if row is not None:
                out.append((m, row))
    return out


def _rank_key(row):
    rate = row.online.rate
    return (
        not row.targets.judged,
        row.targets.met,
        row.averages.purchase_orders if row.months else 0,
        row.averages.purchase_amount if row.months else 0,
        -1 if rate is None else rate,
        row.code,
    )


def _ranked(rows: list) -> list:
    rows.sort(key=_rank_key)
    for i, row in enumerate(rows, start=1):
        row.rank = i
    return rows


def station_table(
    *, user, county: County, year: int, month: int | None = None, township: Township | None = None
) -> StationTable:
    """Stations × (`year`, or one `month` of it): orders and amounts by kind, online rate, targets;
    ranked with the stations that fall short first. `township` narrows to one township."""
    rows = _station_rows(user=user, county=county, year=year, month=month, township=township)
    return StationTable(county=county, year=year, month=month, township=township, rows=_ranked(rows))


def township_table(*, user, county: County, year: int, month: int | None = None) -> TownshipTable:
    """Townships × (`year`, or one `month`): the same figures per station-month, the stations meeting
    each target; ranked with the townships that fall short first."""
    station_rows = _station_rows(user=user, county=county, year=year, month=month, township=None)
    by_township: dict[int, list[StationRow]] = defaultdict(list)
    for row in station_rows:
        by_township[row.township_id].append(row)
    rows = []
    for t in report_townships(user=user, county=county):
        mine = by_township.get(t.pk, [])
        total, judged, online = Figures(), Figures(), Online()
        months = 0
        for r in mine:
            total += r.total
            judged += r.judged
            online += r.online
            months += r.months
        rows.append(
            TownshipRow(
                rank=0,
                township_id=t.pk,
                code=t.code,
                name=t.name,
                stations=sum(1 for r in mine if r.months),
                months=months,
                total=total,
                judged=judged,
                averages=Averages.of(judged, months),
                online=online,
                targets=_judge(months, judged, online),
                meeting_orders=sum(1 for r in mine if r.targets.orders),
                meeting_amount=sum(1 for r in mine if r.targets.amount),
                meeting_online=sum(1 for r in mine if r.targets.online),
            )
        )
    return TownshipTable(county=county, year=year, month=month, rows=_ranked(rows))


# --- trend ----------------------------------------------------------------------------------------


@dataclass
class TrendMonth:
    month: date
    figures: Figures
    previous: Figures  # the same month of the previous year
    online: Online
    previous_online: Online
    stations: int  # stations operating in the month (with opening hours)

    @property
    def online_rate(self) -> Decimal | None:
        return rate_percent(self.online)

    @property
    def previous_online_rate(self) -> Decimal | None:
        return rate_percent(self.previous_online)

    @property
    def growth_amount(self) -> Decimal | None:
        return growth_percent(self.figures.total_amount, self.previous.total_amount)

    @property
    def growth_purchase_orders(self) -> Decimal | None:
        return growth_percent(self.figures.purchase_orders, self.previous.purchase_orders)

    @property
    def growth_purchase_amount(self) -> Decimal | None:
        return growth_percent(self.figures.purchase_amount, self.previous.purchase_amount)


@dataclass
class Trend:
    """The monthly series of a year beside the previous year, for the county (or the user's township or
    station: `level` says which, `label` names it)."""

    county: County
    year: int
    level: str  # county | township | station
    label: str
    months: list[TrendMonth]
    total: Figures
    previous_total: Figures
    online: Online
    previous_online: Online

    @property
    def growth_amount(self) -> Decimal | None:
        return growth_percent(self.total.total_amount, self.previous_total.total_amount)

    @property
    def growth_purchase_orders(self) -> Decimal | None:
        return growth_percent(self.total.purchase_orders, self.previous_total.purchase_orders)

    @property
    def growth_purchase_amount(self) -> Decimal | None:
        return growth_percent(self.total.purchase_amount, self.previous_total.purchase_amount)

    @property
    def ecommerce_amount(self) -> Decimal:
        """Proxy purchases + proxy sales: the scorecard's county e-commerce transactions (yuan)."""
        return self.total.purchase_amount + self.total.sale_amount

    @property
    def previous_ecommerce_amount(self) -> Decimal:
        return self.previous_total.purchase_amount + self.previous_total.sale_amount

    @property
    def growth_ecommerce_amount(self) -> Decimal | None:
        """Proxy purchases + proxy sales, year on year."""
        return growth_percent(self.ecommerce_amount, self.previous_ecommerce_amount)

    @property
    def online_rate(self) -> Decimal | None:
        return rate_percent(self.online)

    @property
    def previous_online_rate(self) -> Decimal | None:
        return rate_percent(self.previous_online)


def _trend_source(user, county: County):
    """(level, label, rollup queryset, township for the online rate or None, station id or None)."""
    if getattr(user, "station_id", None) and not user.is_superuser:
        station = report_station(user=user, county=county, code=user.station.code)
        if station is None:
            return None
        qs = StationMonth.objects.filter(county=county, station=station)
        return "station", station.name, qs, station.township, station.pk
    confined = user_township_id(user)
    if confined:
        township = report_townships(user=user, county=county).filter(pk=confined).first()
        if township is None:
            return None
        return (
            "township",
            township.name,
            TownshipMonth.objects.filter(county=county, township=township),
            township,
            None,
        )
    if report_county(user=user, code=county.code) is None:
        return None
    return "county", county.name, CountyMonth.objects.filter(county=county), None, None


def county_trend(*, user, county: County, year: int) -> Trend | None:
    """Monthly figures of `year` and of the year before, per kind, with the online rate; None when the
    user may not see the county."""
    source = _trend_source(user, county)
    if source is None:
        return None
    level, label, qs, township, station_id = source
    figures: dict[date, Figures] = defaultdict(Figures)
    rows = qs.filter(month__gte=date(year - 1, 1, 1), month__lt=date(year + 1, 1, 1))
    for m, kind, count, void_count, amount, void_amount in rows.values_list(
        "month", "kind", "count", "void_count", "amount", "void_amount"
    ):
        figures[m].add(kind, count - void_count, amount - void_amount)
    online: dict[date, Online] = defaultdict(Online)
    operating: dict[date, int] = defaultdict(int)
    for y in (year - 1, year):
        for sid, months in station_months(county=county, year=y, township=township).items():
            if station_id is not None and sid != station_id:
                continue
            for m, o in months.items():
                online[m] += o
                operating[m] += bool(o.opening_seconds)
    series = []
    total, previous_total, online_now, online_before = Figures(), Figures(), Online(), Online()
    for m in range(1, 13):
        now, before = date(year, m, 1), date(year - 1, m, 1)
        entry = TrendMonth(
            month=now,
            figures=figures.get(now, Figures()),
            previous=figures.get(before, Figures()),
            online=online.get(now, Online()),
            previous_online=online.get(before, Online()),
            stations=operating.get(now, 0),
        )
        series.append(entry)
        total += entry.figures
        previous_total += entry.previous
        online_now += entry.online
        online_before += entry.previous_online
    return Trend(
        county=county,
        year=year,
        level=level,
        label=label,
        months=series,
        total=total,
        previous_total=previous_total,
        online=online_now,
        previous_online=online_before,
    )

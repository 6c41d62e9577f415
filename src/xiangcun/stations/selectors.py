"""Reads on the station ledger, scoped to the acting user. Totals come from the rollups
(`reporting.selectors`); these return ledger rows."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from xiangcun.core.scoping import scope_queryset

from .choices import ORDERS_TARGET, TURNOVER_TARGET, ServiceKind
from .models import Terminal, Transaction, TransactionEvent

TZ = ZoneInfo("Asia/Shanghai")


def transaction_list(*, user) -> QuerySet[Transaction]:
    """Ledger entries the user may see: a station manager only their station's."""
    qs = Transaction.objects.select_related("station", "station__township")
    return scope_queryset(qs, user, county="county", township="station__township", station="station")


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a Beijing-time calendar day as aware datetimes."""
    start = datetime.combine(day, time(), tzinfo=TZ)
    return start, start + timedelta(days=1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[start, end) of the Beijing-time calendar month that contains `month`."""
    start = datetime(month.year, month.month, 1, tzinfo=TZ)
    following = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=TZ)
    return start, following


def station_ledger(*, user, station, start: datetime, end: datetime) -> QuerySet[Transaction]:
    """A station's entries in [start, end), newest first (uses the station/time index)."""
    return transaction_list(user=user).filter(station=station, occurred_at__gte=start, occurred_at__lt=end)


def terminal_list(*, user) -> QuerySet[Terminal]:
    qs = Terminal.objects.select_related("station")
    return scope_queryset(qs, user, county="county", township="station__township", station="station")


# ==================================================================================================
# ledger helper's block: daily reconciliations, charges to stations, service companies
# ==================================================================================================


def reconciliation_list(*, user) -> QuerySet:
    """Daily reconciliations the user may see (a station manager: their station's)."""
    from .models import DailyReconciliation

    qs = DailyReconciliation.objects.select_related("station", "station__township", "recorded_by")
    return scope_queryset(qs, user, county="county", township="station__township", station="station")


def charge_list(*, user) -> QuerySet:
    """Charges to stations the user may see; forbidden kinds (deposit, guarantee, equipment) first."""
    from django.db.models import Case, IntegerField, Value, When

    from .choices import FORBIDDEN_CHARGES
    from .models import StationCharge

    qs = StationCharge.objects.select_related("station", "station__township", "recorded_by").annotate(
        is_forbidden=Case(
            When(kind__in=FORBIDDEN_CHARGES, then=Value(1)), default=Value(0), output_field=IntegerField()
        )
    )
    qs = scope_queryset(qs, user, county="county", township="station__township", station="station")
    return qs.order_by("-is_forbidden", "-charged_on", "-id")


def service_company_list(*, user) -> QuerySet:
    """The service companies of the user's county (everyone in a county may see them)."""
    from .models import ServiceCompany

    return scope_queryset(ServiceCompany.objects.select_related("county"), user, county="county")


# --- Workbench and station month pages (workbench helper) ----------------------------------------------
# Reads for the station manager's workbench, the station month view and the entry detail page. Totals
# come from the StationMonth / StationMonthOnline rollups; only lists of rows read the ledger itself.

# Proxy purchases still waiting for the parcel to come in or to be collected.
PARCEL_OPEN_STATUSES = ("placed", "shipped", "arrived")
PARCEL_DAYS = 60


def station_in_scope(*, user, code: str, county_code: str | None = None):
    """The station with this code that `user` may see, or None (codes are unique per county; a superuser
    sees several counties: `county_code` picks one, else the lowest county code)."""
    from xiangcun.network.selectors import station_list

    qs = station_list(user=user).filter(code=code)
    if county_code:
        qs = qs.filter(county__code=county_code)
    return qs.order_by("county__code").first()


@dataclass
class KindTotals:
    """One service kind's month totals from the rollup; `net_*` is the business done (minus voided)."""

    kind: str
    label: str
    count: int = 0
    amount: Decimal = Decimal("0.00")
    fee: Decimal = Decimal("0.00")
    void_count: int = 0
    void_amount: Decimal = Decimal("0.00")

    @property
    def net_count(self) -> int:
        return self.count - self.void_count

    @property
    def net_amount(self) -> Decimal:
        return self.amount - self.void_amount


@dataclass
class MonthTotals:
    month: date
    kinds: list[KindTotals] = field(default_factory=list)

    def of(self, kind: str) -> KindTotals:
        return next(k for k in self.kinds if k.kind == kind)

    @property
    def orders(self) -> int:
        return self.of(ServiceKind.PROXY_PURCHASE).net_count

    @property
    def orders_amount(self) -> Decimal:
        return self.of(ServiceKind.PROXY_PURCHASE).net_amount

    @property
    def orders_met(self) -> bool:
        return self.orders >= ORDERS_TARGET

    @property
    def amount_met(self) -> bool:
        return self.orders_amount >= TURNOVER_TARGET

    @property
    def total_count(self) -> int:
        return sum(k.net_count for k in self.kinds)

    @property
    def total_amount(self) -> Decimal:
        return sum((k.net_amount for k in self.kinds), Decimal("0.00"))

    @property
    def total_fee(self) -> Decimal:
        return sum((k.fee for k in self.kinds), Decimal("0.00"))


def station_month_totals(*, station, month: date) -> MonthTotals:
    """The station's totals per service kind in `month` (its first day), from the StationMonth rollup.
    The caller has checked that the user may see `station`."""
    from xiangcun.reporting.models import StationMonth

    rows = {
        r.kind: r
        for r in StationMonth.objects.filter(
            county_id=station.county_id, station_id=station.pk, month=month.replace(day=1)
        )
    }
    totals = MonthTotals(month=month.replace(day=1))
    for kind in ServiceKind:
        row = rows.get(kind.value)
        k = KindTotals(kind=kind.value, label=str(kind.label))
        if row is not None:
            k.count, k.amount, k.fee = row.count, row.amount, row.fee
            k.void_count, k.void_amount = row.void_count, row.void_amount
        totals.kinds.append(k)
    return totals


@dataclass(frozen=True)
class MonthOnline:
    online_seconds: int
    opening_seconds: int

    @property
    def rate(self) -> float | None:
        return self.online_seconds / self.opening_seconds if self.opening_seconds else None

    @property
    def percent(self) -> Decimal | None:
        """The rate in percent, rounded half up to one decimal (display only; `met` compares exactly)."""
        if not self.opening_seconds:
            return None
        return (Decimal(self.online_seconds * 100) / self.opening_seconds).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    @property
    def met(self) -> bool | None:
        if not self.opening_seconds:
            return None
        from xiangcun.reporting.online import TARGET_PERCENT

        return self.online_seconds * 100 >= TARGET_PERCENT * self.opening_seconds

    @staticmethod
    def _clock(seconds: int) -> str:
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}"

    @property
    def online_clock(self) -> str:
        """Hours and minutes online, e.g. 309:45."""
        return self._clock(self.online_seconds)

    @property
    def opening_clock(self) -> str:
        return self._clock(self.opening_seconds)


def station_month_online(*, station, month: date, now: datetime | None = None) -> MonthOnline:
    """Seconds online (StationMonthOnline rollup) and opening seconds (the station's opening hours on its
    operating days) in `month`, by `reporting.online.station_online` (the rule the reports use); with
    `now`, a month not yet over counts up to `now`. The caller has checked scope."""
    from xiangcun.reporting.online import station_online

    online = station_online(station=station, year=month.year, month=month.month, now=now)
    return MonthOnline(online.online_seconds, online.opening_seconds)


def parcels_awaiting(*, user, station, now: datetime, limit: int = 100) -> QuerySet[Transaction]:
    """The station's proxy purchases of the last PARCEL_DAYS days whose parcel has not been collected
    yet (oldest first; older open orders are left to the month view and the ledger)."""
    return (
        transaction_list(user=user)
        .filter(
            station=station,
            occurred_at__gte=now - timedelta(days=PARCEL_DAYS),
            kind=ServiceKind.PROXY_PURCHASE,
            status__in=PARCEL_OPEN_STATUSES,
        )
        .order_by("occurred_at", "id")[:limit]
    )


def transaction_get(*, user, station, uuid) -> Transaction | None:
    """One entry of `station` by its client UUID, if `user` may see it."""
    return (
        transaction_list(user=user)
        .select_related("actor", "household")
        .filter(county_id=station.county_id, station=station, uuid=uuid)
        .first()
    )


def transaction_events(*, tx) -> QuerySet[TransactionEvent]:
    return (
        TransactionEvent.objects.filter(transaction=tx).select_related("actor").order_by("occurred_at", "id")
    )


def transaction_reached(*, tx, status: str) -> bool:
    """Whether the entry has already been moved to `status` once (state machines have no cycles, so a
    replayed status change is recognised by this)."""
    return TransactionEvent.objects.filter(transaction=tx, to_status=status).exists()


def month_of_local(moment: datetime) -> date:
    """The first day of the Beijing-time month of an aware datetime."""
    local = moment.astimezone(TZ)
    return date(local.year, local.month, 1)


def station_households(*, user, station) -> QuerySet:
    """Registered poor households of the station's village that `user` may see, by register number (the
    workbench offers them for linking an entry)."""
    from xiangcun.households.models import Household

    qs = Household.objects.filter(county_id=station.county_id, village_id=station.village_id)
    return scope_queryset(qs, user, county="county", township="village__township").order_by("code")


def household_by_code(*, user, county_id: int, code: str):
    """A registered poor household of the county by its register number, if `user` may see it."""
    from xiangcun.households.models import Household

    qs = Household.objects.filter(county_id=county_id, code=code)
    return scope_queryset(qs, user, county="county", township="village__township").first()

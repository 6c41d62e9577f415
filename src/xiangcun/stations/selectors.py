"""Reads on the station ledger, scoped to the acting user. Totals come from the rollups
(`reporting.selectors`); these return ledger rows."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from xiangcun.core.scoping import scope_queryset

from .models import Terminal, Transaction

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


def service_company_offers(*, county) -> dict[str, bool]:
    """For the scorecard (R12): per service the program asks for, whether a service company of the
    county offers it, and `complete` — whether one company offers all six."""
    from .models import ServiceCompany

    companies = list(ServiceCompany.objects.filter(county=county).values(*ServiceCompany.OFFER_FIELDS))
    offers = {f: any(c[f] for c in companies) for f in ServiceCompany.OFFER_FIELDS}
    offers["complete"] = any(all(c.values()) for c in companies)
    return offers


def forbidden_charge_totals(*, county) -> dict:
    """For the scorecard (R2): forbidden charges (deposits, guarantees, equipment fees) recorded for the
    county's stations: how many, to how many stations, and their total in yuan."""
    from decimal import Decimal

    from django.db.models import Count, Sum

    from .choices import FORBIDDEN_CHARGES
    from .models import StationCharge

    totals = StationCharge.objects.filter(county=county, kind__in=FORBIDDEN_CHARGES).aggregate(
        charges=Count("id"), stations=Count("station", distinct=True), amount=Sum("amount")
    )
    return {**totals, "amount": totals["amount"] or Decimal("0.00")}

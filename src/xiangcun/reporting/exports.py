"""Excel exports of the reports: the county's monthly station table and one station's ledger.

The layout follows the registers' exports (`core.excel`): row 1 names the county, the table and the
export time; row 2 holds the headers (in the active language); one row per record below. Codes,
UUIDs, phone and reference numbers are text cells, so Excel keeps their digits; counts and amounts
are numbers (amounts with two decimals). Workbook properties carry the table, county and period.

- `station_table_workbook`: station × month for a year, from the rollups (`selectors.station_month_rows`):
  net entries and amounts of each service kind, totals, online rate and the three targets.
- `station_ledger_workbook`: the entries of one station in a month or a year, from the ledger (the only
  report that reads it), oldest first. A station manager only gets their own station (the caller looks
  the station up through the scoped selector).
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from xiangcun.core.excel import XLSX_CONTENT_TYPE, ExportFile
from xiangcun.core.sheets import (
    INT,
    MOMENT,
    MONEY,
    PLAIN,
    RATE,
    TEXT,
    Col,
    export_filename,
    table_workbook,
    yes_no,
)
from xiangcun.stations.choices import Marketplace, PaymentMethod, ServiceKind, TxSource, TxStatus
from xiangcun.stations.selectors import month_bounds, station_ledger

from .rollups import TZ
from .selectors import KINDS, station_month_rows

__all__ = ["XLSX_CONTENT_TYPE", "station_ledger_workbook", "station_table_workbook"]


def _period_label(year: int, month: int | None) -> str:
    return f"{year}-{month:02d}" if month else str(year)


def station_table_columns() -> list[Col]:
    cols = [
        Col(_("Station code"), TEXT, 18),
        Col(_("Station"), PLAIN, 20),
        Col(_("Township code"), TEXT, 15),
        Col(_("Township"), PLAIN, 12),
        Col(_("Month"), TEXT, 9),
        Col(_("Operating"), PLAIN, 9),
    ]
    for kind in KINDS:
        label = ServiceKind(kind).label
        cols.append(Col(_("%(service)s: entries") % {"service": label}, INT, 12))
        cols.append(Col(_("%(service)s: amount (yuan)") % {"service": label}, MONEY, 14))
    cols += [
        Col(_("All services: entries"), INT, 12),
        Col(_("All services: amount (yuan)"), MONEY, 14),
        Col(_("Online hours"), RATE, 10),
        Col(_("Opening hours"), RATE, 10),
        Col(_("Online rate (%)"), RATE, 10),
        Col(_("≥ 50 proxy-purchase orders"), PLAIN, 12),
        Col(_("≥ 2,000 yuan of proxy purchases"), PLAIN, 12),
        Col(_("Online ≥ 95%"), PLAIN, 12),
    ]
    return cols


def _hours(seconds: int) -> Decimal:
    return (Decimal(seconds) / 3600).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def station_table_workbook(*, user, county, year: int, township=None) -> ExportFile:
    """The county's (the user's scope's) monthly station table of `year` as .xlsx, from the rollups."""
    rows = []
    for month, r in station_month_rows(user=user, county=county, year=year, township=township):
        values = [r.code, r.name, r.township_code, r.township_name, f"{month:%Y-%m}", yes_no(bool(r.months))]
        for kind in KINDS:
            values += [r.total.counts[kind], r.total.amounts[kind]]
        values += [
            r.total.total_count,
            r.total.total_amount,
            _hours(r.online.online_seconds),
            _hours(r.online.opening_seconds),
            r.online_rate,
            yes_no(r.targets.orders),
            yes_no(r.targets.amount),
            yes_no(r.targets.online),
        ]
        rows.append(values)
    label = _("Monthly station table")
    scope = township.name if township is not None else county.name
    now = timezone.now()
    title = _("%(scope)s · %(table)s %(year)s · exported %(when)s") % {
        "scope": scope,
        "table": label,
        "year": year,
        "when": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
    }
    content = table_workbook(
        title=title,
        sheet_name=f"{label} {year}",
        columns=station_table_columns(),
        rows=rows,
        properties={
            "xiangcun.report": "station-months",
            "xiangcun.county": county.code,
            "xiangcun.period": str(year),
            "xiangcun.exported_at": now.isoformat(),
        },
    )
    parts = [county.code, township.code if township is not None else "", "station-months", str(year)]
    return ExportFile(
        content=content,
        filename=export_filename(scope, str(label), str(year)),
        ascii_filename=export_filename(*parts),
    )


def station_ledger_columns() -> list[Col]:
    return [
        Col(_("Time"), MOMENT),
        Col(_("UUID"), TEXT, 38),
        Col(_("Service"), PLAIN, 22),
        Col(_("Status"), PLAIN, 12),
        Col(_("Amount (yuan)"), MONEY),
        Col(_("Fee (yuan)"), MONEY, 10),
        Col(_("Villager"), PLAIN, 12),
        Col(_("Villager's phone"), TEXT, 14),
        Col(_("Registered poor household"), PLAIN, 10),
        Col(_("Description"), PLAIN, 30),
        Col(_("Marketplace"), PLAIN, 12),
        Col(_("Order number"), TEXT, 20),
        Col(_("Payment method"), PLAIN, 12),
        Col(_("Bank or biller reference"), TEXT, 20),
        Col(_("Biller"), PLAIN, 14),
        Col(_("Source"), PLAIN, 14),
        Col(_("Recorded by"), PLAIN, 14),
    ]


def _label(choices, value: str) -> str:
    if not value:
        return ""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def station_ledger_workbook(*, user, station, year: int, month: int | None = None) -> ExportFile:
    """The ledger entries of `station` (looked up through the user's scope) in `year` or one `month`."""
    if month:
        start, end = month_bounds(date(year, month, 1))
    else:
        start, end = month_bounds(date(year, 1, 1))[0], month_bounds(date(year, 12, 1))[1]
    entries = (
        station_ledger(user=user, station=station, start=start, end=end)
        .select_related("actor")
        .order_by("occurred_at", "id")
    )
    rows = (
        [
            tx.occurred_at.astimezone(TZ).replace(tzinfo=None),
            str(tx.uuid),
            _label(ServiceKind, tx.kind),
            _label(TxStatus, tx.status),
            tx.amount,
            tx.fee,
            tx.villager_name,
            tx.villager_phone,
            yes_no(True) if tx.household_id else "",
            tx.description,
            _label(Marketplace, tx.marketplace),
            tx.order_no,
            _label(PaymentMethod, tx.payment_method),
            tx.reference,
            tx.biller,
            _label(TxSource, tx.source),
            tx.actor.username if tx.actor else "",
        ]
        for tx in entries.iterator(chunk_size=2000)
    )
    period = _period_label(year, month)
    label = capfirst(_("ledger"))
    now = timezone.now()
    title = _("%(station)s (%(code)s) · %(table)s %(period)s · exported %(when)s") % {
        "station": station.name,
        "code": station.code,
        "table": label,
        "period": period,
        "when": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
    }
    content = table_workbook(
        title=title,
        sheet_name=f"{label} {period}",
        columns=station_ledger_columns(),
        rows=rows,
        properties={
            "xiangcun.report": "station-ledger",
            "xiangcun.county": station.county.code,
            "xiangcun.station": station.code,
            "xiangcun.period": period,
            "xiangcun.exported_at": now.isoformat(),
        },
    )
    return ExportFile(
        content=content,
        filename=export_filename(station.name, station.code, str(label), period),
        ascii_filename=export_filename(station.county.code, station.code, "ledger", period),
    )

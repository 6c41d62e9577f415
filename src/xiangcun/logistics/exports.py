"""The delivery ledger (物流配送记录台账) as Excel: one row per parcel of the filtered, scoped list, in the
layout every export shares (`core.sheets`: title row, header row, typed cells; waybill numbers
and codes are text so Excel keeps their digits)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from xiangcun.core.excel import ExportFile
from xiangcun.core.sheets import MOMENT, MONEY, PLAIN, TEXT, Col, export_filename, table_workbook, yes_no
from xiangcun.reporting.rollups import TZ

from .choices import Direction, ShipmentStatus


def ledger_columns() -> list[Col]:
    return [
        Col(_("Waybill number"), TEXT, 20),
        Col(_("Waybill made at"), MOMENT),
        Col(_("Carrier"), PLAIN, 14),
        Col(_("Direction"), PLAIN, 22),
        Col(_("Station code"), TEXT, 18),
        Col(_("Station"), PLAIN, 18),
        Col(_("Township"), PLAIN, 10),
        Col(_("Township delivery center"), PLAIN, 18),
        Col(_("Destination outside the county"), PLAIN, 18),
        Col(_("Weight (kg)"), PLAIN, 10),
        Col(_("Declared value (yuan)"), MONEY),
        Col(_("Delivery cost (yuan)"), MONEY),
        Col(_("Cold chain"), PLAIN, 8),
        Col(_("Status"), PLAIN, 12),
        Col(_("Left its origin at"), MOMENT),
        Col(_("Due by (7 days)"), MOMENT),
        Col(_("Reached its destination at"), MOMENT),
        Col(_("Signed for at"), MOMENT),
        Col(_("Within 7 days"), PLAIN, 8),
        Col(_("Order UUID"), TEXT, 38),
    ]


def _local(moment):
    return moment.astimezone(TZ).replace(tzinfo=None) if moment else None


def _on_time(p, now) -> str:
    if p.direction != Direction.DOWNSTREAM or p.due_at is None or p.status == ShipmentStatus.RETURNED:
        return ""
    if p.arrived_at is not None:
        return yes_no(p.arrived_at <= p.due_at)
    return yes_no(False) if p.due_at < now else ""


def ledger_workbook(*, shipments, county_code: str, label: str) -> ExportFile:
    """The parcels of `shipments` (already scoped and filtered by the caller), oldest waybill first.
    `label` says what was filtered (e.g. the day or the center) in the title and file name."""
    now = timezone.now()
    rows = (
        [
            p.waybill_no,
            _local(p.booked_at),
            p.carrier.name,
            str(Direction(p.direction).label),
            p.station.code,
            p.station.name,
            p.station.township.name,
            p.center.name,
            p.destination_text,
            p.weight_kg,
            p.declared_value,
            p.cost,
            yes_no(p.cold_chain),
            str(ShipmentStatus(p.status).label),
            _local(p.sent_at),
            _local(p.due_at),
            _local(p.arrived_at),
            _local(p.signed_at),
            _on_time(p, now),
            str(p.transaction.uuid) if p.transaction_id else "",
        ]
        for p in shipments.select_related("transaction").order_by("booked_at", "id").iterator(chunk_size=2000)
    )
    table = _("Delivery ledger")
    title = _("%(table)s %(label)s · exported %(when)s") % {
        "table": table,
        "label": label,
        "when": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
    }
    content = table_workbook(
        title=title,
        sheet_name=table,
        columns=ledger_columns(),
        rows=rows,
        properties={
            "xiangcun.report": "delivery-ledger",
            "xiangcun.county": county_code,
            "xiangcun.filter": label,
            "xiangcun.exported_at": now.isoformat(),
        },
    )
    stamp = timezone.localtime(now).strftime("%Y%m%d")
    return ExportFile(
        content=content,
        filename=export_filename(county_code, str(table), label, stamp),
        ascii_filename=export_filename(county_code, "delivery-ledger", stamp),
    )

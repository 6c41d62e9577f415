"""Excel export of a plan: one row per village with its assigned site and distance (layout: the
planned center next to the nearest built center; siting: the village's station, the nearest station
and whether it is covered). Row 1 is a title, row 2 the headers, codes are text cells."""

from django.utils import timezone
from django.utils.translation import gettext as _

from xiangcun.core.excel import XLSX_CONTENT_TYPE, ExportFile
from xiangcun.core.sheets import PLAIN, TEXT, Col, export_filename, table_workbook

from . import selectors
from .choices import PlanKind

__all__ = ["XLSX_CONTENT_TYPE", "plan_workbook"]


def _km(metres):
    return None if metres is None else round(metres / 1000, 3)


def plan_rows(plan) -> tuple[list[str], list[list], set[int]]:
    """Headers, rows and the (0-based) columns holding codes, of a plan's assignment."""
    demand = {d["code"]: d for d in plan.inputs["demand"]}
    if plan.kind == PlanKind.LAYOUT:
        comparison = selectors.plan_comparison(plan)
        headers = [
            _("Village code"),
            _("Village"),
            _("Residents"),
            _("Planned center (township code)"),
            _("Planned center"),
            _("Distance to planned center (km)"),
            _("Nearest built center (township code)"),
            _("Nearest built center"),
            _("Distance to built center (km)"),
        ]
        rows = [
            [
                r["code"],
                r["name"],
                r["weight"],
                r["plan_site"],
                r["plan_site_name"],
                _km(r["plan_m"]),
                r["built_site"],
                r["built_site_name"],
                _km(r["built_m"]),
            ]
            for r in comparison["rows"]
        ]
        return headers, rows, {0, 3, 6}
    new, existing = set(plan.result["new"]), set(plan.result["existing"])
    headers = [
        _("Village code"),
        _("Village"),
        _("Residents"),
        _("Registered poor village"),
        _("Must be covered"),
        _("Station"),
        _("Nearest station (village code)"),
        _("Distance to nearest station (km)"),
        _("Covered"),
    ]
    rows = []
    for a in plan.result["assignment"]:
        d = demand[a["code"]]
        here = _("new") if a["code"] in new else _("existing") if a["code"] in existing else ""
        rows.append(
            [
                a["code"],
                d["name"],
                d["weight"],
                _("yes") if d["is_poor"] else _("no"),
                _("yes") if a["required"] else _("no"),
                here,
                a["site"],
                _km(a["distance_m"]),
                _("yes") if a["covered"] else _("no"),
            ]
        )
    return headers, rows, {0, 6}


WIDTHS = (16, 14, 10, 18, 14, 14, 18, 14, 14)


def plan_workbook(plan) -> ExportFile:
    headers, rows, code_columns = plan_rows(plan)
    columns = [
        Col(header, TEXT if i in code_columns else PLAIN, width)
        for i, (header, width) in enumerate(zip(headers, WIDTHS, strict=True))
    ]
    content = table_workbook(
        title=f"{plan.county.name} · {plan.name} · {plan.get_kind_display()}",
        sheet_name=_("Plan"),
        columns=columns,
        rows=rows,
        properties={
            "xiangcun.plan": plan.pk,
            "xiangcun.county": plan.county.code,
            "xiangcun.kind": plan.kind,
        },
    )
    day = timezone.localdate().strftime("%Y%m%d")
    return ExportFile(
        content=content,
        filename=export_filename(plan.county.name, plan.name, day),
        ascii_filename=export_filename(plan.county.code, "plan", str(plan.pk), day),
    )

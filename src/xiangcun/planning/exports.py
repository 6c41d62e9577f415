"""Excel export of a plan: one row per village with its assigned site and distance (layout: the
planned center next to the nearest built center; siting: the village's station, the nearest station
and whether it is covered). Row 1 is a title, row 2 the headers, codes are text cells."""

from django.utils import timezone
from django.utils.translation import gettext as _

from xiangcun.core.excel import XLSX_CONTENT_TYPE, ExportFile
from xiangcun.core.sheets import INT, PLAIN, TEXT, Col, export_filename, table_workbook

from . import selectors
from .choices import PlanKind

__all__ = ["XLSX_CONTENT_TYPE", "plan_export", "plan_workbook", "route_workbook", "schedule_workbook"]


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
    return _plan_file(
        plan,
        title=f"{plan.county.name} · {plan.name} · {plan.get_kind_display()}",
        sheet_name=_("Plan"),
        columns=columns,
        rows=rows,
        slug="plan",
        day=timezone.localdate(),
    )


def _plan_file(plan, *, title: str, sheet_name: str, columns, rows, slug: str, day) -> ExportFile:
    """One plan's table as a workbook (properties name the plan, county and kind) and its file names:
    county, plan name and `day` for people; county code, `slug`, plan id and day in ASCII."""
    content = table_workbook(
        title=title,
        sheet_name=sheet_name,
        columns=columns,
        rows=rows,
        properties={
            "xiangcun.plan": plan.pk,
            "xiangcun.county": plan.county.code,
            "xiangcun.kind": plan.kind,
        },
    )
    stamp = day.strftime("%Y%m%d")
    return ExportFile(
        content=content,
        filename=export_filename(plan.county.name, plan.name, stamp),
        ascii_filename=export_filename(plan.county.code, slug, str(plan.pk), stamp),
    )


def plan_export(plan, *, user) -> ExportFile:
    """The workbook of any plan: the driver's sheet of a route plan, the grid of a visit schedule, the
    village table of a layout or siting plan."""
    if plan.kind == PlanKind.ROUTES:
        return route_workbook(plan, user=user)
    if plan.kind == PlanKind.SCHEDULE:
        return schedule_workbook(plan)
    return plan_workbook(plan)


# --- route plans: the driver's sheet -----------------------------------------------------------------


def route_stations(plan, *, user) -> dict[int, dict]:
    """Per station id of a route plan's stops: village, address and manager phone as registered now
    (what the driver needs at the door; not part of the plan's inputs), from the user's scope."""
    from xiangcun.network.selectors import station_list

    ids = [s["station_id"] for s in plan.inputs.get("stops", [])]
    out = {}
    for s in station_list(user=user).filter(pk__in=ids).select_related("village"):
        out[s.pk] = {
            "village": s.village.name if s.village_id else "",
            "address": s.address,
            "manager": s.manager_name,
            "phone": s.manager_phone,
        }
    return out


def driver_sheet(plan, *, user) -> list[dict]:
    """Per vehicle, its stops in order joined with the station's contact and its time window: what the
    printable driver's sheet and its Excel export show."""
    contacts = route_stations(plan, user=user)
    windows = {s["code"]: (s["opens"], s["closes"]) for s in plan.inputs["stops"]}
    vehicles = []
    for route in plan.result["routes"]:
        stops = []
        for number, stop in enumerate(route["stops"], start=1):
            contact = contacts.get(stop["station_id"], {})
            opens, closes = windows.get(stop["station"], ("", ""))
            stops.append(
                {
                    **stop,
                    **contact,
                    "number": number,
                    "window": f"{opens}–{closes}",
                    "leg_km": round(stop["distance_m"] / 1000, 1),
                }
            )
        vehicles.append({**route, "stops": stops, "return_km": round(route["return_m"] / 1000, 1)})
    return vehicles


def route_workbook(plan, *, user) -> ExportFile:
    """The driver's sheet as one table: a row per stop (vehicle, order, station, village, address,
    manager, phone, time window, planned arrival, parcels, kg, waybill numbers, signature)."""
    columns = [
        Col(_("Vehicle"), INT, 8),
        Col(_("Stop"), INT, 6),
        Col(_("Station code"), TEXT, 18),
        Col(_("Station"), PLAIN, 18),
        Col(_("Village"), PLAIN, 16),
        Col(_("Address"), PLAIN, 22),
        Col(_("Manager"), PLAIN, 10),
        Col(_("Manager phone"), TEXT, 14),
        Col(_("Opening hours"), TEXT, 12),
        Col(_("Planned arrival"), TEXT, 10),
        Col(_("Parcels"), INT, 8),
        Col(_("Weight (kg)"), PLAIN, 10),
        Col(_("Waybill numbers"), TEXT, 40),
        Col(_("Signature"), PLAIN, 14),
    ]
    rows = []
    for vehicle in driver_sheet(plan, user=user):
        for stop in vehicle["stops"]:
            rows.append(
                [
                    vehicle["vehicle"],
                    stop["number"],
                    stop["station"],
                    stop["name"],
                    stop.get("village", ""),
                    stop.get("address", ""),
                    stop.get("manager", ""),
                    stop.get("phone", ""),
                    stop["window"],
                    stop["arrival"],
                    stop["parcels"],
                    float(stop["kg"]),
                    " ".join(stop["waybills"]),
                    "",
                ]
            )
    sheet_title = _("Driver's sheet")
    return _plan_file(
        plan,
        title=f"{plan.county.name} · {plan.name} · {sheet_title}",
        sheet_name=sheet_title,
        columns=columns,
        rows=rows,
        slug="routes",
        day=plan.service_date,
    )


def schedule_grid(plan) -> tuple[list[tuple[int, str]], list[dict]]:
    """(weekday columns [(number, name)], rows: station with a yes/no per weekday column)."""
    from .forms import WEEKDAY_CHOICES

    names = dict(WEEKDAY_CHOICES)
    days = plan.result["weekdays"]
    columns = [(d, str(names[d])) for d in days]
    rows = []
    for row in plan.result["stations"]:
        rows.append({**row, "marks": [d in row["days"] for d in days]})
    return columns, rows


def schedule_workbook(plan) -> ExportFile:
    columns_days, rows = schedule_grid(plan)
    columns = [
        Col(_("Station code"), TEXT, 18),
        Col(_("Station"), PLAIN, 18),
        Col(_("Parcels a week"), PLAIN, 10),
        Col(_("Visits a week"), INT, 8),
        *[Col(name, PLAIN, 8) for _d, name in columns_days],
    ]
    return _plan_file(
        plan,
        title=f"{plan.county.name} · {plan.name}",
        sheet_name=_("Visit schedule"),
        columns=columns,
        rows=(
            [
                r["code"],
                r["name"],
                r["weekly_parcels"],
                r["frequency"],
                *["✓" if m else "" for m in r["marks"]],
            ]
            for r in rows
        ),
        slug="schedule",
        day=timezone.localdate(),
    )

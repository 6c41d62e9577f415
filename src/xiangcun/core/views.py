"""Platform pages: health check, protected media, the dashboard and its map data."""

import mimetypes
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count, Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from xiangcun.core.templatetags.xiangcun import facility_url
from xiangcun.evaluation import registry as indicators
from xiangcun.network.checks import is_compliant
from xiangcun.network.choices import STATUS_COLOURS, FacilityKind, SiteStatus
from xiangcun.network.selectors import (
    coverage_counts,
    facility_list,
    station_compliance,
    station_list,
    station_status_counts,
)
from xiangcun.network.standard import STANDARDS, STATION
from xiangcun.regions.selectors import county_list, township_list


@require_GET
@never_cache
def healthz(request):
    """`{"status": "ok", "database": {...}}`; HTTP 503 when the database does not answer."""
    db = {"vendor": connection.vendor}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        db["status"] = "ok"
    except Exception as exc:  # any database failure is reported, not raised
        db["status"] = "error"
        db["error"] = exc.__class__.__name__
    ok = db["status"] == "ok"
    return JsonResponse({"status": "ok" if ok else "error", "database": db}, status=200 if ok else 503)


@login_required
def protected_media(request, path: str):
    """Uploaded files (photos, evidence) are only served to signed-in users."""
    root = Path(settings.MEDIA_ROOT).resolve()
    target = (root / path).resolve()
    if root not in target.parents or not target.is_file():
        raise Http404
    content_type, _ = mimetypes.guess_type(target.name)
    return FileResponse(target.open("rb"), content_type=content_type or "application/octet-stream")


# --- dashboard and map --------------------------------------------------------------------------

# R1.5 / R1.3 coverage targets of the program, in percent, from the indicator registry.
VILLAGE_COVERAGE_TARGET = indicators.get("R1.5-village-coverage").target
POOR_VILLAGE_COVERAGE_TARGET = indicators.get("R1.5-poor-village-coverage").target
BROADBAND_TARGET = indicators.get("R1.5-broadband-coverage").target
EXPRESS_OUTLET_TARGET = indicators.get("R1.3-express-township-coverage").target


@dataclass
class Figure:
    """One key figure of the dashboard. `count` is the number of register rows behind `url`."""

    key: str
    label: str
    value: str
    detail: str
    target: str
    met: bool
    url: str
    count: int
    ref: str = ""
    more: list = field(default_factory=list)  # (text, url) links to the rows that are still missing


def selected_county(request):
    """The county a page shows: the user's own, or for a superuser `?county=<code>` (default the first).

    None when the user has no county (or no county is loaded); an unknown `?county=` is a 404.
    """
    user = request.user
    if not user.is_superuser:
        return user.county
    counties = county_list(user=user)
    code = request.GET.get("county", "")
    if code:
        county = counties.filter(code=code).first()
        if county is None:
            raise Http404
        return county
    return counties.first()


def scope_level(user) -> str:
    """ "county", "township" or "station": how far down the user's view of the county reaches."""
    if user.is_superuser:
        return "county"
    if user.station_id:
        return "station"
    if user.township_id:
        return "township"
    return "county"


def scoped_counts(user, county) -> dict[str, int]:
    """The keys of `coverage_counts`, counted over what `user` may see of `county` (for users confined
    to a township: their township's villages, stations and facilities)."""
    from xiangcun.regions.views import villages_with_station

    villages = villages_with_station(user).filter(county=county)
    townships = township_list(user=user).filter(county=county)
    facilities = facility_list(user=user).filter(county=county, status=SiteStatus.OPERATING)
    counts = {
        "villages": villages.count(),
        "poor_villages": villages.filter(is_poor=True).count(),
        "broadband_villages": villages.filter(has_broadband=True).count(),
        "townships": townships.count(),
        "townships_with_express_outlet": townships.filter(has_express_outlet=True).count(),
        "townships_express_known": townships.exclude(has_express_outlet=None).count(),
        "stations_operating": station_list(user=user)
        .filter(county=county, status=SiteStatus.OPERATING)
        .count(),
        "villages_with_station": villages.filter(has_station=True).count(),
        "poor_villages_with_station": villages.filter(has_station=True, is_poor=True).count(),
    }
    by_kind = dict(facilities.order_by().values_list("kind").annotate(n=Count("id")))
    for kind in FacilityKind.values:
        counts[f"facilities_operating_{kind}"] = by_kind.get(kind, 0)
    return counts


def _url(name: str, county, **params) -> str:
    query = {k: ("true" if v is True else "false" if v is False else v) for k, v in params.items()}
    if county is not None:
        query["county"] = county.code
    return f"{reverse(name)}?{urlencode(query)}" if query else reverse(name)


def _share(part: int, whole: int, target: int) -> tuple[str, bool]:
    if not whole:
        return "—", False
    pct = Decimal(part) * 100 / Decimal(whole)
    return f"{pct.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%", pct >= target


def key_figures(counts: dict[str, int], *, compliance: tuple[int, int], link_county=None) -> list[Figure]:
    """The program's key figures (R1.3–R1.5) from coverage counts, each linked to its register rows.

    `compliance` is (stations meeting the standard, all stations); `link_county` is added to the links
    for superusers (registers show them every county)."""
    c = counts
    lc = link_county
    station_target = STANDARDS[STATION].target_count
    figures = [
        Figure(
            "stations_operating",
            _("Village stations operating"),
            str(c["stations_operating"]),
            _("of %(n)s stations recorded") % {"n": compliance[1]},
            f"≥ {station_target}",
            c["stations_operating"] >= station_target,
            _url("network:station_list", lc, status=SiteStatus.OPERATING),
            c["stations_operating"],
            "R1.4",
        )
    ]
    value, met = _share(c["villages_with_station"], c["villages"], VILLAGE_COVERAGE_TARGET)
    figures.append(
        Figure(
            "village_coverage",
            _("Villages with an operating station"),
            value,
            _("%(part)s of %(whole)s villages")
            % {"part": c["villages_with_station"], "whole": c["villages"]},
            f"≥ {VILLAGE_COVERAGE_TARGET}%",
            met,
            _url("regions:village_list", lc, has_station=True),
            c["villages_with_station"],
            "R1.5",
            [
                (
                    _("%(n)s without") % {"n": c["villages"] - c["villages_with_station"]},
                    _url("regions:village_list", lc, has_station=False),
                )
            ],
        )
    )
    value, met = _share(c["poor_villages_with_station"], c["poor_villages"], POOR_VILLAGE_COVERAGE_TARGET)
    figures.append(
        Figure(
            "poor_village_coverage",
            _("Poor villages with an operating station"),
            value,
            _("%(part)s of %(whole)s poor villages")
            % {"part": c["poor_villages_with_station"], "whole": c["poor_villages"]},
            f"{POOR_VILLAGE_COVERAGE_TARGET}%",
            met,
            _url("regions:village_list", lc, is_poor=True, has_station=True),
            c["poor_villages_with_station"],
            "R1.5",
            [
                (
                    _("%(n)s without") % {"n": c["poor_villages"] - c["poor_villages_with_station"]},
                    _url("regions:village_list", lc, is_poor=True, has_station=False),
                )
            ],
        )
    )
    value, met = _share(c["broadband_villages"], c["villages"], BROADBAND_TARGET)
    figures.append(
        Figure(
            "broadband",
            _("Villages with broadband"),
            value,
            _("%(part)s of %(whole)s villages") % {"part": c["broadband_villages"], "whole": c["villages"]},
            f"≥ {BROADBAND_TARGET}%",
            met,
            _url("regions:village_list", lc, has_broadband=True),
            c["broadband_villages"],
            "R1.5",
            [
                (
                    _("%(n)s without") % {"n": c["villages"] - c["broadband_villages"]},
                    _url("regions:village_list", lc, has_broadband=False),
                )
            ],
        )
    )
    for kind, label in FacilityKind.choices:
        n = c[f"facilities_operating_{kind}"]
        target = STANDARDS[kind].target_count
        figures.append(
            Figure(
                f"facilities_{kind}",
                label,
                f"{n} / {target}",
                _("operating"),
                str(target),
                n >= target,
                _url("network:facility_list", lc, kind=kind, status=SiteStatus.OPERATING),
                n,
                STANDARDS[kind].ref,
                [(_("all of this kind"), _url("network:facility_list", lc, kind=kind))],
            )
        )
    value, met = _share(c["townships_with_express_outlet"], c["townships"], EXPRESS_OUTLET_TARGET)
    unknown = c["townships"] - c["townships_express_known"]
    figures.append(
        Figure(
            "express_outlets",
            _("Townships with an express outlet"),
            value,
            _("%(part)s of %(whole)s townships (%(unknown)s not recorded)")
            % {"part": c["townships_with_express_outlet"], "whole": c["townships"], "unknown": unknown},
            f"{EXPRESS_OUTLET_TARGET}%",
            met,
            _url("regions:township_list", lc, has_express_outlet=True),
            c["townships_with_express_outlet"],
            "R1.3",
            [
                (
                    _("%(n)s without")
                    % {"n": c["townships_express_known"] - c["townships_with_express_outlet"]},
                    _url("regions:township_list", lc, has_express_outlet=False),
                )
            ],
        )
    )
    compliant, total = compliance
    value, met = _share(compliant, total, 100)
    figures.append(
        Figure(
            "stations_compliant",
            _("Stations meeting the construction standard"),
            value,
            _("%(part)s of %(whole)s stations") % {"part": compliant, "whole": total},
            "100%",
            met,
            _url("network:station_list", lc, compliant=True),
            compliant,
            "R1.4",
            [
                (
                    _("%(n)s do not") % {"n": total - compliant},
                    _url("network:station_list", lc, compliant=False),
                )
            ],
        )
    )
    return figures


@login_required
def dashboard(request):
    """The program at a glance for the user's scope: key figures (each linked to its register rows),
    stations by status and the county map. A station manager sees their station instead of figures."""
    user = request.user
    county = selected_county(request)
    level = scope_level(user)
    context = {
        "county": county,
        "level": level,
        "counties": county_list(user=user) if user.is_superuser else [],
    }
    if county is None:
        return render(request, "core/dashboard.html", context)
    stations = station_list(user=user).filter(county=county)
    status_counts = station_status_counts(stations)
    link_county = county if user.is_superuser else None
    statuses = [
        {
            "status": status,
            "label": str(label),
            "colour": STATUS_COLOURS[status],
            "count": status_counts.get(status, 0),
            "url": _url("network:station_list", link_county, status=status),
        }
        for status, label in SiteStatus.choices
    ]
    context.update(
        statuses=statuses,
        station_total=sum(status_counts.values()),
        not_on_map=stations.filter(Q(latitude=None) | Q(longitude=None)).count(),
        map_url=_url("core:map_data", county if user.is_superuser else None),
    )
    if level == "station":
        station = stations.first()
        findings = station_compliance(stations.filter(pk=station.pk))[station.pk] if station else []
        context.update(station=station, blocking=[f for f in findings if f.blocking])
    else:
        counts = coverage_counts(county=county) if level == "county" else scoped_counts(user, county)
        findings = station_compliance(stations)
        compliant = sum(1 for f in findings.values() if is_compliant(f))
        context["figures"] = key_figures(
            counts, compliance=(compliant, len(findings)), link_county=link_county
        )
    return render(request, "core/dashboard.html", context)


def _point(obj) -> dict:
    return {"lat": float(obj.latitude), "lng": float(obj.longitude)}


@login_required
@require_GET
def map_data(request):
    """GeoJSON-ish map data of one county for the user's scope: the outline (WGS-84), township centers,
    every station (coloured by status) and facility with coordinates, and how many are not on the map.
    A station manager gets only their own station."""
    user = request.user
    county = selected_county(request)
    if county is None:
        raise Http404
    stations = station_list(user=user).filter(county=county).order_by("code")
    facilities = facility_list(user=user).filter(county=county)
    townships = township_list(user=user).filter(county=county).order_by("code")
    placed = [s for s in stations if s.has_coordinates]
    placed_facilities = [f for f in facilities if f.has_coordinates]
    counts = station_status_counts(stations)
    data = {
        "county": {
            "code": county.code,
            "name": county.name,
            "outline": county.outline,
            "center": _point(county)
            if county.latitude is not None and county.longitude is not None
            else None,
        },
        "townships": [
            {"id": t.pk, "name": t.name, "url": reverse("regions:township_detail", args=[t.pk]), **_point(t)}
            for t in townships
            if t.latitude is not None and t.longitude is not None
        ],
        "stations": [
            {
                "code": s.code,
                "name": s.name,
                "village": s.village.short_name,
                "township": s.township.name,
                "status": s.status,
                "status_label": str(s.get_status_display()),
                "colour": STATUS_COLOURS[s.status],
                "url": reverse("network:station_detail", args=[s.code]),
                **_point(s),
            }
            for s in placed
        ],
        "facilities": [
            {
                "code": f.code,
                "name": f.name,
                "kind": f.kind,
                "kind_label": str(f.get_kind_display()),
                "status": f.status,
                "status_label": str(f.get_status_display()),
                "colour": STATUS_COLOURS[f.status],
                "url": facility_url(f),
                **_point(f),
            }
            for f in placed_facilities
        ],
        "statuses": [
            {"status": s, "label": str(label), "colour": STATUS_COLOURS[s], "count": counts.get(s, 0)}
            for s, label in SiteStatus.choices
        ],
        "not_on_map": {
            "stations": sum(counts.values()) - len(placed),
            "facilities": len(facilities) - len(placed_facilities),
        },
    }
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})

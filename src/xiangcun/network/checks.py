"""The standards check: every requirement of the construction standard a facility or station misses.

Blocking findings make the site non-compliant; warnings (e.g. a village population not yet recorded,
so the area threshold is unknown) are shown but do not count against compliance.
"""

from collections import Counter
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import Facility, Station
from .standard import RND_CENTER_AREA_RANGE, STANDARDS, STATION, station_min_area

CATEGORY_CODES = {"room": "missing_room", "equipment": "missing_equipment", "signage": "missing_signage"}


@dataclass(frozen=True)
class Finding:
    code: str  # area_below_min, area_unknown, rnd_area_out_of_range, missing_room, missing_equipment,
    # missing_signage, duplicate_funded_station, population_unknown
    message: str
    requirement: str = ""  # the checklist code, for missing_* findings
    ref: str = ""  # requirement id in PROGRAM.md
    blocking: bool = True

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "requirement": self.requirement,
            "ref": self.ref,
            "message": self.message,
            "blocking": self.blocking,
        }


def _checklist_findings(site, kind_key: str) -> list[Finding]:
    standard = STANDARDS[kind_key]
    equipment = site.equipment or {}
    findings = []
    for req in standard.requirements:
        if req.only_if and not getattr(site, req.only_if, False):
            continue
        if not equipment.get(req.code):
            label = {
                "room": _("Missing room"),
                "equipment": _("Missing equipment"),
                "signage": _("Missing signage"),
            }[req.category]
            findings.append(
                Finding(
                    CATEGORY_CODES[req.category],
                    f"{label}: {req.name}",
                    requirement=req.code,
                    ref=standard.ref,
                )
            )
    return findings


def _area_findings(site, minimum, ref) -> list[Finding]:
    if site.area_m2 is None:
        return [
            Finding(
                "area_unknown",
                _("Area not recorded (the standard requires at least %(min)s m²).") % {"min": minimum},
                ref=ref,
            )
        ]
    if site.area_m2 < minimum:
        return [
            Finding(
                "area_below_min",
                _("Area %(area)s m² is below the required %(min)s m².")
                % {"area": site.area_m2, "min": minimum},
                ref=ref,
            )
        ]
    return []


def facility_findings(facility: Facility) -> list[Finding]:
    standard = STANDARDS[facility.kind]
    findings = _area_findings(facility, standard.min_area_m2, standard.ref)
    if facility.kind == "county_center" and (facility.equipment or {}).get("rnd_center"):
        low, high = RND_CENTER_AREA_RANGE
        area = facility.rnd_center_area_m2
        if area is None or not low <= area <= high:
            findings.append(
                Finding(
                    "rnd_area_out_of_range",
                    _("The R&D and experience center should be %(low)s–%(high)s m² (recorded: %(area)s).")
                    % {"low": low, "high": high, "area": "—" if area is None else area},
                    ref=standard.ref,
                )
            )
    return findings + _checklist_findings(facility, facility.kind)


def station_findings(station: Station, *, duplicate_funded: bool) -> list[Finding]:
    """Findings for one station; `duplicate_funded` says another funded station shares its village."""
    village = station.village
    ref = STANDARDS[STATION].ref
    findings = []
    minimum = station_min_area(population=village.population, is_poor=village.is_poor)
    if minimum is None:
        findings.append(
            Finding(
                "population_unknown",
                _("The village's population is not recorded, so the area threshold (5 or 10 m²) is unknown."),
                ref=ref,
                blocking=False,
            )
        )
        if station.area_m2 is None:
            findings.append(Finding("area_unknown", _("Area not recorded."), ref=ref))
    else:
        findings += _area_findings(station, minimum, ref)
    findings += _checklist_findings(station, STATION)
    if duplicate_funded:
        findings.append(
            Finding(
                "duplicate_funded_station",
                _(
                    "Another station in %(village)s is also built with central funds (at most one per village)."
                )
                % {"village": village.name},
                ref=ref,
            )
        )
    return findings


def funded_station_counts(stations, villages=None) -> Counter:
    """Village id → number of funded, not closed stations, for the villages of `stations`; or for
    `villages` when given (a queryset of village ids that includes theirs, read as a subquery: cheaper
    than a parameter per village when `stations` are most of a county's)."""
    if villages is None:
        villages = {s.village_id for s in stations}
    rows = (
        Station.objects.filter(village_id__in=villages, funded=True)
        .exclude(status="closed")
        .order_by()
        .values_list("village_id", flat=True)
    )
    return Counter(rows)


def stations_findings(stations, villages=None) -> dict[int, list[Finding]]:
    """Findings for many stations with one extra query; `stations` should select_related('village')
    (or be rows with the same attributes). `villages`: see `funded_station_counts`."""
    stations = list(stations)
    counts = funded_station_counts(stations, villages)
    return {
        s.pk: station_findings(
            s, duplicate_funded=s.funded and s.status != "closed" and counts[s.village_id] > 1
        )
        for s in stations
    }


def station_findings_one(station: Station) -> list[Finding]:
    return stations_findings([station])[station.pk]


def is_compliant(findings: list[Finding]) -> bool:
    return not any(f.blocking for f in findings)

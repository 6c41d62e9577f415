"""The scorecard: every indicator of the registry, valued for one county at the end of one year.

`build_scorecard(county=..., year=...)` reads the network once (the status history, the stations,
facilities, villages and townships, from which it takes the coverage counts of
`network.selectors.coverage_from` and the standards check) and the monthly rollups of station operations once
(`evaluation.operations`) and of deliveries (`evaluation.delivery`), and judges each indicator:

- `met` / `not_met` only for data-measured indicators whose inputs exist, compared exactly
  (ratios as fractions, so 49.96 % is not ≥ 50 % even though it shows as 50.0);
- `not_measured` for everything else: indicators measured from uploaded evidence, and data
  indicators whose module (funds, training …) does not exist yet. Never `met`.
- Where a fact is unknown (a township's express outlet, a village's population, poverty or
  broadband), unknowns count as "no": an indicator is `met` only when that is provable, and the
  reason says how many facts are missing.

Time: stations and facilities count as operating if their status at `as_of` (end of the year,
Asia/Shanghai) was operating according to the status history. Village and township facts
(population, poor village, broadband, express outlet) and station equipment have no history: the
current values are used for every year.
"""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext as _

from xiangcun.core.errors import ApplicationError
from xiangcun.network import checks
from xiangcun.network.choices import FacilityKind, SiteStatus
from xiangcun.network.models import Facility, Station, StatusChange
from xiangcun.network.selectors import coverage_from
from xiangcun.network.standard import STANDARDS, STATION_LARGE_VILLAGE_POPULATION
from xiangcun.regions.choices import FactSource
from xiangcun.regions.models import County, Township, Village

from . import delivery, operations, registry
from .links import register_url
from .registry import Indicator
from .results import (  # noqa: F401 (re-exported: the scorecard's public names)
    UNIT_LABELS,
    IndicatorResult,
    Scorecard,
    VetoResult,
    _count,
    _module_reason,
    _name,
    _not_measured,
    _ratio,
    format_target,
    percent,
)

# The program's county is in China: a year ends at midnight Beijing time whatever the server's zone.
SHANGHAI = ZoneInfo("Asia/Shanghai")
YEAR_MIN, YEAR_MAX = 2015, 2100

# R13: construction progress below this share of the plan triggers the veto.
PROGRESS_VETO_PERCENT = 40
# What the plan builds (R1.1–R1.4): the denominator of construction progress.
PLANNED_UNITS = {
    "stations": STANDARDS["village_station"].target_count,
    FacilityKind.COUNTY_CENTER: STANDARDS[FacilityKind.COUNTY_CENTER].target_count,
    FacilityKind.COUNTY_WAREHOUSE: STANDARDS[FacilityKind.COUNTY_WAREHOUSE].target_count,
    FacilityKind.TOWNSHIP_CENTER: STANDARDS[FacilityKind.TOWNSHIP_CENTER].target_count,
}

# --- the network as of a date -------------------------------------------------------------------


class NetworkFacts:
    """Everything the network indicators need, read once: the county's coverage counts at `as_of`,
    which stations and facilities were operating at `as_of` and at each milestone deadline before it
    (from the status history), the standards findings of those operating at `as_of`, and the
    villages' facts."""

    # What the standards check reads of a station and its village (the rest is not loaded); see _StationRow.
    STATION_FIELDS = (
        "id",
        "village_id",
        "area_m2",
        "equipment",
        "funded",
        "status",
        "village__name",
        "village__population",
        "village__is_poor",
    )

    def __init__(self, *, county: County, as_of: datetime):
        self.county = county
        self.as_of = as_of
        moments = {as_of} | {
            _deadline_end(i.deadline)
            for i in registry.INDICATORS
            if i.deadline and i.deadline <= as_of.date()
        }
        self._operating = self._operating_at_moments(sorted(moments))
        stations_now, facilities_now = self.operating_at(as_of)
        stations = [
            _StationRow(*row)
            for row in Station.objects.filter(county=county).values_list(*self.STATION_FIELDS)
            if row[0] in stations_now
        ]
        self.facilities = {f.pk: f for f in Facility.objects.filter(county=county)}
        # Funded stations counted over the villages of all the county's stations (a subquery).
        self.station_findings = checks.stations_findings(
            stations, villages=Station.objects.filter(county=county).values("village_id")
        )
        self.stations = {s.pk: s for s in stations}
        self.facility_findings = {
            pk: checks.facility_findings(self.facilities[pk])
            for pk in facilities_now
            if pk in self.facilities
        }
        self.villages = list(
            Village.objects.filter(county=county).values_list(
                "pk", "population", "is_poor", "has_broadband", "facts_source"
            )
        )
        # The coverage counts from what is read above (the same as `coverage_counts(at=as_of)`).
        self.counts = coverage_from(
            villages=((pk, poor, broadband) for pk, _pop, poor, broadband, _source in self.villages),
            express_outlets=Township.objects.filter(county=county).values_list(
                "has_express_outlet", flat=True
            ),
            station_villages=[s.village_id for s in stations],
            facility_kinds=[self.facilities[pk].kind for pk in facilities_now if pk in self.facilities],
        )

    def _operating_at_moments(self, moments: list[datetime]) -> dict[datetime, tuple[set[int], set[int]]]:
        """For each moment: (station ids, facility ids) whose last status change by then is to operating.

        One pass over the history. Each change is tagged in SQL with the first moment it precedes, so
        no timestamp is converted in Python (that conversion was a third of the scorecard's time).
        """
        period = Case(
            *[When(effective_at__lte=m, then=Value(k)) for k, m in enumerate(moments)],
            default=Value(len(moments)),
            output_field=IntegerField(),
        )
        rows = (
            StatusChange.objects.filter(county=self.county, effective_at__lte=moments[-1])
            .order_by("effective_at", "id")
            .annotate(period=period)
            .values_list("station_id", "facility_id", "to_status", "period")
        )
        status: dict[tuple[str, int], str] = {}
        result = {}
        rows = iter(rows)
        pending = next(rows, None)
        for k, moment in enumerate(moments):
            while pending is not None and pending[3] <= k:
                station_id, facility_id, to_status, _period = pending
                key = ("station", station_id) if station_id is not None else ("facility", facility_id)
                status[key] = to_status
                pending = next(rows, None)
            operating = [key for key, s in status.items() if s == SiteStatus.OPERATING]
            result[moment] = (
                {pk for kind, pk in operating if kind == "station"},
                {pk for kind, pk in operating if kind == "facility"},
            )
        return result

    def operating_at(self, at: datetime) -> tuple[set[int], set[int]]:
        """(station ids, facility ids) operating at `at`: `as_of` or a milestone deadline before it."""
        return self._operating[at]

    def facilities_operating(self, facility_ids: set[int], kind: str) -> int:
        return sum(1 for pk in facility_ids if pk in self.facilities and self.facilities[pk].kind == kind)


class _StationRow:
    """The fields of an operating station (`NetworkFacts.STATION_FIELDS`) that the standards check and
    the indicators read, with its village's as `village`: plain values, since building model instances
    for every station of the county took a tenth of the scorecard's time."""

    __slots__ = ("pk", "village_id", "area_m2", "equipment", "funded", "status", "village")

    def __init__(self, pk, village_id, area_m2, equipment, funded, status, village_name, population, is_poor):
        self.pk, self.village_id, self.area_m2, self.equipment = pk, village_id, area_m2, equipment
        self.funded, self.status = funded, status
        self.village = SimpleNamespace(name=village_name, population=population, is_poor=is_poor)


# --- the network indicators ---------------------------------------------------------------------


def _village_coverage(ind: Indicator, facts: NetworkFacts) -> IndicatorResult:
    c = facts.counts
    link = register_url("regions:village_list", has_station=False)
    if not c["villages"]:
        return _not_measured(ind, _("The county has no villages."))
    return _ratio(ind, c["villages_with_station"], c["villages"], link=link)


def _unknown_facts(facts: NetworkFacts) -> int:
    return sum(1 for *_, source in facts.villages if source == FactSource.UNKNOWN)


def _facts_reason(unknown: int) -> str:
    return _(
        "%(n)s villages have no recorded facts (population, poverty, broadband); they count as “no”."
    ) % {"n": unknown}


def _poor_village_coverage(ind: Indicator, facts: NetworkFacts) -> IndicatorResult:
    c = facts.counts
    link = register_url("regions:village_list", is_poor=True, has_station=False)
    unknown = _unknown_facts(facts)
    if unknown == len(facts.villages):
        return _not_measured(ind, _("No village's facts are recorded yet."), link)
    if not c["poor_villages"]:
        return _not_measured(ind, _("No registered poor village is recorded."), link)
    # An unrecorded village may be poor and without a station: 100 % cannot be proven.
    return _ratio(
        ind,
        c["poor_villages_with_station"],
        c["poor_villages"],
        link=link,
        reason=_facts_reason(unknown) if unknown else "",
        provable=not unknown,
    )


def _broadband_coverage(ind: Indicator, facts: NetworkFacts) -> IndicatorResult:
    c = facts.counts
    link = register_url("regions:village_list", has_broadband=False)
    unknown = _unknown_facts(facts)
    if unknown == len(facts.villages):
        return _not_measured(ind, _("No village's facts are recorded yet."), link)
    # Unknown villages count as without broadband, so the value is a lower bound: met stays provable.
    return _ratio(
        ind,
        c["broadband_villages"],
        c["villages"],
        link=link,
        reason=_facts_reason(unknown) if unknown else "",
    )


def _large_village_coverage(ind: Indicator, facts: NetworkFacts) -> IndicatorResult:
    link = register_url("regions:village_list", has_station=False)
    covered = {s.village_id for s in facts.stations.values()}
    known = [(pk, pop) for pk, pop, _poor, _broadband, _source in facts.villages if pop is not None]
    if not known:
        return _not_measured(ind, _("No village's population is recorded yet."), link)
    large = [pk for pk, pop in known if pop >= STATION_LARGE_VILLAGE_POPULATION]
    if not large:
        return _not_measured(ind, _("No village of 500 or more residents is recorded."), link)
    unknown = len(facts.villages) - len(known)
    reason = (
        _("%(n)s villages have no recorded population; they may also need a station.") % {"n": unknown}
        if unknown
        else ""
    )
    return _ratio(
        ind,
        sum(1 for pk in large if pk in covered),
        len(large),
        link=link,
        reason=reason,
        provable=not unknown,
    )


def _facility_count(kind: str, link_kind: str) -> Callable[[Indicator, NetworkFacts], IndicatorResult]:
    def compute(ind: Indicator, facts: NetworkFacts) -> IndicatorResult:
        return _count(
            ind,
            facts.counts[f"facilities_operating_{kind}"],
            link=register_url("network:facility_list", kind=link_kind, status=SiteStatus.OPERATING),
        )

    return compute


def _stations(ind: Indicator, facts: NetworkFacts) -> IndicatorResult:
    return _count(
        ind,
        facts.counts["stations_operating"],
        link=register_url("network:station_list", status=SiteStatus.OPERATING),
    )


def _equipment_note() -> str:
    # Equipment and areas have no history: a site's current checklist is judged for every year.
    return _("Judged on the current equipment checklist and areas (they have no history).")


def _compliance(ind: Indicator, findings: dict, link: str, nothing: str) -> IndicatorResult:
    if not findings:
        return _not_measured(ind, nothing, link)
    compliant = sum(1 for f in findings.values() if checks.is_compliant(f))
    return _ratio(ind, compliant, len(findings), link=link, reason=_equipment_note())


def _facility_findings_of(facts: NetworkFacts, kinds: set[str]) -> dict:
    return {pk: f for pk, f in facts.facility_findings.items() if facts.facilities[pk].kind in kinds}


def _overall_compliance(ind: Indicator, facts: NetworkFacts) -> IndicatorResult:
    findings = {("station", pk): f for pk, f in facts.station_findings.items()}
    findings.update({("facility", pk): f for pk, f in facts.facility_findings.items()})
    return _compliance(
        ind,
        findings,
        register_url("network:station_list", compliant=False),
        _("No facility or station was operating."),
    )


def _county_center_compliance(ind: Indicator, facts: NetworkFacts) -> IndicatorResult:
    return _compliance(
        ind,
        _facility_findings_of(facts, {FacilityKind.COUNTY_CENTER}),
        register_url("network:facility_list", kind=FacilityKind.COUNTY_CENTER),
        _("No county service center was operating."),
    )


def _logistics_compliance(ind: Indicator, facts: NetworkFacts) -> IndicatorResult:
    return _compliance(
        ind,
        _facility_findings_of(facts, {FacilityKind.COUNTY_WAREHOUSE, FacilityKind.TOWNSHIP_CENTER}),
        register_url("network:facility_list", status=SiteStatus.OPERATING),
        _("No warehouse or township delivery center was operating."),
    )


def _station_compliance(ind: Indicator, facts: NetworkFacts) -> IndicatorResult:
    return _compliance(
        ind,
        facts.station_findings,
        register_url("network:station_list", compliant=False),
        _("No station was operating."),
    )


def _duplicate_funded(ind: Indicator, facts: NetworkFacts) -> IndicatorResult:
    link = register_url("network:station_list", funded=True, compliant=False)
    if not facts.stations:
        return _not_measured(ind, _("No station was operating."), link)
    villages = {
        facts.stations[pk].village_id
        for pk, findings in facts.station_findings.items()
        if any(f.code == "duplicate_funded_station" for f in findings)
    }
    return _count(
        ind,
        len(villages),
        link=link,
        reason=_("Counted among the villages of stations operating at the end of the year."),
    )


def _deadline_end(d: date) -> datetime:
    return datetime.combine(d + timedelta(days=1), time.min, tzinfo=SHANGHAI) - timedelta(microseconds=1)


def _milestone(compute: Callable[[Indicator, NetworkFacts, set, set], IndicatorResult]):
    """A schedule milestone: judged on the status at its deadline, once the scorecard's date has reached it."""

    def wrapper(ind: Indicator, facts: NetworkFacts) -> IndicatorResult:
        if ind.deadline > facts.as_of.date():
            return _not_measured(
                ind, _("Its deadline %(date)s comes after this scorecard's date.") % {"date": ind.deadline}
            )
        stations, facilities = facts.operating_at(_deadline_end(ind.deadline))
        return compute(ind, facts, stations, facilities)

    return wrapper


def _at_deadline(ind: Indicator) -> str:
    return _("Status on %(date)s.") % {"date": ind.deadline}


@_milestone
def _county_center_by_deadline(ind, facts, _stations, facilities) -> IndicatorResult:
    return _count(
        ind,
        facts.facilities_operating(facilities, FacilityKind.COUNTY_CENTER),
        link=register_url("network:facility_list", kind=FacilityKind.COUNTY_CENTER),
        reason=_at_deadline(ind),
    )


@_milestone
def _logistics_by_deadline(ind, facts, _stations, facilities) -> IndicatorResult:
    # Planned units operating, each kind capped at its plan: six township centers don't replace the warehouse.
    done = sum(
        min(facts.facilities_operating(facilities, kind), PLANNED_UNITS[kind])
        for kind in (FacilityKind.COUNTY_WAREHOUSE, FacilityKind.TOWNSHIP_CENTER)
    )
    planned = PLANNED_UNITS[FacilityKind.COUNTY_WAREHOUSE] + PLANNED_UNITS[FacilityKind.TOWNSHIP_CENTER]
    return _ratio(
        ind,
        done,
        planned,
        link=register_url("network:facility_list", status=SiteStatus.OPERATING),
        reason=_at_deadline(ind),
    )


@_milestone
def _stations_by_deadline(ind, facts, stations, _facilities) -> IndicatorResult:
    return _count(
        ind,
        len(stations),
        link=register_url("network:station_list", status=SiteStatus.OPERATING),
        reason=_at_deadline(ind),
    )


# Indicator id → how it is computed. Every other indicator is not measured (see `_module_reason`).
COMPUTED: dict[str, Callable[[Indicator, NetworkFacts], IndicatorResult]] = {
    "R1.1-county-center": _facility_count(FacilityKind.COUNTY_CENTER, FacilityKind.COUNTY_CENTER),
    "R1.1-county-center-standard": _county_center_compliance,
    "R1.2-county-warehouse": _facility_count(FacilityKind.COUNTY_WAREHOUSE, FacilityKind.COUNTY_WAREHOUSE),
    "R1.3-township-centers": _facility_count(FacilityKind.TOWNSHIP_CENTER, FacilityKind.TOWNSHIP_CENTER),
    "R1.2-logistics-standard": _logistics_compliance,
    "R1.4-stations": _stations,
    "R1.4-station-standard": _station_compliance,
    "R1.4-one-funded-station-per-village": _duplicate_funded,
    "R1.4-large-village-coverage": _large_village_coverage,
    "R1.5-village-coverage": _village_coverage,
    "R1.5-poor-village-coverage": _poor_village_coverage,
    "R1.5-broadband-coverage": _broadband_coverage,
    "R1-facility-standard-compliance": _overall_compliance,
    "R10-county-center-by-2017-12": _county_center_by_deadline,
    "R10-logistics-centers-by-2018-08": _logistics_by_deadline,
    "R10-stations-by-2018-08": _stations_by_deadline,
}


# --- the one-vote veto --------------------------------------------------------------------------


def construction_progress(counts: dict) -> tuple[int, int]:
    """(planned units operating, planned units): stations and each facility kind capped at the plan."""
    done = min(counts["stations_operating"], PLANNED_UNITS["stations"]) + sum(
        min(counts[f"facilities_operating_{kind}"], PLANNED_UNITS[kind]) for kind in FacilityKind.values
    )
    return done, sum(PLANNED_UNITS.values())


def _veto_progress(ind: Indicator, facts: NetworkFacts) -> VetoResult:
    done, planned = construction_progress(facts.counts)
    share = percent(done, planned)
    link = register_url("network:station_list", status=SiteStatus.OPERATING)
    values = {"share": share, "done": done, "planned": planned, "limit": PROGRESS_VETO_PERCENT}
    if Fraction(100 * done, planned) < PROGRESS_VETO_PERCENT:
        reason = _(
            "Construction progress %(share)s%% (%(done)s of %(planned)s planned units) is below %(limit)s%%."
        )
        return VetoResult(ind, _name(ind), True, reason % values, link)
    reason = _(
        "Construction progress %(share)s%% (%(done)s of %(planned)s planned units) is at least %(limit)s%%; "
        "fund disbursement progress is not measured yet (funds module, to come)."
    )
    return VetoResult(ind, _name(ind), None, reason % values, link)


# Veto item id → how it is computed; the others are not measured (triggered None).
COMPUTED_VETO: dict[str, Callable[[Indicator, NetworkFacts], VetoResult]] = {"R13-progress": _veto_progress}


def _veto(ind: Indicator, facts: NetworkFacts) -> VetoResult:
    compute = COMPUTED_VETO.get(ind.id)
    return compute(ind, facts) if compute else VetoResult(ind, _name(ind), None, _module_reason(ind))


def computed_ids() -> set[str]:
    """Ids of the indicators and veto items this version computes from data."""
    return set(COMPUTED) | set(operations.COMPUTED) | set(delivery.COMPUTED) | set(COMPUTED_VETO)


# --- building -----------------------------------------------------------------------------------


def year_end(year: int) -> datetime:
    """The last instant of `year` in Beijing time."""
    return _deadline_end(date(year, 12, 31))


def validate_year(year) -> int:
    """`year` as an int in YEAR_MIN–YEAR_MAX, or ApplicationError with a `year` field error."""
    try:
        value = int(year)
    except (TypeError, ValueError):
        value = None
    if value is None or str(value) != str(year).strip() or not YEAR_MIN <= value <= YEAR_MAX:
        message = _("Enter a year from %(min)s to %(max)s.") % {"min": YEAR_MIN, "max": YEAR_MAX}
        raise ApplicationError(message, code="invalid_year", fields={"year": [message]})
    return value


def resolve_county(county) -> County:
    """A County, or the county with this code (str or int); ApplicationError (404) if there is none."""
    if isinstance(county, County):
        return county
    found = County.objects.defer("outline").filter(code=str(county).strip()).first()
    if found is None:
        raise ApplicationError(
            _("There is no county with code %(code)s.") % {"code": county},
            code="unknown_county",
            fields={"county": [_("Unknown county.")]},
            status=404,
        )
    return found


def build_scorecard(*, county: County | str | int, year: int) -> Scorecard:
    """Every indicator of the registry for `county` as of the end of `year` (Asia/Shanghai).

    Raises ApplicationError for an unknown county (code `unknown_county`, status 404) or a year
    outside 2015–2100 (code `invalid_year`). Reads the network and the rollups once each, whatever the
    number of indicators; never the raw ledger.
    """
    year = validate_year(year)
    county = resolve_county(county)
    as_of = year_end(year)
    facts = NetworkFacts(county=county, as_of=as_of)
    ops = operations.OperationsFacts(county=county, year=year, as_of=as_of)
    logistics = delivery.DeliveryFacts(
        county=county,
        year=year,
        as_of=as_of,
        facilities=facts.facilities,
        operating_facilities=facts.operating_at(as_of)[1],
    )
    results = []
    for ind in registry.scored():
        if ind.id in COMPUTED:
            results.append(COMPUTED[ind.id](ind, facts))
        elif ind.id in operations.COMPUTED:
            results.append(operations.COMPUTED[ind.id](ind, ops))
        elif ind.id in delivery.COMPUTED:
            results.append(delivery.COMPUTED[ind.id](ind, logistics))
        else:
            results.append(_not_measured(ind, _module_reason(ind)))
    veto = [_veto(ind, facts) for ind in registry.veto_items()]
    return Scorecard(county=county, year=year, as_of=as_of, indicators=results, veto=veto)


# --- output -------------------------------------------------------------------------------------


def _json_number(value):
    # Percentages carry one decimal, which a float shows exactly as written (33.3); a date (done on) as ISO.
    if isinstance(value, date):
        return value.isoformat()
    return float(value) if isinstance(value, Decimal) else value


def _json_target(target):
    if isinstance(target, bool):
        return target
    if isinstance(target, date):
        return target.isoformat()
    if isinstance(target, tuple):
        return list(target)
    return _json_number(target)


def scorecard_to_dict(scorecard: Scorecard) -> dict:
    """The scorecard's JSON (CLI and API): `name` is the Chinese name (`name_en` beside it);
    `numerator`/`denominator` are numbers for every ratio and average (counts, seconds, or yuan), for the
    yes/no requirements counted from data (e.g. observations met / observations) and for the delivery
    days (parcels on time / parcels delivered), null otherwise; `value` is a number (a percentage with
    one decimal for ratios), true/false for a yes/no requirement, an ISO date (done on), or null when not
    measured; `target` is a number,
    [low, high], true (a yes/no requirement) or an ISO date (done by then)."""
    return {
        "county": scorecard.county.code,
        "year": scorecard.year,
        "indicators": [
            {
                "id": r.id,
                "ref": r.ref,
                "name": r.name_zh,
                "name_en": r.name_en,
                "target": _json_target(r.target),
                "comparator": r.comparator,
                "value": _json_number(r.value),
                "unit": r.unit,
                "status": r.status,
                "numerator": _json_number(r.numerator),
                "denominator": _json_number(r.denominator),
                "reason": r.reason,
            }
            for r in scorecard.indicators
        ],
        "veto": [
            {
                "id": v.id,
                "name": v.name_zh,
                "name_en": v.name_en,
                "triggered": v.triggered,
                "reason": v.reason,
            }
            for v in scorecard.veto
        ],
    }

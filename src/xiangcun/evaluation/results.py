"""Results of the scorecard and how a value is judged against its target.

`IndicatorResult` / `VetoResult` / `Scorecard` are what `scorecard.build_scorecard` returns; `_count`,
`_ratio`, `_average`, `_yes_no` and `_not_measured` build results from measured values, judged exactly
(ratios as fractions). Shared by the network indicators (`scorecard`) and the station-operation
indicators (`operations`).
"""

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from xiangcun.regions.models import County

from . import registry
from .choices import STATUS_COLOURS, IndicatorStatus
from .links import with_county
from .registry import Indicator

UNIT_LABELS = {
    "%": "%",
    "count": gettext_lazy("count"),
    "persons": gettext_lazy("persons"),
    "person-times": gettext_lazy("person-times"),
    "yuan/year": gettext_lazy("yuan/year"),
    "yuan/station/month": gettext_lazy("yuan/station/month"),
    "orders/station/month": gettext_lazy("orders/station/month"),
    "days": gettext_lazy("days"),
    "working days": gettext_lazy("working days"),
    "date": gettext_lazy("date"),
    "": "",
}
COMPARATOR_SYMBOLS = {">=": "≥", "<=": "≤", "==": "="}


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator's value on the scorecard. `name` is in the active language; `numerator` and
    `denominator` are set for every ratio (value = numerator / denominator in %, 1 decimal);
    `link` is the register page listing the rows behind the value ("" when there is none)."""

    indicator: Indicator
    name: str
    status: str
    value: int | Decimal | bool | None = None
    numerator: int | Decimal | None = None
    denominator: int | Decimal | None = None
    link: str = ""
    reason: str = ""

    id = property(lambda self: self.indicator.id)
    ref = property(lambda self: self.indicator.ref)
    name_zh = property(lambda self: self.indicator.name_zh)
    name_en = property(lambda self: self.indicator.name_en)
    target = property(lambda self: self.indicator.target)
    comparator = property(lambda self: self.indicator.comparator)
    unit = property(lambda self: self.indicator.unit)
    measured = property(lambda self: self.indicator.measured)

    @property
    def unit_label(self) -> str:
        return str(UNIT_LABELS[self.unit])

    @property
    def target_display(self) -> str:
        return format_target(self.indicator)

    @property
    def value_display(self) -> str:
        if isinstance(self.value, bool):
            return _("yes") if self.value else _("no")
        return "—" if self.value is None else str(self.value)

    @property
    def status_label(self) -> str:
        return str(IndicatorStatus(self.status).label)

    @property
    def colour(self) -> str:
        return STATUS_COLOURS[self.status]


@dataclass(frozen=True)
class VetoResult:
    """A one-vote-veto item (一票否决): `triggered` True (vetoed), False (provably clear) or None
    (not measured). Nothing is False without evidence, so today every item is True or None."""

    indicator: Indicator
    name: str
    triggered: bool | None
    reason: str
    link: str = ""

    id = property(lambda self: self.indicator.id)
    name_zh = property(lambda self: self.indicator.name_zh)
    name_en = property(lambda self: self.indicator.name_en)

    @property
    def badge_status(self) -> str:
        """The indicator status whose colour the veto badge takes (vetoed red, clear green, else grey)."""
        if self.triggered is None:
            return IndicatorStatus.NOT_MEASURED
        return IndicatorStatus.NOT_MET if self.triggered else IndicatorStatus.MET

    @property
    def colour(self) -> str:
        return STATUS_COLOURS[self.badge_status]


@dataclass(frozen=True)
class RequirementGroup:
    ref: str
    title: str
    results: list[IndicatorResult]


@dataclass
class Scorecard:
    county: County
    year: int
    as_of: datetime
    indicators: list[IndicatorResult] = field(default_factory=list)
    veto: list[VetoResult] = field(default_factory=list)

    def result(self, indicator_id: str) -> IndicatorResult:
        return next(r for r in self.indicators if r.id == indicator_id)

    def by_requirement(self) -> list[RequirementGroup]:
        """Results grouped by requirement R1…R13, in registry order within each."""
        zh = _is_chinese()
        groups = []
        for ref, (title_zh, title_en) in registry.REQUIREMENTS.items():
            results = [r for r in self.indicators if r.indicator.requirement == ref]
            if results:
                groups.append(RequirementGroup(ref, title_zh if zh else title_en, results))
        return groups

    def summary(self) -> dict[str, int]:
        """Status → number of indicators, for every status (zero included)."""
        counts = dict.fromkeys(IndicatorStatus.values, 0)
        for r in self.indicators:
            counts[r.status] += 1
        return counts

    def summary_badges(self) -> list[dict]:
        """For each status in order: its value, label, colour and number of indicators."""
        counts = self.summary()
        return [
            {"status": s.value, "label": s.label, "colour": STATUS_COLOURS[s], "count": counts[s.value]}
            for s in IndicatorStatus
        ]

    @property
    def vetoed(self) -> bool:
        return any(v.triggered for v in self.veto)

    def with_county_in_links(self) -> "Scorecard":
        """A copy whose links name the county (for superusers, whose registers show every county)."""
        code = self.county.code
        return replace(
            self,
            indicators=[replace(r, link=with_county(r.link, code)) for r in self.indicators],
            veto=[replace(v, link=with_county(v.link, code)) for v in self.veto],
        )


# --- judging ------------------------------------------------------------------------------------


def _meets(indicator: Indicator, value) -> bool:
    target, comparator = indicator.target, indicator.comparator
    if comparator == ">=":
        return value >= target
    if comparator == "<=":
        return value <= target
    if comparator == "==":
        return value == target
    if comparator == "between":
        low, high = target
        return low <= value <= high
    return bool(value)


def percent(numerator: int, denominator: int) -> Decimal:
    """numerator / denominator in %, rounded half up to 1 decimal (2/6 → 33.3, 4/6 → 66.7)."""
    return (Decimal(100 * numerator) / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _name(indicator: Indicator) -> str:
    return indicator.name_zh if _is_chinese() else indicator.name_en


def _is_chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


def _not_measured(indicator: Indicator, reason: str, link: str = "") -> IndicatorResult:
    return IndicatorResult(
        indicator, _name(indicator), IndicatorStatus.NOT_MEASURED, link=link, reason=reason
    )


def _count(indicator: Indicator, value: int, *, link: str = "", reason: str = "") -> IndicatorResult:
    status = IndicatorStatus.MET if _meets(indicator, value) else IndicatorStatus.NOT_MET
    return IndicatorResult(indicator, _name(indicator), status, value=value, link=link, reason=reason)


def _ratio(
    indicator: Indicator,
    numerator: int,
    denominator: int,
    *,
    link: str = "",
    reason: str = "",
    provable: bool = True,
) -> IndicatorResult:
    """A percentage judged exactly; with `provable` False (facts missing) it can be at best not_met."""
    meets = _meets(indicator, Fraction(100 * numerator, denominator))
    status = IndicatorStatus.MET if meets and provable else IndicatorStatus.NOT_MET
    return IndicatorResult(
        indicator,
        _name(indicator),
        status,
        value=percent(numerator, denominator),
        numerator=numerator,
        denominator=denominator,
        link=link,
        reason=reason,
    )


def _module_reason(indicator: Indicator) -> str:
    if indicator.measured == "evidence":
        # Evidence upload and assessment (status `manual`) come with a later version of this app.
        return _("Not measured yet: needs evidence assessed by a person (evidence upload is not built yet).")
    return _("Not measured yet: needs data from the %(module)s module, to come.") % {
        "module": indicator.module
    }


def _average(
    indicator: Indicator, numerator: int | Decimal, denominator: int, *, link: str = "", reason: str = ""
) -> IndicatorResult:
    """A mean (numerator / denominator, e.g. orders per station-month), judged exactly, shown to 1 decimal."""
    exact = Fraction(numerator) / denominator
    status = IndicatorStatus.MET if _meets(indicator, exact) else IndicatorStatus.NOT_MET
    value = (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return IndicatorResult(
        indicator,
        _name(indicator),
        status,
        value=value,
        numerator=numerator,
        denominator=denominator,
        link=link,
        reason=reason,
    )


def _yes_no(
    indicator: Indicator, holds: bool, *, link: str = "", reason: str = "", **counts
) -> IndicatorResult:
    """A yes/no requirement (comparator "bool") judged from data; `counts` may give numerator/denominator."""
    status = IndicatorStatus.MET if holds else IndicatorStatus.NOT_MET
    return IndicatorResult(
        indicator, _name(indicator), status, value=holds, link=link, reason=reason, **counts
    )


def format_target(ind: Indicator) -> str:
    """The target as people read it: "≥ 50", "5–10", "≤ 2018-01-31", "yes"."""
    target = ind.target
    if ind.comparator == "bool":
        return _("yes")
    if ind.comparator == "between":
        return f"{target[0]}–{target[1]}"
    return f"{COMPARATOR_SYMBOLS[ind.comparator]} {target}"

"""The indicator registry: every row of the reference standard and every target of the work plan.

Source: 《大名县2017年电子商务进农村综合示范工作方案》 and its annex 《…项目建设运营参考标准》
(`evaluation/data/daming-2017-rural-ecommerce-work-plan.zh.txt`; PROGRAM.md R1–R13 is the digest). Each `Indicator`
quotes its source word for word in `quote` (fragments joined by "……"); the tests check every fragment
against the source text, that each row of the standard is present, and that ids are unique.

Ids are stable (`<R-id>-<slug>`): the API, the CLI, reports and bookmarks refer to them. Rename never;
retire an indicator only with a migration of whatever stored results refer to it.

The package imports nothing from Django: it is plain data, read by the scorecard, the API, the CLI
and `python -m xiangcun.evaluation.indicators_doc` (which writes docs/indicators.md).
"""

from . import development, management, network, performance
from .types import (
    COMPARATORS,
    GROUPS,
    MEASURED,
    REQUIREMENTS,
    STANDARD_ROWS,
    UNITS,
    Indicator,
    Target,
)

__all__ = [
    "BY_ID",
    "COMPARATORS",
    "GROUPS",
    "INDICATORS",
    "MEASURED",
    "REQUIREMENTS",
    "STANDARD_ROWS",
    "UNITS",
    "Indicator",
    "Target",
    "get",
    "scored",
    "veto_items",
]

INDICATORS: tuple[Indicator, ...] = (
    *network.INDICATORS,
    *development.INDICATORS,
    *management.INDICATORS,
    *performance.INDICATORS,
)

BY_ID: dict[str, Indicator] = {i.id: i for i in INDICATORS}


def get(indicator_id: str) -> Indicator:
    """The indicator with this id (KeyError if there is none)."""
    return BY_ID[indicator_id]


def scored() -> list[Indicator]:
    """Indicators shown with a status on the scorecard (everything but the one-vote-veto items)."""
    return [i for i in INDICATORS if not i.veto]


def veto_items() -> list[Indicator]:
    return [i for i in INDICATORS if i.veto]

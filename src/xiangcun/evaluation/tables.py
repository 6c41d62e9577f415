"""The scorecard as a plain-text table for the terminal (`xiangcun evaluate --format table`)."""

import unicodedata

from django.utils.translation import gettext as _

from .choices import IndicatorStatus
from .scorecard import Scorecard


def display_width(text: str) -> int:
    """Terminal columns `text` takes: wide and full-width characters (Chinese) take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def render_rows(header: list[str], rows: list[list[str]]) -> list[str]:
    """Rows with columns aligned by display width, separated by two spaces; a rule under the header."""
    widths = [max(display_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def scorecard_table(scorecard: Scorecard) -> str:
    """The indicators (id, name, target, value, unit, numerator/denominator, status) and the veto items."""
    title = _("Scorecard of %(county)s (%(code)s), %(year)s, as of %(as_of)s") % {
        "county": scorecard.county.name,
        "code": scorecard.county.code,
        "year": scorecard.year,
        "as_of": scorecard.as_of.strftime("%Y-%m-%d %H:%M %Z"),
    }
    header = [_("ID"), _("Indicator"), _("Target"), _("Value"), _("Unit"), _("N/D"), _("Status")]
    rows = [
        [
            r.id,
            r.name,
            r.target_display,
            r.value_display,
            r.unit_label,
            f"{r.numerator}/{r.denominator}" if r.denominator is not None else "",
            r.status_label,
        ]
        for r in scorecard.indicators
    ]
    summary = ", ".join(f"{label}: {scorecard.summary()[value]}" for value, label in _status_labels().items())
    veto_header = [_("ID"), _("One-vote veto"), _("Triggered"), _("Reason")]
    veto_rows = [[v.id, v.name, _triggered_label(v.triggered), v.reason] for v in scorecard.veto]
    return "\n".join(
        [title, summary, "", *render_rows(header, rows), "", *render_rows(veto_header, veto_rows)]
    )


def _status_labels() -> dict[str, str]:
    return {s.value: str(s.label) for s in IndicatorStatus}


def _triggered_label(triggered: bool | None) -> str:
    if triggered is None:
        return _("not measured")
    return _("yes") if triggered else _("no")

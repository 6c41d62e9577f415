"""`xiangcun evaluate --county 130425 --year 2018 --format json|table`: print the scorecard."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from xiangcun.core.errors import ApplicationError
from xiangcun.evaluation.scorecard import build_scorecard, resolve_county, scorecard_to_dict, validate_year
from xiangcun.evaluation.selectors import default_year
from xiangcun.evaluation.tables import scorecard_table


class Command(BaseCommand):
    help = (
        "Print a county's scorecard for a year: every indicator with target, value, status, "
        "numerator/denominator, and the one-vote-veto items. JSON keys: county, year, indicators, veto."
    )

    def add_arguments(self, parser):
        parser.add_argument("--county", required=True, help="County code, e.g. 130425.")
        parser.add_argument(
            "--year",
            help="Year (2015–2100), judged at its end (Asia/Shanghai). Default: the program year + 1.",
        )
        parser.add_argument("--format", choices=["json", "table"], default="table", help="Default: table.")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="Language of labels, messages and the table's names. Default: %(default)s.",
        )

    def handle(self, *args, **options):
        # The output never depends on whatever language happened to be active in the process.
        with translation.override(options["language"]):
            self._print(options)

    def _print(self, options):
        try:
            county = resolve_county(options["county"])
            year = default_year(county) if options["year"] is None else validate_year(options["year"])
            scorecard = build_scorecard(county=county, year=year)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if options["format"] == "json":
            self.stdout.write(json.dumps(scorecard_to_dict(scorecard), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(scorecard_table(scorecard))

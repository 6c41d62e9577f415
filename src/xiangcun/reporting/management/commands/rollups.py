"""`xiangcun rollups rebuild [--county CODE]`: recompute the rollups from the raw data.

Rebuilds, in one transaction, the monthly ledger rollups (station, township, county × month × service
kind: `reporting.rollups.ledger_rebuild`) and the terminal online rollups (station × day and × month:
`stations.uptime.uptime_rebuild`), for one county or all. Idempotent: running it twice gives the same
rows as once, and the same rows as the rollups kept fresh on every write. Use it after loading data
outside the services, after changing a station's opening hours or back-dating a status change (the
online rate of past days then changes), or to check the rollups (`--check` exits 1 if they differed).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from xiangcun.regions.models import County
from xiangcun.reporting.models import (
    CountyMonth,
    StationDayOnline,
    StationMonth,
    StationMonthOnline,
    TownshipMonth,
)
from xiangcun.reporting.rollups import ledger_rebuild
from xiangcun.stations.uptime import uptime_rebuild

ROLLUPS = (StationMonth, TownshipMonth, CountyMonth, StationDayOnline, StationMonthOnline)


def snapshot(county) -> dict:
    """Every rollup row in scope, without ids, county first: what a rebuild must reproduce."""
    scope = {"county": county} if county is not None else {}
    out = {}
    for model in ROLLUPS:
        fields = ["county_id"] + [
            f.attname for f in model._meta.concrete_fields if not f.primary_key and f.attname != "county_id"
        ]
        out[model.__name__] = sorted(model.objects.filter(**scope).values_list(*fields))
    return out


class Command(BaseCommand):
    help = "Rebuild the rollups (ledger totals per month; terminal online seconds per day and month)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        rebuild = actions.add_parser(
            "rebuild",
            help="Recompute the ledger and online rollups from the ledger and the heartbeats (idempotent).",
        )
        rebuild.add_argument("--county", help="County code, e.g. 130425 (default: every county).")
        rebuild.add_argument(
            "--check",
            action="store_true",
            help="Exit with status 1 if the rebuilt rollups differ from the ones there were (they are "
            "rebuilt all the same).",
        )

    def handle(self, *args, action, county=None, check=False, **options):
        scope = None
        if county is not None:
            scope = County.objects.filter(code=county.strip()).first()
            if scope is None:
                raise CommandError(f"Unknown county code: {county!r} (expected one of: {self._codes()}).")
        with transaction.atomic():
            before = snapshot(scope) if check else None
            months = ledger_rebuild(county=scope)
            days = uptime_rebuild(county=scope)
            differed = check and snapshot(scope) != before
        where = f"county {scope.code}" if scope is not None else "every county"
        self.stdout.write(
            f"Rollups rebuilt for {where}: {months} station-month-kind ledger rows, {days} station-day online rows."
        )
        if differed:
            raise CommandError("The rollups differed from the rebuilt ones (now corrected).")

    @staticmethod
    def _codes() -> str:
        codes = list(County.objects.order_by("code").values_list("code", flat=True)[:20])
        return ", ".join(codes) or "no county loaded"

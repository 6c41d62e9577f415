"""`scorecard_ms`: milliseconds to build the full scorecard of the demo county (130425) for 2018;
`scorecard_speedup_vs_scan`: how many times faster the scorecard's station-operation indicators are
computed from the monthly rollups than by scanning the raw ledger (every transaction of the two years)
in the same run. The scan gives the same values or the benchmark fails.

Uses the bench database (`var/bench/bench.sqlite3`, see `config/settings/bench.py`): migrates it and,
unless it already holds the demo county with its operations, loads it with `xiangcun demo --seed 1 --reset`. Warms up
once, then reports the median of 20 runs. Prints one JSON line; the context goes to stderr.
"""

import json
import os
import statistics
import sys
import time

RUNS = 20
COUNTY, YEAR = "130425", 2018


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiangcun.config.settings.bench")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from xiangcun.evaluation.scorecard import build_scorecard
    from xiangcun.regions.models import County

    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        os.makedirs(os.path.dirname(settings.DATABASES["default"]["NAME"]), exist_ok=True)
    call_command("migrate", verbosity=0, interactive=False)
    from xiangcun.stations.models import Transaction

    # The demo county with its two years of operations (a database from an older demo is reloaded).
    if not (County.objects.filter(code=COUNTY, is_demo=True).exists() and Transaction.objects.exists()):
        call_command("demo", "--seed", "1", "--reset", verbosity=0)

    card = build_scorecard(county=COUNTY, year=YEAR)  # warm-up
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        build_scorecard(county=COUNTY, year=YEAR)
        timings.append((time.perf_counter() - start) * 1000)
    speedup = operations_speedup(COUNTY, YEAR)
    counts = card.summary()
    stations = card.result("R1.4-stations").value
    print(
        f"scorecard: {len(card.indicators)} indicators, {stations} stations operating, {counts}; "
        f"min {min(timings):.1f} ms, max {max(timings):.1f} ms over {RUNS} runs",
        file=sys.stderr,
    )
    print(json.dumps({"name": "scorecard_ms", "value": round(statistics.median(timings), 2), "unit": "ms"}))
    print(json.dumps({"name": "scorecard_speedup_vs_scan", "value": round(speedup, 1), "unit": "x"}))


def operations_speedup(code: str, year: int) -> float:
    """Median time of the operation indicators from a raw-ledger scan / from the rollups (5 runs each)."""
    from collections import defaultdict
    from datetime import datetime
    from decimal import Decimal

    from django.utils.functional import cached_property

    from xiangcun.evaluation import operations, registry
    from xiangcun.evaluation.scorecard import SHANGHAI, year_end
    from xiangcun.regions.models import County
    from xiangcun.reporting.rollups import month_of
    from xiangcun.stations.choices import VOID_STATUSES
    from xiangcun.stations.models import Transaction

    class ScanFacts(operations.OperationsFacts):
        """The same facts, with ledger totals from every raw transaction instead of the rollups."""

        def _scan(self):
            if not hasattr(self, "_rows"):
                totals = defaultdict(lambda: [0, 0])  # (station, month, kind) -> [done, net fen]
                rows = Transaction.objects.filter(
                    county=self.county,
                    occurred_at__gte=datetime(self.year - 1, 1, 1, tzinfo=SHANGHAI),
                    occurred_at__lt=datetime(self.year + 1, 1, 1, tzinfo=SHANGHAI),
                ).values_list("station_id", "occurred_at", "kind", "status", "amount")
                for sid, at, kind, status, amount in rows.iterator(chunk_size=20000):
                    if status not in VOID_STATUSES:
                        cell = totals[(sid, month_of(at), kind)]
                        cell[0] += 1
                        cell[1] += int(amount * 100)
                self._rows = totals
            return self._rows

        @cached_property
        def purchases(self):
            out = defaultdict(dict)
            for (sid, month, kind), (done, net) in self._scan().items():
                if kind == "proxy_purchase" and month.year == self.year:
                    out[sid][month] = (done, Decimal(net) / 100)
            return out

        def _county_kinds(self, year):
            out = defaultdict(lambda: [0, 0])
            for (_sid, month, kind), (done, net) in self._scan().items():
                if month.year == year:
                    out[kind][0] += done
                    out[kind][1] += net
            return {k: tuple(v) for k, v in out.items()}

    county = County.objects.get(code=code)
    indicators = [registry.get(i) for i in operations.COMPUTED]

    def compute(facts_class):
        facts = facts_class(county=county, year=year, as_of=year_end(year))
        return [
            (r.status, r.value, r.numerator, r.denominator)
            for r in (operations.COMPUTED[i.id](i, facts) for i in indicators)
        ]

    def median_ms(facts_class, runs=5):
        timings = []
        for _ in range(runs):
            start = time.perf_counter()
            compute(facts_class)
            timings.append((time.perf_counter() - start) * 1000)
        return statistics.median(timings)

    from_rollups, from_scan = compute(operations.OperationsFacts), compute(ScanFacts)
    if from_rollups != from_scan:
        raise SystemExit(f"rollups and scan disagree:\n{from_rollups}\n{from_scan}")
    rollup_ms, scan_ms = median_ms(operations.OperationsFacts), median_ms(ScanFacts, runs=3)
    print(f"operation indicators: rollups {rollup_ms:.1f} ms, ledger scan {scan_ms:.1f} ms", file=sys.stderr)
    return scan_ms / rollup_ms


if __name__ == "__main__":
    main()

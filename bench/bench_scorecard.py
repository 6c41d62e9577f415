"""`scorecard_ms`: milliseconds to build the full scorecard of the demo county (130425) for 2018.

Uses the bench database (`var/bench/bench.sqlite3`, see `config/settings/bench.py`): migrates it and,
unless it already holds the demo county, loads it with `xiangcun demo --seed 1 --reset`. Warms up
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
    if not County.objects.filter(code=COUNTY, is_demo=True).exists():
        call_command("demo", "--seed", "1", "--reset", verbosity=0)

    card = build_scorecard(county=COUNTY, year=YEAR)  # warm-up
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        build_scorecard(county=COUNTY, year=YEAR)
        timings.append((time.perf_counter() - start) * 1000)
    counts = card.summary()
    stations = card.result("R1.4-stations").value
    print(
        f"scorecard: {len(card.indicators)} indicators, {stations} stations operating, {counts}; "
        f"min {min(timings):.1f} ms, max {max(timings):.1f} ms over {RUNS} runs",
        file=sys.stderr,
    )
    print(json.dumps({"name": "scorecard_ms", "value": round(statistics.median(timings), 2), "unit": "ms"}))


if __name__ == "__main__":
    main()

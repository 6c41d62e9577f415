"""`demo_load_s`: seconds to load the demo county with `xiangcun demo --seed 1` (Daming's network and
two years of station operations: ~900,000 ledger entries, ~120,000 online spans, their rollups).

Uses the bench database (`var/bench/bench.sqlite3`, see `config/settings/bench.py`): migrates it and
deletes a demo county already there (not timed), then times one full load, which stays loaded for the
other benchmarks (`scorecard_ms`). Prints one JSON line; the loader's summary goes to stderr.
"""

import io
import json
import os
import sys
import time


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiangcun.config.settings.bench")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from xiangcun.devtools.services import demo_delete
    from xiangcun.regions.models import County

    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        os.makedirs(os.path.dirname(settings.DATABASES["default"]["NAME"]), exist_ok=True)
    call_command("migrate", verbosity=0, interactive=False)
    if County.objects.filter(is_demo=True).exists():
        demo_delete()
    out = io.StringIO()
    start = time.perf_counter()
    call_command("demo", "--seed", "1", stdout=out, stderr=io.StringIO())
    seconds = time.perf_counter() - start
    cpu = os.times()
    print(out.getvalue().split("Demo users")[0].split("演示用户")[0].rstrip(), file=sys.stderr)
    print(
        f"demo load: {seconds:.1f} s wall; CPU {cpu.user + cpu.system:.1f} s in this process, "
        f"{cpu.children_user + cpu.children_system:.1f} s in the simulation child",
        file=sys.stderr,
    )
    print(json.dumps({"name": "demo_load_s", "value": round(seconds, 1), "unit": "s"}))


if __name__ == "__main__":
    main()

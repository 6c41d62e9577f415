"""`demo_routes_s`: seconds to plan one delivery day's routes of all five township delivery centers of
the demo county (130425), through the product's service (`planning.services.route_plan_create`: read
the day's parcels from the delivery ledger, build the VRP with time windows, solve with PyVRP, save
the plan); target: under 10 s in total.

The day: the weekday of November 2018 (Monday–Saturday) with the most downstream parcels leaving the
township centers for the stations (leg 2 "out" scans), a busy day of the peak season (Double 11).
Each center's routes carry the parcels waiting at it when the 08:00 shift starts, for every station
(no visit schedule, `use_schedule=False`: the largest instance of the day), with the defaults of a
route plan (vans of 500 kg, 30 km/h, 08:00–18:00, 5 min + 0.5 min per parcel at a stop, the stations'
opening hours) and as many vehicles as needed. The plans are rolled back: the database is unchanged.

Time limits: the product's default, 0.02 s per stop (0.5–5 s; `routes.default_time_limit`), or
`XIANGCUN_BENCH_ROUTES_SECONDS` per center; the search also stops after 3000 iterations without
improvement. Why that is enough: with `XIANGCUN_BENCH_ROUTES_COMPARE=1` each center is solved again
with a 10× longer limit and no stall stop, and the gap printed on stderr. Measured on this machine
(docs/planning.md, "Time limits"; 2018-11-13, 3,850 parcels, 31–150 stops per center): four centers
reach the 10× run's routes exactly, the largest (150 stops) is 1.7 % longer, about the spread between
seeds at that size and far below the ±8 % uncertainty of the distances' detour factor; the total was
7.6 s.

Uses the bench database (`var/bench/bench.sqlite3`, see `config/settings/bench.py`): migrates it and,
unless it holds the demo county, loads it with `xiangcun demo --seed 1 --reset`. Fails with a message
when the demo county has no downstream parcels in November 2018 (a demo without shipments). Prints
one JSON line; the context goes to stderr.
"""

import json
import os
import sys
import time
from datetime import date

COUNTY = "130425"
SECONDS = (
    float(os.environ["XIANGCUN_BENCH_ROUTES_SECONDS"])
    if os.environ.get("XIANGCUN_BENCH_ROUTES_SECONDS")
    else None
)
COMPARE = os.environ.get("XIANGCUN_BENCH_ROUTES_COMPARE") == "1"
MONTH = (date(2018, 11, 1), date(2018, 12, 1))


def busiest_day(county) -> tuple[date, int] | None:
    """The Monday–Saturday of MONTH with the most center → station departures, and their count."""
    from collections import Counter

    from django.utils import timezone

    from xiangcun.logistics.models import Leg
    from xiangcun.planning.routes import local_moment

    counts = Counter()
    for departed in Leg.objects.filter(
        county=county,
        sequence=2,
        to_station__isnull=False,
        shipment__direction="downstream",
        departed_at__gte=local_moment(MONTH[0], 0),
        departed_at__lt=local_moment(MONTH[1], 0),
    ).values_list("departed_at", flat=True):
        day = timezone.localtime(departed).date()
        if day.weekday() < 6:
            counts[day] += 1
    if not counts:
        return None
    return max(counts.items(), key=lambda item: (item[1], -item[0].toordinal()))


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiangcun.config.settings.bench")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction

    from xiangcun.accounts.models import User
    from xiangcun.logistics.models import Shipment
    from xiangcun.network.models import Facility
    from xiangcun.planning import services
    from xiangcun.regions.models import County

    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        os.makedirs(os.path.dirname(settings.DATABASES["default"]["NAME"]), exist_ok=True)
    call_command("migrate", verbosity=0, interactive=False)
    if not County.objects.filter(code=COUNTY, is_demo=True).exists():
        call_command("demo", "--seed", "1", "--reset", verbosity=0)
    county = County.objects.get(code=COUNTY)
    if not Shipment.objects.filter(county=county, direction="downstream").exists():
        print(
            "demo_routes_s: the demo county has no downstream shipments, so there are no routes to plan; "
            "load a demo with shipments (`xiangcun demo --seed 1 --reset`, docs/demo.md).",
            file=sys.stderr,
        )
        return 1
    found = busiest_day(county)
    if found is None:
        print(f"demo_routes_s: no parcel left a township center in {MONTH[0]:%B %Y}.", file=sys.stderr)
        return 1
    day, departures = found
    centers = list(
        Facility.objects.filter(county=county, kind="township_center")
        .exclude(status="closed")
        .order_by("code")
    )
    actor = User.objects.filter(is_superuser=True).order_by("pk").first() or User.objects.create_superuser(
        username="bench-routes", password=None
    )
    total, rows = 0.0, []
    with transaction.atomic():
        for center in centers:
            started = time.perf_counter()
            plan = services.route_plan_create(
                actor=actor, center=center, service_date=day, use_schedule=False, time_limit=SECONDS
            )
            elapsed = time.perf_counter() - started
            total += elapsed
            rows.append((center, plan, elapsed))
            print(
                f"{center.code} {center.name}: {plan.result['stops']} stops, {plan.result['parcels']} parcels, "
                f"{plan.result['kg']} kg, {plan.result['vehicles_used']} vehicles, {plan.objective:.1f} km; "
                f"limit {plan.time_limit_s:g} s, solver {plan.seconds:.2f} s, service {elapsed:.2f} s",
                file=sys.stderr,
            )
        if COMPARE:
            for center, plan, _elapsed in rows:
                longer = services.route_plan_create(
                    actor=actor,
                    center=center,
                    service_date=day,
                    use_schedule=False,
                    time_limit=min(60.0, 10 * plan.time_limit_s),
                    max_stall=None,
                )
                gap = (
                    100 * (plan.objective - longer.objective) / longer.objective if longer.objective else 0.0
                )
                print(
                    f"{center.code}: {plan.objective:.3f} km at {plan.time_limit_s:g} s vs {longer.objective:.3f} km "
                    f"at {longer.time_limit_s:g} s: gap {gap:.2f} %",
                    file=sys.stderr,
                )
        transaction.set_rollback(True)
    print(
        f"routes of {day} ({day:%A}, {departures} parcels left the centers that day) for {len(centers)} "
        f"centers: {total:.2f} s in total",
        file=sys.stderr,
    )
    print(json.dumps({"name": "demo_routes_s", "value": round(total, 3), "unit": "s"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`xiangcun demo [--seed N] [--reset | --if-empty]`: load the demo county (see docs/demo.md)."""

import sys
import time
from collections import Counter

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from xiangcun.core.errors import ApplicationError, validation_error_fields
from xiangcun.devtools.selectors import any_county_exists
from xiangcun.devtools.services import DemoSummary, demo_load
from xiangcun.devtools.users import DEMO_PASSWORD
from xiangcun.network.checks import is_compliant
from xiangcun.network.models import Facility, Station
from xiangcun.network.selectors import facility_compliance, station_compliance


class _Bars:
    """One tqdm bar per loading step, on stderr; silent when disabled (-v 0)."""

    def __init__(self, stream, enabled: bool):
        self.stream, self.enabled, self.bar = stream, enabled, None

    def start(self, step: str, total: int) -> None:
        self.close()
        self.bar = tqdm(
            total=total, desc=f"{step:<10}", file=self.stream, disable=not self.enabled, leave=True
        )

    def advance(self, n: int = 1) -> None:
        self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Command(BaseCommand):
    help = (
        "Load the demo county: Daming's real townships and villages with simulated population, poverty "
        "and broadband facts, a service network with back-dated histories, and demo users per role. "
        "Refuses to touch a database that holds non-demo data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help="Random seed (same seed, same county).")
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Volume of the simulated ledger (1 = full size, ~900,000 entries; tests use less).",
        )
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--reset", action="store_true", help="Delete the demo county and demo users, then load again."
        )
        group.add_argument(
            "--if-empty", action="store_true", help="Load only if no county exists yet; otherwise skip."
        )

    def handle(self, *args, seed: int, scale: float, reset: bool, if_empty: bool, verbosity: int, **options):
        if not 0 < scale <= 1:
            raise CommandError(_("--scale must be more than 0 and at most 1."))
        if if_empty and any_county_exists():
            if verbosity:
                self.stdout.write(_("A county is already loaded; skipping the demo county."))
            return
        # tqdm writes carriage returns itself: give it the raw stream, not Django's OutputWrapper.
        bars = _Bars(getattr(self.stderr, "_out", sys.stderr), enabled=verbosity > 0)
        started = time.monotonic()
        try:
            summary = demo_load(seed=seed, reset=reset, progress=bars, scale=scale)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        except ValidationError as exc:
            raise CommandError(str(validation_error_fields(exc))) from exc
        finally:
            bars.close()
        if verbosity:
            self.stdout.write(self._report(summary, time.monotonic() - started))

    def _report(self, summary: DemoSummary, seconds: float) -> str:
        county = summary.county
        villages = county.villages.all()
        townships = county.townships.all()
        stations = Station.objects.filter(county=county)
        facilities = Facility.objects.filter(county=county)
        status = Counter(stations.values_list("status", flat=True))
        kinds = Counter(facilities.values_list("kind", flat=True))
        short_stations = sum(1 for f in station_compliance(stations).values() if not is_compliant(f))
        short_facilities = sum(1 for f in facility_compliance(facilities).values() if not is_compliant(f))
        lines = [
            _("Demo county %(name)s (%(code)s) loaded with seed %(seed)s in %(seconds).1f s.")
            % {"name": county.name, "code": county.code, "seed": summary.seed, "seconds": seconds},
            _(
                "  %(townships)s townships (%(express)s with an express outlet), %(villages)s villages "
                "(%(poor)s poor, %(broadband)s with broadband)"
            )
            % {
                "townships": townships.count(),
                "express": townships.filter(has_express_outlet=True).count(),
                "villages": villages.count(),
                "poor": villages.filter(is_poor=True).count(),
                "broadband": villages.filter(has_broadband=True).count(),
            },
            _(
                "  %(n)s facilities (%(cc)s county center, %(wh)s county warehouse, %(tc)s township centers), "
                "%(short)s short of the standard"
            )
            % {
                "n": sum(kinds.values()),
                "cc": kinds["county_center"],
                "wh": kinds["county_warehouse"],
                "tc": kinds["township_center"],
                "short": short_facilities,
            },
            _(
                "  %(n)s stations (%(operating)s operating, %(suspended)s suspended, %(building)s under "
                "construction, %(planned)s planned), %(short)s short of the standard"
            )
            % {
                "n": sum(status.values()),
                "operating": status["operating"],
                "suspended": status["suspended"],
                "building": status["building"],
                "planned": status["planned"],
                "short": short_stations,
            },
        ]
        ops = summary.operations
        if ops is not None:
            lines.append(
                _(
                    "  %(tx)s ledger entries (%(years)s), %(terminals)s terminals with %(spans)s online spans, "
                    "%(households)s poor households, %(staff)s staff, %(charges)s charges, "
                    "%(recon)s daily reconciliations"
                )
                % {
                    "tx": ops.transactions,
                    "years": ", ".join(
                        _("%(year)s: %(n)s entries, %(amount)s yuan") % {"year": y, "n": n, "amount": a}
                        for y, (n, a) in ops.by_year.items()
                    ),
                    "terminals": ops.terminals,
                    "spans": ops.spans,
                    "households": ops.households,
                    "staff": ops.staff,
                    "charges": ops.charges,
                    "recon": ops.reconciliations,
                }
            )
            lines.append(_parcels_line(ops))
        plans = summary.plans
        if plans is not None:
            lines.append(
                _(
                    "  plans: a layout of township centers, %(schedules)s visit schedules, %(routes)s daily route plans"
                )
                % {"schedules": plans.schedules, "routes": plans.routes}
            )
        lines.append(_("Demo users:"))
        for user in summary.users:
            role = user.get_role_display() if user.role else _("Superuser")
            lines.append(f"  {user.username:<11} {role} — {user.scope_label}")
        if settings.DEMO_MODE:
            lines.append(_("Password of every demo user: %(password)s") % {"password": DEMO_PASSWORD})
        else:
            lines.append(_("Demo passwords are shown on the login page in demo mode (XIANGCUN_DEMO_MODE=1)."))
        return "\n".join(lines)


def _parcels_line(ops) -> str:
    """Parcels per year: how many, the late share of the delivered downstream ones, the cost per parcel."""
    from xiangcun.core.money import from_fen

    years = []
    for year in sorted({y for y, _d in ops.parcels.years}):
        down = ops.parcels.years.get((year, "downstream"), [0, 0, 0, 0])
        up = ops.parcels.years.get((year, "upstream"), [0, 0, 0, 0])
        years.append(
            _(
                "%(year)s: %(down)s downstream (%(late).1f %% of the delivered late, %(cost)s yuan per parcel), "
                "%(up)s upstream"
            )
            % {
                "year": year,
                "down": down[0],
                "late": 100 * down[3] / down[2] if down[2] else 0,
                "cost": from_fen(round(down[1] / down[0])) if down[0] else 0,
                "up": up[0],
            }
        )
    return _("  %(n)s parcels of %(carriers)s carriers (%(years)s), %(legs)s legs, %(scans)s scans") % {
        "n": ops.shipments,
        "carriers": ops.carriers,
        "years": "; ".join(years),
        "legs": ops.legs,
        "scans": ops.scans,
    }

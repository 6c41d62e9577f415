"""`xiangcun solve pmedian FILE --p P [--time-limit S] [--seed N]` and
`xiangcun solve vrp FILE [--time-limit S] [--seed N]`: solve a standard benchmark file and print
`{"objective": number, "solution": …, "seconds": number}` on stdout.

- pmedian: an OR-Library p-median file (`pmed1.txt` format: `n edges p`, then `i j cost` edges; the
  distances are all-pairs shortest paths; where an edge appears twice the last one wins). `--p`
  overrides the file's p.
- vrp: a VRPLIB CVRP file (`.vrp`) or a Solomon VRPTW file (`.txt`).

A missing or malformed file, or bad arguments, exit non-zero with a message on stderr.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from xiangcun.planning.solvers import SolverInputError


class Command(BaseCommand):
    help = "Solve a p-median (OR-Library) or VRP (VRPLIB / Solomon) benchmark file; prints JSON."

    def add_arguments(self, parser):
        problems = parser.add_subparsers(dest="problem", required=True)
        pmedian = problems.add_parser("pmedian", help="OR-Library p-median file")
        pmedian.add_argument("file")
        pmedian.add_argument("--p", type=int, default=None, help="number of medians (default: the file's)")
        vrp = problems.add_parser("vrp", help="VRPLIB CVRP (.vrp) or Solomon VRPTW (.txt) file")
        vrp.add_argument("file")
        for sub in (pmedian, vrp):
            sub.add_argument("--time-limit", type=float, default=10.0, help="seconds (default 10)")
            sub.add_argument("--seed", type=int, default=1)

    def handle(self, *args, problem, file, time_limit, seed, **options):
        if not time_limit > 0:
            raise CommandError("--time-limit must be a positive number of seconds.")
        try:
            if problem == "pmedian":
                from xiangcun.planning.solvers.pmedian import solve_file

                result = solve_file(file, p=options["p"], time_limit=time_limit, seed=seed)
            else:
                from xiangcun.planning.solvers.vrp import solve_file

                result = solve_file(file, time_limit=time_limit, seed=seed)
        except FileNotFoundError:
            raise CommandError(f"No such file: {file}") from None
        except SolverInputError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps(result.as_json()))

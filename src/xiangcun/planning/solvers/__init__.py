"""Optimisation solvers behind one small interface, independent of Django and of the database.

Each problem module reads its standard benchmark format and solves in-memory instances that the
planning services build from county data, so the code that plans Daming County's network is the code
measured on the public benchmarks (`bench/`):

- `pmedian`: p-median and capacitated facility location (township delivery centers); OR-Library files.
- `vrp`: capacitated VRP with optional time windows (delivery routes), PyVRP; VRPLIB and Solomon files.

Every solve returns a `SolveResult`; `xiangcun solve …` prints it as JSON.
"""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def benchmark_data_dir() -> Path:
    """The public benchmark instances (OR-Library `pmed/`, VRPLIB and Solomon `vrp/`): the folder named
    by `XIANGCUN_BENCH_DATA`, else `shared/bench-data` beside the repository (the tests that need
    them skip, and the benchmarks fail, when it is missing)."""
    default = Path(__file__).resolve().parents[4].parent / "shared" / "bench-data"
    return Path(os.environ.get("XIANGCUN_BENCH_DATA") or default)


class SolverInputError(ValueError):
    """The instance or its file is malformed or infeasible as given (a message for the user)."""


@dataclass(frozen=True)
class SolveResult:
    """What a solver found: the objective value (the problem's own measure: total demand-weighted
    distance, total route distance …), the solution in a JSON-ready form, and the wall seconds spent."""

    objective: float
    solution: Any
    seconds: float

    def as_json(self) -> dict:
        return {"objective": self.objective, "solution": self.solution, "seconds": round(self.seconds, 3)}

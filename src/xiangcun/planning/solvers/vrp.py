"""Capacitated vehicle routing with optional time windows (CVRP / VRPTW), solved with PyVRP.

The planning services build a `VrpInstance` from county data (a township delivery center and the
village stations with parcels on one delivery day) and call `solve_vrp`; `solve_file` solves the
standard benchmark files (`vrp_files`) with the same code, so the routes the county drives are
computed by the code that `bench/bench_cvrp.py` and `bench/bench_vrptw.py` measure.

Index convention, the one of VRPLIB and Solomon files: location 0 is the depot, locations 1..n are
the clients, and every per-location sequence (demands, time windows, service durations, names,
coordinates, matrix rows and columns) has n + 1 entries with the depot first. Routes are lists of
client indices 1..n in visiting order, the depot left implicit at both ends.

Units: PyVRP works on integers, so distances, durations, time windows and service durations are
integers in the instance's *internal* units, which are `scale` times the units the caller reads.
Reported values (the objective, route distances, times) are divided by `scale`. With `scale=1` the
internal units are the units: e.g. metres and minutes after midnight for the county's routes. The
Solomon reader uses `scale=10` (distances truncated to one decimal, the DIMACS convention of the
best-known solutions).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from xiangcun.core.geo import EARTH_RADIUS_M  # mean Earth radius (IUGG), metres; Django-free
from xiangcun.planning.solvers import SolveResult, SolverInputError

MAX_VALUE = 1 << 44
"""The largest distance, duration or time PyVRP accepts (`pyvrp.constants.MAX_VALUE`): its penalties
multiply these values, so larger ones could overflow."""


@dataclass(frozen=True, eq=False)
class VrpInstance:
    """A capacitated VRP, optionally with time windows, service durations and a route-duration limit.

    - `demands`: n + 1 non-negative integers, `demands[0]` (the depot) is 0; e.g. parcels per station.
    - `capacity`: the load one vehicle carries, in the demands' unit (every vehicle is alike).
    - `distances`: (n + 1) × (n + 1) non-negative integers, internal distance units, diagonal 0; need
      not be symmetric (an uploaded road matrix rarely is). If omitted, it is computed from
      `coordinates` as the Euclidean distance times `scale`, rounded to the nearest integer (VRPLIB's
      EUC_2D rule with `scale=1`).
    - `coordinates`: n + 1 points (x, y) in the reported distance unit; needed only if `distances`
      is omitted, kept for maps otherwise.
    - `durations`: travel times, same shape, internal time units; if omitted the travel time equals
      the distance (the Solomon convention; for the county pass minutes from distance and speed).
    - `num_vehicles`: how many vehicles may leave the depot; None means as many as needed.
    - `time_windows`: n + 1 pairs (earliest, latest) in internal time units: the window in which
      service may *start* at a client (a vehicle arriving early waits); entry 0 is the depot's
      opening hours, which every route must leave and re-enter within. None means no windows.
    - `service_durations`: n + 1 non-negative integers, time spent at each client (unloading);
      entry 0 must be 0 (put loading time into the depot's window).
    - `max_route_duration`: the longest a route may last from leaving to re-entering the depot,
      internal time units (a driver's shift); None means no limit.
    - `scale`: internal units per reported unit (a positive integer).
    - `names`: n + 1 labels used in messages (e.g. station names); `name`: the instance's name.

    Construction checks shapes and values and raises SolverInputError; `check_feasible` checks that
    each client can be served at all (by a vehicle of its own).
    """

    demands: Sequence[int] | np.ndarray
    capacity: int
    distances: Sequence[Sequence[int]] | np.ndarray | None = None
    coordinates: Sequence[Sequence[float]] | np.ndarray | None = None
    durations: Sequence[Sequence[int]] | np.ndarray | None = None
    num_vehicles: int | None = None
    time_windows: Sequence[Sequence[int]] | np.ndarray | None = None
    service_durations: Sequence[int] | np.ndarray | None = None
    max_route_duration: int | None = None
    scale: int = 1
    names: Sequence[str] | None = None
    name: str = ""

    def __post_init__(self):
        scale = _positive_int(self.scale, "scale")
        demands = _int_array(self.demands, "demands", ndim=1)
        size = len(demands)
        if size < 1:
            raise SolverInputError("An instance needs at least the depot (location 0).")
        if demands[0] != 0:
            raise SolverInputError("The depot's demand (demands[0]) must be 0.")
        if (bad := _first(demands < 0)) is not None:
            raise SolverInputError(f"{self._label(bad)} has a negative demand ({demands[bad]}).")
        capacity = _positive_int(self.capacity, "capacity")
        if self.names is not None and len(self.names) != size:
            raise SolverInputError(f"names has {len(self.names)} entries, expected {size} (depot first).")

        coordinates = None
        if self.coordinates is not None:
            coordinates = np.asarray(self.coordinates, dtype=float)
            if coordinates.shape != (size, 2) or not np.isfinite(coordinates).all():
                raise SolverInputError(f"coordinates must be {size} finite (x, y) pairs (depot first).")
        if self.distances is not None:
            distances = self._matrix(self.distances, "distances", size)
        elif coordinates is not None:
            diff = coordinates[:, None, :] - coordinates[None, :, :]
            euclid = np.sqrt((diff**2).sum(axis=-1)) * scale
            distances = self._matrix(np.floor(euclid + 0.5), "distances", size)
        else:
            raise SolverInputError("Give either a distance matrix or coordinates.")
        durations = distances if self.durations is None else self._matrix(self.durations, "durations", size)

        time_windows = None
        if self.time_windows is not None:
            time_windows = _int_array(self.time_windows, "time_windows", ndim=2)
            if time_windows.shape != (size, 2):
                raise SolverInputError(f"time_windows must be {size} (earliest, latest) pairs (depot first).")
            if (
                bad := _first((time_windows < 0).any(axis=1) | (time_windows >= MAX_VALUE).any(axis=1))
            ) is not None:
                raise SolverInputError(f"The time window of {self._label(bad)} is out of range.")
            if (bad := _first(time_windows[:, 0] > time_windows[:, 1])) is not None:
                earliest, latest = (self._fmt(v) for v in time_windows[bad])
                raise SolverInputError(
                    f"The time window of {self._label(bad)} closes ({latest}) before it opens ({earliest})."
                )
        if self.service_durations is None:
            service = np.zeros(size, dtype=np.int64)
        else:
            service = _int_array(self.service_durations, "service_durations", ndim=1)
            if len(service) != size:
                raise SolverInputError(f"service_durations has {len(service)} entries, expected {size}.")
            if (bad := _first((service < 0) | (service >= MAX_VALUE))) is not None:
                raise SolverInputError(f"The service duration of {self._label(bad)} is out of range.")
            if service[0] != 0:
                raise SolverInputError("The depot's service duration must be 0.")
        num_vehicles = None if self.num_vehicles is None else _positive_int(self.num_vehicles, "num_vehicles")
        max_duration = None
        if self.max_route_duration is not None:
            max_duration = _positive_int(self.max_route_duration, "max_route_duration")

        for field_name, value in (
            ("scale", scale),
            ("demands", demands),
            ("capacity", capacity),
            ("coordinates", coordinates),
            ("distances", distances),
            ("durations", durations),
            ("time_windows", time_windows),
            ("service_durations", service),
            ("num_vehicles", num_vehicles),
            ("max_route_duration", max_duration),
        ):
            object.__setattr__(self, field_name, value)

    @property
    def num_clients(self) -> int:
        return len(self.demands) - 1

    def label(self, index: int) -> str:
        """How messages name location `index`: "client 7" or "client 7 (Zhangzhuang)", "the depot"."""
        return self._label(index)

    def check_feasible(self) -> None:
        """Raise SolverInputError naming the first client that no route can serve even alone: a demand
        above the capacity, a time window that closes before a vehicle can arrive, a return to the
        depot after it closes, a round trip longer than the route-duration limit; or a fleet too small
        for the total demand."""
        demands, distances, durations = self.demands, self.distances, self.durations
        where = "" if not self.name else f" in {self.name}"
        for i in range(1, self.num_clients + 1):
            if demands[i] > self.capacity:
                raise SolverInputError(
                    f"{self._label(i)}{where} needs {demands[i]}, more than a vehicle's capacity ({self.capacity})."
                )
            if (distances[0, i] >= MAX_VALUE) or (distances[i, 0] >= MAX_VALUE):
                raise SolverInputError(f"{self._label(i)}{where} cannot be reached from the depot.")
            round_trip = int(durations[0, i]) + int(self.service_durations[i]) + int(durations[i, 0])
            if self.max_route_duration is not None and round_trip > self.max_route_duration:
                raise SolverInputError(
                    f"{self._label(i)}{where}: going there and back takes {self._fmt(round_trip)}, "
                    f"longer than a route may last ({self._fmt(self.max_route_duration)})."
                )
            if self.time_windows is not None:
                opens, closes = (int(v) for v in self.time_windows[0])
                earliest, latest = (int(v) for v in self.time_windows[i])
                arrival = max(opens + int(durations[0, i]), earliest)
                if arrival > latest:
                    raise SolverInputError(
                        f"{self._label(i)}{where} cannot be reached before its time window closes "
                        f"(earliest arrival {self._fmt(arrival)}, window closes {self._fmt(latest)})."
                    )
                back = arrival + int(self.service_durations[i]) + int(durations[i, 0])
                if back > closes:
                    raise SolverInputError(
                        f"{self._label(i)}{where}: a vehicle serving it is back at the depot at {self._fmt(back)} "
                        f"at the earliest, after the depot closes ({self._fmt(closes)})."
                    )
        if self.num_vehicles is not None and int(demands.sum()) > self.num_vehicles * self.capacity:
            raise SolverInputError(
                f"The total demand ({int(demands.sum())}) exceeds what {self.num_vehicles} vehicles of "
                f"capacity {self.capacity} can carry."
            )

    def _matrix(self, values, what: str, size: int) -> np.ndarray:
        matrix = _int_array(values, what, ndim=2)
        if matrix.shape != (size, size):
            raise SolverInputError(
                f"{what} must be a {size} × {size} matrix (depot first), not {matrix.shape}."
            )
        if (matrix < 0).any():
            i, j = np.argwhere(matrix < 0)[0]
            raise SolverInputError(f"{what} from {self._label(i)} to {self._label(j)} is negative.")
        if (matrix > MAX_VALUE).any():
            raise SolverInputError(f"{what} has values above {MAX_VALUE}; use a coarser unit.")
        if np.diagonal(matrix).any():
            raise SolverInputError(f"{what} from a location to itself must be 0.")
        return matrix

    def _label(self, index) -> str:
        index = int(index)
        base = "the depot" if index == 0 else f"client {index}"
        if self.names is not None and index < len(self.names) and self.names[index]:
            return f"{base} ({self.names[index]})"
        return base

    def _fmt(self, value) -> str:
        return _number(int(value), self.scale)


def solve_vrp(
    instance: VrpInstance, *, time_limit: float = 10.0, seed: int = 1, max_stall: int | None = None
) -> SolveResult:
    """Routes that visit every client once, minimising the total distance, with PyVRP's iterated local
    search, within `time_limit` wall seconds counted from this call (reading excluded).

    `max_stall` stops earlier after that many iterations without improving the best solution (small
    instances, such as one township's stations, converge in far less than the time limit); None runs
    to the time limit. Raises SolverInputError for an infeasible instance (`check_feasible`).

    The result's objective is the total distance in reported units (internal / scale). Its solution:
    - `routes`: lists of client indices in visiting order;
    - `route_details`, one per route: `load`, `distance`, and when the instance has time windows or
      a duration limit `start_time`, `end_time`, `duration` and `service_starts` (when service
      starts at each client), in reported units. The times are PyVRP's schedule, which leaves the
      depot as late as it can without lengthening the route: it waits least, but may reach a client
      just as its window closes; leaving earlier (not before the depot opens) stays feasible;
    - `feasible`: capacity, windows and duration limit respected and every client visited;
    - `unvisited`: clients left out (empty unless infeasible); `num_vehicles`: routes used.
    """
    started = time.perf_counter()
    if not time_limit > 0:
        raise SolverInputError("The time limit must be a positive number of seconds.")
    if max_stall is not None and max_stall < 1:
        raise SolverInputError("max_stall must be a positive number of iterations.")
    if not 0 <= seed < 2**32:
        raise SolverInputError("The seed must be an integer between 0 and 2**32 - 1.")
    instance.check_feasible()
    if instance.num_clients == 0:
        empty = {"routes": [], "route_details": [], "feasible": True, "unvisited": [], "num_vehicles": 0}
        return SolveResult(objective=0.0, solution=empty, seconds=time.perf_counter() - started)

    import pyvrp

    data = _problem_data(instance)
    stop = _Stop(deadline=started + time_limit, max_stall=max_stall)
    best = pyvrp.solve(data, stop, seed=seed, collect_stats=False, display=False).best
    timed = instance.time_windows is not None or instance.max_route_duration is not None
    routes, details = [], []
    for route in best.routes():
        visits = [activity for activity in route.schedule() if activity.is_client()]
        clients = [activity.idx + 1 for activity in visits]  # PyVRP's client k is location k + 1
        detail = {
            "load": int(instance.demands[clients].sum()),
            "distance": _value(route.distance(), instance.scale),
        }
        if timed:
            detail |= {
                "start_time": _value(route.start_time(), instance.scale),
                "end_time": _value(route.end_time(), instance.scale),
                "duration": _value(route.duration(), instance.scale),
                "service_starts": [_value(activity.start_time, instance.scale) for activity in visits],
            }
        routes.append(clients)
        details.append(detail)
    unvisited = sorted(set(range(1, instance.num_clients + 1)) - {c for r in routes for c in r})
    solution = {
        "routes": routes,
        "route_details": details,
        "feasible": bool(best.is_feasible()) and not unvisited,
        "unvisited": unvisited,
        "num_vehicles": len(routes),
    }
    objective = _value(best.distance(), instance.scale)
    return SolveResult(objective=objective, solution=solution, seconds=time.perf_counter() - started)


def solve_file(path: str | Path, *, time_limit: float = 10.0, seed: int = 1) -> SolveResult:
    """Solve a VRPLIB CVRP file (`.vrp`) or a Solomon VRPTW file (`.txt`) for `xiangcun solve vrp`.
    FileNotFoundError if it does not exist; SolverInputError if it is malformed or infeasible. The
    time limit counts from after reading."""
    from xiangcun.planning.solvers.vrp_files import read_instance_file

    instance = read_instance_file(path)
    return solve_vrp(instance, time_limit=time_limit, seed=seed)


def road_distance_matrix(points: Sequence[Sequence[float]], *, detour_factor: float) -> np.ndarray:
    """Integer metres between (latitude, longitude) points in degrees: the great-circle (haversine)
    distance times `detour_factor` ≥ 1, the stand-in for road distances where no road data is
    available offline (rural roads are typically 1.2–1.4 times the straight line)."""
    return road_distances(points, points, detour_factor=detour_factor)


def road_distances(
    origins: Sequence[Sequence[float]], destinations: Sequence[Sequence[float]], *, detour_factor: float
) -> np.ndarray:
    """The rectangular variant of `road_distance_matrix`: integer metres from each of `origins` (rows)
    to each of `destinations` (columns), both (latitude, longitude) in degrees, e.g. villages × the
    candidate township seats."""
    if not (math.isfinite(detour_factor) and detour_factor >= 1):
        raise SolverInputError("The detour factor must be a number ≥ 1.")
    a = _radians(origins)
    b = _radians(destinations)
    lat, lon = a[:, 0:1], a[:, 1:2]
    lat2, lon2 = b[:, 0][None, :], b[:, 1][None, :]
    half = np.sin((lat - lat2) / 2) ** 2 + np.cos(lat) * np.cos(lat2) * np.sin((lon - lon2) / 2) ** 2
    metres = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(half, 0, 1))) * detour_factor
    return np.floor(metres + 0.5).astype(np.int64)


def _radians(points) -> np.ndarray:
    coords = np.radians(np.asarray(points, dtype=float))
    if coords.size == 0:
        return coords.reshape(0, 2)
    if coords.ndim != 2 or coords.shape[1] != 2 or not np.isfinite(coords).all():
        raise SolverInputError("Points must be (latitude, longitude) pairs in degrees.")
    return coords


class _Stop:
    """PyVRP stopping criterion: a wall-clock deadline (so the time limit covers PyVRP's construction
    and first local search too, which `pyvrp.stop.MaxRuntime` does not count) and, optionally, a
    number of iterations without improvement."""

    def __init__(self, *, deadline: float, max_stall: int | None):
        self.deadline = deadline
        self.max_stall = max_stall
        self.best_cost = math.inf
        self.stall = 0

    def __call__(self, best_cost: float) -> bool:
        if best_cost < self.best_cost:
            self.best_cost, self.stall = best_cost, 0
        else:
            self.stall += 1
        if self.max_stall is not None and self.stall >= self.max_stall:
            return True
        return time.perf_counter() >= self.deadline


def _problem_data(instance: VrpInstance):
    """The instance as PyVRP's ProblemData: one location per depot/client, one vehicle type."""
    from pyvrp import Client, Depot, Location, ProblemData, VehicleType

    size = instance.num_clients + 1
    coordinates = instance.coordinates if instance.coordinates is not None else np.zeros((size, 2))
    locations = [Location(x=float(x), y=float(y)) for x, y in coordinates]
    windows = {}
    if instance.time_windows is not None:
        windows = [{"tw_early": int(e), "tw_late": int(la)} for e, la in instance.time_windows]
    clients = [
        Client(
            location=i,
            delivery=[int(instance.demands[i])],
            service_duration=int(instance.service_durations[i]),
            **(windows[i] if windows else {}),
        )
        for i in range(1, size)
    ]
    depots = [Depot(location=0, **(windows[0] if windows else {}))]
    vehicle = {}
    if windows:
        vehicle |= windows[0]
    if instance.max_route_duration is not None:
        vehicle["shift_duration"] = instance.max_route_duration
    vehicle_type = VehicleType(
        num_available=instance.num_vehicles or instance.num_clients, capacity=[instance.capacity], **vehicle
    )
    return ProblemData(locations, clients, depots, [vehicle_type], [instance.distances], [instance.durations])


def _int_array(values, what: str, *, ndim: int) -> np.ndarray:
    """`values` as an int64 array of `ndim` dimensions; SolverInputError if they are not integers."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise SolverInputError(f"{what} must be numbers.") from None
    if array.ndim != ndim or (array.size and not np.isfinite(array).all()):
        raise SolverInputError(f"{what} must be a {'list' if ndim == 1 else 'matrix'} of finite numbers.")
    if (array != np.round(array)).any():
        raise SolverInputError(f"{what} must be whole numbers (choose a finer unit, and `scale`).")
    return array.astype(np.int64)


def _positive_int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise SolverInputError(f"{what} must be a positive whole number, not {value!r}.")
    return int(value)


def _first(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def _value(internal: int, scale: int) -> float | int:
    """An internal integer in reported units: an int when scale is 1, else a float."""
    return int(internal) if scale == 1 else int(internal) / scale


def _number(internal: int, scale: int) -> str:
    return f"{_value(internal, scale):g}"

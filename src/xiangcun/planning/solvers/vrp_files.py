"""Readers of the standard VRP benchmark files into `VrpInstance`s.

- VRPLIB CVRP (`.vrp`, e.g. CVRPLIB set X): read with the `vrplib` package, then checked strictly
  (vrplib accepts files whose sections are shorter than DIMENSION, or a non-numeric CAPACITY).
  EUC_2D distances are rounded to the nearest integer, as VRPLIB defines them; EXPLICIT matrices
  must hold whole numbers. A single depot, node 1, as in every CVRPLIB file.
- Solomon VRPTW (`.txt`: C101, R101 …): parsed here, strictly, because vrplib's reader turns a
  non-numeric entry silently into -1. Distances and travel times are the Euclidean distance
  truncated to one decimal (scale 10): the convention of the DIMACS 2021 challenge, in which the
  best-known solutions of these instances are published (C101 = 827.3; the same routes measure
  828.94 with unrounded distances). Times and service durations are scaled by 10 alike. The fleet
  is limited to the file's number of vehicles.

Every malformed file raises SolverInputError naming the file and what is wrong.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from xiangcun.planning.solvers import SolverInputError
from xiangcun.planning.solvers.vrp import VrpInstance

SOLOMON_SCALE = 10

# VRPLIB keys (as vrplib names them) this reader understands; any other key could change the problem
# (time windows, service times, a route-length limit …) and is refused rather than ignored.
_VRPLIB_KEYS = {
    "name",
    "comment",
    "type",
    "dimension",
    "edge_weight_type",
    "edge_weight_format",
    "capacity",
    "vehicles",
    "node_coord",
    "demand",
    "depot",
    "edge_weight",
    "display_data_type",
    "display_data",
    "node_coord_type",
}


def read_instance_file(path: str | Path) -> VrpInstance:
    """A VRPLIB file (`.vrp`) or a Solomon file (`.txt`); other names are recognised by their first
    line(s): a VRPLIB `KEY : value` header or Solomon's `VEHICLE` block."""
    path = Path(path)
    text = _read_text(path)
    if path.suffix.lower() == ".vrp":
        return read_vrplib(path)
    if path.suffix.lower() == ".txt" or "VEHICLE" in text[:500].upper():
        return read_solomon(path)
    if ":" in text.split("\n", 1)[0]:
        return read_vrplib(path)
    raise SolverInputError(f"{path.name}: neither a VRPLIB (.vrp) nor a Solomon (.txt) VRP file.")


def read_vrplib(path: str | Path) -> VrpInstance:
    """A VRPLIB CVRP file as an instance with scale 1 (the file's own integer distances)."""
    import vrplib

    path = Path(path)
    _read_text(path)  # FileNotFoundError and undecodable files, before vrplib sees them
    try:
        # Distances are computed here (vrplib would fail on types it does not know, e.g. GEO).
        data = vrplib.read_instance(path, compute_edge_weights=False)
    except (RuntimeError, ValueError, IndexError, KeyError, TypeError, AttributeError) as exc:
        raise SolverInputError(f"{path.name}: not a readable VRPLIB file ({exc}).") from None
    name = path.name

    def fail(message: str):
        raise SolverInputError(f"{name}: {message}")

    if not data:
        fail("empty: not a VRPLIB file.")
    unknown = sorted(set(data) - _VRPLIB_KEYS)
    if unknown:
        fail(f"unsupported VRPLIB fields {', '.join(k.upper() for k in unknown)} (only CVRP is read).")
    kind = str(data.get("type", "CVRP")).strip().upper()
    if kind != "CVRP":
        fail(f"TYPE {kind} is not supported (only CVRP).")
    dimension = _whole(data.get("dimension"), name, "DIMENSION")
    if dimension < 2:
        fail("DIMENSION must be at least 2 (a depot and a client).")
    capacity = _whole(data.get("capacity"), name, "CAPACITY")
    vehicles = data.get("vehicles")
    vehicles = None if vehicles is None else _whole(vehicles, name, "VEHICLES")

    demand = data.get("demand")
    if demand is None:
        fail("no DEMAND_SECTION.")
    demand = _numeric(demand, name, "DEMAND_SECTION")
    if demand.shape != (dimension,):
        fail(f"DEMAND_SECTION has {demand.size} entries, DIMENSION is {dimension}.")
    depot = np.atleast_1d(np.asarray(data.get("depot", [0])))
    if depot.tolist() != [0]:
        fail("only files with a single depot, node 1, are supported.")

    weight_type = str(data.get("edge_weight_type", "")).strip().upper()
    coordinates = data.get("node_coord")
    if coordinates is not None:
        coordinates = _numeric(coordinates, name, "NODE_COORD_SECTION")
        if coordinates.shape != (dimension, 2):
            fail(f"NODE_COORD_SECTION has {len(coordinates)} nodes, DIMENSION is {dimension}.")
    if weight_type == "EUC_2D":
        if coordinates is None:
            fail("EDGE_WEIGHT_TYPE EUC_2D needs a NODE_COORD_SECTION.")
        distances = None  # VrpInstance rounds the Euclidean distances (scale 1), VRPLIB's rule
    elif weight_type == "EXPLICIT":
        distances = _numeric(data.get("edge_weight"), name, "EDGE_WEIGHT_SECTION")
        if distances.shape != (dimension, dimension):
            fail(f"the EDGE_WEIGHT_SECTION does not give a {dimension} × {dimension} matrix.")
    else:
        fail(f"EDGE_WEIGHT_TYPE {weight_type or '(missing)'} is not supported (EUC_2D or EXPLICIT).")
    try:
        return VrpInstance(
            demands=demand,
            capacity=capacity,
            distances=distances,
            coordinates=coordinates,
            num_vehicles=vehicles,
            name=str(data.get("name") or path.stem),
        )
    except SolverInputError as exc:
        raise SolverInputError(f"{name}: {exc}") from None


def read_solomon(path: str | Path) -> VrpInstance:
    """A Solomon VRPTW file as an instance with scale 10 (see the module docstring).

    Layout: the instance name; `VEHICLE`; `NUMBER CAPACITY`; the two numbers; `CUSTOMER`; the column
    header; then one row per location `no x y demand ready due service`, the depot (0) first and
    the customers numbered 1..n in order."""
    path = Path(path)
    name = path.name
    lines = [line.strip() for line in _read_text(path).splitlines() if line.strip()]

    def fail(message: str):
        raise SolverInputError(f"{name}: {message}")

    if len(lines) < 7 or "VEHICLE" not in lines[1].upper() or "CUSTOMER" not in lines[4].upper():
        fail("not a Solomon VRPTW file (expected the name, a VEHICLE block and a CUSTOMER block).")
    header = lines[2].upper().split()
    if header[:2] != ["NUMBER", "CAPACITY"]:
        fail("the VEHICLE block must have the columns NUMBER and CAPACITY.")
    fleet = _int_fields(lines[3], 2, name, "the vehicle line")
    if fleet[0] < 1 or fleet[1] < 1:
        fail("the number of vehicles and their capacity must be positive.")
    rows = [_int_fields(line, 7, name, f"data row {k}") for k, line in enumerate(lines[6:], start=1)]
    table = np.array(rows, dtype=np.int64)
    expected = np.arange(len(table))
    if (table[:, 0] != expected).any():
        at = int(np.flatnonzero(table[:, 0] != expected)[0])
        fail(f"customer numbers must run 0 (the depot), 1, 2 …; row {at + 1} is numbered {table[at, 0]}.")
    if (table[:, 3:] < 0).any():
        fail(f"customer {int(np.flatnonzero((table[:, 3:] < 0).any(axis=1))[0])} has a negative value.")

    coordinates = table[:, 1:3].astype(float)
    diff = coordinates[:, None, :] - coordinates[None, :, :]
    distances = np.floor(np.sqrt((diff**2).sum(axis=-1)) * SOLOMON_SCALE).astype(np.int64)
    try:
        return VrpInstance(
            demands=table[:, 3],
            capacity=int(fleet[1]),
            distances=distances,
            coordinates=coordinates,
            num_vehicles=int(fleet[0]),
            time_windows=table[:, 4:6] * SOLOMON_SCALE,
            service_durations=table[:, 6] * SOLOMON_SCALE,
            scale=SOLOMON_SCALE,
            name=lines[0],
        )
    except SolverInputError as exc:
        raise SolverInputError(f"{name}: {exc}") from None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SolverInputError(f"{path.name}: not a text file.") from None
    except IsADirectoryError:
        raise SolverInputError(f"{path.name}: is a directory, not a file.") from None


def _int_fields(line: str, count: int, file_name: str, where: str) -> list[int]:
    fields = line.split()
    if len(fields) != count:
        raise SolverInputError(f"{file_name}: {where} has {len(fields)} fields, expected {count}: {line!r}.")
    try:
        return [int(field) for field in fields]
    except ValueError:
        raise SolverInputError(
            f"{file_name}: {where} holds a value that is not a whole number: {line!r}."
        ) from None


def _numeric(value, file_name: str, section: str) -> np.ndarray:
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise SolverInputError(
            f"{file_name}: {section} holds rows of unequal length or non-numbers."
        ) from None


def _whole(value, file_name: str, key: str) -> int:
    if value is None:
        raise SolverInputError(f"{file_name}: no {key}.")
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        if isinstance(value, float | np.floating) and float(value).is_integer():
            return int(value)
        raise SolverInputError(f"{file_name}: {key} must be a whole number, not {value!r}.")
    return int(value)

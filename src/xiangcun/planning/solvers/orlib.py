"""Reader for OR-Library p-median files (Beasley 1985, `pmed1.txt` … `pmed40.txt`).

Format: the first line holds `n edges p` (vertices, edge lines that follow, medians); then one line
`i j cost` per undirected edge, vertices numbered 1…n. Some files list an edge twice (in either
orientation) with different costs; as Beasley's notes prescribe, the LAST occurrence wins. The distance
between two vertices is the length of the shortest path in this graph (every vertex is both a demand
point and a candidate site, all weights 1).

Anything that does not fit the format raises `SolverInputError` naming the line, because the message is
shown to the user of `xiangcun solve pmedian` and a traceback would not tell them what to fix.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

from xiangcun.planning.solvers import SolverInputError


@dataclass(frozen=True)
class PMedianInstance:
    """An OR-Library instance: `dist` is the n × n shortest-path matrix (float64, 0 on the diagonal)."""

    name: str
    n: int
    p: int
    dist: np.ndarray


def read_pmedian_file(path: str | Path) -> PMedianInstance:
    """Read an OR-Library p-median file; FileNotFoundError if missing, SolverInputError if malformed
    (bad header, wrong number of edge lines, a vertex outside 1…n, a negative cost) or if the graph is
    not connected (a vertex with no path to some other has no finite distance to serve it)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise
    except OSError as exc:  # a directory, no permission …: a message rather than a traceback
        raise SolverInputError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    return parse_pmedian(text, name=path.stem)


def parse_pmedian(text: str, *, name: str = "pmedian") -> PMedianInstance:
    """Parse the text of an OR-Library p-median file (see `read_pmedian_file`)."""
    lines = [(number, line.split()) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        raise SolverInputError(f"{name}: the file is empty (expected a first line 'n edges p').")
    header_line, header = lines[0]
    if len(header) != 3 or not all(_is_int(v) for v in header):
        raise SolverInputError(
            f"{name}, line {header_line}: expected the header 'n edges p' (three integers), "
            f"got {' '.join(header)!r}."
        )
    n, n_edges, p = (int(v) for v in header)
    if n < 1 or n_edges < 0 or not 1 <= p <= n:
        raise SolverInputError(
            f"{name}, line {header_line}: need n ≥ 1, edges ≥ 0 and 1 ≤ p ≤ n, got n={n}, edges={n_edges}, p={p}."
        )
    edge_lines = lines[1:]
    if len(edge_lines) != n_edges:
        raise SolverInputError(
            f"{name}: the header (line {header_line}) announces {n_edges} edges but {len(edge_lines)} edge "
            "lines follow."
        )
    costs: dict[tuple[int, int], float] = {}
    for number, fields in edge_lines:
        if len(fields) != 3 or not _is_int(fields[0]) or not _is_int(fields[1]):
            raise SolverInputError(
                f"{name}, line {number}: expected an edge 'i j cost' (two vertex numbers and a cost), "
                f"got {' '.join(fields)!r}."
            )
        i, j = int(fields[0]), int(fields[1])
        try:
            cost = float(fields[2])
        except ValueError:
            raise SolverInputError(
                f"{name}, line {number}: the cost {fields[2]!r} is not a number."
            ) from None
        if not (1 <= i <= n and 1 <= j <= n):
            raise SolverInputError(
                f"{name}, line {number}: vertex numbers must lie in 1…{n}, got {i} and {j}."
            )
        if not (np.isfinite(cost) and cost >= 0):
            raise SolverInputError(
                f"{name}, line {number}: the cost must be a finite number ≥ 0, got {cost}."
            )
        if i != j:  # a loop never shortens a path
            costs[(min(i, j) - 1, max(i, j) - 1)] = cost  # the last occurrence of an edge wins
    dist = _all_pairs_shortest_paths(n, costs)
    unreachable = np.argwhere(~np.isfinite(dist))
    if len(unreachable):
        a, b = unreachable[0]
        raise SolverInputError(
            f"{name}: the graph is not connected (no path from vertex {a + 1} to vertex {b + 1}), so some "
            "vertex cannot be served."
        )
    return PMedianInstance(name=name, n=n, p=p, dist=dist)


def _all_pairs_shortest_paths(n: int, costs: dict[tuple[int, int], float]) -> np.ndarray:
    """Dijkstra from every vertex. Zero-cost edges are kept as explicit entries of the sparse matrix
    (SciPy's csgraph treats an explicit zero in a sparse graph as an edge, an absent entry as none)."""
    if costs:
        pairs = np.array(list(costs), dtype=np.int64)
        weights = np.array(list(costs.values()), dtype=np.float64)
    else:
        pairs = np.zeros((0, 2), dtype=np.int64)
        weights = np.zeros(0)
    graph = csr_matrix((weights, (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return shortest_path(graph, method="D", directed=False)


def _is_int(value: str) -> bool:
    try:
        int(value)
    except ValueError:
        return False
    return True

"""Distances for planning: great-circle × a detour factor, or an uploaded road-distance matrix.

Road distances are not available offline, so by default a plan measures the great-circle distance
between two points and multiplies it by a documented detour factor (`choices.DEFAULT_DETOUR_FACTOR`);
a county with real road data uploads a matrix (rows: from-code, to-code, metres; CSV or Excel) and
plans can use it instead. Codes are the division codes of villages and townships (a township stands
for its seat).
"""

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np
from django.utils.translation import gettext as _

from xiangcun.core.errors import ApplicationError
from xiangcun.planning.solvers.vrp import road_distances

# An upload is refused beyond this many rows (651 villages × 651 villages is 423 801).
MAX_MATRIX_ROWS = 500_000
MAX_MATRIX_BYTES = 30 * 1024 * 1024
# A road between two places of one county is shorter than this (Daming is about 50 km across).
MAX_METRES = 1_000_000
# How many row errors a refused upload lists (the count says how many there were in all).
MAX_REPORTED_ERRORS = 50
HEADER_WORDS = {"from", "from_code", "起点", "起点代码", "to", "to_code", "终点", "终点代码"}


@dataclass(frozen=True)
class ParsedMatrix:
    entries: list[list]  # [[from, to, metres]] sorted by (from, to)
    digest: str


def digest_of(array: np.ndarray) -> str:
    """SHA-256 of an integer distance matrix (shape and values), recorded by every plan."""
    data = np.ascontiguousarray(array, dtype=np.int64)
    head = json.dumps(list(data.shape)).encode()
    return hashlib.sha256(head + data.tobytes()).hexdigest()


def great_circle(origins, destinations, *, detour_factor: Decimal) -> np.ndarray:
    """Integer metres from each origin to each destination ((latitude, longitude) pairs)."""
    return road_distances(origins, destinations, detour_factor=float(detour_factor))


def from_matrix(entries, from_codes: list[str], to_codes: list[str]) -> np.ndarray:
    """The (len(from_codes) × len(to_codes)) metres of an uploaded matrix. A pair missing one way is
    read the other way round (roads are two-way); a place is 0 m from itself. Raises ApplicationError
    (`matrix_incomplete`) naming the first missing pairs when the matrix does not cover them all."""
    lookup = {(a, b): m for a, b, m in entries}
    out = np.zeros((len(from_codes), len(to_codes)), dtype=np.int64)
    missing = []
    for i, a in enumerate(from_codes):
        for j, b in enumerate(to_codes):
            if a == b:
                continue
            metres = lookup.get((a, b), lookup.get((b, a)))
            if metres is None:
                missing.append(f"{a} → {b}")
            else:
                out[i, j] = metres
    if missing:
        shown = ", ".join(missing[:10])
        raise ApplicationError(
            _("The distance matrix lacks %(count)s pairs the plan needs, e.g. %(pairs)s.")
            % {"count": len(missing), "pairs": shown},
            code="matrix_incomplete",
            fields={"distance_matrix": [_("Missing pairs: %(pairs)s") % {"pairs": shown}]},
        )
    return out


def parse_matrix_file(upload, *, known_codes: set[str]) -> ParsedMatrix:
    """Read an uploaded matrix file: .csv (UTF-8, with or without BOM) or .xlsx, one pair per row:
    from-code, to-code, metres; a first row of headers is skipped. Every row is checked (codes known in
    the county, metres a whole number 0–1 000 000, no pair twice with different metres); any error is
    an ApplicationError `matrix_invalid` whose `fields["rows"]` lists `{"row", "column", "message"}`."""
    name = (getattr(upload, "name", "") or "").lower()
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_MATRIX_BYTES:
        raise _file_error(_("The file is larger than %(mb)s MB.") % {"mb": MAX_MATRIX_BYTES // 2**20})
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(upload)
    elif name.endswith(".csv") or name.endswith(".txt"):
        rows = _csv_rows(upload)
    else:
        raise _file_error(_("Upload a .csv or .xlsx file."))
    errors: list[dict] = []
    pairs: dict[tuple[str, str], int] = {}
    count = 0
    for number, cells in rows:
        cells = [("" if c is None else str(c).strip()) for c in cells]
        while cells and cells[-1] == "":
            cells.pop()
        if not cells:
            continue
        if count == 0 and not pairs and not errors and cells[0].lower() in HEADER_WORDS:
            continue
        count += 1
        if count > MAX_MATRIX_ROWS:
            raise _file_error(_("The file has more than %(n)s rows.") % {"n": MAX_MATRIX_ROWS})
        cells += [""] * (3 - len(cells))
        start, end, metres = cells[0], cells[1], cells[2]
        row_errors = []
        for column, code in (("from", start), ("to", end)):
            if not code:
                row_errors.append((column, _("A code is required.")))
            elif code not in known_codes:
                row_errors.append(
                    (column, _("No village or township of this county has code %(code)s.") % {"code": code})
                )
        value = _metres(metres)
        if value is None:
            row_errors.append(("metres", _("Enter a whole number of metres from 0 to 1000000.")))
        if len(cells) > 3:
            row_errors.append(("", _("A row has three cells: from-code, to-code, metres.")))
        if not row_errors:
            if start == end and value != 0:
                row_errors.append(("metres", _("A place is 0 m from itself.")))
            elif pairs.get((start, end), value) != value:
                row_errors.append(("metres", _("This pair appears twice with different distances.")))
        if row_errors:
            errors.extend({"row": number, "column": c, "message": str(m)} for c, m in row_errors)
            continue
        pairs[(start, end)] = value
    if errors:
        raise ApplicationError(
            _("%(count)s errors in the file; nothing was saved.") % {"count": len(errors)},
            code="matrix_invalid",
            fields={"rows": errors[:MAX_REPORTED_ERRORS]},
        )
    if not pairs:
        raise ApplicationError(
            _("The file holds no distances."), code="empty_file", fields={"file": [_("No rows.")]}
        )
    entries = [[a, b, m] for (a, b), m in sorted(pairs.items())]
    digest = hashlib.sha256(json.dumps(entries, separators=(",", ":")).encode()).hexdigest()
    return ParsedMatrix(entries=entries, digest=digest)


def _metres(text: str) -> int | None:
    try:
        value = Decimal(text.replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value != value.to_integral_value() or not 0 <= value <= MAX_METRES:
        return None
    return int(value)


def _file_error(message: str) -> ApplicationError:
    return ApplicationError(message, code="invalid_file", fields={"file": [message]})


def _csv_rows(upload):
    raw = upload.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_error(_("The CSV file must be UTF-8 text.")) from None
    dialect = csv.excel_tab if "\t" in text[:1000] and "," not in text[:1000] else csv.excel
    return enumerate(csv.reader(io.StringIO(text), dialect), start=1)


def _xlsx_rows(upload):
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(upload, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (zip, XML, key errors) for files that are not .xlsx
        raise _file_error(_("The file is not a readable .xlsx workbook.")) from None
    sheet = workbook.worksheets[0]
    return enumerate(sheet.iter_rows(values_only=True), start=1)

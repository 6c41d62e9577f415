"""One-sheet Excel tables in the layout every export shares: row 1 a title, row 2 the headers (bold,
frozen, with an auto-filter), one typed row per record below. Text cells stay text (codes, UUIDs and
waybill numbers keep their digits; nothing is read as a formula), numbers carry their format, and the
sheet is streamed (openpyxl's write-only mode: a year's station table has ~80,000 cells). Used by the
reports (`reporting.exports`), the delivery ledger (`logistics.exports`) and plans (`planning.exports`).
"""

import re
from dataclasses import dataclass
from io import BytesIO

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

TITLE_ROW, HEADER_ROW = 1, 2
TEXT, INT, MONEY, RATE, MOMENT, PLAIN = "text", "int", "money", "rate", "moment", "plain"
FORMATS = {TEXT: "@", INT: "0", MONEY: "#,##0.00", RATE: "0.0", MOMENT: "yyyy-mm-dd hh:mm:ss"}
WIDTHS = {TEXT: 16, INT: 10, MONEY: 14, RATE: 10, MOMENT: 19, PLAIN: 14}


@dataclass(frozen=True)
class Col:
    header: str
    kind: str = PLAIN
    width: int | None = None


def _cell(sheet, value, kind: str) -> WriteOnlyCell:
    if value is None or value == "":
        cell = WriteOnlyCell(sheet)
    elif isinstance(value, str) or kind == TEXT:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
        cell.data_type = "s"  # never a formula, never a number
    else:
        cell = WriteOnlyCell(sheet, value=value)
    if kind in FORMATS:
        cell.number_format = FORMATS[kind]
    return cell


def table_workbook(*, title: str, sheet_name: str, columns: list[Col], rows, properties: dict) -> bytes:
    """An .xlsx of one sheet, streamed (openpyxl's write-only mode: a year's table has ~80,000 cells)."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(re.sub(r"[\[\]:*?/\\]", " ", sheet_name)[:31])
    for j, col in enumerate(columns, start=1):
        letter = get_column_letter(j)
        sheet.column_dimensions[letter].width = col.width or WIDTHS[col.kind]
        if col.kind == TEXT:
            # Cells typed later into this column are text too, so new codes keep their digits.
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    heading = WriteOnlyCell(sheet, value=title)
    heading.font = Font(bold=True, size=13)
    sheet.append([heading])
    bold = Font(bold=True)
    header_cells = []
    for col in columns:
        cell = WriteOnlyCell(sheet, value=col.header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    n = 0
    for values in rows:
        sheet.append([_cell(sheet, value, col.kind) for col, value in zip(columns, values, strict=True)])
        n += 1
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(columns))}{HEADER_ROW + n}"
    workbook.properties.title = title
    workbook.properties.creator = "Xiangcun"
    for name, value in properties.items():
        workbook.custom_doc_props.append(StringProperty(name=name, value=str(value)))
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def yes_no(value) -> str:
    if value is None:
        return ""
    return _("Yes") if value else _("No")


def export_filename(*parts: str) -> str:
    return re.sub(r'[\\/:*?"<>|]', "", "-".join(p for p in parts if p)) + ".xlsx"

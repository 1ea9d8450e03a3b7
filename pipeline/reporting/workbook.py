"""The workbooks of the reports: ``tableaux.xlsx`` (national) and ``regions/<network>.xlsx``, every
table of the report as published (the same secret cells masked as on its page)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline.common.atomic import save_workbook
from pipeline.common.safe_text import neutralize
from pipeline.reporting.formats import secret_mark, text_value
from pipeline.reporting.tables import PubTable

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
SHEET_MAX = 31  # Excel's limit on a sheet's name
# French number formats (the separators follow the reader's Excel; the units are French: « 12 % »).
FORMATS = {"count": "#,##0", "share": '0"\u00a0"%', "euros": '#,##0"\u00a0€"', "euros_cents": '#,##0.00"\u00a0€"',
           "number": "#,##0.0", "vtest": "0.0"}


def _sheet_name(title: str, used: set[str]) -> str:
    """A readable sheet name from the table's title: Excel's forbidden characters replaced, cut at a
    word within 31 characters (« … » when cut), « (2) » for a second table of the same name."""
    # no leading = + - @ either: the contents sheet writes the name in a cell (never a formula)
    text = " ".join(_SHEET_BAD.sub(" ", title).split()).strip("'").lstrip("=+-@ \t") or "Tableau"
    if len(text) > SHEET_MAX:
        cut = text[: SHEET_MAX - 1].rsplit(" ", 1)[0].rstrip(" ,;.-('«") or text[: SHEET_MAX - 1]
        text = cut + "…"
    name, i = text, 2
    while name.lower() in used:
        suffix = f" ({i})"
        name, i = text[: SHEET_MAX - len(suffix)].rstrip() + suffix, i + 1
    used.add(name.lower())
    return name


def write_workbook(tables: list[PubTable], path: Path, title: str) -> None:
    """tableaux.xlsx: a contents sheet, then one sheet per table (French headers, frozen header,
    column widths, number formats, secret cells as '< 3' / 's' and their notes, text neutralised
    against formulas).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    wb = Workbook()
    toc = wb.active
    toc.title = "Sommaire"
    toc.append([neutralize(title)])
    toc["A1"].font = Font(bold=True, size=13)
    toc.append([])
    toc.append(["Feuille", "Tableau", "Base (n)"])  # each sheet's name links to it
    for c in toc[3]:
        c.font = Font(bold=True)
    toc.freeze_panes = "A4"
    used = {"sommaire"}
    header_fill = PatternFill("solid", fgColor="DDE7F0")
    formats = FORMATS
    for table in tables:
        name = _sheet_name(table.title, used)
        toc.append([name, neutralize(table.title), table.n])
        link = toc.cell(row=toc.max_row, column=1)
        link.hyperlink = Hyperlink(ref=link.coordinate, location="'{}'!A1".format(name.replace("'", "''")))
        link.font = Font(color="0B3D63", underline="single")
        ws = wb.create_sheet(name)
        ws.append([neutralize(table.index_name), *[neutralize(str(c)) for c in table.data.columns]])
        for c in ws[1]:
            c.font = Font(bold=True)
            c.fill = header_fill
            c.alignment = Alignment(wrap_text=True, vertical="top")
        for i, row in enumerate(table.data.index):
            values = [neutralize(str(row))]
            for j, col in enumerate(table.data.columns):
                kind = table.kinds.get(col, "number")
                if bool(table.secret.iat[i, j]):
                    values.append(secret_mark(kind, table.threshold, table.is_secondary(i, j)))
                    continue
                v = table.data.iat[i, j]
                if kind == "text":
                    values.append(neutralize(text_value(v)))
                elif v is None or pd.isna(v):
                    values.append(None)
                else:
                    values.append(float(v) if kind != "count" else int(v))
            ws.append(values)
        for j, col in enumerate(table.data.columns, start=2):
            fmt = formats.get(table.kinds.get(col, "number"))
            for cell in ws.iter_cols(min_col=j, max_col=j, min_row=2):
                for c in cell:
                    if isinstance(c.value, (int, float)) and fmt:
                        c.number_format = fmt
                    c.alignment = Alignment(horizontal="right")
        r = ws.max_row + 2
        for text in (table.note, table.mask_note(),
                     f"Source : {table.source}" if table.source else ""):
            if text:
                ws.cell(row=r, column=1, value=neutralize(text))
                r += 1
        ws.freeze_panes = "B2"
        ws.column_dimensions["A"].width = min(70, max(18, max(len(str(i)) for i in [table.index_name, *table.data.index]) + 2))
        for j, col in enumerate(table.data.columns, start=2):
            ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = max(12, min(40, len(str(col)) + 4))
    toc.column_dimensions["A"].width = 34
    toc.column_dimensions["B"].width = 90
    toc.column_dimensions["C"].width = 10
    save_workbook(wb, path, drop_dates=True)

"""The ACTER questionnaire as collectivités return it: filled in, horizontal or vertical, .xlsx,
.xlsm or .ods, or compiled by a network officer (one collectivité per row)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import numpy as np

from pipeline.common.atomic import workbook_bytes
from pipeline.common.cells import cell_ref
from pipeline.demo.files import SheetGrid, ods_bytes, patch_cells, replace_entry
from pipeline.demo.mistakes import Recorder, flag_cells
from pipeline.demo.submissions import Placement, Rendered, Submission
from pipeline.demo.values import native_value
from pipeline.domain.codebook import Codebook
from pipeline.questionnaire import (
    ANSWER_SHEET,
    FIRST_ANSWER_ROW,
    PREPARED_ROWS,
    build_template,
    horizontal_columns,
    vertical_rows,
    yes_no,
)


@dataclass
class Templates:
    """The questionnaire workbooks, built once per wave and filled for each collectivité.

    Filling writes the answers straight into the answer cells of the saved workbook (the
    cells :func:`pipeline.questionnaire.fill_template` would write, with the template's styles),
    which is 20 times faster than loading and saving each copy with openpyxl.
    """

    horizontal: bytes
    vertical: bytes
    compilation: bytes  # the horizontal questionnaire with all its prepared rows
    sheet_entry: dict[bool, str]
    grids: dict[bool, list[SheetGrid]]

    @classmethod
    def build(cls, cb: Codebook, year: int) -> Templates:
        compilation = workbook_bytes(build_template(cb, year=year))
        horizontal = build_template(cb, year=year)
        # keep one prepared answer row: the collectivité answers for itself only
        horizontal[ANSWER_SHEET].delete_rows(FIRST_ANSWER_ROW + 1, PREPARED_ROWS - 1)
        vertical = build_template(cb, vertical=True, year=year)
        entries, grids = {}, {}
        for flag, wb in ((False, horizontal), (True, vertical)):
            entries[flag] = f"xl/worksheets/sheet{wb.sheetnames.index(ANSWER_SHEET) + 1}.xml"
            grids[flag] = [SheetGrid(ws.title, [list(r) for r in ws.iter_rows(values_only=True)],
                                     hidden=ws.sheet_state == "hidden") for ws in wb.worksheets]
        return cls(horizontal=workbook_bytes(horizontal), vertical=workbook_bytes(vertical),
                   compilation=compilation, sheet_entry=entries, grids=grids)

    def filled_xlsx(self, vertical: bool, cells: dict[str, object], *, rows: int = 1) -> bytes:
        """The questionnaire with ``cells`` (A1 reference → value) written in the answer sheet."""
        if rows > PREPARED_ROWS:
            raise ValueError(f"the questionnaire prepares {PREPARED_ROWS} answer rows, not {rows}")
        base = self.vertical if vertical else self.horizontal if rows == 1 else self.compilation
        name = self.sheet_entry[vertical]
        with zipfile.ZipFile(io.BytesIO(base)) as archive:
            xml = archive.read(name).decode("utf-8")
        return replace_entry(base, name, patch_cells(xml, cells).encode("utf-8"))

    def filled_ods(self, vertical: bool, cells: dict[tuple[int, int], object]) -> bytes:
        """The questionnaire saved as .ods by LibreOffice, with ``cells`` ((row, col), 0-based) filled."""
        out = []
        for grid in self.grids[vertical]:
            rows = [list(r) for r in grid.rows]
            if grid.name == ANSWER_SHEET:
                for (r, c), value in cells.items():
                    while len(rows) <= r:
                        rows.append([])
                    row = rows[r]
                    row.extend([None] * (c + 1 - len(row)))
                    row[c] = value
            out.append(SheetGrid(grid.name, rows, hidden=grid.hidden))
        return ods_bytes(out)


def render_template(subs: list[Submission], file: str, fmt: str, cb: Codebook, year: int,
                    rng: np.random.Generator, templates: Templates, vertical: bool) -> Rendered:
    """The ACTER questionnaire filled by one collectivité (vertical or horizontal form), or by a
    network compiling several collectivités, one row each (horizontal form)."""
    if vertical and len(subs) != 1:
        raise ValueError("the vertical form holds one collectivité")
    rows = vertical_rows(cb)
    cols = horizontal_columns(cb)
    values: dict[tuple[int, int], object] = {}  # (row, col), 0-based
    placements, mistakes = [], []
    yes, no = yes_no(cb)
    for i, sub in enumerate(subs):
        answer_row = FIRST_ANSWER_ROW + i

        def place(column: str) -> tuple[int, int]:
            return (rows[column] - 1, 1) if vertical else (answer_row - 1, cols[column] - 1)

        rec = Recorder(sub, file, ANSWER_SHEET, cb, rng)
        for q in cb:
            v = sub.answers[q.code]
            cells: dict[str, tuple[str, object]] = {}
            if q.type == "multi":
                for m in q.modalities:
                    col = f"{q.code}__{m.slug}"
                    value = None if v is None else (yes if m.slug in v else no)  # type: ignore[operator]
                    values[place(col)] = value
                    cells[col] = (cell_ref(*place(col)), value)
            else:
                value = rec.value(q, cell_ref(*place(q.code)), native_value(q, v))
                values[place(q.code)] = value
                cells[q.code] = (cell_ref(*place(q.code)), value)
            flag_cells(rec, q, cells)
        placements.append(Placement(sub, ANSWER_SHEET, None if vertical else answer_row, rec.truth))
        mistakes.extend(rec.mistakes)
    if fmt == "ods":
        if len(subs) != 1:
            raise ValueError("a compilation is written as .xlsx")
        data = templates.filled_ods(vertical, {k: v for k, v in values.items() if v is not None})
    else:
        data = templates.filled_xlsx(vertical, {cell_ref(*k): v for k, v in values.items()}, rows=len(subs))
    return Rendered(data, placements, mistakes)


def template_answers(sub: Submission, cb: Codebook) -> dict[str, object]:
    """A submission as the column → value mapping of :func:`pipeline.questionnaire.fill_template`."""
    out: dict[str, object] = {}
    for q in cb:
        v = sub.answers[q.code]
        if q.type == "multi":
            out.update({f"{q.code}__{m.slug}": None if v is None else m.slug in v for m in q.modalities})  # type: ignore[operator]
        else:
            out[q.code] = native_value(q, v)
    return out

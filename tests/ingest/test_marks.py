"""Excel marks calamine does not give: error values, formulas never calculated, hidden rows; each
reported on its cell, the value missing rather than wrong."""

from __future__ import annotations

from support.hostile import xlsx_bytes
from support.spreadsheets import frame_of, problems_of

from pipeline.ingest.files import ingest_file
from pipeline.ingest.marks import xlsx_cell_marks
from pipeline.ingest.readers import read_workbook

ROWS = [["A01", "A02", "A07", "C01"], ["Ville de Millau", "Commune", "#DIV/0!", "=1000+500"], ["Ville de Rodez", "Commune", 24000, 800]]


def test_error_values_formulas_and_hidden_rows_are_found_in_the_sheet_xml(tmp_path):
    path = tmp_path / "m.xlsx"
    path.write_bytes(xlsx_bytes({"R": ROWS}, hidden_rows=(3,)))
    marks = xlsx_cell_marks(read_workbook(path), "R")
    assert marks.errors == {(1, 2): "#DIV/0!"} and marks.formulas == {(1, 3)} and marks.hidden_rows == {2}
    csv = tmp_path / "m.csv"
    csv.write_text("A01;A02\nVille;Commune\n", encoding="utf-8")
    assert not xlsx_cell_marks(read_workbook(csv), "").errors  # nothing to read outside xlsx


def test_each_mark_is_reported_on_its_cell_and_the_row_kept(tmp_path):
    path = tmp_path / "m.xlsx"
    path.write_bytes(xlsx_bytes({"R": ROWS}, hidden_rows=(3,)))
    res = ingest_file(path, tmp_path)
    df = frame_of(res)
    assert [p["cell"] for p in problems_of(res, "excel_error")] == ["C2"]
    assert [p["cell"] for p in problems_of(res, "formula_without_value")] == ["D2"]
    assert [p["cell"] for p in problems_of(res, "hidden_row")] == ["A3"]
    assert df["A07"].isna().tolist() == [True, False] and df["C01"].isna().tolist() == [True, False]
    assert df["A01"].tolist() == ["Ville de Millau", "Ville de Rodez"] and res.report["status"] == "ingested"

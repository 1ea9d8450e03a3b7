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
    assert marks.errors == {(1, 2): "#DIV/0!"} and marks.formulas == {(1, 3): "=1000+500"} and marks.hidden_rows == {2}
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


def test_formula_text_is_kept_for_free_text_questions_only(tmp_path):
    rows = [["A01", "A02", "A07", "F05"],
            ['="Ville de "&"Millau"', "Commune", "=20000+2000", '=CONCATENER("Merci ";"pour tout")']]
    path = tmp_path / "f.xlsx"
    path.write_bytes(xlsx_bytes({"R": rows}))
    res = ingest_file(path, tmp_path)
    df = frame_of(res)
    assert df["A01"].tolist() == ['="Ville de "&"Millau"'] and df["F05"].tolist() == ['=CONCATENER("Merci ";"pour tout")']
    assert df["A07"].isna().all()  # a number keeps today's rule: missing, with a warning
    kept = problems_of(res, "formula_text_kept")
    assert [(p["cell"], p["column"], p["severity"]) for p in kept] == [("A2", "A01", "warning"), ("D2", "F05", "warning")]
    assert "« Commentaires libres »" in kept[1]["message_fr"] and "gardé comme réponse" in kept[1]["message_fr"]
    assert [p["cell"] for p in problems_of(res, "formula_without_value")] == ["C2"]


def test_formula_text_is_kept_in_a_workbook_read_by_the_second_reader(tmp_path):
    from support.hostile import utf16_xlsx

    rows = [["A01", "A02", "A07", "F05"], ["Ville de Millau", "Commune", "=20000+2000", '="Merci "&"pour tout"']]
    path = tmp_path / "mobile.xls"  # an Excel Mobile workbook under a wrong extension
    path.write_bytes(utf16_xlsx(xlsx_bytes({"R": rows})))
    res = ingest_file(path, tmp_path)
    df = frame_of(res)
    assert df["F05"].tolist() == ['="Merci "&"pour tout"'] and df["A07"].isna().all()
    assert [p["code"] for p in res.report["problems"]] == ["second_reader", "formula_without_value", "formula_text_kept"]


def test_kept_formula_text_is_written_to_clean_xlsx_as_text(tmp_path):
    import openpyxl

    from pipeline.clean.outputs import write_clean_xlsx
    from pipeline.domain.codebook import load_codebook

    path = tmp_path / "f.xlsx"
    path.write_bytes(xlsx_bytes({"R": [["A01", "A02", "F05"], ['="Ville de "&"Millau"', "Commune", "=1+1"]]}))
    df = frame_of(ingest_file(path, tmp_path))
    assert len(df) == 1
    out = tmp_path / "clean.xlsx"
    write_clean_xlsx(df[["A01", "F05"]], out, load_codebook())
    values = [c.value for c in next(openpyxl.load_workbook(out).active.iter_rows(min_row=2))]
    assert values[:2] == ['\'="Ville de "&"Millau"', "'=1+1"]  # shown as text by Excel, never run

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
    # a hidden row is no answer while visible rows hold answers: skipped, noted on its row
    assert [p["cell"] for p in problems_of(res, "hidden_row_skipped")] == ["A3"]
    assert df["A07"].isna().tolist() == [True] and df["C01"].isna().tolist() == [True]
    assert df["A01"].tolist() == ["Ville de Millau"] and res.report["status"] == "ingested"


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


def test_hidden_columns_and_an_active_filter_in_the_xlsx_xml(tmp_path):
    path = tmp_path / "c.xlsx"
    path.write_bytes(xlsx_bytes({"R": ROWS}, hidden_cols=("B", "D"), autofilter="A1:D3"))
    marks = xlsx_cell_marks(read_workbook(path), "R")
    assert marks.hidden_cols == {1, 3} and marks.filtered and not marks.hidden_rows


def test_hidden_rows_and_columns_of_an_ods_sheet(tmp_path):
    from pipeline.demo.files import SheetGrid, ods_bytes
    from pipeline.ingest.marks import sheet_marks

    grid = SheetGrid("Fiche & co", [["a", "b", "c"], ["d", "e", "f"], ["g", "h", "i"]], hidden_rows=frozenset({1}),
                     hidden_cols=frozenset({2}), merged=((0, 0, 0, 1),))
    path = tmp_path / "f.ods"
    path.write_bytes(ods_bytes([SheetGrid("Autre", [["x"]], hidden_rows=frozenset({0})), grid]))
    wb = read_workbook(path)
    marks = sheet_marks(wb, "Fiche & co")
    assert marks.hidden_rows == {1} and marks.hidden_cols == {2} and not marks.filtered
    assert wb.sheets[1].rows[0][:2] == ["a", ""]  # the merged range keeps its first cell's value
    assert sheet_marks(wb, "Autre").hidden_rows == {0}


def test_hidden_rows_and_columns_of_an_xls_sheet(tmp_path):
    import xlwt

    from pipeline.ingest.marks import sheet_marks

    book = xlwt.Workbook()
    book.add_sheet("Lisez-moi").write(0, 0, "Bonjour")
    ws = book.add_sheet("Réponses")
    for r, row in enumerate(ROWS):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    ws.row(2).hidden = True
    ws.col(3).hidden = True
    path = tmp_path / "r.xls"
    book.save(str(path))
    wb = read_workbook(path)
    marks = sheet_marks(wb, "Réponses")
    assert marks.hidden_rows == {2} and marks.hidden_cols == {3}
    assert not sheet_marks(wb, "Lisez-moi").hidden_rows
    res = ingest_file(path, tmp_path)
    assert frame_of(res)["A01"].tolist() == ["Ville de Millau"]  # the hidden row is no answer

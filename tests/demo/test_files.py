"""Cell grids written as returned files: CSV text, spreadsheets read back, the fast filling."""

import datetime as dt
import io

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from pipeline.demo.files import (
    SheetGrid,
    csv_bytes,
    csv_text,
    ods_bytes,
    patch_cells,
    xlsx_bytes,
)

GRID = SheetGrid("Réponses", [["Code", "Valeur"], ["C01", 15000.0], ["D02", 0.5], ["F05", " Oui  bien "],
                              ["A14", dt.date(2025, 3, 4)], ["F05", "=HYPERLINK(\"x\")"]], bold=(0,), widths={0: 30})


def test_csv_cells_read_as_typed():
    assert [csv_text(v) for v in (15000.0, 0.5, 7, True, None, " Oui ")] == ["15000", "0.5", "7", "1", "", " Oui "]
    assert csv_text(dt.date(2025, 3, 4)) == "04/03/2025"
    assert csv_text(dt.datetime(2025, 3, 4, 10, 22, 33)) == "04/03/2025 10:22:33"
    assert csv_bytes([["a", 1.0]], sep=";", encoding="utf-8", bom=True) == b"\xef\xbb\xbfa;1\r\n"


def test_cp1252_loses_nothing_silently():
    with pytest.raises(UnicodeEncodeError):
        csv_bytes([["Łódź"]], sep=";", encoding="cp1252", bom=False)


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_spreadsheets_read_back_as_written(fmt):
    data = xlsx_bytes([GRID], 2025, "Ville de Pau") if fmt == "xlsx" else ods_bytes([GRID])
    assert data == (xlsx_bytes([GRID], 2025, "Ville de Pau") if fmt == "xlsx" else ods_bytes([GRID]))
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("Réponses").to_python()
    assert rows[1][1] == 15000 and rows[2][1] == 0.5 and rows[3][1] == " Oui  bien "
    assert rows[4][1] in (dt.date(2025, 3, 4), dt.datetime(2025, 3, 4))
    assert rows[5][1] == "=HYPERLINK(\"x\")"


def test_xlsx_keeps_formula_looking_text_as_text_and_styles():
    ws = openpyxl.load_workbook(io.BytesIO(xlsx_bytes([GRID], 2025, "Ville de Pau")))["Réponses"]
    assert ws["B6"].data_type == "s"
    assert ws["A1"].font.bold and not ws["A2"].font.bold
    assert ws.column_dimensions["A"].width == 30


def test_patch_cells_fills_prepared_cells_and_refuses_others():
    xml = '<row r="5"><c r="A5" s="3"/><c r="B5" s="4" t="n"/></row>'
    out = patch_cells(xml, {"A5": "Ville de Die", "B5": 1.5})
    assert '<c r="A5" s="3" t="inlineStr"><is><t xml:space="preserve">Ville de Die</t></is></c>' in out
    assert '<c r="B5" s="4"><v>1.5</v></c>' in out
    with pytest.raises(ValueError, match="C5"):
        patch_cells(xml, {"C5": "x"})

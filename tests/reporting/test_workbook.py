"""tableaux.xlsx: formulas neutralised, secret cells masked, identical bytes across writes."""

from __future__ import annotations

import hashlib

import pandas as pd
from openpyxl import load_workbook

from pipeline.reporting.tables import frame_table, single_table
from pipeline.reporting.workbook import write_workbook


def test_workbook_neutralizes_formulas(tmp_path):
    data = pd.DataFrame({"Effectif": [5, 4]}, index=["=HYPERLINK(\"x\")", "@SUM(A1)"])
    table = frame_table("f", "+titre", data, {"Effectif": "count"}, 9, 3)
    write_workbook([table], tmp_path / "t.xlsx", "-sommaire")
    wb = load_workbook(tmp_path / "t.xlsx")
    values = [c.value for row in wb["f"].iter_rows() for c in row if isinstance(c.value, str)]
    values += [c.value for row in wb["Sommaire"].iter_rows() for c in row if isinstance(c.value, str)]
    assert all(not v.startswith(("=", "+", "-", "@")) for v in values)
    assert "'=HYPERLINK(\"x\")" in values
    first = hashlib.sha256((tmp_path / "t.xlsx").read_bytes()).hexdigest()
    write_workbook([table], tmp_path / "t.xlsx", "-sommaire")
    assert hashlib.sha256((tmp_path / "t.xlsx").read_bytes()).hexdigest() == first


def test_secret_cells_are_masked_and_sheet_names_unique(tmp_path):
    table = single_table("A02", "Type", pd.Series(["a"] * 10 + ["b"] * 2 + ["c"] * 7), 3, ["a", "b", "c"])
    write_workbook([table, table], tmp_path / "t.xlsx", "Sommaire")
    wb = load_workbook(tmp_path / "t.xlsx")
    assert wb.sheetnames == ["Sommaire", "A02", "A02_2"]
    rows = {r[0].value: [c.value for c in r[1:]] for r in wb["A02"].iter_rows(min_row=2) if r[0].value}
    assert rows["b"] == ["<\u00a03", "s"] and rows["a"] == [10, 10 / 19]
    assert wb["A02"].freeze_panes == "B2"

"""The workbooks: formulas neutralised, secret cells masked, identical bytes across writes; readable sheet
names and French formats; one workbook per report, masked as its page."""

from __future__ import annotations

import hashlib
from html.parser import HTMLParser

import pandas as pd
from openpyxl import load_workbook

from pipeline.reporting.tables import frame_table, single_table
from pipeline.reporting.workbook import write_workbook


def test_workbook_neutralizes_formulas(tmp_path):
    data = pd.DataFrame({"Effectif": [5, 4]}, index=["=HYPERLINK(\"x\")", "@SUM(A1)"])
    table = frame_table("f", "+titre", data, {"Effectif": "count"}, 9, 3)
    write_workbook([table], tmp_path / "t.xlsx", "-sommaire")
    wb = load_workbook(tmp_path / "t.xlsx")
    values = [c.value for row in wb["titre"].iter_rows() for c in row if isinstance(c.value, str)]
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
    assert wb.sheetnames == ["Sommaire", "Type", "Type (2)"]
    rows = {r[0].value: [c.value for c in r[1:]] for r in wb["Type"].iter_rows(min_row=2) if r[0].value}
    assert rows["b"] == ["<\u00a03", "s"] and rows["a"] == [10, 10 / 19]
    assert wb["Type"].freeze_panes == "B2"


def test_sheets_are_named_after_their_tables_with_french_formats_and_linked_from_the_contents(tmp_path):
    long = single_table("budget_par_type", "Budget consacré à l'action internationale selon le type [euros]",
                        pd.Series(["a"] * 10 + ["b"] * 7), 3, ["a", "b"])
    write_workbook([long], tmp_path / "t.xlsx", "Tableaux")
    wb = load_workbook(tmp_path / "t.xlsx")
    name = wb.sheetnames[1]
    assert name == "Budget consacré à l'action…" and len(name) <= 31
    toc = {r[1].value: r[0] for r in wb["Sommaire"].iter_rows(min_row=4) if r[0].value}
    link = toc["Budget consacré à l'action internationale selon le type [euros]"]
    assert link.value == name and link.hyperlink.location == "'Budget consacré à l''action…'!A1"
    share = wb[name]["C2"]
    assert share.value == 10 / 17 and share.number_format == '0"\u00a0"%'  # shown « 59 % »


# -- a workbook per report, masked as its page --------------------------------------------------

class _Tables(HTMLParser):
    """The data tables of a report page: caption -> {(row, column): (css class, text)}."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, dict[tuple[str, str], tuple[str, str]]] = {}
        self._cell: list[str] | None = None
        self._row: list[tuple[str, str]] = []
        self._head: list[str] = []
        self._caption: str | None = None
        self._class = ""

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._head, self._caption = [], ""
        elif tag in ("caption", "th", "td"):
            self._cell, self._class = [], dict(attrs).get("class", "")
        elif tag == "tr":
            self._row = []

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("caption", "th", "td") and self._cell is not None:
            text, self._cell = "".join(self._cell), None
            if tag == "caption":
                self._caption = text
                self.tables.setdefault(text, {})
            else:
                self._row.append((self._class if tag == "td" else "th", text))
        elif tag == "tr" and self._caption is not None:
            if not self._head:
                self._head = [t for _, t in self._row]
            else:
                label = self._row[0][1]
                for col, (css, text) in zip(self._head[1:], self._row[1:]):
                    self.tables.setdefault(self._caption, {})[(label, col)] = (css, text)


def _masked_in_page(page) -> dict[str, set]:
    parser = _Tables()
    parser.feed(page.read_text(encoding="utf-8"))
    return {title: {(r, c, t) for (r, c), (css, t) in cells.items() if css == "secret"}
            for title, cells in parser.tables.items()}


def _masked_in_workbook(path) -> dict[str, set]:
    wb = load_workbook(path)
    sheets = {r[1].value: r[0].value for r in wb["Sommaire"].iter_rows(min_row=4) if r[0].value}
    out = {}
    for title, name in sheets.items():
        rows = list(wb[name].iter_rows(values_only=True))
        head = rows[0]
        out[title] = {(str(row[0]), head[j], v) for row in rows[1:] if row and row[0] is not None
                      for j, v in enumerate(row) if j and isinstance(v, str) and v in ("s", "<\u00a03")}
    return out


def test_each_report_has_its_workbook_with_the_masked_cells_of_its_page(rendered):
    from conftest import NETWORK, TINY_NETWORK

    pairs = [(rendered / "national.html", rendered / "tableaux.xlsx"),
             (rendered / "regions" / f"{NETWORK}.html", rendered / "regions" / f"{NETWORK}.xlsx")]
    for page, book in pairs:
        in_page, in_book = _masked_in_page(page), _masked_in_workbook(book)
        assert in_book and set(in_book) <= set(in_page), book.name
        assert {t: in_page[t] for t in in_book} == in_book, book.name
        assert any(in_book.values()), book.name  # the demo's small cells are masked in both
        assert f'href="{book.name}"' in page.read_text(encoding="utf-8")
    network = load_workbook(rendered / "regions" / f"{NETWORK}.xlsx")
    assert "Réseau Bretagne Solidaire" in network["Sommaire"]["A1"].value
    assert all(len(n) <= 31 and not n.isupper() for n in network.sheetnames)
    # a network too small for a report gets a notice and no workbook
    assert not (rendered / "regions" / f"{TINY_NETWORK}.xlsx").exists()

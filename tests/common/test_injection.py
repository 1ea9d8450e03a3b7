"""Formula injection: respondent text that a spreadsheet would run stays inert in every xlsx
and csv the pipeline writes (clean.xlsx, tableaux.xlsx, typology stage and `acter typology`
CSVs); numbers stay numbers. One helper does it (pipeline/common/safe_text.py)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from pipeline.clean.outputs import write_clean_xlsx
from pipeline.cli.main import main as acter
from pipeline.common.safe_text import FORMULA_LEAD, neutralize, safe_frame
from pipeline.domain.codebook import load_codebook
from pipeline.reporting.tables import PubTable
from pipeline.reporting.workbook import write_workbook
from pipeline.typology.recipe import write_csv

ROOT = Path(__file__).resolve().parents[2]
EVIL = ['=HYPERLINK("http://evil.example/","clic")', "@SUM(1)", "+1+1", "-2+3", "\t=1", "\r=1"]


def _cells(path: Path) -> list[openpyxl.cell.Cell]:
    wb = openpyxl.load_workbook(path)
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def _assert_inert_workbook(path: Path) -> None:
    cells = _cells(path)
    assert not [c.coordinate for c in cells if c.data_type == "f"], path
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [t for t in texts if t.startswith(FORMULA_LEAD)], path
    texts = [t.replace("\r", "\n") for t in texts]  # XML reads a carriage return back as a newline
    for evil in (e.replace("\r", "\n") for e in EVIL):
        assert any(t == "'" + evil or t.endswith(evil) for t in texts), (path, evil)


def _assert_inert_csv(path: Path) -> None:
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.reader(f):
            for cell in row:
                if cell.startswith(FORMULA_LEAD):  # only a number may start so
                    float(cell)


def test_neutralize_text_only():
    assert [neutralize(e)[0] for e in EVIL] == ["'"] * len(EVIL)
    assert neutralize("Ville") == "Ville" and neutralize(-3.5) == -3.5 and neutralize(None) is None
    df = pd.DataFrame({"=nom": EVIL, "x": -np.arange(len(EVIL), dtype=float), "ok": [True] * len(EVIL)},
                      index=pd.Index(EVIL, name="@id"))
    safe = safe_frame(df)
    assert list(safe.columns) == ["'=nom", "x", "ok"] and safe.index.name == "'@id"
    assert safe["'=nom"].str.startswith("'").all() and safe.index.str.startswith("'").all()
    assert safe["x"].dtype == float and safe["x"].iloc[1] == -1.0 and safe["ok"].dtype == bool
    assert df["=nom"].iloc[0] == EVIL[0]  # the argument is left as it was


def test_clean_xlsx_keeps_names_answers_and_comments_inert(tmp_path):
    cb = load_codebook()
    n = len(EVIL)
    df = pd.DataFrame({"response_id": [f"R{i}" for i in range(n)], "A01": EVIL, "A11": [f"Autre {e}" for e in EVIL],
                       "A09": EVIL, "F05": EVIL, "C01": -np.arange(n, dtype=float)})
    path = tmp_path / "clean.xlsx"
    write_clean_xlsx(df, path, cb)
    _assert_inert_workbook(path)
    negative = [c.value for c in _cells(path) if isinstance(c.value, (int, float)) and c.value < 0]
    assert len(negative) == n - 1  # a negative number stays a number


def test_published_workbook_keeps_text_inert(tmp_path):
    data = pd.DataFrame({"Effectif": [3, 4] * 3, "Commentaire": EVIL, EVIL[0]: [-1.5] * len(EVIL)},
                        index=pd.Index(EVIL, name=EVIL[1]))
    table = PubTable(key="t", title=EVIL[2], data=data, secret=pd.DataFrame(False, data.index, data.columns),
                     kinds={"Effectif": "count", "Commentaire": "text", EVIL[0]: "number"}, n=len(EVIL),
                     index_name=EVIL[1], note=EVIL[3], source=EVIL[0])
    path = tmp_path / "tableaux.xlsx"
    write_workbook([table], path, EVIL[4])
    _assert_inert_workbook(path)
    assert -1.5 in [c.value for c in _cells(path)]


def test_typology_stage_csv_is_inert(tmp_path):
    df = pd.DataFrame({"category": EVIL, "v_test": -np.linspace(1, 2, len(EVIL))})
    write_csv(df, tmp_path / "typology_chi2.csv")
    _assert_inert_csv(tmp_path / "typology_chi2.csv")
    back = pd.read_csv(tmp_path / "typology_chi2.csv")
    assert back["v_test"].lt(0).all() and back["category"].str.startswith("'").all()


def test_acter_typology_outputs_are_inert(tmp_path):
    source = ROOT / "tests" / "fixtures" / "factominer" / "complete" / "survey.csv"
    survey = pd.read_csv(source, dtype=str, keep_default_na=False)
    id_col, first = survey.columns[0], "organisation"
    survey[id_col] = [f"{EVIL[i % len(EVIL)]}{i}" for i in range(len(survey))]  # respondent ids
    values = sorted(survey[first].unique())
    survey[first] = survey[first].map({v: f"{EVIL[i % len(EVIL)]} {v}" for i, v in enumerate(values)})
    survey = survey.rename(columns={first: "=organisation"})
    table = tmp_path / "enquete.csv"
    survey.to_csv(table, index=False, quoting=csv.QUOTE_ALL)  # a carriage return inside a cell stays in it
    active = "=organisation,strategie,portage,ligne_dediee,budget,etp"
    out = tmp_path / "out"
    assert acter(["typology", str(table), "--active", active, "--k", "3", "--out", str(out)]) == 0
    written = sorted(out.glob("*.csv"))
    assert {p.name for p in written} >= {"eigenvalues.csv", "individuals.csv", "categories.csv", "description.csv"}
    for path in written:
        _assert_inert_csv(path)
    individuals = pd.read_csv(out / "individuals.csv", dtype={id_col: str})
    assert individuals[id_col].str.startswith("'").mean() > 0.5 and "'@SUM(1)1" in set(individuals[id_col])
    assert individuals["F1"].dtype == float and (individuals["F1"] < 0).any()  # numbers stay numbers

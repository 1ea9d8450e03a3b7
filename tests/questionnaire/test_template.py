"""The questionnaire file: the same codebook gives the same bytes; `acter template` writes it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
import python_calamine

from pipeline.cli.main import main
from pipeline.questionnaire import (
    ANSWER_SHEET,
    CODE_ROW,
    INSTRUCTIONS_SHEET,
    VERTICAL_FIRST_ROW,
    write_template,
)

YEAR = 2025


def test_same_codebook_gives_the_same_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_template(first, year=YEAR)
    write_template(second, year=YEAR)
    assert first.read_bytes() == second.read_bytes()
    props = openpyxl.load_workbook(first).properties
    assert props.creator == "Observatoire ACTER"
    assert props.created == props.modified == dt.datetime(YEAR, 1, 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx", "b.xlsx"]  # no temporary file left


@pytest.mark.parametrize("extra", [[], ["--vertical"]])
def test_acter_template_command_writes_the_questionnaire(tmp_path: Path, extra: list[str], capsys) -> None:
    out = tmp_path / "questionnaire.xlsx"
    assert main(["template", str(out), *extra]) == 0
    assert "Questionnaire écrit" in capsys.readouterr().out
    book = python_calamine.CalamineWorkbook.from_path(str(out))
    assert book.sheet_names[:2] == [INSTRUCTIONS_SHEET, ANSWER_SHEET]
    rows = book.get_sheet_by_name(ANSWER_SHEET).to_python()
    if extra:
        assert rows[VERTICAL_FIRST_ROW - 1][0] == "A01 - Nom de la collectivité"
    else:
        assert rows[CODE_ROW - 1][:2] == ["A01", "A02"]

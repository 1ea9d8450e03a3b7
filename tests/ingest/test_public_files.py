"""Spreadsheets nobody here wrote (tests/fixtures/public/, origins in its README) get the right
outcome and a French message a network officer can act on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from support.hostile import library_names
from support.spreadsheets import problems_of

from pipeline.ingest.files import ingest_file
from pipeline.ingest.readers import read_workbook

PUBLIC = Path(__file__).resolve().parents[1] / "fixtures" / "public"

PASSWORD = ("protégé par un mot de passe", "renvoyer sans mot de passe", "Fichier > Informations > Protéger le classeur",
            "Enregistrer sous…")


@pytest.mark.parametrize("name", ["pass_protected.ods", "encrypted-letmein.ods", "issue_385.xls"])
def test_password_protected_files_say_so_and_how_to_fix_it(name):
    result = ingest_file(PUBLIC / name)
    assert result.report["status"] == "rejected"
    [problem] = problems_of(result)
    assert problem["code"] == "encrypted_file" and problem["file"] == name
    assert all(words in problem["message_fr"] for words in PASSWORD), problem["message_fr"]
    assert "abîmé" not in problem["message_fr"]  # not "damaged, send it again": it would fail again


def test_excel4_worksheet_is_too_old_not_damaged():
    result = ingest_file(PUBLIC / "biff4_no_format_no_window2.xls")
    [problem] = problems_of(result)
    assert result.report["status"] == "rejected" and problem["code"] == "format_too_old"
    assert "format trop ancien (Excel 4.0) : enregistrez-le au format .xlsx" in problem["message_fr"]


def test_excel_mobile_workbook_is_read_by_the_second_reader():
    wb = read_workbook(PUBLIC / "Pfand_from_windows_phone.xlsx")
    assert wb.problem is None and wb.format == "xlsx"
    assert [n.code for n in wb.notes] == ["second_reader"] and "lecteur de secours" in wb.notes[0].message_fr
    assert [(s.name, s.hidden) for s in wb.sheets] == [("Blatt1", False), ("Blatt2", False), ("Blatt3", False)]
    rows = wb.sheets[0].rows
    # as calamine gives cells: a rectangle from A1, '' when empty, dates as dates, numbers as floats,
    # formulas as their saved result
    assert rows[0] == ["", "Summe", "", "", ""]
    assert rows[1] == [dt.date(2011, 9, 14), 3.81, 0.7, 2.81, 0.3]
    assert rows[2] == [dt.date(2011, 9, 15), 4.06, 0.58, 3.48, ""]
    assert len(rows) == 7 and rows[6] == ["", 0.0, "", "", ""]
    # the file holds a deposit tally, not ACTER answers: read, then refused for what it is
    result = ingest_file(PUBLIC / "Pfand_from_windows_phone.xlsx")
    assert [p["code"] for p in problems_of(result)] == ["unrecognised_layout"]


def test_no_message_on_a_public_file_names_a_library():
    files = sorted(p for p in PUBLIC.iterdir() if p.suffix in (".xls", ".xlsx", ".ods"))
    assert len(files) == 5
    for path in files:
        for problem in problems_of(ingest_file(path)):
            assert not library_names(problem["message_fr"]), (path.name, problem["message_fr"])

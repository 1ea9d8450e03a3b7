"""Opening returned files: spreadsheets, CSV encodings and separators, broken files."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest
from support.spreadsheets import write_xlsx

from pipeline.ingest.readers import decode_text, read_workbook, sniff_separator

ROWS = [["Type de collectivité", "Nom de la collectivité"], ["Communauté d'agglomération", "Agglo de Saint-Étienne"]]


def test_xlsx_keeps_positions_and_all_sheets(tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", {"Instructions": [["Lisez-moi"]], "Réponses": [[None], [None, None, "x"]]})
    wb = read_workbook(path)
    assert wb.problem is None and wb.format == "xlsx"
    assert [s.name for s in wb.sheets] == ["Instructions", "Réponses"]
    # cell C2 stays at row 1, column 2 (0-based) even with empty rows/columns before it
    assert wb.sheets[1].rows[1][2] == "x"


def test_ods_is_read(tmp_path):
    path = tmp_path / "r.ods"
    pd.DataFrame(ROWS[1:], columns=ROWS[0]).to_excel(path, engine="odf", index=False, sheet_name="Réponses")
    wb = read_workbook(path)
    assert wb.problem is None and wb.format == "ods"
    assert wb.sheets[0].rows[1][1] == "Agglo de Saint-Étienne"


@pytest.mark.parametrize(
    "encoding, sep",
    [("utf-8", ","), ("utf-8-sig", ";"), ("cp1252", ";"), ("utf-16", "\t")],
)
def test_csv_encodings_and_separators(tmp_path, encoding, sep):
    text = "\r\n".join(sep.join(f'"{c}"' if sep in c else c for c in row) for row in ROWS) + "\r\n"
    path = tmp_path / "r.csv"
    path.write_bytes(text.encode(encoding))
    wb = read_workbook(path)
    assert wb.problem is None
    assert wb.format == {"utf-8": "csv_utf8", "utf-8-sig": "csv_utf8_bom", "cp1252": "csv_cp1252", "utf-16": "csv_utf16"}[encoding]
    assert wb.separator == sep
    assert wb.sheets[0].rows[1] == ROWS[1]  # accents and apostrophes intact


def test_decode_prefers_utf8_then_cp1252():
    assert decode_text("é".encode("utf-8")) == ("é", "utf-8")
    assert decode_text("é".encode("cp1252")) == ("é", "cp1252")
    assert decode_text(b"\xef\xbb\xbfa") == ("a", "utf-8-sig")


def test_separator_sniffing_ignores_commas_inside_quotes():
    text = 'A01;B03\n"Ville";"Jumelage, ECSI"\n"Autre";"Volontariat (VIES, VSI, service civique)"\n'
    assert sniff_separator(text) == ";"


def test_encrypted_workbook_is_rejected_in_french(tmp_path):
    # An Office file protected by a password is an OLE container holding an "EncryptedPackage" stream.
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 500
    path = tmp_path / "protege.xlsx"
    path.write_bytes(data)
    wb = read_workbook(path)
    assert wb.problem is not None and wb.problem.code == "encrypted_file"
    assert "mot de passe" in wb.problem.message_fr


def test_corrupt_zip_is_rejected(tmp_path):
    path = tmp_path / "abime.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    wb = read_workbook(path)
    assert wb.problem is not None and wb.problem.code == "corrupt_file"
    assert "abîmé" in wb.problem.message_fr


def test_truncated_xlsx_is_rejected(tmp_path):
    good = write_xlsx(tmp_path / "ok.xlsx", {"R": ROWS})
    path = tmp_path / "tronque.xlsx"
    path.write_bytes(good.read_bytes()[:300])
    assert read_workbook(path).problem.code == "corrupt_file"


def test_html_renamed_as_xls_is_rejected(tmp_path):
    path = tmp_path / "export.xls"
    path.write_text("<!DOCTYPE html><html><body><table><tr><td>A02</td></tr></table></body></html>")
    wb = read_workbook(path)
    assert wb.problem.code == "not_a_spreadsheet"
    assert "HTML" in wb.problem.message_fr


def test_pdf_is_rejected(tmp_path):
    path = tmp_path / "reponse.pdf"
    path.write_bytes(b"%PDF-1.7\n...")
    assert read_workbook(path).problem.code == "not_a_spreadsheet"


@pytest.mark.parametrize("content", [b"", b"   \n\n", b";;;\n;;;\n"])
def test_empty_files_are_rejected(tmp_path, content):
    path = tmp_path / "vide.csv"
    path.write_bytes(content)
    wb = read_workbook(path)
    assert wb.problem is not None and wb.problem.code == "empty_file"
    assert "vide" in wb.problem.message_fr or "aucune" in wb.problem.message_fr


def test_missing_file_is_a_problem_not_an_exception(tmp_path):
    wb = read_workbook(tmp_path / "absent.xlsx")
    assert wb.problem.code == "unreadable_file"


def test_word_document_renamed_as_xlsx_is_named_in_the_message(tmp_path):
    path = tmp_path / "reponse.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    wb = read_workbook(path)
    assert wb.problem.code == "not_a_spreadsheet" and "Word" in wb.problem.message_fr


# --- limits (the refusals before parsing: tests/ingest/test_guards.py) -----------------------------
from pipeline.domain.params import IngestParams, defaults  # noqa: E402


def test_long_cells_are_cut_and_noted(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("A01;A02\n" + "x" * 50 + ";Commune\n", encoding="utf-8")
    sheet = read_workbook(path, limits=defaults(IngestParams, max_cell_chars=10)).sheets[0]
    assert sheet.rows[1][0] == "x" * 10 and sheet.truncated == [(1, 0, 50)]


def test_stray_nul_bytes_are_removed_with_a_note_but_binary_is_refused(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(b"A01;A02\nVille\x00 d'Albi;Commune\n")
    wb = read_workbook(path)
    assert wb.problem is None and wb.sheets[0].rows[1][0] == "Ville d'Albi"
    assert [n.code for n in wb.notes] == ["control_characters"]
    path.write_bytes("A01;A02\nVille;Commune\n".encode("utf-16-le"))  # UTF-16 without BOM
    assert read_workbook(path).problem.code == "not_a_spreadsheet"


def test_hidden_sheets_are_flagged(tmp_path):
    from support.hostile import xlsx_bytes

    path = tmp_path / "r.xlsx"
    path.write_bytes(xlsx_bytes({"Réponses": ROWS, "Listes": [["Commune"]]}, hidden=("Listes",)))
    assert [(s.name, s.hidden) for s in read_workbook(path).sheets] == [("Réponses", False), ("Listes", True)]

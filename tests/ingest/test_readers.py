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


# --- password, too old, second reader ---------------------------------------------------------------
def test_password_protected_files_of_every_format_say_how_to_send_them(tmp_path):
    from support.hostile import HEADER, encrypted_cfb, ods_with_password, xls_with_password
    from support.hostile import ROWS as ANSWERS

    for name, data in (("p.xlsx", encrypted_cfb()), ("p.xlsm", encrypted_cfb()), ("p.xls", xls_with_password()),
                       ("p.ods", ods_with_password([HEADER, *ANSWERS]))):
        path = tmp_path / name
        path.write_bytes(data)
        problem = read_workbook(path).problem
        assert problem.code == "encrypted_file", name
        assert "sans mot de passe" in problem.message_fr and "Enregistrer sous…" in problem.message_fr


def test_old_excel_formats_are_named_not_called_damaged(tmp_path):
    from support.hostile import excel95_unreadable, old_biff

    for name, data, version in (("v4.xls", old_biff(0x0409), "Excel 4.0"), ("v2.xls", old_biff(0x0009), "Excel 2.x"),
                                ("v95.xls", excel95_unreadable(), "Excel 5.0/95")):
        path = tmp_path / name
        path.write_bytes(data)
        problem = read_workbook(path).problem
        assert problem.code == "format_too_old"
        assert f"format trop ancien ({version}) : enregistrez-le au format .xlsx" in problem.message_fr


def test_a_readable_excel_95_workbook_is_still_read(tmp_path):
    """calamine reads BIFF5: only an Excel 95 file it cannot read is 'too old'."""
    import struct

    from support.hostile import cfb

    def rec(rid: int, payload: bytes) -> bytes:
        return struct.pack("<HH", rid, len(payload)) + payload

    # globals (BOF, one BOUNDSHEET, EOF) then the sheet (BOF, DIMENSIONS, LABEL "A01", EOF)
    sheet_name = b"R"
    globals_len = 4 + 8 + 4 + 4 + 6 + 1 + len(sheet_name) + 4
    stream = (rec(0x0809, struct.pack("<HHHH", 0x0500, 0x0005, 0, 0))
              + rec(0x0085, struct.pack("<IBB", globals_len, 0, 0) + bytes([len(sheet_name)]) + sheet_name)
              + rec(0x000A, b"")
              + rec(0x0809, struct.pack("<HHHH", 0x0500, 0x0010, 0, 0))
              + rec(0x0000, struct.pack("<HHHH", 0, 1, 0, 1))
              + rec(0x0204, struct.pack("<HHHH", 0, 0, 0, 3) + b"A01")
              + rec(0x000A, b""))
    path = tmp_path / "v95.xls"
    path.write_bytes(cfb({"Book": stream}))
    wb = read_workbook(path)
    assert wb.problem is None and wb.sheets[0].rows == [["A01"]]


def test_second_reader_gives_the_cells_calamine_gives(tmp_path):
    import datetime as dt

    from support.hostile import utf16_xlsx, xlsx_bytes

    rows = [["A01", "A07", "A14", "heure", "B01", "vide", "F05"],
            ["Ville d'Albi", 49000, dt.date(2025, 3, 4), dt.time(10, 30), True, None, "  Merci  "],
            ["Gers", 1234.5, dt.datetime(2025, 3, 4, 10, 30), None, False, None, ""],
            [None, None, None, None, None, None, None],
            ["Foix", -3, 45720, "12", None, None, "=1+1"]]
    plain = tmp_path / "calamine.xlsx"
    plain.write_bytes(xlsx_bytes({"Réponses": rows, "Listes": [["x"]]}, hidden=("Listes",)))
    mobile = tmp_path / "mobile.xlsx"
    mobile.write_bytes(utf16_xlsx(plain.read_bytes()))
    first, second = read_workbook(plain), read_workbook(mobile)
    assert first.notes == [] and [n.code for n in second.notes] == ["second_reader"]
    assert [(s.name, s.hidden) for s in second.sheets] == [(s.name, s.hidden) for s in first.sheets]
    for a, b in zip(first.sheets, second.sheets):
        assert b.rows == a.rows
        assert [[type(v) for v in r] for r in b.rows] == [[type(v) for v in r] for r in a.rows]


def test_second_reader_refuses_a_sheet_beyond_the_limits_while_reading(tmp_path):
    import io

    import openpyxl
    from support.hostile import utf16_xlsx, xlsx_bytes

    from pipeline.ingest.guards import SheetTooLarge
    from pipeline.ingest.readers import _openpyxl_loader

    path = tmp_path / "long.xlsx"
    path.write_bytes(utf16_xlsx(xlsx_bytes({"R": [["A01"], *[[f"Ville {i}"] for i in range(30)]]})))
    wb = read_workbook(path, limits=defaults(IngestParams, max_rows=10))
    assert wb.problem is not None and wb.problem.code == "sheet_too_large"  # the zip guard saw the cell references
    # behind the guard, the loader checks the extent row by row too
    ws = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True).worksheets[0]
    loader = _openpyxl_loader(ws, defaults(IngestParams, max_rows=10))
    with pytest.raises(SheetTooLarge, match="lignes"):
        loader()


def test_a_damaged_xlsx_is_damaged_for_both_readers_and_names_no_library(tmp_path):
    from support.hostile import good_xlsx, library_names, patch_zip

    path = tmp_path / "abime.xlsx"
    path.write_bytes(patch_zip(good_xlsx(), {"xl/workbook.xml": b"<workbook", "xl/_rels/workbook.xml.rels": b""}))
    problem = read_workbook(path).problem
    assert problem.code == "corrupt_file" and "abîmé" in problem.message_fr and not library_names(problem.message_fr)
    assert "enregistrer au format .xlsx" in problem.message_fr

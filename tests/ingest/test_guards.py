"""Guards: hostile or runaway files refused before a parser allocates them, the limit named in French
(tests/ingest/test_hostile.py runs the whole hostile corpus)."""

from __future__ import annotations

from support.hostile import good_xlsx, patch_zip
from support.spreadsheets import write_xlsx

from pipeline.domain.params import IngestParams, defaults
from pipeline.ingest.readers import read_workbook

ROWS = [["Type de collectivité", "Nom de la collectivité"], ["Communauté d'agglomération", "Agglo de Saint-Étienne"]]


def test_a_far_away_cell_is_refused_before_calamine_allocates_the_sheet(tmp_path):
    # calamine allocates the whole rectangle A1:XFD1048576 at once and aborts the process:
    # this test would not return without the check of the cell references
    path = tmp_path / "coin.xlsx"
    path.write_bytes(patch_zip(good_xlsx(), {"xl/worksheets/sheet1.xml": lambda x: x.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')}))
    wb = read_workbook(path)
    assert wb.problem.code == "sheet_too_large" and "1\u202f048\u202f576 lignes" in wb.problem.message_fr


def test_limits_come_from_params_and_are_named_in_messages(tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", {"R": ROWS})
    wb = read_workbook(path, limits=defaults(IngestParams, max_file_mb=0.001))
    assert wb.problem.code == "file_too_large" and "ingest.max_file_mb" in wb.problem.message_fr
    wb = read_workbook(path, limits=defaults(IngestParams, max_columns=1))
    assert wb.problem.code == "sheet_too_large" and "2 colonnes" in wb.problem.message_fr


def test_a_csv_too_wide_is_refused_before_it_is_split_into_cells(tmp_path):
    path = tmp_path / "large.csv"
    path.write_text(";".join(f"c{i}" for i in range(30)) + "\n" + ";" * 29 + "\n", encoding="utf-8")
    wb = read_workbook(path, limits=defaults(IngestParams, max_columns=20))
    assert wb.problem.code == "sheet_too_large" and "30 colonnes" in wb.problem.message_fr and not wb.sheets


def test_utf16_parts_are_scanned_like_utf8_ones():
    from support.hostile import utf16_xlsx

    from pipeline.ingest.guards import zip_problem

    limits = defaults(IngestParams)
    dtd = b'<!DOCTYPE x [<!ENTITY a "b">]>'
    bad = utf16_xlsx(good_xlsx(), {"xl/workbook.xml": lambda x: x.replace(b"<workbook", dtd + b"<workbook", 1)})
    assert zip_problem(bad, "b.xlsx", "xlsx", limits).code == "xml_doctype"
    far = utf16_xlsx(good_xlsx(), {"xl/worksheets/sheet1.xml": lambda x: x.replace(
        b"</sheetData>", b'<row r="200000"><c r="A200000"><v>1</v></c></row></sheetData>')})
    assert zip_problem(far, "f.xlsx", "xlsx", limits).code == "sheet_too_large"
    assert zip_problem(utf16_xlsx(good_xlsx()), "ok.xlsx", "xlsx", limits) is None


def test_before_the_second_reader_every_xml_looking_part_is_scanned():
    from support.hostile import patch_zip as patch

    from pipeline.ingest.guards import zip_problem

    limits = defaults(IngestParams)
    data = patch(good_xlsx(), {"xl/worksheets/sheet9.dat": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><worksheet/>',
                               "xl/media/image1.png": b"\x89PNG\r\n\x1a\n<!DOCTYPE"})
    assert zip_problem(data, "d.xlsx", "xlsx", limits) is None  # calamine reads named parts only
    assert zip_problem(data, "d.xlsx", "xlsx", limits, every_part=True).code == "xml_doctype"
    images = patch(good_xlsx(), {"xl/media/image1.png": b"\x89PNG\r\n\x1a\n<!DOCTYPE"})
    assert zip_problem(images, "i.xlsx", "xlsx", limits, every_part=True) is None  # not XML: never parsed as such


def test_damaged_compressed_bytes_are_a_damaged_file_not_a_program_error(tmp_path):
    # a download cut and patched with zeros: the archive's directory is intact, a part's deflate
    # stream is not (zlib.error while the guards scan it)
    import io
    import zipfile

    rows = [ROWS[0]] + [[f"Commune {i}", f"Texte {i * 7919 % 10007}"] for i in range(3000)]
    plain = zipfile.ZipFile(write_xlsx(tmp_path / "ok.xlsx", {"Réponses": rows}))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:  # compressed, as Excel writes it
        for info in plain.infolist():
            z.writestr(info.filename, plain.read(info))
    data = bytearray(out.getvalue())
    sheet = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    start = sheet.header_offset + 30 + len(sheet.filename.encode()) + len(sheet.extra)  # its compressed bytes
    middle = start + sheet.compress_size // 2
    data[middle:middle + 200] = b"\xff" * 200  # no valid deflate block
    path = tmp_path / "casse.xlsx"
    path.write_bytes(bytes(data))
    wb = read_workbook(path)
    assert wb.problem is not None and wb.problem.code == "corrupt_file"
    assert "abîmé" in wb.problem.message_fr and "renvoyer" in wb.problem.message_fr

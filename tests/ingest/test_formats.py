"""What a file is before a reader parses it: OLE streams, BIFF versions, passwords."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import xlwt
from support.hostile import (
    HEADER,
    ROWS,
    cfb,
    encrypted_cfb,
    excel95_unreadable,
    ods_bytes,
    ods_with_password,
    old_biff,
    xls_with_password,
)

from pipeline.ingest.formats import (
    OleFile,
    old_biff_version,
    ole_info,
    password_problem,
    too_old_problem,
    xml_encoding,
    zip_encrypted,
)

PUBLIC = Path(__file__).resolve().parents[1] / "fixtures" / "public"


def _xls() -> bytes:
    wb = xlwt.Workbook()
    wb.add_sheet("Réponses").write(0, 0, "A01")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_streams_of_an_excel_97_workbook_are_listed_and_read():
    ole = OleFile(_xls())
    assert "Workbook" in ole.streams()
    assert ole.head("workbook", 8)[:4] == b"\x09\x08\x10\x00"  # BOF of a BIFF8 workbook, any case of name
    assert ole.head("absent") == b""
    assert ole_info(_xls()).workbook and not ole_info(_xls()).encrypted and not ole_info(_xls()).version


def test_small_streams_are_read_from_the_mini_stream():
    ole = OleFile((PUBLIC / "issue_385.xls").read_bytes())  # written by Excel for Mac
    summary = next(n for n in ole.streams() if n.endswith("SummaryInformation"))
    assert ole.head(summary, 2) == b"\xfe\xff"  # a property set starts with its byte order mark


def test_passwords_are_found_in_every_container():
    assert ole_info(encrypted_cfb()).encrypted  # xlsx/xlsm under a password: EncryptionInfo
    assert ole_info(xls_with_password()).encrypted  # xls: FILEPASS after BOF
    ods = ods_with_password([HEADER, *ROWS])
    with zipfile.ZipFile(io.BytesIO(ods)) as z:
        assert zip_encrypted(z, z.infolist())
    with zipfile.ZipFile(io.BytesIO(ods_bytes([HEADER, *ROWS]))) as z:
        assert not zip_encrypted(z, z.infolist())


def test_versions_too_old_are_named():
    assert old_biff_version(old_biff(0x0009)) == "Excel 2.x"
    assert old_biff_version(old_biff(0x0209)) == "Excel 3.0"
    assert old_biff_version(old_biff(0x0409)) == "Excel 4.0"
    assert old_biff_version(b"A01;A02\r\nVille;Commune\r\n") == ""
    assert ole_info(excel95_unreadable()).version == "Excel 5.0/95"


def test_broken_or_odd_containers_give_defaults_not_exceptions():
    assert ole_info(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000) == ole_info(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    assert not ole_info(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 4000).encrypted
    loop = bytearray(cfb({"Workbook": b"\x09\x08"}))
    loop[512 + 4 * 2: 512 + 4 * 3] = (2).to_bytes(4, "little")  # the stream's chain points to itself
    assert ole_info(bytes(loop)).workbook
    word = cfb({"WordDocument": b"\xec\xa5"})
    assert ole_info(word).other.startswith("document Word")


def test_xml_encodings():
    assert xml_encoding(b"\xff\xfe<\x00") == "utf-16"
    assert xml_encoding(b"<\x00?\x00") == "utf-16-le"
    assert xml_encoding(b"<?xm") == "utf-8"


def test_messages_say_what_to_do_in_french():
    message = password_problem("a.xlsx", "xlsx").message_fr
    assert "mot de passe" in message and "Fichier > Informations > Protéger le classeur" in message
    assert "Enregistrer sous…" in message and "LibreOffice" in message
    assert "format trop ancien (Excel 4.0) : enregistrez-le au format .xlsx" in too_old_problem("a.xls", "Excel 4.0").message_fr

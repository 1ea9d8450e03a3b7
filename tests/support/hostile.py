"""A hostile and malformed wave, generated (nothing downloaded) with each file's expected outcome.

:func:`build_corpus` writes ~70 files under a folder, good ones beside hostile ones, and returns
one :class:`Expected` per file: the status the ingest report must give, the problem code, and
words its French message must contain. Big files are made cheaply: sparse files, streamed zip
members, one far-away cell reference instead of a million real ones.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd

# The limits the corpus is ingested with (params.yaml ``ingest:`` block, smaller time limit so
# the slow file is cut quickly).
PARAMS = {
    "fuzzy_threshold": 88,
    "max_header_scan_rows": 30,
    "max_file_mb": 50,
    "max_decompressed_mb": 200,
    "max_compression_ratio": 200,
    "max_rows": 100_000,
    "max_columns": 2_000,
    "max_cells": 5_000_000,
    "max_cell_chars": 32_767,
    "max_seconds_per_file": 4,
}

HEADER = ["A01", "A02", "A07", "C01", "A14", "Types d'actions menées"]
ROWS = [
    ["Ville d'Albi", "Commune", "49 000", "12 500", "04/03/2025", "Jumelage, ECSI"],
    ["Département du Gers", "Département", 191000, 250000.0, 45720, "Coopération décentralisée"],
]


@dataclass(frozen=True)
class Expected:
    """What the ingest report must say about one file."""

    file: str  # path relative to the wave folder, posix
    status: str  # ingested | partial | rejected | skipped (not listed at all)
    code: str = ""  # a problem code the entry must carry ("" = none required)
    words: tuple[str, ...] = ()  # words (lowercase) the message of that problem must contain
    rows: int | None = None  # responses read, when it matters
    what: str = ""  # the hostile feature, for the summary table


# --- builders ----------------------------------------------------------------------------------
def xlsx_bytes(sheets: dict[str, list[list[object]]], hidden: tuple[str, ...] = (), very_hidden: tuple[str, ...] = (),
               hidden_rows: tuple[int, ...] = (), merged: tuple[str, ...] = (), hidden_cols: tuple[str, ...] = (),
               autofilter: str = "") -> bytes:
    """An xlsx written by openpyxl (hidden sheets; hidden rows (1-based), hidden columns (letters),
    merged ranges and an active filter on the first sheet)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    first = None
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        first = first or ws
        for row in rows:
            ws.append(list(row))
        if name in hidden:
            ws.sheet_state = "hidden"
        if name in very_hidden:
            ws.sheet_state = "veryHidden"
    for r in hidden_rows:
        first.row_dimensions[r].hidden = True
    for letter in hidden_cols:
        first.column_dimensions[letter].hidden = True
    for rng in merged:
        first.merge_cells(rng)
    if autofilter:
        first.auto_filter.ref = autofilter
        first.auto_filter.add_filter_column(0, ["x"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def good_xlsx(sheet: str = "Réponses") -> bytes:
    return xlsx_bytes({sheet: [HEADER, *ROWS]})


def patch_zip(data: bytes, changes: dict[str, object]) -> bytes:
    """Rewrite members of a zip: value is new bytes, or a function old bytes -> new bytes."""
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            body = zin.read(info.filename)
            change = changes.get(info.filename)
            if change is not None:
                body = change(body) if callable(change) else change
            z.writestr(info.filename, body)
        for name, change in changes.items():
            if name not in zin.namelist():
                z.writestr(name, change if isinstance(change, bytes) else b"")
    return out.getvalue()


def _sheet_xml_with(extra_row: str) -> object:
    def change(xml: bytes) -> bytes:
        return xml.replace(b"</sheetData>", extra_row.encode() + b"</sheetData>")
    return change


def _doctype(root: bytes, dtd: str) -> object:
    def change(xml: bytes) -> bytes:
        i = xml.find(b"<" + root)
        return xml[:i] + dtd.encode() + xml[i:]
    return change


def csv_bytes(rows: list[list[object]], sep: str = ";", encoding: str = "utf-8", newline: str = "\r\n") -> bytes:
    def cell(v: object) -> str:
        s = "" if v is None else str(v)
        return f'"{s}"' if sep in s or '"' in s else s
    return (newline.join(sep.join(cell(v) for v in row) for row in rows) + newline).encode(encoding)


def ods_bytes(rows: list[list[object]]) -> bytes:
    buf = io.BytesIO()
    pd.DataFrame(rows[1:], columns=rows[0]).to_excel(buf, engine="odf", index=False, sheet_name="Réponses")
    return buf.getvalue()


def cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE compound file (CFB v3, 512-byte sectors) holding up to three streams.

    Each stream is padded to at least 4096 bytes so that it lives in regular sectors (no mini
    stream); sector 0 is the FAT, sector 1 the directory, the streams follow."""
    free, end, fat_sect, nostream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    assert len(streams) <= 3
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 40, 0, 1, 1, 0, 4096, end, 0, end)
    struct.pack_into("<I", header, 72, 0)  # no DIFAT sector; DIFAT[0] = FAT in sector 0
    struct.pack_into("<I", header, 76, 0)
    for k in range(1, 109):
        struct.pack_into("<I", header, 76 + 4 * k, free)
    fat = [fat_sect, end]
    bodies, starts = [], []
    for body in streams.values():
        body = body.ljust(max(4096, -(-len(body) // 512) * 512), b"\x00")
        n = len(body) // 512
        starts.append(len(fat))
        fat += [len(fat) + k + 1 for k in range(n - 1)] + [end]
        bodies.append(body)
    assert len(fat) <= 128
    fat += [free] * (128 - len(fat))

    def entry(name: str, typ: int, right: int, child: int, start: int, size: int) -> bytes:
        e = bytearray(128)
        raw = (name + "\0").encode("utf-16-le") if name else b""
        e[0:len(raw)] = raw
        struct.pack_into("<HBB", e, 64, len(raw), typ, 1)
        struct.pack_into("<III", e, 68, nostream, right, child)
        struct.pack_into("<IQ", e, 116, start, size)
        return bytes(e)

    names = list(streams)
    directory = entry("Root Entry", 5, nostream, 1, end, 0)
    for k, name in enumerate(names):
        directory += entry(name, 2, k + 2 if k + 1 < len(names) else nostream, nostream, starts[k], len(bodies[k]))
    directory = directory.ljust(512, b"\x00")
    return bytes(header) + struct.pack("<128I", *fat) + directory + b"".join(bodies)


def encrypted_cfb() -> bytes:
    """An OLE container holding EncryptionInfo and EncryptedPackage streams, as Office writes a
    password-protected xlsx."""
    info = struct.pack("<HHI", 4, 4, 0x40)  # agile encryption header
    package = struct.pack("<Q", 12345) + bytes(range(256)) * 15
    return cfb({"EncryptionInfo": info, "EncryptedPackage": package})


def _biff(rid: int, payload: bytes) -> bytes:
    return struct.pack("<HH", rid, len(payload)) + payload


def xls_with_password() -> bytes:
    """An Excel 97-2003 workbook protected by a password: BOF then FILEPASS (RC4) in its Workbook stream."""
    bof = _biff(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x0206))
    filepass = _biff(0x002F, struct.pack("<HHH", 1, 1, 1) + bytes(48))
    return cfb({"Workbook": bof + filepass + _biff(0x000A, b"")})


def excel95_unreadable() -> bytes:
    """An Excel 5.0/95 container (a 'Book' stream, BIFF5 BOF) whose records no reader understands."""
    bof = _biff(0x0809, struct.pack("<HHHH", 0x0500, 0x0005, 0x0DBB, 0x07CC))
    return cfb({"Book": bof + bytes(range(256)) * 8})


def old_biff(rid: int = 0x0409) -> bytes:
    """A bare BIFF2-BIFF4 worksheet (Excel 2.x/3.0/4.0: no OLE container): BOF, one label, EOF."""
    bof = _biff(rid, struct.pack("<HH", 0, 0x0010) + (b"" if rid == 0x0009 else b"\x00\x00"))
    return bof + _biff(0x0204, struct.pack("<HHH", 0, 0, 0) + struct.pack("<H", 3) + b"A01") + _biff(0x000A, b"")


def ods_with_password(rows: list[list[object]]) -> bytes:
    """An .ods whose manifest declares encrypted parts, as LibreOffice writes it under a password."""
    encrypted = (b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
                 b'<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AAAA">'
                 b'<manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="AAAA"/>'
                 b'</manifest:encryption-data></manifest:file-entry>')
    return patch_zip(ods_bytes(rows), {"META-INF/manifest.xml": lambda x: x.replace(b"</manifest:manifest>",
                                                                                    encrypted + b"</manifest:manifest>")})


def utf16_xlsx(data: bytes, extra: dict[str, object] | None = None) -> bytes:
    """An xlsx whose XML parts are in UTF-16, as Excel Mobile writes them (calamine cannot open it);
    ``extra`` changes parts first (see patch_zip)."""
    if extra:
        data = patch_zip(data, extra)

    def utf16(xml: bytes) -> bytes:
        return xml.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    z = zipfile.ZipFile(io.BytesIO(data))
    return patch_zip(data, {n: utf16 for n in z.namelist() if n.endswith((".xml", ".rels"))})


def _streamed_zip_bomb(path: Path, decompressed_mb: int) -> None:
    """A valid xlsx whose sheet is ``decompressed_mb`` MB of blanks once inflated (~1000x ratio).

    Written in 1 MB pieces: the test never holds the inflated sheet in memory."""
    base = zipfile.ZipFile(io.BytesIO(good_xlsx()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in base.infolist():
            body = base.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                z.writestr(info.filename, body)
                continue
            head, tail = body.split(b"</sheetData>")
            with z.open(info.filename, "w", force_zip64=True) as f:
                f.write(head)
                blank = b" " * (1 << 20)
                for _ in range(decompressed_mb):
                    f.write(blank)
                f.write(b"</sheetData>" + tail)


def _million_rows_xlsx() -> bytes:
    """A genuine sheet of 1,048,576 one-cell rows (numbers), ~40 MB of XML, ~2 MB zipped."""
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i) for i in range(4, 1_048_577))
    return patch_zip(good_xlsx(), {"xl/worksheets/sheet1.xml": lambda xml: xml.replace(b"</sheetData>", rows + b"</sheetData>")})


def _slow_csv(n_rows: int) -> bytes:
    """Many well-formed answer rows (each with a multi-select list): takes seconds, within limits."""
    header = ["A01", "A02", "A07", "C01", "A14", "Thématiques des actions", "Types d'actions menées", "Zones géographiques des partenaires"]
    body = [header] + [[f"Commune n°{i}", "Commune", str(1000 + i), f"{i} €", "04/03/2025",
                        "Eau et assainissement; Santé; Culture et patrimoine", "Jumelage, ECSI", "Maghreb; Asie"]
                       for i in range(n_rows)]
    return csv_bytes(body)


# Names a French message must never show: libraries, exception classes, Python internals.
LIBRARY_NAMES = re.compile(
    r"calamine|openpyxl|xlrd|odfpy|zipfile|BadZip|Traceback|Errno|[A-Za-z]+(?:Error|Exception)\b|\bErr\b", re.IGNORECASE)


def library_names(message: str) -> list[str]:
    """The library or exception names in a French message (none expected)."""
    return LIBRARY_NAMES.findall(message)


# --- the corpus -------------------------------------------------------------------------------
def build_corpus(wave: Path, slow_rows: int = 60_000) -> list[Expected]:
    """Write every file under ``wave``; return what the ingest report must say of each."""
    out: list[Expected] = []

    def put(rel: str, data: bytes, expected: Expected) -> None:
        path = wave / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        out.append(expected)

    def ok(rel: str, data: bytes, what: str, rows: int | None = 2, code: str = "", words: tuple[str, ...] = ()) -> None:
        put(rel, data, Expected(rel, "ingested", code, words, rows, what))

    def partial(rel: str, data: bytes, what: str, code: str, words: tuple[str, ...] = (), rows: int | None = None) -> None:
        put(rel, data, Expected(rel, "partial", code, words, rows, what))

    def rejected(rel: str, data: bytes, what: str, code: str, words: tuple[str, ...]) -> None:
        put(rel, data, Expected(rel, "rejected", code, words, 0, what))

    good = good_xlsx()
    # good files, in nested folders and under non-ASCII names
    ok("bons/ville_albi.xlsx", good, "fichier correct")
    ok("bons/ville_albi.xlsm", good, "xlsm correct")
    ok("bons/ville_albi.ods", ods_bytes([HEADER, *ROWS]), "ods correct")
    ok("bons/ville_albi.csv", csv_bytes([HEADER, *ROWS]), "csv correct")
    ok("Réponses été 2025/Ville d'Été é.xlsx", good, "dossier et nom accentués, espaces")
    ok("Réponses été 2025/🌍 réponse 🎉.csv", csv_bytes([HEADER, *ROWS]), "nom avec emoji")
    ok("a/b/c/d/profond.xlsx", good, "dossier imbriqué")
    ok("a/reponse.xlsx", good, "même nom, autre dossier (1)")
    ok("b/reponse.xlsx", good, "même nom, autre dossier (2)")
    ok("formats/zip_sous_extension_xls.xls", good, "xlsx renommé en .xls")
    ok("feuilles/nom_inattendu.xlsx", xlsx_bytes({"Présentation": [["Enquête ACTER 2025"], ["Merci !"]],
                                                "Feuil3": [HEADER, *ROWS]}), "feuille de réponses nommée autrement")
    ok("feuilles/onglet emoji.xlsx", good_xlsx("Réponses 🌍"), "onglet avec emoji")
    ok("feuilles/listes_masquee.xlsx", xlsx_bytes({"Réponses": [HEADER, *ROWS], "Listes": [HEADER, *ROWS, *ROWS]},
                                                 hidden=("Listes",)), "feuille masquée « Listes » plus riche")
    ok("feuilles/tres_masquee.xlsx", xlsx_bytes({"Réponses": [HEADER, *ROWS], "Données": [HEADER, *ROWS, *ROWS]},
                                               very_hidden=("Données",)), "feuille « très masquée »")
    ok("feuilles/reponses_seulement_masquees.xlsx",
       xlsx_bytes({"Accueil": [["Bonjour"]], "Réponses": [HEADER, *ROWS]}, hidden=("Réponses",)),
       "réponses dans une feuille masquée seulement (lues, signalées)", code="hidden_sheet_read", words=("masquée", "afficher"),
       rows=2)
    ok("feuilles/lignes_masquees.xlsx", xlsx_bytes({"Réponses": [HEADER, *ROWS]}, hidden_rows=(3,)),
       "ligne masquée (non lue, signalée)", code="hidden_row_skipped", words=("masquée",), rows=1)
    merged = [["Nom de la collectivité", "Type de collectivité", "Types d'actions menées", None, None],
              [None, None, "Jumelage", "Coopération décentralisée", "ECSI"],
              ["Ville de Rodez", "Commune", "Oui", "Non", "Oui"]]
    ok("entetes/fusionnees.xlsx", xlsx_bytes({"R": merged}, merged=("C1:E1", "A1:A2", "B1:B2")),
       "en-têtes fusionnés sur deux lignes", rows=1)
    partial("entetes/dupliquees.xlsx", xlsx_bytes({"R": [["A01", "A02", "A02", "A07"],
                                                         ["Ville de Foix", "Commune", "Département", "9 600"]]}),
            "en-têtes en double", "duplicate_column", ("même question", "supprimez"), rows=1)
    ok("entetes/code_et_libelle.xlsx", xlsx_bytes({"R": [["A01", "Type de collectivité", "A02", "A07"],
                                                       ["Ville de Foix", "Commune", "Commune", "9 600"]]}),
       "même question en code et en libellé", rows=1, code="ignored_column", words=("ignorée",))
    rejected("entetes/entetes_seuls.xlsx", xlsx_bytes({"R": [HEADER]}), "en-têtes sans réponses", "no_responses", ("aucune réponse",))
    rejected("entetes/entetes_seuls.csv", csv_bytes([HEADER]), "en-têtes sans réponses (csv)", "no_responses", ("aucune réponse",))
    rejected("entetes/sans_questionnaire.xlsx", xlsx_bytes({"Budget": [["Poste", "Montant"], ["Loyer", 1200]]}),
             "aucun en-tête reconnu", "unrecognised_layout", ("questionnaire",))
    formulas = [HEADER, ["Ville de Cahors", "Commune", "=19000+900", "=SUM(1000,2000)", "04/03/2025", "Jumelage"]]
    ok("valeurs/formules_sans_valeur.xlsx", xlsx_bytes({"R": formulas}), "formules sans valeur en cache", rows=1,
       code="formula_without_value", words=("formule", "enregistrez"))
    free_text = [["A01", "A02", "A07", "F05"], ['="Ville de "&"Figeac"', "Commune", "=9000+800", '="Merci, "&"à l\'an prochain"']]
    ok("valeurs/formule_texte_libre.xlsx", xlsx_bytes({"R": free_text}), "formules sans valeur dans des réponses en texte libre",
       rows=1, code="formula_text_kept", words=("gardé comme réponse", "commentaires libres"))
    ok("valeurs/erreurs_excel.xlsx", xlsx_bytes({"R": [HEADER, ["Ville de Millau", "Commune", "#DIV/0!", "#N/A", "#VALUE!", "Jumelage"]]}),
       "valeurs d'erreur Excel", rows=1, code="excel_error", words=("erreur excel",))
    ok("valeurs/dates_serie_et_texte.xlsx", good, "dates en numéro de série et en texte")
    ok("valeurs/date_impossible.csv", csv_bytes([HEADER, ["Ville de Sète", "Commune", "44 000", "1 000", "31/02/2025", ""]]),
       "date impossible (avertissement, comme la règle bad_date)", rows=1, code="bad_date", words=("date",))
    long_cell = xlsx_bytes({"R": [HEADER, ["Ville de Lodève", "Commune", 7000, 500, 45720, "ECSI"]]})
    # openpyxl (like Excel) cuts text at 32,767 characters: the long cell is written in the XML
    long_cell = patch_zip(long_cell, {"xl/worksheets/sheet1.xml": lambda x: x.replace(
        "<t>Ville de Lodève</t>".encode(), ("<t>Ville de Lodève " + "é" * 40_000 + "</t>").encode())})
    partial("valeurs/cellule_longue.xlsx", long_cell,
            "cellule de 40 000 caractères (xlsx)", "cell_truncated", ("caractères", "max_cell_chars"), rows=1)

    # CSV encodings, separators, odd bytes
    ok("csv/utf16.csv", csv_bytes([HEADER, *ROWS], sep="\t", encoding="utf-16"), "csv UTF-16 avec BOM, tabulations")
    ok("csv/cp1252.csv", csv_bytes([HEADER, *ROWS], encoding="cp1252"), "csv Windows-1252")
    ok("csv/bom.csv", b"\xef\xbb\xbf" + csv_bytes([HEADER, *ROWS]), "csv UTF-8 avec BOM")
    ok("csv/crlf_et_lf.csv", csv_bytes([HEADER, ROWS[0]], newline="\r\n") + csv_bytes([ROWS[1]], newline="\n"), "fins de ligne CRLF et LF mêlées")
    ok("csv/virgule.csv", csv_bytes([HEADER, *ROWS], sep=","), "séparateur virgule, virgules dans les valeurs")
    ok("csv/separateurs_melanges.csv",
       b"sep=;\r\n" + csv_bytes([HEADER, ["Ville de Lyon", "Commune", "522 250", "1 234,5", "2025-03-04", "Jumelage, ECSI | Volontariat"],
                                 ["Ville de Die", "Commune", "4,5 k", "12,5 k€", "4 mars 2025", "Jumelage\tECSI"]]),
       "ligne sep=;, virgules, barres et tabulations dans les cellules")
    ok("csv/tabulations.tsv", csv_bytes([HEADER, *ROWS], sep="\t"), "fichier .tsv")
    ok("csv/octets_nuls.csv", csv_bytes([HEADER, *ROWS]).replace(b"Albi", b"Al\x00bi"), "octets nuls dans une cellule",
       code="control_characters", words=("caractère",))
    ok("csv/controles.csv", csv_bytes([HEADER, ["Ville de\x01 Nîmes\x1b[31m", "Commune", "150 000", "1 000", "04/03/2025", "ECSI"]]),
       "caractères de contrôle", rows=1, code="control_characters", words=("contrôle",))
    ok("csv/emoji.csv", csv_bytes([HEADER, ["Ville de Brest 🌊⚓", "Commune", "140 000", "2 000 €", "04/03/2025", "Jumelage 🤝, ECSI"]]),
       "emoji dans les valeurs", rows=1)
    partial("csv/cellule_1_mo.csv", csv_bytes([HEADER, ["Ville de Pau", "Commune", "77 000", "1 000", "04/03/2025", "x" * (1 << 20)]]),
            "cellule de 1 Mo (csv)", "cell_truncated", ("caractères", "max_cell_chars"), rows=1)
    rejected("csv/vide.csv", b"", "csv vide", "empty_file", ("vide",))
    rejected("csv/blancs.csv", b"  \r\n\r\n\t\r\n", "csv d'espaces", "empty_file", ("vide",))
    rejected("csv/separateurs_seuls.csv", b";;;\r\n;;;\r\n", "csv de séparateurs", "empty_file", ("aucune donnée",))
    rejected("csv/binaire.csv", bytes(range(256)) * 40, "octets binaires en .csv", "not_a_spreadsheet", ("csv",))
    rejected("csv/utf16_sans_bom.csv", csv_bytes([HEADER, *ROWS], encoding="utf-16-le"), "UTF-16 sans BOM", "not_a_spreadsheet", ("csv",))
    rejected("csv/million_lignes.csv", b"A01;A02\r\n" + b"Ville;Commune\r\n" * 1_000_000, "csv d'un million de lignes",
             "sheet_too_large", ("lignes", "max_rows"))
    rejected("csv/16000_colonnes.csv", csv_bytes([[f"A{i:02d}" for i in range(16_000)], ["x"] * 16_000]),
             "csv de 16 000 colonnes", "sheet_too_large", ("colonnes", "max_columns"))

    # broken and disguised files
    rejected("casses/vide.xlsx", b"", "xlsx de 0 octet", "empty_file", ("vide",))
    rejected("casses/tronque_moitie.xlsx", good[: len(good) // 2], "xlsx tronqué de moitié", "corrupt_file", ("abîmé",))
    rejected("casses/tronque_300.xlsx", good[:300], "xlsx tronqué à 300 octets", "corrupt_file", ("abîmé",))
    rejected("casses/zip_corrompu.xlsx", b"PK\x03\x04" + bytes(range(256)) * 8, "zip corrompu", "corrupt_file", ("abîmé",))
    rejected("casses/zip_sans_classeur.xlsx", patch_zip(good, {"xl/workbook.xml": b"", "xl/_rels/workbook.xml.rels": b""}),
             "zip sans classeur lisible", "corrupt_file", ("abîmé",))
    rejected("casses/ole_abime.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000, "xls (OLE) abîmé", "corrupt_file", ("abîmé",))
    rejected("casses/protege.xlsx", encrypted_cfb(), "classeur protégé par mot de passe", "encrypted_file", ("mot de passe",))
    rejected("casses/protege.xls", encrypted_cfb(), "xls protégé par mot de passe", "encrypted_file", ("mot de passe",))
    rejected("casses/protege_97.xls", xls_with_password(), "xls 97-2003 protégé (enregistrement FILEPASS)", "encrypted_file",
             ("mot de passe", "sans mot de passe", "enregistrer sous"))
    rejected("casses/protege.ods", ods_with_password([HEADER, *ROWS]), "ods protégé (manifest encryption-data)", "encrypted_file",
             ("mot de passe", "libreoffice"))
    rejected("anciens/excel4.xls", old_biff(0x0409), "feuille Excel 4.0 (BIFF4)", "format_too_old",
             ("trop ancien (excel 4.0)", "enregistrez-le au format .xlsx"))
    rejected("anciens/excel3.xls", old_biff(0x0209), "feuille Excel 3.0 (BIFF3)", "format_too_old", ("excel 3.0",))
    rejected("anciens/excel2.xls", old_biff(0x0009), "feuille Excel 2.x (BIFF2)", "format_too_old", ("excel 2.x",))
    rejected("anciens/excel95.xls", excel95_unreadable(), "classeur Excel 95 illisible (BIFF5)", "format_too_old", ("excel 5.0/95",))
    ok("formats/excel_mobile_utf16.xlsx", utf16_xlsx(good), "classeur Excel Mobile (parties en UTF-16)",
       code="second_reader", words=("lecteur de secours",))
    html = b"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><table><tr><td>A01</td></tr></table></body></html>"
    rejected("deguises/page_web.xls", html, "HTML enregistré en .xls", "not_a_spreadsheet", ("html",))
    rejected("deguises/page_web.xlsx", b"\xef\xbb\xbf  \r\n<html><body><table><tr><td>A02</td></tr></table></body></html>", "HTML en .xlsx", "not_a_spreadsheet", ("html",))
    rejected("deguises/document.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "PDF en .xlsx", "not_a_spreadsheet", ("pdf",))
    rejected("deguises/document.xls", b"%PDF-1.4\n" + b"0" * 500, "PDF en .xls", "not_a_spreadsheet", ("pdf",))
    docx = patch_zip(good, {"word/document.xml": b"<w:document/>"})
    docx = patch_zip(docx, {"xl/workbook.xml": b"", "xl/_rels/workbook.xml.rels": b""})
    rejected("deguises/lettre.xlsx", docx, "document Word renommé", "not_a_spreadsheet", ("word",))
    rejected("deguises/texte.xlsx", csv_bytes([HEADER, *ROWS]), "CSV renommé en .xlsx", "corrupt_file", (".xlsx",))

    # XML attacks: refused before parsing
    xxe = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    laughs = "<!DOCTYPE lolz [<!ENTITY lol \"lol\">" + "".join(
        f'<!ENTITY lol{i} "' + (f"&lol{i - 1};" if i > 1 else "&lol;") * 10 + '">' for i in range(1, 10)) + "]>"
    use = _sheet_xml_with('<row r="9"><c r="A9" t="inlineStr"><is><t>&xxe;</t></is></c></row>')
    rejected("xml/xxe_feuille.xlsx", patch_zip(good, {"xl/worksheets/sheet1.xml": lambda x: use(_doctype(b"worksheet", xxe)(x))}),
             "entité externe (XXE) dans la feuille", "xml_doctype", ("dtd", "sécurité"))
    rejected("xml/billion_laughs.xlsx", patch_zip(good, {"xl/worksheets/sheet1.xml": lambda x: _sheet_xml_with(
        '<row r="9"><c r="A9" t="inlineStr"><is><t>&lol9;</t></is></c></row>')(_doctype(b"worksheet", laughs)(x))}),
             "« billion laughs » dans la feuille", "xml_doctype", ("dtd",))
    rejected("xml/xxe_classeur.xlsx", patch_zip(good, {"xl/workbook.xml": _doctype(b"workbook", xxe)}),
             "XXE dans workbook.xml", "xml_doctype", ("workbook.xml",))
    rejected("xml/doctype_content_types.xlsx", patch_zip(good, {"[Content_Types].xml": _doctype(b"Types", laughs)}),
             "DTD dans [Content_Types].xml", "xml_doctype", ("dtd",))
    rejected("xml/doctype_apres_commentaire.xlsx",
             patch_zip(good, {"xl/styles.xml": lambda x: _doctype(b"styleSheet", "<!-- " + "-" * 20_000 + " -->" + xxe)(x)}),
             "DTD après un long commentaire", "xml_doctype", ("dtd",))
    rejected("xml/doctype_apres_fausse_balise.xlsx",
             patch_zip(good, {"xl/workbook.xml": lambda x: _doctype(b"workbook", "<!-- <workbook> -->" + xxe)(x)}),
             "DTD après un commentaire contenant une balise", "xml_doctype", ("dtd",))
    rejected("xml/xxe_utf16.xlsx", utf16_xlsx(good, {"xl/worksheets/sheet1.xml": lambda x: use(_doctype(b"worksheet", xxe)(x))}),
             "XXE dans une feuille en UTF-16", "xml_doctype", ("dtd",))
    moved = {"xl/_rels/workbook.xml.rels": lambda x: x.replace(b"worksheets/sheet1.xml", b"worksheets/sheet1.dat"),
             "[Content_Types].xml": lambda x: x.replace(b"worksheets/sheet1.xml", b"worksheets/sheet1.dat")}
    sheet = zipfile.ZipFile(io.BytesIO(good)).read("xl/worksheets/sheet1.xml")
    hidden_dtd = patch_zip(utf16_xlsx(good, moved), {"xl/worksheets/sheet1.dat": _doctype(b"worksheet", laughs)(sheet).decode().encode("utf-16")})
    rejected("xml/dtd_partie_non_xml.xlsx", hidden_dtd, "DTD dans une feuille nommée .dat (second lecteur)", "xml_doctype", ("dtd",))
    ods = ods_bytes([HEADER, *ROWS])
    rejected("xml/xxe.ods", patch_zip(ods, {"content.xml": _doctype(b"office:document-content", xxe)}),
             "XXE dans un .ods", "xml_doctype", ("dtd",))

    # size bombs: refused from the zip directory or the cell references, before parsing
    rejected("bombes/coin_lointain.xlsx",
             patch_zip(good, {"xl/worksheets/sheet1.xml": _sheet_xml_with(
                 '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>')}),
             "deux cellules A1 et XFD1048576", "sheet_too_large", ("lignes", "max_rows"))
    rejected("bombes/16384_colonnes.xlsx",
             patch_zip(good, {"xl/worksheets/sheet1.xml": _sheet_xml_with('<row r="4"><c r="XFD4"><v>1</v></c></row>')}),
             "une cellule en colonne XFD (16 384 colonnes)", "sheet_too_large", ("colonnes", "max_columns"))
    rejected("bombes/cellules_sans_reference.xlsx",
             patch_zip(good, {"xl/worksheets/sheet1.xml": _sheet_xml_with('<row r="4">' + "<c><v>1</v></c>" * 3000 + "</row>")}),
             "3 000 cellules sans référence sur une ligne", "sheet_too_large", ("colonnes",))
    rejected("bombes/trop_de_cellules.xlsx",
             patch_zip(good, {"xl/worksheets/sheet1.xml": _sheet_xml_with('<row r="90000"><c r="CV90000"><v>1</v></c></row>')}),
             "90 000 lignes × 100 colonnes", "sheet_too_large", ("cellules", "max_cells"))
    repeated = ('<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="16384" '
                'office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>')
    rejected("bombes/cellules_repetees.ods",
             patch_zip(ods, {"content.xml": lambda x: x.replace(b"</table:table>", repeated.encode() + b"</table:table>", 1)}),
             "ods : une cellule répétée sur 16 384 colonnes × 1 000 000 lignes", "corrupt_file", ("abîmé",))
    rejected("bombes/million_lignes.xlsx", _million_rows_xlsx(), "un million de vraies lignes", "sheet_too_large", ("lignes",))
    for rel, mb, code, words, what in (
        ("bombes/zip_bomb_250_mo.xlsx", 250, "decompressed_too_large", ("décompressé", "max_decompressed_mb"), "zip bomb : 250 Mo déclarés"),
        ("bombes/zip_bomb_ratio.xlsx", 60, "compression_ratio", ("compressée", "max_compression_ratio"), "zip bomb : 60 Mo compressés ~1000 fois"),
    ):
        path = wave / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        _streamed_zip_bomb(path, mb)
        out.append(Expected(rel, "rejected", code, words, 0, what))
    big = wave / "bombes/fichier_60_mo.xlsx"
    with open(big, "wb") as f:  # sparse: no disk, no memory
        f.truncate(60 << 20)
    out.append(Expected("bombes/fichier_60_mo.xlsx", "rejected", "file_too_large", ("mo", "max_file_mb"), 0, "fichier de 60 Mo"))

    # a file within every limit that takes too long to read
    put("lent/synthese_enorme.csv", _slow_csv(slow_rows),
        Expected("lent/synthese_enorme.csv", "rejected", "time_limit", ("max_seconds_per_file",), 0, "lecture plus longue que la limite"))

    # never listed: Office lock files, hidden files
    put("~$ville_albi.xlsx", b"lock", Expected("~$ville_albi.xlsx", "skipped", what="fichier verrou Office"))
    put(".cache/notes.csv", csv_bytes([HEADER, *ROWS]), Expected(".cache/notes.csv", "skipped", what="dossier caché"))
    return out

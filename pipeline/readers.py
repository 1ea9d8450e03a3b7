"""Open any returned file (xlsx, xlsm, xls, ods, csv) into sheets of raw cell values.

Spreadsheets are read with python-calamine (cached formula values, fast); CSV text is decoded
(UTF-8, UTF-8 with BOM, UTF-16 with BOM, Windows-1252) and its separator sniffed (; , tab).
A file that cannot be read gives an :class:`~pipeline.issues.Issue` with a French message
instead of an exception: encrypted, corrupt, not a spreadsheet (HTML or PDF renamed), empty.
"""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine

from pipeline.issues import Issue

Cell = object  # str | float | int | bool | datetime.date | datetime.datetime | None

SPREADSHEET_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb")
TEXT_EXTENSIONS = (".csv", ".tsv", ".txt")
SUPPORTED_EXTENSIONS = SPREADSHEET_EXTENSIONS + TEXT_EXTENSIONS

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_SEPARATORS = (";", ",", "\t", "|")


class Sheet:
    """One sheet as a list of rows of raw cells; row 0 is spreadsheet row 1, column 0 is A.

    ``rows`` may be given or loaded on first access (a sheet nobody looks at is never parsed).
    """

    __slots__ = ("name", "_rows", "_loader", "problem")

    def __init__(self, name: str, rows: list[list[Cell]] | None = None, loader=None) -> None:
        self.name = name
        self._rows = rows
        self._loader = loader
        self.problem = ""

    @property
    def rows(self) -> list[list[Cell]]:
        if self._rows is None:
            try:
                self._rows = self._loader() if self._loader is not None else []
            except Exception as exc:  # one broken sheet must not cost the others
                self.problem = type(exc).__name__
                self._rows = []
            self._loader = None
        return self._rows


@dataclass
class Workbook:
    """What could be read from a file: its sheets, format, and a problem if it is unusable."""

    file: str
    format: str
    sheets: list[Sheet] = field(default_factory=list)
    problem: Issue | None = None
    encoding: str = ""
    separator: str = ""
    data: bytes = field(default=b"", repr=False)


def _reject(file: str, fmt: str, code: str, message: str) -> Workbook:
    return Workbook(file=file, format=fmt, problem=Issue(code=code, message_fr=message, file=file, severity="error"))


def read_workbook(path: str | Path, display_name: str | None = None) -> Workbook:
    """Read every sheet of ``path``; ``display_name`` is the name used in messages."""
    path = Path(path)
    name = display_name or path.name
    ext = path.suffix.lower()
    fmt = ext.lstrip(".") or "inconnu"
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _reject(name, fmt, "unreadable_file", f"Le fichier ne peut pas être ouvert ({exc.strerror or exc}).")
    if not data.strip():
        return _reject(name, fmt, "empty_file", "Le fichier est vide : aucune réponse à lire.")
    head = data[:2048]
    if head.startswith(_OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data or b"EncryptedPackage" in data:
            return _reject(
                name, fmt, "encrypted_file",
                "Le fichier est protégé par un mot de passe : demandez à la collectivité une version "
                "sans mot de passe (Fichier > Informations > Protéger le classeur).",
            )
        return _read_calamine(data, name, "xls")
    if head.startswith(_ZIP_MAGIC):
        zfmt = fmt if ext in SPREADSHEET_EXTENSIONS else ("ods" if b"opendocument" in head else "xlsx")
        return _read_calamine(data, name, zfmt)
    if head.startswith(b"%PDF"):
        return _reject(name, fmt, "not_a_spreadsheet", "Le fichier est un PDF et non un tableur : demandez le fichier Excel, ODS ou CSV d'origine.")
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<?xml", b"<table", b"<head")) or b"<html" in lowered[:512]:
        return _reject(
            name, fmt, "not_a_spreadsheet",
            "Le fichier est une page web (HTML) renommée et non un tableur : ouvrez-le dans Excel "
            "puis enregistrez-le au format .xlsx.",
        )
    if ext in SPREADSHEET_EXTENSIONS:
        return _reject(
            name, fmt, "corrupt_file",
            f"Le fichier porte l'extension {ext} mais n'est pas un classeur lisible (fichier abîmé ou mal renommé).",
        )
    return read_csv_bytes(data, name, fmt if ext in TEXT_EXTENSIONS else "csv")


def _read_calamine(data: bytes, name: str, fmt: str) -> Workbook:
    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        return _reject(name, fmt, "encrypted_file", "Le fichier est protégé par un mot de passe : demandez une version sans mot de passe.")
    except Exception as exc:  # calamine raises several error types for broken archives
        other = _other_document(data)
        if other:
            return _reject(
                name, fmt, "not_a_spreadsheet",
                f"Le fichier est un {other} et non un tableur : demandez le fichier Excel, ODS ou CSV des réponses.",
            )
        return _reject(
            name, fmt, "corrupt_file",
            f"Le classeur est abîmé et ne peut pas être lu ({type(exc).__name__}) : demandez à la collectivité de le renvoyer.",
        )
    sheets: list[Sheet] = []
    for meta in wb.sheets_metadata:
        if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
            continue
        sheets.append(Sheet(meta.name, loader=_sheet_loader(wb, meta.name)))
    if not sheets:
        return _reject(name, fmt, "corrupt_file", "Aucune feuille de calcul dans le classeur.")
    return Workbook(file=name, format=fmt, sheets=sheets, data=data if data.startswith(_ZIP_MAGIC) else b"")


_CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def xlsx_error_cells(workbook: Workbook, sheet_name: str) -> dict[tuple[int, int], str]:
    """Excel error values (#N/A, #DIV/0!) of one xlsx sheet, which calamine reads as empty.

    Returns {(row0, col0): "#DIV/0!"}; empty for other formats or when the archive is odd.
    """
    if not workbook.data:
        return {}
    try:
        with zipfile.ZipFile(io.BytesIO(workbook.data)) as z:
            names = set(z.namelist())
            book = z.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            rid = ""
            for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", book):
                attrs = dict(re.findall(r'([\w:]+)="([^"]*)"', tag))
                if html.unescape(attrs.get("name", "")) == sheet_name:
                    rid = attrs.get("r:id", "")
            target = ""
            for tag in re.findall(r"<Relationship\b[^>]*>", rels):
                attrs = dict(_ATTR.findall(tag))
                if attrs.get("Id") == rid:
                    target = attrs.get("Target", "").lstrip("/")
            if not target:
                return {}
            path = target if target.startswith("xl/") else f"xl/{target}"
            if path not in names:
                return {}
            xml = z.read(path).decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return {}
    if 't="e"' not in xml:
        return {}
    out: dict[tuple[int, int], str] = {}
    for m in _CELL.finditer(xml):
        attrs = dict(_ATTR.findall(m.group(1)))
        if attrs.get("t") != "e" or "r" not in attrs:
            continue
        ref = re.fullmatch(r"([A-Z]+)(\d+)", attrs["r"])
        value = re.search(r"<v>([^<]*)</v>", m.group(2) or "")
        if ref and value:
            out[(int(ref.group(2)) - 1, _column_index(ref.group(1)))] = html.unescape(value.group(1))
    return out


def _other_document(data: bytes) -> str:
    """'document Word' etc. when a zip archive is an office file that is not a spreadsheet."""
    if not data.startswith(_ZIP_MAGIC):
        return ""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            mimetype = z.read("mimetype").decode("ascii", "replace") if "mimetype" in names else ""
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return ""
    if any(n.startswith("word/") for n in names) or "opendocument.text" in mimetype:
        return "document texte (Word ou Writer)"
    if any(n.startswith("ppt/") for n in names) or "opendocument.presentation" in mimetype:
        return "diaporama (PowerPoint ou Impress)"
    if any(n.endswith(".iwa") for n in names) or "Index/Document.iwa" in names:
        return "fichier Numbers (Apple)"
    return ""


def _sheet_loader(wb: python_calamine.CalamineWorkbook, name: str):
    def load() -> list[list[Cell]]:
        return wb.get_sheet_by_name(name).to_python(skip_empty_area=False)

    return load


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: BOMs first, then strict UTF-8, then Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def sniff_separator(text: str) -> str:
    """The separator giving the most columns, consistently, over the first lines."""
    sample = text[:20000]
    lines = sample.splitlines()[:30] or [""]
    best, best_score = ",", -1.0
    for sep in _SEPARATORS:
        counts = [len(r) for r in csv.reader(lines, delimiter=sep)]
        counts = [c for c in counts if c > 1]
        if not counts:
            continue
        top = max(counts)
        # many columns, on many lines
        score = top * len(counts) + counts.count(top)
        if score > best_score:
            best, best_score = sep, score
    return best


def read_csv_bytes(data: bytes, name: str, fmt: str = "csv") -> Workbook:
    """CSV/TSV bytes to one sheet named '' of text cells ('' for empty)."""
    text, encoding = decode_text(data)
    if "\x00" in text[:4096]:
        return _reject(name, fmt, "not_a_spreadsheet", "Le fichier n'est ni un tableur ni un fichier texte CSV lisible.")
    hint = re.match(r"\s*sep=(.)\s*\r?\n", text)  # Excel's "sep=;" first line
    if hint:
        sep, text = hint.group(1), text[hint.end():]
    else:
        sep = sniff_separator(text)
    # Excel hides the "sep=" line: the header is row 1 as the user sees it
    rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=sep)]
    if not any(any(c.strip() for c in r) for r in rows):
        return _reject(name, fmt, "empty_file", "Le fichier CSV ne contient aucune donnée.")
    if fmt == "csv":  # the vocabulary of the demo manifest: csv_utf8, csv_utf8_bom, csv_cp1252
        fmt = _CSV_FORMATS.get(encoding, "csv")
    return Workbook(file=name, format=fmt, sheets=[Sheet("", rows)], encoding=encoding, separator=sep)


_CSV_FORMATS = {"utf-8": "csv_utf8", "utf-8-sig": "csv_utf8_bom", "cp1252": "csv_cp1252", "utf-16": "csv_utf16"}

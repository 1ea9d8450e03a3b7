"""Open any returned file (xlsx, xlsm, xls, ods, csv) into sheets of raw cell values.

Spreadsheets are read with python-calamine (cached formula values, fast); an xlsx or xlsm that
calamine cannot open (Excel Mobile writes its parts in UTF-16) is read again by openpyxl
(read-only, cached values) into the same cells calamine would give, before it is called damaged.
CSV text is decoded (UTF-8, UTF-8 with BOM, UTF-16 with BOM, Windows-1252) and its separator
sniffed (; , tab). A file that cannot be read gives an :class:`~pipeline.common.issues.Issue`
with a French message instead of an exception: protected by a password, too old (Excel 2.x to
5.0/95, :mod:`pipeline.ingest.formats`), damaged, not a spreadsheet (HTML, PDF or Word renamed),
empty. Hostile or runaway files are refused by :mod:`pipeline.ingest.guards` before either
reader parses them.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import io
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine

from pipeline.common.issues import Issue
from pipeline.domain.params import IngestParams, defaults
from pipeline.ingest.formats import (
    EXCEL_95,
    OLE_MAGIC,
    ZIP_MAGIC,
    damaged_problem,
    old_biff_version,
    ole_info,
    password_problem,
    too_old_problem,
)
from pipeline.ingest.guards import (
    SheetTooLarge,
    extent_problem,
    file_size_problem,
    text_extent_problem,
    zip_problem,
)

Cell = object  # str | float | int | bool | datetime.date | datetime.datetime | None

SPREADSHEET_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb")
TEXT_EXTENSIONS = (".csv", ".tsv", ".txt")
SUPPORTED_EXTENSIONS = SPREADSHEET_EXTENSIONS + TEXT_EXTENSIONS

_SEPARATORS = (";", ",", "\t", "|")


class Sheet:
    """One sheet as a list of rows of raw cells; row 0 is spreadsheet row 1, column 0 is A.

    ``rows`` may be given or loaded on first access (a sheet nobody looks at is never parsed).
    """

    __slots__ = ("name", "_rows", "_loader", "problem", "refused", "hidden", "truncated")

    def __init__(self, name: str, rows: list[list[Cell]] | None = None, loader=None, hidden: bool = False) -> None:
        self.name = name
        self._rows = rows
        self._loader = loader
        self.problem = ""  # why the sheet could not be read (exception name, for the log only)
        self.refused = ""  # French message when the sheet is beyond IngestParams
        self.hidden = hidden  # hidden in Excel ("Listes" of the template): read only when no visible sheet holds answers
        self.truncated: list[tuple[int, int, int]] = []  # (row0, col0, original length) of cut cells

    @property
    def rows(self) -> list[list[Cell]]:
        if self._rows is None:
            try:
                self._rows = self._loader() if self._loader is not None else []
            except SheetTooLarge as exc:
                self.problem, self.refused = type(exc).__name__, str(exc)
                self._rows = []
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
    notes: list[Issue] = field(default_factory=list)  # warnings from reading (control characters removed)
    marks: dict = field(default_factory=dict, repr=False)  # sheet name -> CellMarks (pipeline.ingest.marks), read once


def _reject(file: str, fmt: str, code: str, message: str) -> Workbook:
    return _refused(fmt, Issue(code=code, message_fr=message, file=file, severity="error"))


def _refused(fmt: str, problem: Issue) -> Workbook:
    return Workbook(file=problem.file, format=fmt, problem=problem)


def read_workbook(path: str | Path, display_name: str | None = None, limits: IngestParams | None = None) -> Workbook:
    """Read every sheet of ``path``; ``display_name`` is the name used in messages."""
    path = Path(path)
    limits = limits or defaults(IngestParams)
    name = display_name or path.name
    ext = path.suffix.lower()
    fmt = ext.lstrip(".") or "inconnu"
    try:
        too_large = file_size_problem(path.stat().st_size, name, limits)
        if too_large is not None:
            return _refused(fmt, too_large)
        data = path.read_bytes()
    except OSError as exc:
        return _reject(name, fmt, "unreadable_file", f"Le fichier ne peut pas être ouvert ({_os_reason(exc)}).")
    if not data.strip():
        return _reject(name, fmt, "empty_file", "Le fichier est vide : aucune réponse à lire.")
    head = data[:2048]
    if head.startswith(OLE_MAGIC):
        ole = ole_info(data)
        if ole.encrypted:
            return _refused(fmt, password_problem(name, fmt))
        if ole.other:
            return _reject(name, fmt, "not_a_spreadsheet",
                           f"Le fichier est un {ole.other} et non un tableur : demandez le fichier Excel, ODS ou CSV des réponses.")
        wb = _read_calamine(data, name, "xls", limits)
        if wb.problem is not None and wb.problem.code == "corrupt_file" and ole.version == EXCEL_95:
            return _refused("xls", too_old_problem(name, EXCEL_95))
        return wb
    if head.startswith(ZIP_MAGIC):
        zfmt = fmt if ext in SPREADSHEET_EXTENSIONS else ("ods" if b"opendocument" in head else "xlsx")
        refused = zip_problem(data, name, zfmt, limits)
        if refused is not None:
            return _refused(zfmt, refused)
        return _read_calamine(data, name, zfmt, limits)
    if head.startswith(b"%PDF"):
        return _reject(name, fmt, "not_a_spreadsheet", "Le fichier est un PDF et non un tableur : demandez le fichier Excel, ODS ou CSV d'origine.")
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<?xml", b"<table", b"<head")) or b"<html" in lowered[:512]:
        return _reject(
            name, fmt, "not_a_spreadsheet",
            "Le fichier est une page web (HTML) renommée et non un tableur : ouvrez-le dans Excel "
            "puis enregistrez-le au format .xlsx.",
        )
    old = old_biff_version(head)
    if old:
        return _refused(fmt, too_old_problem(name, old))
    if ext in SPREADSHEET_EXTENSIONS:
        return _reject(
            name, fmt, "corrupt_file",
            f"Le fichier porte l'extension {ext} mais n'est pas un classeur lisible (fichier abîmé ou mal renommé) : "
            "demandez à la collectivité de l'enregistrer au format .xlsx depuis Excel ou LibreOffice.",
        )
    return read_csv_bytes(data, name, fmt if ext in TEXT_EXTENSIONS else "csv", limits)


def _os_reason(exc: OSError) -> str:
    """Why the system could not open a file, in French."""
    return {
        errno.ENOENT: "fichier introuvable",
        errno.EACCES: "accès refusé",
        errno.EPERM: "accès refusé",
        errno.EISDIR: "c'est un dossier",
    }.get(exc.errno or 0, "erreur du système de fichiers")


def _read_calamine(data: bytes, name: str, fmt: str, limits: IngestParams | None = None) -> Workbook:
    limits = limits or defaults(IngestParams)
    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        return _refused(fmt, password_problem(name, fmt))
    except Exception:  # calamine raises several error types for broken archives
        other = _other_document(data)
        if other:
            return _reject(
                name, fmt, "not_a_spreadsheet",
                f"Le fichier est un {other} et non un tableur : demandez le fichier Excel, ODS ou CSV des réponses.",
            )
        if data.startswith(ZIP_MAGIC) and fmt != "ods":  # an xlsx or xlsm, whatever its extension says
            second = _read_openpyxl(data, name, fmt, limits)
            if second is not None:
                return second
        return _refused(fmt, damaged_problem(name))
    sheets: list[Sheet] = []
    for meta in wb.sheets_metadata:
        if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
            continue
        hidden = meta.visible != python_calamine.SheetVisibleEnum.Visible
        loader = _sheet_loader(wb, meta.name, limits)
        sheet = Sheet(meta.name, loader=loader, hidden=hidden)
        sheet.truncated = loader.truncated
        sheets.append(sheet)
    if not sheets:
        return _reject(name, fmt, "corrupt_file", "Aucune feuille de calcul dans le classeur.")
    return Workbook(file=name, format=fmt, sheets=sheets, data=data)


def _read_openpyxl(data: bytes, name: str, fmt: str, limits: IngestParams) -> Workbook | None:
    """The second reader of an xlsx/xlsm calamine cannot open (None: openpyxl cannot either).

    openpyxl parses whatever part a relationship names, so every part that looks like XML is
    scanned for a DTD first, not only the .xml ones.
    """
    refused = zip_problem(data, name, fmt, limits, every_part=True)
    if refused is not None:
        return _refused(fmt, refused)
    import openpyxl  # only for the few files calamine cannot open

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no default style" and the like: nothing the user can act on
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        sheets = []
        for ws in book.worksheets:
            loader = _openpyxl_loader(ws, limits)
            sheet = Sheet(ws.title, loader=loader, hidden=ws.sheet_state != "visible")
            sheet.truncated = loader.truncated
            sheets.append(sheet)
    except Exception:  # openpyxl raises many error types on a broken archive: the file is damaged
        return None
    if not sheets:
        return None
    note = Issue(
        "second_reader",
        "Ce classeur, écrit par un tableur peu courant (Excel Mobile, par exemple), a été lu par le lecteur de secours : "
        "ses valeurs ont été lues normalement.",
        name, severity="info",
    )
    return Workbook(file=name, format=fmt, sheets=sheets, data=data, notes=[note])


def _openpyxl_loader(ws, limits: IngestParams):  # noqa: ANN001, ANN202 (an openpyxl read-only worksheet)
    """Rows of an openpyxl read-only sheet as calamine gives them: a rectangle from A1, '' for an
    empty cell, numbers as float, a date at midnight as a date; the sheet's extent checked row by row."""
    def load() -> list[list[Cell]]:
        ws.reset_dimensions()  # a false <dimension> must not pad the rows
        rows: list[list[Cell]] = []
        width = 0
        for row in ws.iter_rows(values_only=True):
            cells = [_calamine_cell(v) for v in row]
            while cells and cells[-1] == "":
                cells.pop()
            width = max(width, len(cells))
            rows.append(cells)
            problem = extent_problem(len(rows), width, limits)
            if problem:
                raise SheetTooLarge(problem)
        while rows and not rows[-1]:
            rows.pop()
        for cells in rows:
            cells.extend([""] * (width - len(cells)))
        _cut_long_cells(rows, limits.max_cell_chars, truncated)
        return rows

    truncated: list[tuple[int, int, int]] = []
    load.truncated = truncated  # type: ignore[attr-defined]
    return load


def _calamine_cell(value: object) -> Cell:
    """One openpyxl value as calamine's ``to_python`` gives it."""
    if value is None:
        return ""
    if value.__class__ is int:
        return float(value)
    if value.__class__ is dt.datetime and value.time() == dt.time(0):
        return value.date()
    return value


def _other_document(data: bytes) -> str:
    """'document Word' etc. when a zip archive is an office file that is not a spreadsheet."""
    if not data.startswith(ZIP_MAGIC):
        return ""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            mimetype = z.read("mimetype").decode("ascii", "replace") if "mimetype" in names else ""
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, ValueError):
        return ""
    if any(n.startswith("word/") for n in names) or "opendocument.text" in mimetype:
        return "document texte (Word ou Writer)"
    if any(n.startswith("ppt/") for n in names) or "opendocument.presentation" in mimetype:
        return "diaporama (PowerPoint ou Impress)"
    if any(n.endswith(".iwa") for n in names) or "Index/Document.iwa" in names:
        return "fichier Numbers (Apple)"
    return ""


def _sheet_loader(wb: python_calamine.CalamineWorkbook, name: str, limits: IngestParams):
    def load() -> list[list[Cell]]:
        sheet = wb.get_sheet_by_name(name)
        # the rectangle from A1, checked before its cells become Python objects
        end = sheet.end or (0, 0)
        problem = extent_problem(end[0] + 1, end[1] + 1, limits) if sheet.height else ""
        if problem:
            raise SheetTooLarge(problem)
        rows = sheet.to_python(skip_empty_area=False)
        _cut_long_cells(rows, limits.max_cell_chars, truncated)
        return rows

    truncated: list[tuple[int, int, int]] = []
    load.truncated = truncated  # type: ignore[attr-defined]

    return load


def _cut_long_cells(rows: list[list[Cell]], max_chars: int, out: list[tuple[int, int, int]]) -> None:
    """Cut text cells longer than ``max_chars`` in place, noting (row0, col0, length) in ``out``."""
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v.__class__ is str and len(v) > max_chars:
                out.append((r, c, len(v)))
                row[c] = v[:max_chars]


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


def read_csv_bytes(data: bytes, name: str, fmt: str = "csv", limits: IngestParams | None = None) -> Workbook:
    """CSV/TSV bytes to one sheet named '' of text cells ('' for empty)."""
    limits = limits or defaults(IngestParams)
    text, encoding = decode_text(data)
    sample = text[:4096]
    if len(_CONTROL.findall(sample)) > max(8, len(sample) // 20):  # binary, or UTF-16 without BOM
        return _reject(name, fmt, "not_a_spreadsheet", "Le fichier n'est ni un tableur ni un fichier texte CSV lisible.")
    notes: list[Issue] = []
    if _CONTROL.search(text):
        n = len(_CONTROL.findall(text))
        text = _CONTROL.sub("", text)
        notes.append(Issue(
            "control_characters",
            f"{n} caractère(s) de contrôle invisibles (octets nuls, etc.) supprimés du fichier {name} : vérifiez "
            "que l'export n'est pas abîmé.",
            name, severity="warning",
        ))
    hint = re.match(r"\s*sep=(.)\s*\r?\n", text)  # Excel's "sep=;" first line
    if hint:
        sep, text = hint.group(1), text[hint.end():]
    else:
        sep = sniff_separator(text)
    problem = text_extent_problem(text, sep, limits)
    if problem:
        return _reject(name, fmt, "sheet_too_large", f"Le fichier {name} : {problem}")
    if csv.field_size_limit() < len(text) + 1:  # one cell may hold the whole (size-limited) file
        csv.field_size_limit(len(text) + 1)
    # Excel hides the "sep=" line: the header is row 1 as the user sees it
    rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=sep)]
    if not any(any(c.strip() for c in r) for r in rows):
        return _reject(name, fmt, "empty_file", "Le fichier CSV ne contient aucune donnée.")
    if fmt == "csv":  # the vocabulary of the demo manifest: csv_utf8, csv_utf8_bom, csv_cp1252
        fmt = _CSV_FORMATS.get(encoding, "csv")
    sheet = Sheet("", rows)
    _cut_long_cells(rows, limits.max_cell_chars, sheet.truncated)
    return Workbook(file=name, format=fmt, sheets=[sheet], encoding=encoding, separator=sep, notes=notes)


# C0 control characters but tab, line feed and carriage return (and DEL): never typed on purpose
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


_CSV_FORMATS = {"utf-8": "csv_utf8", "utf-8-sig": "csv_utf8_bom", "cp1252": "csv_cp1252", "utf-16": "csv_utf16"}

"""Open any returned file (xlsx, xlsm, xls, ods, csv) into sheets of raw cell values.

Spreadsheets are read with python-calamine (cached formula values, fast); CSV text is decoded
(UTF-8, UTF-8 with BOM, UTF-16 with BOM, Windows-1252) and its separator sniffed (; , tab).
A file that cannot be read gives an :class:`~pipeline.common.issues.Issue` with a French message
instead of an exception: encrypted, corrupt, not a spreadsheet (HTML or PDF renamed), empty.

Hostile files are refused before calamine parses them (the limits of the ``ingest:`` block, :class:`~pipeline.domain.params.IngestParams`): file size; for zip
archives (xlsx, xlsm, ods) the sizes declared in the zip directory (total, compression ratio of
each part), any DOCTYPE in an XML part (calamine does not expand entities, but such a file is
never a genuine export), and the cell extent of each xlsx sheet read from its cell references
(calamine allocates the whole rectangle at once: two cells at A1 and XFD1048576 would abort the
process). Other formats are checked on the sheet's size before its cells become Python objects.
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

from pipeline.common.issues import Issue
from pipeline.common.text import french_number
from pipeline.domain.params import IngestParams, defaults

Cell = object  # str | float | int | bool | datetime.date | datetime.datetime | None


_RATIO_MIN_BYTES = 1 << 20  # a small part may compress well (styles): only big parts are checked
_MB = 1 << 20

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

    __slots__ = ("name", "_rows", "_loader", "problem", "refused", "hidden", "truncated")

    def __init__(self, name: str, rows: list[list[Cell]] | None = None, loader=None, hidden: bool = False) -> None:
        self.name = name
        self._rows = rows
        self._loader = loader
        self.problem = ""  # why the sheet could not be read (exception name)
        self.refused = ""  # French message when the sheet is beyond IngestParams
        self.hidden = hidden  # hidden in Excel ("Listes" of the template): never the answer sheet
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


class SheetTooLarge(Exception):
    """A sheet beyond IngestParams (message in French, naming the limit)."""


def _reject(file: str, fmt: str, code: str, message: str) -> Workbook:
    return Workbook(file=file, format=fmt, problem=Issue(code=code, message_fr=message, file=file, severity="error"))


def read_workbook(path: str | Path, display_name: str | None = None, limits: IngestParams | None = None) -> Workbook:
    """Read every sheet of ``path``; ``display_name`` is the name used in messages."""
    path = Path(path)
    limits = limits or defaults(IngestParams)
    name = display_name or path.name
    ext = path.suffix.lower()
    fmt = ext.lstrip(".") or "inconnu"
    try:
        size = path.stat().st_size
        if size > limits.max_file_mb * _MB:
            return _reject(
                name, fmt, "file_too_large",
                f"Le fichier {name} pèse {french_number(size / _MB, 1)} Mo, au-delà de la limite de {limits.max_file_mb:g} Mo "
                "(ingest.max_file_mb) : il n'a pas été ouvert. Demandez un fichier ne contenant que les réponses.",
            )
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
        return _read_calamine(data, name, "xls", limits)
    if head.startswith(_ZIP_MAGIC):
        zfmt = fmt if ext in SPREADSHEET_EXTENSIONS else ("ods" if b"opendocument" in head else "xlsx")
        refused = _check_zip(data, name, zfmt, limits)
        if refused is not None:
            return refused
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
    if ext in SPREADSHEET_EXTENSIONS:
        return _reject(
            name, fmt, "corrupt_file",
            f"Le fichier porte l'extension {ext} mais n'est pas un classeur lisible (fichier abîmé ou mal renommé).",
        )
    return read_csv_bytes(data, name, fmt if ext in TEXT_EXTENSIONS else "csv", limits)


_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_CELL_REF = re.compile(rb' r="([A-Z]{1,4})(\d{1,9})"')  # a cell's reference (rows have digits only)


def _check_zip(data: bytes, name: str, fmt: str, limits: IngestParams) -> Workbook | None:
    """Refuse a zip archive from its directory and a streamed scan of its XML parts, before any parse (None: fine)."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None  # calamine and _other_document say what is wrong
    with z:
        if any(i.flag_bits & 0x1 for i in infos):
            return _reject(name, fmt, "encrypted_file", "Le fichier est protégé par un mot de passe : demandez une version sans mot de passe.")
        total = sum(i.file_size for i in infos)
        if total > limits.max_decompressed_mb * _MB:
            return _reject(
                name, fmt, "decompressed_too_large",
                f"Le classeur {name} occuperait {french_number(total / _MB)} Mo une fois décompressé, au-delà de la limite de "
                f"{limits.max_decompressed_mb:g} Mo (ingest.max_decompressed_mb) : il n'a pas été ouvert (archive "
                "piégée ou feuille démesurée). Demandez un fichier ne contenant que les réponses.",
            )
        for i in infos:
            if i.file_size > _RATIO_MIN_BYTES and i.file_size > limits.max_compression_ratio * max(i.compress_size, 1):
                ratio = i.file_size / max(i.compress_size, 1)
                return _reject(
                    name, fmt, "compression_ratio",
                    f"La partie « {i.filename} » du classeur {name} est compressée {french_number(ratio)} fois, au-delà de la limite "
                    f"de {limits.max_compression_ratio:g} (ingest.max_compression_ratio) : archive piégée (« zip bomb »), "
                    "le fichier n'a pas été ouvert.",
                )
        try:
            for i in infos:
                if not i.filename.lower().endswith((".xml", ".rels", ".vml")):
                    continue
                is_sheet = fmt in ("xlsx", "xlsm") and re.fullmatch(r"xl/worksheets/[^/]+\.xml", i.filename) is not None
                has_dtd, extent = _scan_part(z, i, is_sheet, limits)
                if has_dtd:
                    return _reject(
                        name, fmt, "xml_doctype",
                        f"La partie « {i.filename} » du classeur {name} déclare une DTD (<!DOCTYPE> ou entités XML), ce "
                        "qu'aucun tableur n'écrit : fichier refusé par sécurité (entités externes ou « billion laughs »). "
                        "Demandez à la collectivité de réenregistrer le fichier depuis Excel ou LibreOffice.",
                    )
                problem = _extent_problem(*extent, limits) if is_sheet else ""
                if problem:
                    return _reject(name, fmt, "sheet_too_large", f"Le classeur {name}, partie « {i.filename} » : {problem}")
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError):
            return None  # a damaged part: calamine reports the file as corrupt
    return None


def _scan_part(z: zipfile.ZipFile, info: zipfile.ZipInfo, sheet: bool,
               limits: IngestParams | None = None) -> tuple[bool, tuple[int, int]]:
    """(a DTD anywhere in the part, (rows, columns) spanned by the cells of a worksheet part).

    Streams the part in 1 MB pieces cut after a '>' (no tag straddles two pieces). Every cell
    reference counts, empty styled cells too (conservative); cells placed by position only (no
    ``r`` attribute) are counted as one wide row. With ``limits``, the scan of a sheet stops as
    soon as its cells reach past them (a million-row sheet is refused after its first rows).
    """
    max_row = max_col = 0
    n_refs = n_cells = n_rows = 0
    tail = b""
    with z.open(info) as f:
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            buf = tail + chunk
            cut = buf.rfind(b">") + 1
            piece, tail = buf[:cut], buf[cut:]
            if _DOCTYPE.search(piece):
                return True, (0, 0)
            if not sheet:
                continue
            refs = _CELL_REF.findall(piece)
            if refs:
                letters, numbers = zip(*refs)
                max_row = max(max_row, max(map(int, set(numbers))))
                max_col = max(max_col, max(map(_column_number, set(letters))))
                n_refs += len(refs)
                if limits is not None and _extent_problem(max_row, max_col, limits):
                    return False, (max_row, max_col)
            n_cells += piece.count(b"<c ") + piece.count(b"<c>")
            n_rows += piece.count(b"<row ") + piece.count(b"<row>")
    if _DOCTYPE.search(tail):
        return True, (0, 0)
    if n_cells > n_refs:
        max_col = max(max_col, n_cells - n_refs)
        max_row = max(max_row, n_rows)
    return False, (max_row, max_col)


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _extent_problem(n_rows: int, n_cols: int, limits: IngestParams) -> str:
    if n_rows > limits.max_rows:
        return (f"la feuille s'étend sur {french_number(n_rows)} lignes, au-delà de la limite de {french_number(limits.max_rows)} lignes "
                "(ingest.max_rows) : fichier refusé sans être lu. Supprimez les lignes vides ou en trop.")
    if n_cols > limits.max_columns:
        return (f"la feuille s'étend sur {french_number(n_cols)} colonnes, au-delà de la limite de {french_number(limits.max_columns)} "
                "colonnes (ingest.max_columns) : fichier refusé sans être lu. Supprimez les colonnes vides ou en trop.")
    if n_rows * n_cols > limits.max_cells:
        return (f"la feuille s'étend sur {french_number(n_rows)} lignes × {french_number(n_cols)} colonnes, au-delà de la limite de "
                f"{french_number(limits.max_cells)} cellules (ingest.max_cells) : fichier refusé sans être lu.")
    return ""


def _read_calamine(data: bytes, name: str, fmt: str, limits: IngestParams | None = None) -> Workbook:
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
    limits = limits or defaults(IngestParams)
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
    return Workbook(file=name, format=fmt, sheets=sheets, data=data if data.startswith(_ZIP_MAGIC) else b"")


_CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


@dataclass
class CellMarks:
    """What calamine does not say about an xlsx sheet, read from its XML (0-based positions)."""

    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # Excel error values, read as empty
    formulas: set[tuple[int, int]] = field(default_factory=set)  # formulas without a saved value
    hidden_rows: set[int] = field(default_factory=set)


def xlsx_cell_marks(workbook: Workbook, sheet_name: str) -> CellMarks:
    """Excel error values (#N/A, #DIV/0!), formulas never computed, hidden rows of one xlsx sheet.

    Empty for other formats or when the archive is odd.
    """
    marks = CellMarks()
    if not workbook.data:
        return marks
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
                return marks
            path = target if target.startswith("xl/") else f"xl/{target}"
            if path not in names:
                return marks
            xml = z.read(path).decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return marks
    if 'hidden="1"' in xml or 'hidden="true"' in xml:
        for tag in re.findall(r"<row\b[^>]*>", xml):
            attrs = dict(_ATTR.findall(tag))
            if attrs.get("hidden") in ("1", "true") and attrs.get("r", "").isdigit():
                marks.hidden_rows.add(int(attrs["r"]) - 1)
    if 't="e"' not in xml and "<f" not in xml:
        return marks
    for m in _CELL.finditer(xml):
        body = m.group(2) or ""
        attrs = dict(_ATTR.findall(m.group(1)))
        ref = re.fullmatch(r"([A-Z]+)(\d+)", attrs.get("r", ""))
        if not ref:
            continue
        where = (int(ref.group(2)) - 1, _column_index(ref.group(1)))
        value = re.search(r"<v>([^<]*)</v>", body)
        if attrs.get("t") == "e" and value:
            marks.errors[where] = html.unescape(value.group(1))
        elif "<f" in body and (value is None or not value.group(1)) and attrs.get("t") not in ("s", "inlineStr"):
            marks.formulas.add(where)
    return marks


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


def _sheet_loader(wb: python_calamine.CalamineWorkbook, name: str, limits: IngestParams):
    def load() -> list[list[Cell]]:
        sheet = wb.get_sheet_by_name(name)
        # the rectangle from A1, checked before its cells become Python objects
        end = sheet.end or (0, 0)
        problem = _extent_problem(end[0] + 1, end[1] + 1, limits) if sheet.height else ""
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
    n_lines = text.count("\n") + 1
    widest = max(line.count(sep) for line in text.split("\n")) + 1 if n_lines <= limits.max_rows else 0
    problem = _extent_problem(n_lines, widest, limits) if n_lines > limits.max_rows or widest > limits.max_columns else ""
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

"""Refuse hostile or runaway files before a parser allocates them.

The threat: a returned file built (or broken) so that reading it exhausts the machine. python-
calamine allocates a sheet's whole rectangle at once (two cells at A1 and XFD1048576 abort the
process), and a zip archive (xlsx, xlsm, ods) may declare gigabytes behind a few kilobytes.
So, with the limits of the ``ingest:`` block (:class:`~pipeline.domain.params.IngestParams`):
the file's size; for zip archives the sizes declared in the zip directory (total, compression ratio
of each part), any DOCTYPE in an XML part (calamine does not expand entities, but no spreadsheet
writes one) and the cell extent of each xlsx sheet read from its cell references; for other
formats the sheet's extent before its cells become Python objects (:func:`extent_problem`).
Each refusal is an :class:`~pipeline.common.issues.Issue` with a French message naming the limit.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
import zlib

from pipeline.common.cells import column_number
from pipeline.common.issues import Issue
from pipeline.common.text import french_number
from pipeline.domain.params import IngestParams
from pipeline.ingest.formats import damaged_problem, password_problem, xml_encoding, zip_encrypted

MB = 1 << 20
_RATIO_MIN_BYTES = 1 << 20  # a small part may compress well (styles): only big parts are checked
_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_CELL_REF = re.compile(rb' r="([A-Z]{1,4})(\d{1,9})"')  # a cell's reference (rows have digits only)


class SheetTooLarge(Exception):
    """A sheet beyond IngestParams (message in French, naming the limit)."""


def _refusal(name: str, code: str, message: str) -> Issue:
    return Issue(code=code, message_fr=message, file=name, severity="error")


def file_size_problem(size: int, name: str, limits: IngestParams) -> Issue | None:
    """A file heavier than ingest.max_file_mb is not opened (None: fine)."""
    if size <= limits.max_file_mb * MB:
        return None
    return _refusal(
        name, "file_too_large",
        f"Le fichier {name} pèse {french_number(size / MB, 1)} Mo, au-delà de la limite de {limits.max_file_mb:g} Mo "
        "(ingest.max_file_mb) : il n'a pas été ouvert. Demandez un fichier ne contenant que les réponses.",
    )


def zip_problem(data: bytes, name: str, fmt: str, limits: IngestParams, every_part: bool = False) -> Issue | None:
    """Refuse a zip archive from its directory and a streamed scan of its XML parts, before any parse (None: fine).

    Parts named .xml, .rels or .vml are scanned (UTF-8 or UTF-16, as Excel Mobile writes them);
    with ``every_part`` (before the second reader, which parses whatever part a relationship
    names), every part that starts like XML is scanned too.
    """
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError):
        return None  # the reader says what is wrong
    with z:
        if zip_encrypted(z, infos):
            return password_problem(name, fmt)
        total = sum(i.file_size for i in infos)
        if total > limits.max_decompressed_mb * MB:
            return _refusal(
                name, "decompressed_too_large",
                f"Le classeur {name} occuperait {french_number(total / MB)} Mo une fois décompressé, au-delà de la limite de "
                f"{limits.max_decompressed_mb:g} Mo (ingest.max_decompressed_mb) : il n'a pas été ouvert (archive "
                "piégée ou feuille démesurée). Demandez un fichier ne contenant que les réponses.",
            )
        for i in infos:
            if i.file_size > _RATIO_MIN_BYTES and i.file_size > limits.max_compression_ratio * max(i.compress_size, 1):
                ratio = i.file_size / max(i.compress_size, 1)
                return _refusal(
                    name, "compression_ratio",
                    f"La partie « {i.filename} » du classeur {name} est compressée {french_number(ratio)} fois, au-delà de la limite "
                    f"de {limits.max_compression_ratio:g} (ingest.max_compression_ratio) : archive piégée (« zip bomb »), "
                    "le fichier n'a pas été ouvert.",
                )
        try:
            for i in infos:
                if not i.filename.lower().endswith((".xml", ".rels", ".vml")) and not (every_part and _looks_like_xml(z, i)):
                    continue
                is_sheet = fmt in ("xlsx", "xlsm") and re.fullmatch(r"xl/worksheets/[^/]+\.xml", i.filename) is not None
                has_dtd, extent = _scan_part(z, i, is_sheet, limits)
                if has_dtd:
                    return _refusal(
                        name, "xml_doctype",
                        f"La partie « {i.filename} » du classeur {name} déclare une DTD (<!DOCTYPE> ou entités XML), ce "
                        "qu'aucun tableur n'écrit : fichier refusé par sécurité (entités externes ou « billion laughs »). "
                        "Demandez à la collectivité de réenregistrer le fichier depuis Excel ou LibreOffice.",
                    )
                problem = extent_problem(*extent, limits) if is_sheet else ""
                if problem:
                    return _refusal(name, "sheet_too_large", f"Le classeur {name}, partie « {i.filename} » : {problem}")
        except zlib.error:  # a part's compressed bytes are damaged: a reader would read it cut short, silently
            return damaged_problem(name)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError):
            return None  # a damaged part: the reader reports the file as corrupt
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
        chunk = f.read(1 << 20)
        encoding = xml_encoding(chunk[:4])
        decoder = codecs.getincrementaldecoder(encoding)("replace") if encoding != "utf-8" else None
        while chunk:
            # UTF-16 parts (Excel Mobile) are scanned as UTF-8
            buf = tail + (decoder.decode(chunk).encode("utf-8") if decoder is not None else chunk)
            chunk = f.read(1 << 20)
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
                max_col = max(max_col, max(map(column_number, set(letters))))
                n_refs += len(refs)
                if limits is not None and extent_problem(max_row, max_col, limits):
                    return False, (max_row, max_col)
            n_cells += piece.count(b"<c ") + piece.count(b"<c>")
            n_rows += piece.count(b"<row ") + piece.count(b"<row>")
    if _DOCTYPE.search(tail):
        return True, (0, 0)
    if n_cells > n_refs:
        max_col = max(max_col, n_cells - n_refs)
        max_row = max(max_row, n_rows)
    return False, (max_row, max_col)


def _looks_like_xml(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """A part that starts like an XML document (after a BOM and blanks), in UTF-8 or UTF-16."""
    with z.open(info) as f:
        head = f.read(64)
    encoding = xml_encoding(head[:4])
    text = head.decode(encoding, "replace") if encoding != "utf-8" else head.decode("utf-8", "replace")
    return text.lstrip("\ufeff \t\r\n").startswith("<")


def extent_problem(n_rows: int, n_cols: int, limits: IngestParams) -> str:
    """Why a sheet spanning ``n_rows`` × ``n_cols`` is refused, in French ('' when it is within the limits)."""
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


def text_extent_problem(text: str, sep: str, limits: IngestParams) -> str:
    """Why a CSV text is refused, from its lines and separators, before it is split into cells ('' when fine)."""
    n_lines = text.count("\n") + 1
    widest = max(line.count(sep) for line in text.split("\n")) + 1 if n_lines <= limits.max_rows else 0
    return extent_problem(n_lines, widest, limits) if n_lines > limits.max_rows or widest > limits.max_columns else ""

"""The PDF edition of the reports: each published HTML page printed with its print stylesheet
(``@media print`` and ``@page`` in :data:`pipeline.reporting.render.CSS`: A4, page numbers, the
table of contents with page numbers, figures and table rows never split, table headers repeated
on every page).

WeasyPrint lays out CSS paged media (``counter(pages)``, ``target-counter``, ``string-set``) that
a browser's "print to PDF" ignores, and runs in the same Python process, from PyPI. It needs the
Pango library of the system: where it cannot be loaded, :func:`pdf_engine` says why in one French
sentence, and the reports are published without PDF (HTML and workbooks are not affected).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from pipeline.common.atomic import atomic_write_bytes

# Fixed identifier: the same page gives the same PDF, byte for byte (no date is written either).
PDF_IDENTIFIER = b"acter-observatoire"
MISSING = ("Éditions PDF non produites : WeasyPrint n'a pas pu être chargé ({reason}). Les rapports HTML et les "
           "classeurs sont publiés ; pour les PDF, installez la bibliothèque Pango (Debian, Ubuntu : "
           "apt-get install libpango-1.0-0 libpangoft2-1.0-0), puis relancez l'étape report (README, « Rapports »).")


def pdf_engine() -> tuple[object | None, str]:
    """WeasyPrint's HTML class, or None and the French warning saying why there will be no PDF."""
    try:
        from weasyprint import HTML
    except ImportError as exc:  # the package itself is missing (an old environment)
        return None, MISSING.format(reason=f"paquet Python absent : {exc.name or exc}")
    except OSError as exc:  # the package is there, the system's Pango is not
        return None, MISSING.format(reason=str(exc).splitlines()[0][:160])
    # The screen-only rules of the stylesheet (overflow-x, @media (max-width)) are expected to be
    # unknown to a printer: no warning for each page.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return HTML, ""


def printable(page: str) -> str:
    """The page as it is printed: every « Tableau : … » opened (a closed <details> hides its table)."""
    return re.sub(r"<details(?![^>]*\bopen\b)", "<details open", page)


def write_pdf(page: str, out: Path, engine: object, base: Path | None = None) -> Path:
    """Print one HTML page (its text) to ``out`` with WeasyPrint's HTML class ``engine``."""
    document = engine(string=printable(page), base_url=str(base or out.parent))
    # pdf_tags: a tagged PDF (headings, tables, reading order, the images' alt texts) for screen readers
    atomic_write_bytes(out, document.write_pdf(pdf_identifier=PDF_IDENTIFIER, uncompressed_pdf=False, pdf_tags=True))
    return out


def _print_some(pages: dict[Path, str]) -> None:
    engine, _ = pdf_engine()
    for path, page in pages.items():
        write_pdf(page, path.with_suffix(".pdf"), engine)


def print_pages(pages: dict[Path, str], workers: int = 1) -> str:
    """Write ``<page>.pdf`` beside each HTML path of ``pages`` (path -> HTML text), in ``workers``
    processes; return the French warning when no PDF could be made ('' when all were written)."""
    engine, warning = pdf_engine()
    if engine is None:
        return warning
    items = list(pages.items())
    workers = max(1, min(workers, len(items)))
    if workers == 1:
        _print_some(pages)
        return ""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # The largest page (national) first, the others shared round-robin.
    items.sort(key=lambda item: -len(item[1]))
    chunks = [dict(items[i::workers]) for i in range(workers)]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_print_some, chunks))
    return ""

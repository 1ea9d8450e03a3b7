"""The demo's published reports as network staff read them: headless Chromium at 1280 and 320 px,
axe-core (WCAG 2.1 A/AA) and no sideways scroll on a phone, for the national and every network
report; the national and a network page print to PDF."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from support.browser import Browser, axe_source, check_page, chromium
from support.pipeline_run import YEAR


def test_every_published_report_passes_axe_and_reflows_at_320_px(repo, tmp_path):
    exe = chromium()
    if exe is None:
        pytest.skip("Chromium introuvable : .ci/run l'installe (apt-get install chromium)")
    axe = axe_source()
    if axe is None:
        pytest.skip("npm introuvable : axe-core ne peut pas être installé (.ci/run installe npm)")
    folder = repo / "reports" / str(YEAR)
    pages = [folder / "national.html", *sorted((folder / "regions").glob("*.html"))]
    assert len(pages) > 10
    with Browser(exe, tmp_path / "profile") as browser:
        results = {page.name: check_page(browser, page, axe) for page in pages}
    assert {(name, width): r["violations"] for name, found in results.items() for width, r in found.items()
            if r["violations"]} == {}
    assert {name: found[320]["scroll_width"] for name, found in results.items()} == {p.name: 320 for p in pages}


def test_published_reports_print_to_pdf(repo, tmp_path):
    """The whole-pipeline run of the tests leaves PDFs out (report.pdf: false, for time); the
    national page and a network's, as published, print to A4 PDFs with many pages."""
    from pipeline.reporting.pdf import pdf_engine, print_pages

    if pdf_engine()[0] is None:
        pytest.skip("WeasyPrint ne peut pas être chargé (Pango absent) : .ci/run installe Pango")
    folder = repo / "reports" / str(YEAR)
    network = min((folder / "regions").glob("*.html"))
    pages = {}
    for page in (folder / "national.html", network):
        copy = tmp_path / page.relative_to(folder)
        shutil.copytree(page.parent, copy.parent, dirs_exist_ok=True)
        pages[copy] = page.read_text(encoding="utf-8")
    assert print_pages(pages, workers=2) == ""
    for copy in pages:
        assert copy.with_suffix(".pdf").is_file()
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(tmp_path / "national.pdf")], capture_output=True, text=True,
                              check=True).stdout
        assert "A4" in info and int(info.split("Pages:")[1].split()[0]) > 10

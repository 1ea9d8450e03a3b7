"""The PDF edition: each report printed from its HTML page (A4, page numbers, table of contents
with page numbers, tables opened), byte-reproducible; without WeasyPrint, one French warning."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import NETWORK

from pipeline.reporting.pdf import PDF_IDENTIFIER, pdf_engine, print_pages, printable


def _text(pdf) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) introuvable")
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_each_report_has_its_pdf_with_page_numbers_and_contents(rendered):
    if pdf_engine()[0] is None:
        pytest.skip(pdf_engine()[1])
    national, network = rendered / "national.pdf", rendered / "regions" / f"{NETWORK}.pdf"
    assert national.read_bytes().startswith(b"%PDF") and network.read_bytes().startswith(b"%PDF")
    text = _text(national)
    pages = text.split("\f")
    total = len([p for p in pages if p.strip()])
    assert total > 5
    assert f"Page 1 sur {total}" in pages[0] and f"Page {total} sur {total}" in text
    at = next(i for i, p in enumerate(pages) if "Sommaire" in p)  # after the summary « À retenir »
    contents = "\n".join(pages[at:at + 2]).split("Sommaire", 1)[1]
    assert "1. Qui a répondu ?" in contents and "Annexe : méthode et qualité des données" in contents
    # the contents give each section's page, and the section starts there
    line = next(l for l in contents.splitlines() if "4. Moyens financiers" in l)
    page = int(line.split()[-1])
    assert "4. Moyens financiers" in pages[page - 1]
    # the data tables under the charts are printed (opened), the page's skip link is not
    assert "Aller au contenu" not in text and "Effectif" in text
    assert "Réseau Bretagne Solidaire" in _text(network)
    info = subprocess.run(["pdfinfo", str(national)], capture_output=True, text=True, check=True).stdout
    assert "A4" in info and "Tagged:          yes" in info  # structure for screen readers


def test_printable_opens_every_table():
    page = '<details><summary>Tableau</summary><table></table></details><details open><summary>b</summary></details>'
    assert printable(page).count("<details open") == 2


def test_without_weasyprint_there_is_one_french_warning_and_no_pdf(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import weasyprint raises ImportError
    html = tmp_path / "national.html"
    html.write_text("<html><body>x</body></html>", encoding="utf-8")
    warning = print_pages({html: html.read_text(encoding="utf-8")})
    assert warning.startswith("Éditions PDF non produites") and "Pango" in warning
    assert not list(tmp_path.glob("*.pdf"))


def test_pdf_of_the_same_page_is_byte_identical(tmp_path):
    if pdf_engine()[0] is None:
        pytest.skip(pdf_engine()[1])
    page = '<html lang="fr"><head><title>t</title></head><body><h1>Titre</h1><p>Texte</p></body></html>'
    one, two = tmp_path / "a" / "p.html", tmp_path / "b" / "p.html"
    for path in (one, two):
        path.parent.mkdir()
        assert print_pages({path: page}) == ""
    assert one.with_suffix(".pdf").read_bytes() == two.with_suffix(".pdf").read_bytes()
    assert PDF_IDENTIFIER in one.with_suffix(".pdf").read_bytes() or b"/ID" in one.with_suffix(".pdf").read_bytes()

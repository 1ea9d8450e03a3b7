"""Rendering: national + network HTML pages, self-contained, without code, identical across runs."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import NETWORK, TINY_NETWORK, render_fixture_reports, write_params

from pipeline.domain.params import ParamsError, ReportParams, defaults
from pipeline.reporting.render import (
    export_html,
    notebook_parameters,
    render_reports,
    strip_external,
)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_national_and_network_reports_are_written(rendered):
    assert (rendered / "national.html").exists()
    assert (rendered / "regions" / f"{NETWORK}.html").exists()
    assert (rendered / "regions" / f"{TINY_NETWORK}.html").exists()
    assert (rendered / "tableaux.xlsx").exists()
    pngs = sorted((rendered / "figures").glob("*.png"))
    assert len(pngs) >= 20
    assert {p.stem for p in pngs} == {p.stem for p in (rendered / "figures").glob("*.svg")}
    page = (rendered / "national.html").read_text(encoding="utf-8").replace("&#x27;", "'")
    assert '<html lang="fr">' in page
    for heading in ("Qui a répondu", "Moyens financiers", "Typologie", "Portraits des types",
                    "Annexe : méthode et qualité des données", "Fichiers › reçus",
                    "Types d'actions menées : Jumelage", "Partenariats internes et externes",
                    "Stratégie et internationalisation", "indice de Jaccard"):
        assert heading in page, heading
    assert "def " not in page and "import " not in page  # no code in the report
    network = (rendered / "regions" / f"{NETWORK}.html").read_text(encoding="utf-8")
    assert "Réseau Bretagne Solidaire" in network and "France entière" in network


def test_no_outside_resource_is_loaded(rendered):
    for page in [rendered / "national.html", *(rendered / "regions").glob("*.html")]:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text, re.I), page
        assert not re.search(r"@import|url\(\s*[\"']?https?:", text, re.I), page
        assert "<script" not in text.replace("&lt;script", ""), page


def test_strip_external_removes_outside_scripts_and_styles():
    markup = ('<script src="https://cdn.example.com/require.js"></script><link rel="stylesheet" '
              'href="//cdn.example.com/x.css"><p>texte</p>')
    assert strip_external(markup) == "<p>texte</p>"


def test_a_failed_notebook_is_an_error_not_a_page():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")])
    nb.cells[0].outputs = [nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero")]
    with pytest.raises(RuntimeError, match="Le notebook a échoué : ZeroDivisionError"):
        export_html(nb, "titre")


def test_notebook_parameters_are_absolute_paths_or_empty(tmp_path):
    params = defaults(ReportParams, small_cell_threshold=4)
    common = notebook_parameters(2025, params, clean=Path("clean.parquet"), out_dir=tmp_path)
    assert Path(common["clean_path"]).is_absolute() and common["typology_path"] == ""
    assert common["small_cell_threshold"] == 4 and "2025" in common["source"]


def test_two_renders_are_byte_identical(rendered, report_inputs, tmp_path):
    again = tmp_path / "2025"
    render_fixture_reports(report_inputs, again)
    first, second = _files(rendered), _files(again)
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []


@pytest.mark.slow
def test_stage_main_writes_reports_and_rejects_a_mistyped_param(report_inputs, tmp_path):
    from pipeline.stages.report import main

    params = write_params(tmp_path / "params.yaml", report={"small_cell_threshold": 3, "networks": False,
                                                            "workers": 1})
    out = tmp_path / "reports" / "2025"
    assert main(["--params", str(params), "--clean", str(report_inputs["clean"]), "--out", str(out)]) == 0
    page = (out / "national.html").read_text(encoding="utf-8")
    assert "La typologie n'est pas disponible" in page.replace("&#x27;", "'")
    assert not list((out / "regions").glob("*.html"))
    assert "Commentaires libres" not in page  # comments are off unless params allow them
    write_params(params, report={"small_cell_treshold": 3})
    with pytest.raises(ParamsError, match="small_cell_treshold"):
        main(["--params", str(params), "--clean", str(report_inputs["clean"]), "--out", str(out)])


@pytest.mark.slow
def test_a_survey_too_small_to_publish_gets_a_notice(report_inputs, tmp_path):
    small = pd.read_parquet(report_inputs["clean"]).head(2)
    small.to_parquet(tmp_path / "clean.parquet")
    render_reports(tmp_path / "clean.parquet", None, None, None, None, tmp_path / "out", 2025,
                   defaults(ReportParams, workers=1))
    page = (tmp_path / "out" / "national.html").read_text(encoding="utf-8")
    assert "Moins de 3 collectivités ont répondu" in page and "<img" not in page
    assert not (tmp_path / "out" / "figures").exists() or not list((tmp_path / "out" / "figures").iterdir())

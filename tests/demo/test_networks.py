"""Files networks and secretaries make, and LimeSurvey's answer codes: each renderer writes what
its docstring says, records what ingest must skip with its cell, and the truth it writes is what
ingest reads (one renderer at a time, on a few collectivités)."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import pytest
from python_calamine import CalamineWorkbook

from pipeline.demo.answers import generate_answers
from pipeline.demo.exports import answer_codes, render_limesurvey_codes
from pipeline.demo.generate import truth_values
from pipeline.demo.models import select_models
from pipeline.demo.networks import (
    CONSOLIDATION_OMITS,
    abbreviate,
    render_consolidation,
    render_option_rows,
    render_reused,
    render_sheets,
    sheet_title,
)
from pipeline.demo.population import generate_population
from pipeline.demo.submissions import Submission
from pipeline.domain.codebook import load_codebook
from pipeline.domain.params import IngestParams, defaults
from pipeline.ingest.files import ingest_workbook
from pipeline.ingest.matching import matcher_for
from pipeline.ingest.readers import read_workbook

CB = load_codebook()
YEAR = 2025


@pytest.fixture(scope="module")
def subs() -> list[Submission]:
    rng = np.random.default_rng(3)
    models = select_models(5)
    people = [c for c in generate_population(rng, 40, models, 0.9) if c.responded][:8]
    return [Submission(c, generate_answers(rng, CB, c, models[k % 5], YEAR)) for k, c in enumerate(people)]


def _read(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return ingest_workbook(read_workbook(path, name, defaults(IngestParams)), CB)


def _check_truth(result, rendered) -> None:
    """Every answered truth cell is what ingest read, row by row (sheet and row as placed)."""
    by_key = {(r["source_sheet"], r["source_row"]): r for r in result.records}
    assert len(by_key) == len(result.records) == len(rendered.placements)
    for p in rendered.placements:
        got = by_key[(p.sheet, p.row)]
        for col, expected in truth_values(CB, p.truth).items():
            if expected is not None:
                assert got.get(col) == pytest.approx(expected) if isinstance(expected, float) else got.get(col) == expected, (p.sheet, col)


def _skipped(result, rendered) -> None:
    """Each thing planted to be skipped is noted by ingest on its sheet and cell."""
    planted = [m for m in rendered.mistakes if m.outcome == "skipped"]
    noted = {(p["sheet"], p["cell"]) for p in result.report["problems"]}
    assert all((m.sheet, m.cell) in noted for m in planted), planted


def test_sheet_titles_are_what_excel_allows():
    used: set[str] = set()
    long = "Communauté de communes du Pays de Saint-Jean-de-Luz [Sud]"
    first, second = sheet_title(long, used), sheet_title(long, used)
    assert len(first) <= 31 and "[" not in first and second != first and len(second) <= 31


def test_abbreviated_options_name_one_option_each():
    matcher = matcher_for(CB)
    rng = np.random.default_rng(0)
    for q in CB:
        if q.type == "multi":
            for m in q.modalities:
                short = abbreviate(m.label, rng)
                assert len(short) <= len(m.label) and matcher.option_slug(q.code, short) == (m.slug, ()), short
    assert abbreviate("Attractivité économique", np.random.default_rng(1)).startswith("Attractivité éco")


def test_a_network_workbook_has_a_sheet_per_collectivite(tmp_path, subs):
    rng = np.random.default_rng(5)
    group = [replace(s, layout="vertical", fmt="xlsx", shape="sheets") for s in subs[:5]]
    rendered = render_sheets(group, "reseau.xlsx", "xlsx", CB, YEAR, rng)
    names = CalamineWorkbook.from_filelike(io.BytesIO(rendered.data)).sheet_names
    assert names[0] == "Sommaire" and [p.sheet for p in rendered.placements] == names[1:6]
    result = _read(tmp_path, "reseau.xlsx", rendered.data)
    assert result.report["status"] == "ingested" and result.report["rows_read"] == 5
    _check_truth(result, rendered)
    _skipped(result, rendered)


def test_a_consolidation_table_reads_back_without_its_totals_and_stale_data(tmp_path, subs):
    rng = np.random.default_rng(7)
    group = [replace(s, layout="horizontal", fmt="xlsx", shape="consolidation", omitted=CONSOLIDATION_OMITS) for s in subs]
    rendered = render_consolidation(group, "conso.xlsx", "xlsx", CB, YEAR, rng)
    kinds = {m.kind for m in rendered.mistakes}
    assert {"summary_row", "hidden_column", "stale_column"} <= kinds
    rows = CalamineWorkbook.from_filelike(io.BytesIO(rendered.data)).get_sheet_by_index(0).to_python()
    assert any(r and r[0] == "Total réseau" for r in rows)
    result = _read(tmp_path, "conso.xlsx", rendered.data)
    assert result.report["rows_read"] == len(group) and result.report["sheets"][0]["blocks"] >= 1
    _check_truth(result, rendered)
    _skipped(result, rendered)
    assert not [p for p in result.report["problems"] if p["severity"] == "error"]


def test_a_secretarys_form_with_option_rows(tmp_path, subs):
    rng = np.random.default_rng(9)
    sub = replace(subs[0], layout="vertical", fmt="xlsx", shape="option_rows")
    rendered = render_option_rows([sub], "fiche.xlsx", "xlsx", CB, YEAR, rng)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(rendered.data)).get_sheet_by_index(0).to_python()
    assert ["Question", "Choix", "Réponse"] in [r[:3] for r in rows]
    result = _read(tmp_path, "fiche.xlsx", rendered.data)
    assert result.report["rows_read"] == 1
    _check_truth(result, rendered)


@pytest.mark.parametrize("layout", ["vertical", "horizontal"])
def test_last_years_file_reused(tmp_path, subs, layout):
    rng = np.random.default_rng(11)
    sub = replace(subs[1], layout=layout, fmt="xlsx", shape="reused")
    rendered = render_reused([sub], "reprise.xlsx", "xlsx", CB, YEAR, rng)
    result = _read(tmp_path, "reprise.xlsx", rendered.data)
    assert result.report["rows_read"] == 1 and result.report["layout"] == layout
    _check_truth(result, rendered)
    _skipped(result, rendered)


@pytest.mark.parametrize("fmt", ["xlsx", "csv_utf8"])
def test_limesurvey_answer_codes(tmp_path, subs, fmt):
    rng = np.random.default_rng(13)
    group = [replace(s, layout="limesurvey", fmt=fmt, shape="answer_codes") for s in subs]
    rendered = render_limesurvey_codes(group, "results.x", fmt, CB, YEAR, rng)
    name = "results.xlsx" if fmt == "xlsx" else "results.csv"
    result = _read(tmp_path, name, rendered.data)
    assert result.report["layout"] == "limesurvey" and result.report["rows_read"] == len(group)
    sheets = {s["sheet"]: s["status"] for s in result.report["sheets"]}
    assert sheets == ({"results": "read", "Codes": "codes"} if fmt == "xlsx" else {"": "read"})
    _check_truth(result, rendered)
    reported = [m for m in rendered.mistakes if m.outcome == "reported"]
    errors = {p["cell"] for p in result.report["problems"] if p["code"] == "undecodable_code"}
    assert {m.cell for m in reported} == errors


def test_answer_codes_follow_limesurveys_convention_unless_reordered():
    plain = answer_codes(CB, np.random.default_rng(1), reordered=False)
    assert plain["A02"]["region"] == "A1" and plain["A02"]["commune"] == "A8" and "C02" not in plain
    reordered = answer_codes(CB, np.random.default_rng(1), reordered=True)
    assert set(reordered["A02"].values()) == {f"AO{k:02d}" for k in range(1, 10)}
    assert reordered["A06"]["01"] == "AO001"

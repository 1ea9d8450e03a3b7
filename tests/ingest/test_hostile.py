"""A hostile wave (tests/hostile.py): every file gets its expected outcome, the good files beside
the hostile ones are read in full, memory and time stay bounded.

The wave is ingested once, by the ingest stage's command in a subprocess (as ``dvc repro``
runs it), whose peak memory is measured. Run with ``-s`` to see the table of outcomes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from conftest import write_params
from support.hostile import HEADER, PARAMS, ROWS, build_corpus, library_names

from pipeline.domain.codebook import load_codebook
from pipeline.domain.params import IngestParams, defaults
from pipeline.ingest.files import ingest_file

ROOT = Path(__file__).resolve().parents[2]
MAX_RSS_MB = 1536  # whole ingest run, worker process included
MAX_SECONDS = 120  # whole corpus (the slow file is cut at PARAMS["max_seconds_per_file"])

# The child runs the stage, then reports the peak memory of its own children (the stage and
# its worker process): RUSAGE_CHILDREN of this test process would include other tests' children.
_RUNNER = textwrap.dedent("""
    import json, resource, subprocess, sys, time
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pipeline.stages.ingest", *sys.argv[1:]], capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"rc": done.returncode, "seconds": seconds, "rss_mb": rss_kb / 1024,
                      "stdout": done.stdout[-2000:], "stderr": done.stderr[-4000:]}))
""")


@pytest.fixture(scope="session")
def hostile_run(tmp_path_factory):
    """(expectations, ingest report, responses, measures) of one run over the corpus."""
    base = tmp_path_factory.mktemp("hostile")
    wave, out = base / "vague", base / "interim"
    expected = build_corpus(wave)
    params = write_params(base / "params.yaml", ingest=PARAMS)
    done = subprocess.run(
        [sys.executable, "-c", _RUNNER, "--params", str(params), "--wave", str(wave), "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    measures = json.loads(done.stdout.strip().splitlines()[-1])
    assert measures["rc"] == 0, measures["stderr"]
    report = json.loads((out / "ingest_report.json").read_text(encoding="utf-8"))
    responses = pd.read_parquet(out / "responses.parquet")
    return expected, report, responses, measures, wave


def _outcome_table(expected, entries) -> str:
    lines = [f"{'fichier':58} {'attendu':9} {'obtenu':9} lignes  message", "-" * 150]
    for e in expected:
        got = entries.get(e.file)
        status = got["status"] if got else "skipped"
        problems = got["problems"] if got else []
        shown = next((p for p in problems if p["code"] == e.code), problems[0] if problems else None)
        message = f"[{shown['code']}] {shown['message_fr']}" if shown else ""
        rows = got["rows_read"] if got else ""
        lines.append(f"{e.file[:58]:58} {e.status:9} {status:9} {rows!s:6}  {message[:160]}")
    return "\n".join(lines)


def _mismatch(e, got) -> str:
    """Why one report entry is not what the corpus expects ('' when it is)."""
    if e.status == "skipped":
        return "listed although it must be skipped" if got else ""
    if got is None:
        return "missing from the report"
    if got["status"] != e.status:
        return f"status {got['status']} instead of {e.status}"
    if e.rows is not None and got["rows_read"] != e.rows:
        return f"{got['rows_read']} rows instead of {e.rows}"
    problems = got["problems"]
    if e.status == "rejected" and not any(p["severity"] == "error" and p["message_fr"] for p in problems):
        return "rejected without a French error message"
    if e.code:
        messages = [p["message_fr"].lower() for p in problems if p["code"] == e.code]
        if not messages:
            return f"no problem {e.code} (got {[p['code'] for p in problems]})"
        missing = [w for w in e.words if not any(w in m for m in messages)]
        if missing:
            return f"message of {e.code} lacks {missing}: {messages[0]}"
        if not all(p["file"] == e.file for p in problems if p["code"] == e.code):
            return f"problem {e.code} does not name the file"
    return ""


def test_corpus_is_large_and_varied(hostile_run):
    expected = hostile_run[0]
    assert len(expected) >= 60
    assert {e.status for e in expected} == {"ingested", "partial", "rejected", "skipped"}
    assert len({e.code for e in expected if e.status == "rejected"}) >= 12


def test_every_file_gets_its_expected_outcome(hostile_run):
    expected, report, _, measures, _ = hostile_run
    entries = {e["file"]: e for e in report["files"]}
    print("\n" + _outcome_table(expected, entries))
    print(f"\n{len(expected)} fichiers ; pic mémoire {measures['rss_mb']:.0f} Mo ; durée {measures['seconds']:.1f} s")
    wrong = {e.file: why for e in expected if (why := _mismatch(e, entries.get(e.file)))}
    assert not wrong, "\n".join(f"{f}: {w}" for f, w in wrong.items())
    listed = {e.file for e in expected if e.status != "skipped"}
    assert set(entries) == listed  # nothing read twice, nothing invented


def test_good_files_beside_hostile_ones_are_read_in_full(hostile_run):
    expected, report, responses, _, wave = hostile_run
    cb = load_codebook()
    read = [e for e in expected if e.status in ("ingested", "partial")]
    assert report["totals"]["rows_read"] == len(responses) == sum(
        e["rows_read"] for e in report["files"])
    for e in read:
        alone = ingest_file(wave / e.file, wave, cb, defaults(IngestParams, **PARAMS))
        in_wave = responses[responses["source_file"] == e.file]
        assert len(in_wave) == len(alone.records), e.file
    # the plain two-answer files: every value, in every format and under every name
    plain = [e.file for e in read if e.what in ("fichier correct", "xlsm correct", "ods correct", "csv correct",
                                                 "dossier et nom accentués, espaces", "nom avec emoji", "dossier imbriqué",
                                                 "csv UTF-16 avec BOM, tabulations", "csv Windows-1252", "csv UTF-8 avec BOM",
                                                 "feuille masquée « Listes » plus riche", "feuille « très masquée »",
                                                 "classeur Excel Mobile (parties en UTF-16)")]
    assert len(plain) == 13
    for f in plain:
        got = responses[responses["source_file"] == f].sort_values("source_row")
        assert got["A01"].tolist() == [ROWS[0][0], ROWS[1][0]], f
        assert got["A02"].tolist() == ["Commune", "Département"], f
        assert got["A07"].tolist() == [49000.0, 191000.0], f
        assert got["C01"].tolist() == [12500.0, 250000.0], f
        assert got["A14"].tolist() == ["2025-03-04", "2025-03-04"], f  # date as text and as Excel serial
        assert got["B03__jumelage"].tolist() == [True, False] and got["B03__ecsi"].tolist() == [True, False], f
    assert HEADER[0] == "A01"


def test_hidden_sheets_and_rows(hostile_run):
    _, report, responses, _, _ = hostile_run
    entries = {e["file"]: e for e in report["files"]}
    assert entries["feuilles/listes_masquee.xlsx"]["sheet"] == "Réponses"
    assert entries["feuilles/tres_masquee.xlsx"]["sheet"] == "Réponses"
    # a hidden sheet is no answer while visible ones hold answers: listed as skipped, noted
    sheets = {s["sheet"]: s for s in entries["feuilles/tres_masquee.xlsx"]["sheets"]}
    assert sheets["Données"]["status"] == "skipped" and sheets["Données"]["reason"] == "hidden"
    assert [p["sheet"] for p in entries["feuilles/tres_masquee.xlsx"]["problems"] if p["code"] == "hidden_sheet_skipped"] == ["Données"]
    hidden_row = responses[responses["source_file"] == "feuilles/lignes_masquees.xlsx"]
    assert hidden_row["source_row"].tolist() == [2]  # a hidden row is no answer while visible ones are
    only_hidden = responses[responses["source_file"] == "feuilles/reponses_seulement_masquees.xlsx"]
    assert len(only_hidden) == 2  # ...unless nothing visible holds answers


def test_merged_headers_formulas_and_odd_csv_values(hostile_run):
    _, _, responses, _, _ = hostile_run
    by_file = {f: g for f, g in responses.groupby("source_file")}
    merged = by_file["entetes/fusionnees.xlsx"].iloc[0]
    assert merged["A01"] == "Ville de Rodez" and merged["B03__jumelage"] and merged["B03__ecsi"]
    assert not merged["B03__coop_decentralisee"] if "B03__coop_decentralisee" in merged else True
    formulas = by_file["valeurs/formules_sans_valeur.xlsx"].iloc[0]
    assert pd.isna(formulas["A07"]) and pd.isna(formulas["C01"])  # no cached value: missing, not 0
    free_text = by_file["valeurs/formule_texte_libre.xlsx"].iloc[0]
    # free text keeps the formula's words (neutralised when written to xlsx/csv); a number stays missing
    assert free_text["A01"] == '="Ville de "&"Figeac"' and free_text["F05"] == '="Merci, "&"à l\'an prochain"'
    assert pd.isna(free_text["A07"])
    mixed = by_file["csv/separateurs_melanges.csv"].sort_values("source_row")
    assert mixed["C01"].tolist() == [1234.5, 12500.0]
    assert mixed["A07"].tolist() == [522250.0, 4500.0]
    assert mixed["A14"].tolist() == ["2025-03-04", "2025-03-04"]
    nul = by_file["csv/octets_nuls.csv"].sort_values("source_row")
    assert nul["A01"].tolist()[0] == "Ville d'Albi"
    control = by_file["csv/controles.csv"].iloc[0]
    assert control["A01"] == "Ville de Nîmes[31m"
    long = by_file["csv/cellule_1_mo.csv"].iloc[0]
    assert long["A01"] == "Ville de Pau"


def test_no_message_names_a_library_or_an_exception(hostile_run):
    _, report, _, _, _ = hostile_run
    named = {(e["file"], p["message_fr"]) for e in report["files"] for p in e["problems"] if library_names(p["message_fr"])}
    assert not named, "\n".join(f"{f}: {m}" for f, m in sorted(named))
    assert sum(len(e["problems"]) for e in report["files"]) > 60  # the scan saw the whole corpus


def test_memory_and_time_stay_bounded(hostile_run):
    _, _, _, measures, _ = hostile_run
    assert measures["rss_mb"] < MAX_RSS_MB
    assert measures["seconds"] < MAX_SECONDS

"""End to end on the demo wave: ingest recovers what the generator planted, file by file."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from pipeline.demo import generate as demo  # noqa: E402
from pipeline.demo.mistakes import SKIPPED_KINDS
from pipeline.domain.codebook import load_codebook
from pipeline.domain.params import DemoParams, defaults
from pipeline.ingest.wave import ingest_wave

CB = load_codebook()


@pytest.fixture(scope="module")
def wave(tmp_path_factory):
    base = tmp_path_factory.mktemp("demo")
    params = defaults(DemoParams, seed=20251127, n_collectivites=250)
    demo.generate_wave(params, 2025, base / "raw", base / "truth")
    frame, report = ingest_wave(base / "raw", CB)
    truth = pd.read_parquet(base / "truth" / "truth.parquet")
    manifest = json.loads((base / "truth" / "manifest.json").read_text(encoding="utf-8"))
    return frame, report, truth, manifest


def _key(file, sheet, row):
    return (file, sheet, None if pd.isna(row) else int(row))


def _same(expected, got) -> bool:
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        return got is None or pd.isna(got)
    if got is None or pd.isna(got):
        return False
    if isinstance(expected, float):
        return abs(float(got) - expected) <= 1e-9 * max(1.0, abs(expected))
    return got == expected


def test_every_layout_of_the_wave_is_present(wave):
    _, report, _, manifest = wave
    layouts = {f["layout"] for f in manifest["files"]} - {"broken"}
    assert {"template_horizontal", "template_vertical", "limesurvey", "kobo", "forms"} <= layouts
    got = {f["layout"] for f in report["files"] if f["status"] != "rejected"}
    assert layouts <= got


def test_broken_files_rejected_and_readable_files_read_whole(wave):
    _, report, _, manifest = wave
    by_file = {f["file"]: f for f in report["files"]}
    assert set(by_file) == {f["file"] for f in manifest["files"]}
    reported_cells = {(m["file"], m["sheet"], m["cell"]) for m in manifest["mistakes"] if m["outcome"] == "reported"}
    for entry in manifest["files"]:
        got = by_file[entry["file"]]
        if entry["expected_status"] == "rejected":
            assert got["status"] == "rejected", entry["file"]
            assert got["problems"][0]["message_fr"]
            continue
        assert got["rows_read"] == entry["n_respondents"], entry["file"]
        assert (got["layout"], got["format"]) == (entry["layout"], entry["format"]), entry["file"]
        errors = [p for p in got["problems"] if p["severity"] == "error"]
        # the only errors are the mistakes the generator planted to be reported
        assert {(p["file"], p["sheet"], p["cell"]) for p in errors} <= reported_cells, errors
        assert got["status"] == ("partial" if errors else "ingested"), entry["file"]


def test_answered_truth_cells_recovered(wave):
    frame, _, truth, _ = wave
    index = {_key(f, s, r): i for i, (f, s, r) in enumerate(zip(frame["source_file"], frame["source_sheet"], frame["source_row"]))}
    missing = [k for k in (_key(f, s, r) for f, s, r in zip(truth["source_file"], truth["source_sheet"], truth["source_row"])) if k not in index]
    assert not missing, missing[:5]
    total = ok = 0
    wrong = []
    for t in truth.itertuples(index=False):
        row = index[_key(t.source_file, t.source_sheet, t.source_row)]
        for col in CB.columns:
            expected = getattr(t, col)
            if expected is None or pd.isna(expected):
                continue
            total += 1
            got = frame[col].iat[row]
            expected = float(expected) if isinstance(expected, (int, float)) and not isinstance(expected, bool) else expected
            if _same(bool(expected) if isinstance(expected, bool) else expected, got):
                ok += 1
            else:
                wrong.append((t.source_file, col, expected, got))
    assert total > 10_000
    assert ok / total >= 0.995, wrong[:10]


def test_each_way_files_are_made_is_read_whole(wave):
    """Per way of making files (the questionnaire's layouts, survey tools, and the files networks
    and secretaries make): answered cells recovered, no collectivité lost or invented."""
    frame, _, truth, manifest = wave
    shape = {f["file"]: f["shape"] or f["layout"] for f in manifest["files"]}
    index: dict[tuple, list[int]] = {}
    for i, k in enumerate(zip(frame["source_file"], frame["source_sheet"], frame["source_row"])):
        index.setdefault(_key(*k), []).append(i)
    stats: dict[str, list[int]] = {}
    for t in truth.itertuples(index=False):
        st = stats.setdefault(shape[t.source_file], [0, 0, 0, 0])  # answered, recovered, lost, invented
        rows = index.get(_key(t.source_file, t.source_sheet, t.source_row), [])
        if len(rows) != 1:
            st[2] += 1
            continue
        for col in CB.columns:
            expected = getattr(t, col)
            if expected is None or pd.isna(expected):
                continue
            st[0] += 1
            expected = float(expected) if isinstance(expected, (int, float)) and not isinstance(expected, bool) else expected
            st[1] += _same(bool(expected) if isinstance(expected, bool) else expected, frame[col].iat[rows[0]])
    known = {_key(*k) for k in zip(truth["source_file"], truth["source_sheet"], truth["source_row"])}
    for k, rows in index.items():
        if k not in known:
            stats.setdefault(shape.get(k[0], "?"), [0, 0, 0, 0])[3] += len(rows)
    print("\n" + "\n".join(f"{s:20s} {a:6d} cellules répondues, {ok:6d} lues ({ok / max(a, 1):.2%}), "
                           f"{lost} collectivité(s) perdue(s), {inv} inventée(s)" for s, (a, ok, lost, inv) in sorted(stats.items())))
    assert {"sheets", "consolidation", "option_rows", "reused", "answer_codes"} <= set(stats)
    for s, (answered, ok, lost, invented) in stats.items():
        assert answered and ok / answered >= 0.995, s
        assert lost == 0 and invented == 0, s


# what ingest notes on a cell it must not read (hidden, stale or summary data), by planted kind
_SKIPPED_CODES = {"hidden_row": {"hidden_row_skipped"}, "summary_row": {"summary_row"},
                  "hidden_column": {"hidden_column_skipped"}, "stale_column": {"stale_column"},
                  "hidden_sheet": {"hidden_sheet_skipped"}}


def test_every_planted_mistake_corrected_or_reported(wave):
    frame, report, _, manifest = wave
    by_file = {f["file"]: f for f in report["files"]}
    cells_of = {}
    for i, (f, s, c) in enumerate(zip(frame["source_file"], frame["source_sheet"], frame["source_cells"])):
        for column, cell in json.loads(c).items():
            cells_of[(f, s, column, cell)] = i
    failures = []
    for m in manifest["mistakes"]:
        if m["outcome"] == "flagged":  # for the clean stage (checksums, exclusivity...)
            continue
        entry = by_file[m["file"]]
        if m["outcome"] == "skipped":  # not an answer: noted where it is, never read
            codes = {p["code"] for p in entry["problems"] if p["sheet"] == m["sheet"] and p["cell"] == m["cell"]}
            if not codes & _SKIPPED_CODES[m["kind"]]:
                failures.append(m)
            continue
        if m["outcome"] == "reported":
            if not any(p["sheet"] == m["sheet"] and p["cell"] == m["cell"] for p in entry["problems"]):
                failures.append(m)
            continue
        if m["kind"] == "label_variant":  # a header (or question cell) written differently
            if m["expected"] not in entry["mapped"].values():
                failures.append(m)
            continue
        row = cells_of.get((m["file"], m["sheet"], m["column"], m["cell"]))
        if row is None or not _same(m["expected"], frame[m["column"]].iat[row]):
            failures.append(m)
    assert not failures, failures[:5]
    assert {m["kind"] for m in manifest["mistakes"] if m["outcome"] == "skipped"} == set(SKIPPED_KINDS) == set(_SKIPPED_CODES)


def test_every_sheet_is_listed_with_what_became_of_it(wave):
    _, report, _, manifest = wave
    packed = [f["file"] for f in manifest["files"] if f["shape"] == "sheets"]
    assert packed
    for entry in report["files"]:
        if entry["status"] == "rejected" and not entry["sheets"]:
            continue  # unreadable file: no sheet to list
        statuses = {s["status"] for s in entry["sheets"]}
        assert statuses <= {"read", "codes", "skipped", "not_read"}
        assert sum(s["rows_read"] for s in entry["sheets"]) == entry["rows_read"], entry["file"]
    for f in packed:
        entry = next(e for e in report["files"] if e["file"] == f)
        read = [s for s in entry["sheets"] if s["status"] == "read"]
        assert len(read) == entry["rows_read"] > 1 and all(s["rows_read"] == 1 for s in read)
        assert entry["sheets"][0]["sheet"] == "Sommaire" and entry["sheets"][0]["status"] == "skipped"
    coded = [e for e in report["files"] if any(s["status"] == "codes" for s in e["sheets"])]
    assert coded and all(e["layout"] == "limesurvey" for e in coded)

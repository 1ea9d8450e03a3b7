"""The demo waves: deterministic, every layout and format, truth and manifest agree with the files."""

import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import write_params
from openpyxl.utils.cell import coordinate_to_tuple
from python_calamine import CalamineWorkbook

from pipeline.common.identifiers import siren_is_valid
from pipeline.demo.generate import Manifest, generate_wave, generate_waves
from pipeline.demo.layouts import LAYOUTS, SHAPES
from pipeline.demo.mistakes import FLAG_KINDS, QUARANTINE_KINDS, SHAPE_KINDS, SKIPPED_KINDS, VALUE_KINDS, raw_text
from pipeline.demo.models import planted
from pipeline.domain.codebook import load_codebook
from pipeline.domain.params import DemoParams, defaults
from pipeline.questionnaire import ANSWER_SHEET
from pipeline.stages.demo import main

YEAR = 2025
SMALL = defaults(DemoParams, seed=8, n_collectivites=60)
ENCODINGS = {"csv_utf8": "utf-8", "csv_utf8_bom": "utf-8-sig", "csv_cp1252": "cp1252"}


@pytest.fixture(scope="module")
def wave(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Manifest]:
    root = tmp_path_factory.mktemp("demo")
    manifest = generate_wave(SMALL, YEAR, root / "raw", root / "truth")
    return root / "raw", root / "truth", manifest


@pytest.fixture(scope="module")
def truth(wave) -> pd.DataFrame:
    return pd.read_parquet(wave[1] / "truth.parquet")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _sheet_rows(path: Path, fmt: str, sheet: str, layout: str = "") -> list[list[object]]:
    """Rows of a returned file as a network officer's tools read them (calamine or csv)."""
    if fmt in ENCODINGS:
        text = path.read_bytes().decode(ENCODINGS[fmt])
        sep = ";" if layout in ("kobo", "horizontal") else ","
        return [list(r) for r in csv.reader(io.StringIO(text), delimiter=sep)]
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def _cell(ref: str) -> tuple[int, int]:
    """'B12' -> (11, 1), 0-based."""
    row, col = coordinate_to_tuple(ref)
    return row - 1, col - 1


def test_same_seed_gives_the_same_bytes_and_truth(wave, tmp_path):
    raw, truth_dir, _ = wave
    generate_wave(SMALL, YEAR, tmp_path / "raw", tmp_path / "truth")
    assert _files(tmp_path / "raw") == _files(raw)
    assert _files(tmp_path / "truth") == _files(truth_dir)


def test_same_bytes_in_another_process_with_another_hash_seed(wave, tmp_path):
    """Set and dict orders change with PYTHONHASHSEED: the files must not."""
    import os
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from pipeline.demo.generate import generate_wave; "
            "from pipeline.domain.params import DemoParams, defaults; "
            f"generate_wave(defaults(DemoParams, seed={SMALL.seed}, n_collectivites={SMALL.n_collectivites}), {YEAR}, "
            "Path(sys.argv[1]), Path(sys.argv[2]))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "raw"), str(tmp_path / "truth")], check=True, env=env,
                   cwd=Path(__file__).resolve().parents[2])
    assert _files(tmp_path / "raw") == _files(wave[0])
    assert _files(tmp_path / "truth") == _files(wave[1])


def test_another_seed_gives_another_wave(wave, tmp_path):
    generate_wave(defaults(DemoParams, seed=8, n_collectivites=30), YEAR, tmp_path / "raw", tmp_path / "truth")
    assert _files(tmp_path / "raw") != _files(wave[0])


def test_every_layout_and_format_is_present(wave):
    raw, _, manifest = wave
    assert {f.layout for f in manifest.files} == set(LAYOUTS)
    assert {"xlsx", "xlsm", "ods", "csv_utf8", "csv_utf8_bom", "csv_cp1252", "xls"} <= {f.format for f in manifest.files}
    assert any(not f.file.isascii() and "/" in f.file for f in manifest.files)
    assert sorted(_files(raw)) == sorted(f.file for f in manifest.files)
    broken = [f for f in manifest.files if f.layout == "broken"]
    assert len(broken) == SMALL.unreadable_files
    assert all(f.expected_status == "rejected" and f.n_respondents == 0 for f in broken)
    online = [f for f in manifest.files if f.layout in ("limesurvey", "kobo", "forms")]
    assert max(f.n_respondents for f in online) > 1
    # a network officer compiled several questionnaires into one file, a row each
    assert any(f.layout == "template_horizontal" and f.n_respondents > 1 for f in manifest.files)
    # files made otherwise: by networks, secretaries, from last year's file, with answer codes
    assert {f.shape for f in manifest.files} == set(SHAPES)
    assert all(f.n_respondents > 1 for f in manifest.files if f.shape in ("sheets", "consolidation"))


def test_files_with_unreadable_cells_are_partial(wave):
    _, _, manifest = wave
    reported = {m.file for m in manifest.mistakes if m.outcome == "reported"}
    assert reported
    for f in manifest.files:
        if f.layout != "broken":
            assert f.expected_status == ("partial" if f.file in reported else "ingested"), f


def test_broken_files_cannot_be_read(wave):
    raw, _, manifest = wave
    for f in manifest.files:
        if f.layout != "broken":
            continue
        data = (raw / f.file).read_bytes()
        if f.format == "csv_utf8":
            assert data == b""
        else:
            with pytest.raises(Exception):
                CalamineWorkbook.from_path(str(raw / f.file)).get_sheet_by_index(0).to_python()


def test_truth_has_one_row_per_written_response(wave, truth):
    _, _, manifest = wave
    cb = load_codebook()
    assert list(truth.columns) == ["collectivite_id", "model", "is_correction", "source_file", "source_sheet",
                                   "source_row", *cb.columns]
    counts = truth.groupby("source_file").size().to_dict()
    expected = {f.file: f.n_respondents for f in manifest.files if f.n_respondents}
    assert counts == expected
    broken = {f.file for f in manifest.files if f.layout == "broken"}
    assert not broken & set(truth["source_file"])
    assert truth["is_correction"].sum() >= 1
    twice = truth[truth["collectivite_id"].duplicated(keep=False)]
    assert len(twice) >= 2 and twice.groupby("collectivite_id")["is_correction"].sum().eq(1).all()
    assert str(truth["source_row"].dtype) == "Int64"
    assert truth["B03__jumelage"].dtype == "boolean" and truth["C01"].dtype == "float64"
    population = pd.read_parquet(wave[1] / "collectivites.parquet")
    assert set(truth["collectivite_id"]) <= set(population.loc[population["responded"], "collectivite_id"])
    assert (population["type"] == "commune").mean() > 0.5


def test_truth_rows_match_the_cells_of_one_row_layouts(wave, truth):
    """For code-headed layouts, the truth row is where the file says (template horizontal)."""
    raw, _, manifest = wave
    cb = load_codebook()
    cols = {c: i for i, c in enumerate(cb.columns)}
    for f in manifest.files:
        if f.layout != "template_horizontal" or f.format == "ods":
            continue
        row = truth[truth["source_file"] == f.file].iloc[0]
        cells = _sheet_rows(raw / f.file, f.format, ANSWER_SHEET)[int(row["source_row"]) - 1]
        assert cells[cols["A01"]] == row["A01"]
        assert cells[cols["A03"]] == row["A03"]
        if pd.notna(row["B03__jumelage"]):
            assert cells[cols["B03__jumelage"]] == ("Oui" if row["B03__jumelage"] else "Non")


def test_manifest_cells_hold_the_raw_values(wave):
    raw, _, manifest = wave
    formats = {f.file: f.format for f in manifest.files}
    layouts = {f.file: f.layout for f in manifest.files}
    assert {m.kind for m in manifest.mistakes} >= set(VALUE_KINDS) | set(FLAG_KINDS) | {"label_variant"}
    cache: dict[tuple[str, str], list[list[object]]] = {}
    for m in manifest.mistakes:
        if not m.cell:  # a whole sheet (hidden last year's copy)
            assert m.kind == "hidden_sheet" and m.sheet in CalamineWorkbook.from_path(str(raw / m.file)).sheet_names
            continue
        key = (m.file, m.sheet)
        if key not in cache:
            cache[key] = _sheet_rows(raw / m.file, formats[m.file], m.sheet, layouts[m.file])
        r, c = _cell(m.cell)
        assert raw_text(cache[key][r][c]) == m.raw, m
    outcomes = {m.kind: m.outcome for m in manifest.mistakes}
    assert outcomes["not_a_number"] == "reported" and outcomes["money_format"] == "corrected"
    assert {outcomes[k] for k in SHAPE_KINDS} == {"reported", "corrected"}
    skipped = {k for k in outcomes if outcomes[k] == "skipped"}
    assert skipped <= set(SKIPPED_KINDS) and len(skipped) >= 4  # a hidden copy of a sheet is not in every wave
    assert all(outcomes[k] == ("quarantined" if k in QUARANTINE_KINDS else "flagged") for k in FLAG_KINDS)


def test_corrected_and_reported_mistakes_match_the_truth(wave, truth):
    _, _, manifest = wave
    cb = load_codebook()
    for m in manifest.mistakes:
        if m.kind in ("label_variant",) or m.outcome in ("flagged", "quarantined", "skipped"):
            continue
        rows = _rows_of(truth, m)
        value = rows.iloc[0][m.column]
        if m.expected is None:
            assert pd.isna(value), m
        elif cb[m.column].type == "number":
            assert value == pytest.approx(m.expected), m
        else:
            assert value == m.expected, m


def _rows_of(truth: pd.DataFrame, m) -> pd.DataFrame:  # noqa: ANN001 (a Mistake)
    """The truth row a mistake's cell belongs to: its file and sheet, and its row when the sheet has several."""
    rows = truth[(truth["source_file"] == m.file) & (truth["source_sheet"] == m.sheet)]
    if len(rows) > 1:
        rows = rows[rows["source_row"] == _cell(m.cell)[0] + 1]
    return rows


def _flagged_rows(truth: pd.DataFrame, manifest: Manifest) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {k: set() for k in FLAG_KINDS}
    for m in manifest.mistakes:
        if m.outcome not in ("flagged", "quarantined"):
            continue
        out[m.kind] |= set(_rows_of(truth, m).index)
    return out


def test_answers_are_consistent_except_planted_inconsistencies(wave, truth):
    cb = load_codebook()
    flagged = _flagged_rows(truth, wave[2])
    assert all(flagged[k] for k in FLAG_KINDS)
    b03 = {m.label: f"B03__{m.slug}" for m in cb["B03"].modalities}
    f01 = list(cb["F01"].columns)
    others = [c for c in cb["C03"].columns if c != "C03__aucun"]
    for i, row in truth.iterrows():
        if pd.notna(row["B04"]) and i not in flagged["main_action_not_ticked"]:
            assert row[b03[row["B04"]]] is True
        if row["C03__aucun"] is True and i not in flagged["aucun_not_exclusive"]:
            assert not row[others].any()
        if i not in flagged["too_many_obstacles"]:
            assert row[f01].fillna(False).sum() <= 3
        if pd.notna(row["A03"]) and i not in flagged["bad_siren_checksum"]:
            assert siren_is_valid(row["A03"]), row["A03"]
        if i not in flagged["out_of_range"]:
            assert pd.isna(row["D02"]) or row["D02"] <= 500
        if pd.notna(row["B01"]) and row["B01"] == "Non, jamais":
            assert not row[list(b03.values())].fillna(False).any()
    assert truth.loc[sorted(flagged["too_many_obstacles"]), f01].fillna(False).sum(axis=1).gt(3).all()


def test_special_comments_and_personal_data_are_planted(wave, truth):
    comments = set(truth["F05"].dropna())
    assert any("<script>alert(1)</script>" in c for c in comments)
    assert any(c.startswith("=HYPERLINK(") for c in comments)
    emails = truth["A12"].dropna()
    assert emails.str.fullmatch(r"[a-z\-]+\.[a-z\-]+@[a-z]+-[a-z0-9\-]+\.fr").all()


@pytest.mark.slow
def test_main_writes_the_two_waves(tmp_path, capsys):
    params = write_params(tmp_path / "params.yaml", survey={"year": 2024, "reference_year": 2024},
                          demo={"seed": 5, "n_collectivites": 25, "unreadable_files": 2})
    assert main(["--params", str(params), "--out", str(tmp_path / "raw"), "--truth", str(tmp_path / "truth")]) == 0
    # a first survey (reference year = year): the demo's reference wave is the year before
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == ["2023", "2024"]
    manifest = json.loads((tmp_path / "truth" / "2024" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["year"] == 2024 and manifest["seed"] == 5
    assert set(manifest["mistakes"][0]) == {"file", "sheet", "cell", "column", "kind", "raw", "expected", "outcome"}
    assert "demo 2023:" in capsys.readouterr().out
    # a second run replaces the previous waves instead of piling files up
    assert main(["--params", str(params), "--out", str(tmp_path / "raw"), "--truth", str(tmp_path / "truth")]) == 0
    assert len(_files(tmp_path / "raw" / "2024")) == len(manifest["files"])


@pytest.fixture(scope="module")
def two_waves(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("demo2")
    generate_waves(defaults(DemoParams, seed=11, n_collectivites=150), 2024, 2025, root / "raw", root / "truth")
    return root / "raw", root / "truth"


def test_reference_wave_is_the_one_year_wave(two_waves, tmp_path):
    raw, truth_dir = two_waves
    generate_wave(defaults(DemoParams, seed=11, n_collectivites=150), 2024, tmp_path / "raw", tmp_path / "truth")
    assert _files(tmp_path / "raw") == _files(raw / "2024")
    assert _files(tmp_path / "truth") == _files(truth_dir / "2024")


def test_second_wave_is_a_realistic_panel(two_waves):
    raw, truth_dir = two_waves
    pop = {y: pd.read_parquet(truth_dir / str(y) / "collectivites.parquet").set_index("collectivite_id")
           for y in (2024, 2025)}
    a, b = pop[2024], pop[2025]
    assert list(a.index) == list(b.index) and (a["siren"] == b["siren"]).all()
    panel, new, gone = (a.responded & b.responded).sum(), (~a.responded & b.responded).sum(), (a.responded & ~b.responded).sum()
    assert panel > 0.75 * a.responded.sum() and new > 5 and gone > 5
    # the growing model gains members, nobody leaves it
    grow = "Solidarité et ECSI"
    assert (b[b.responded]["model"] == grow).sum() > 1.2 * (a[a.responded]["model"] == grow).sum()
    assert not ((a["model"] == grow) & (b["model"] != grow)).any()
    # panel members who kept their model: budgets drift from last year's, they are not drawn afresh
    truth = {y: pd.read_parquet(truth_dir / str(y) / "truth.parquet").query("~is_correction")
             .drop_duplicates("collectivite_id", keep="last").set_index("collectivite_id") for y in (2024, 2025)}
    kept = [i for i in a.index[a.responded & b.responded & (a["model"] == b["model"])]
            if i in truth[2024].index and i in truth[2025].index]
    before, after = truth[2024].loc[kept, "C01"], truth[2025].loc[kept, "C01"]
    ok = (before > 0) & (after > 0)
    assert np.corrcoef(np.log(before[ok]), np.log(after[ok]))[0, 1] > 0.8
    assert (before[ok] != after[ok]).mean() > 0.5
    assert set(truth[2025]["A14"].str[:4]) == {"2025"}


def test_waves_must_follow_each_other(tmp_path):
    with pytest.raises(ValueError):
        generate_waves(SMALL, 2025, 2025, tmp_path / "raw", tmp_path / "truth")
    with pytest.raises(ValueError, match="growing_model"):
        generate_waves(defaults(DemoParams, seed=1, n_collectivites=20, growing_model="inconnu"), 2024, 2025,
                       tmp_path / "raw", tmp_path / "truth")


@pytest.mark.parametrize("n_models", [2, 6])
def test_small_waves_with_other_model_counts(tmp_path, n_models):
    params = defaults(DemoParams, seed=n_models, n_collectivites=20, n_models=n_models, unreadable_files=1)
    manifest = generate_wave(params, YEAR, tmp_path / "raw", tmp_path / "truth")
    truth = pd.read_parquet(tmp_path / "truth" / "truth.parquet")
    assert len(truth) == sum(f.n_respondents for f in manifest.files)
    assert set(truth["model"]) <= {m.name for m in planted().models[:n_models]}
    assert truth["model"].nunique() >= 2

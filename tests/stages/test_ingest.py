"""Stage ``ingest``: the params block read through the typed loader, two outputs written deterministically."""

from __future__ import annotations

import json

import pandas as pd
from conftest import write_params
from support.spreadsheets import write_xlsx

from pipeline.domain.params import IngestParams, defaults
from pipeline.stages.ingest import main


def test_stage_writes_typed_parquet_and_deterministic_report(tmp_path, capsys):
    wave = tmp_path / "wave"
    wave.mkdir()
    write_xlsx(wave / "a.xlsx", {"R": [["A01", "A02", "B03__jumelage", "C01"], ["Ville de Dax", "Commune", "Oui", "1 000"]]})
    params = write_params(tmp_path / "params.yaml", ingest={"fuzzy_threshold": 90, "max_header_scan_rows": 20})
    out = tmp_path / "out"
    assert main(["--params", str(params), "--wave", str(wave), "--out", str(out)]) == 0
    assert "1 intégré(s)" in capsys.readouterr().out
    df = pd.read_parquet(out / "responses.parquet")
    assert str(df["B03__jumelage"].dtype) == "boolean" and df["C01"].dtype == "float64"
    assert str(df["source_row"].dtype) == "Int64" and df["source_row"][0] == 2
    first = (out / "ingest_report.json").read_text(encoding="utf-8")
    main(["--params", str(params), "--wave", str(wave), "--out", str(out)])
    assert (out / "ingest_report.json").read_text(encoding="utf-8") == first
    assert json.loads(first)["files"][0]["mapped"]["B03__jumelage"] == "B03__jumelage"


def test_params_block_is_typed():
    p = defaults(IngestParams)
    assert p.fuzzy_threshold == 88.0 and p.max_header_scan_rows == 30

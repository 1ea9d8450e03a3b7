"""What the report reads: publishable columns only, the typology as its stages write it."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from support.reporting import read_inputs

from pipeline.reporting.inputs import (
    NO_TYPOLOGY,
    InputsError,
    list_scopes,
    read_clean,
    read_evolutions,
    read_json,
    read_typology,
)
from pipeline.typology.metrics import MetricsError


def test_clean_is_read_without_identifiers_provenance_or_comments(report_inputs):
    df = read_clean(report_inputs["clean"], allow_comments=False)
    for never in ("A01", "A03", "A04", "A14", "F05", "source_file", "source_sheet", "flag_budget_atypique"):
        assert never not in df, never
    for shown in ("response_id", "A02", "B03__jumelage", "C01", "C01_classe", "strate_population", "rrma",
                  "rrma_slug", "budget_par_habitant"):
        assert shown in df, shown
    assert "F05" in read_clean(report_inputs["clean"], allow_comments=True)


def test_typology_is_read_with_its_known_columns(report_inputs):
    typo = read_typology(report_inputs["typology"], report_inputs["typology_description"],
                         report_inputs["typology_metrics"])
    assert typo.available and typo.types.index.name == "response_id"
    assert typo.types["nom"].iloc[0].startswith(f"{typo.types['type'].iloc[0]}. ")
    assert list(typo.coords.columns) == ["F1", "F2", "F3", "F4", "F5"]
    assert {"column", "value", "v_test", "mod_cla", "global", "count"} <= set(typo.description.columns)
    assert typo.metrics.inertia[:2] == [0.12, 0.08] and typo.metrics.stability.verdict[1] == "stable"


def test_no_typology_file_is_no_typology(tmp_path):
    assert read_typology(None, None, None) is NO_TYPOLOGY
    assert read_typology(tmp_path / "absent.parquet", None, None) is NO_TYPOLOGY
    assert not NO_TYPOLOGY.available


def test_a_typology_without_its_description_or_metrics_is_refused(report_inputs, tmp_path):
    with pytest.raises(InputsError, match="relancez l'étape typologie"):
        read_typology(report_inputs["typology"], report_inputs["typology_description"], tmp_path / "absent.json")
    with pytest.raises(InputsError, match="relancez l'étape typologie"):
        read_typology(report_inputs["typology"], None, report_inputs["typology_metrics"])


def test_a_description_in_another_layout_is_refused_not_guessed(report_inputs, tmp_path):
    other = pd.read_parquet(report_inputs["typology_description"]).rename(columns={"v_test": "vtest"})
    other.to_parquet(tmp_path / "description.parquet")
    with pytest.raises(InputsError, match="v_test"):
        read_typology(report_inputs["typology"], tmp_path / "description.parquet", report_inputs["typology_metrics"])


def test_metrics_that_are_not_the_typology_record_are_refused(report_inputs, tmp_path):
    (tmp_path / "typology.json").write_text(json.dumps({"explained_inertia": [12, 8]}), encoding="utf-8")
    with pytest.raises(MetricsError, match="relancez"):
        read_typology(report_inputs["typology"], report_inputs["typology_description"], tmp_path / "typology.json")


def test_evolutions_read_no_name(report_inputs):
    panel = read_evolutions(report_inputs["trends_table"])
    assert list(panel.columns) == ["rrma_slug", "evolution_budget", "evolution_type"]  # not A01
    assert read_evolutions(None).empty


def test_summaries_absent_are_empty_and_broken_ones_fail(tmp_path):
    assert read_json(None) == {} and read_json(tmp_path / "absent.json") == {}
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(ValueError):
        read_json(tmp_path / "broken.json")


def test_inputs_are_read_once_per_kernel(report_inputs):
    assert read_inputs(report_inputs) is read_inputs(report_inputs)
    assert read_inputs(report_inputs) is not read_inputs(report_inputs, allow_comments=False)


def test_scopes_are_the_networks_with_respondents():
    clean = pd.DataFrame({"rrma_slug": ["b", "a", None, "b", ""]})
    assert list_scopes(clean) == ["a", "b"]
    assert list_scopes(pd.DataFrame({"A02": ["Commune"]})) == []

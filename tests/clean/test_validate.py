"""Validation rules: each one with a passing case (the good response) and a failing case."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipeline.clean.checks import RuleParams
from pipeline.clean.validate import (
    blank_responses,
    build_schema,
    cell_of,
    validate_responses,
)
from pipeline.common.identifiers import normalize_insee_series, siren_valid_series
from pipeline.domain.codebook import load_codebook
from pipeline.domain.rules import BLOCKING, RULES, WARNING

CB = load_codebook()
PARAMS = RuleParams(survey_year=2025, budget_per_inhabitant_max={"commune": 100.0, "region": 10.0})

GOOD = {
    "A01": "Ville de Toulouse", "A02": "Commune", "A03": "213105554", "A04": "31555",
    "A05": "Occitanie", "A06": "Haute-Garonne", "A07": 500_000.0, "A08": "Occitanie Coopération",
    "A14": "2025-03-01", "B01": "Oui, actuellement", "B02": 2001.0, "B03__jumelage": True,
    "B03__ecsi": True, "B04": "Jumelage", "B05": 3.0, "C01": 200_000.0, "C03__ficol": True,
    "C03__aucun": False, "D02": 2.0, "F01__budget": True, "F01__personnel": True, "E05__aucun": True,
}


def response(**changes: object) -> pd.DataFrame:
    """One good response with ``changes`` applied (None clears a value)."""
    df = blank_responses(CB, 1)
    values = {**GOOD, **changes}
    for col, v in values.items():
        if isinstance(v, str) and pd.api.types.is_float_dtype(df[col].dtype):
            df[col] = pd.Series([v], dtype=object)
        else:
            df.loc[0, col] = v
    cells = {"A03": "C5", "A04": "D5", "A07": "G5", "B04": "AC5", "C03": "AH5", "F01": "BA5", "B01": "M5"}
    return df.assign(source_cells=json.dumps(cells), source_sheet="Réponses", source_file="collectivite.xlsx")


def codes(df: pd.DataFrame) -> list[str]:
    return sorted(validate_responses(df, CB, PARAMS)["code"].tolist())


def test_good_response_passes_every_rule():
    assert codes(response()) == []


@pytest.mark.parametrize(
    ("rule", "changes"),
    [
        ("bad_type", {"A07": "beaucoup"}),
        ("out_of_range", {"A07": 0.0}),
        ("out_of_range", {"A07": -10.0}),
        ("out_of_range", {"D02": 501.0}),
        ("out_of_range", {"C01": -1.0}),
        ("out_of_range", {"C05": -5.0}),
        ("out_of_range", {"B02": 1900.0}),
        ("out_of_range", {"B02": 2026.0}),
        ("identity_missing", {"A01": None, "A03": None, "A04": None}),
        ("not_integer", {"B05": 2.5}),
        ("unknown_modality", {"A02": "Machin"}),
        ("main_action_not_ticked", {"B04": "Rayonnement culturel"}),
        ("actions_but_never", {"B01": "Non, jamais"}),
        ("aucun_not_exclusive", {"C03__aucun": True}),
        ("aucun_not_exclusive", {"D05__aucun": True, "D05__gip": True}),
        ("aucun_not_exclusive", {"E04__aucun": True, "E04__cuf": True}),
        ("aucun_not_exclusive", {"E05__formation": True}),
        ("too_many_obstacles", {"F01__portage": True, "F01__securite": True}),
        ("budget_per_inhabitant_implausible", {"C01": 60_000_000.0}),
        ("bad_siren_format", {"A03": "12345"}),
        ("bad_siren_checksum", {"A03": "213105555"}),
        ("bad_insee_format", {"A04": "3155X"}),
        ("bad_date", {"A14": "le 3 mars"}),
    ],
)
def test_rule_fails(rule, changes):
    found = codes(response(**changes))
    assert found == [rule]


@pytest.mark.parametrize(
    "changes",
    [
        {"B02": 2025.0},                    # survey year itself is allowed
        {"B02": 1945.0},
        {"D02": 500.0},
        {"D02": 0.5},
        {"C01": 0.0},
        {"A03": "213 105 554"},             # typed with spaces
        {"A04": "2A004"},                    # Corsica
        {"A04": "97411"},                    # overseas commune
        {"A04": "31"},                       # département
        {"A03": None, "A04": None},          # a name is enough to identify
        {"B04": None},                       # no main action given
        {"A02": "Région", "C01": 50_000.0, "A07": 10_000.0},  # 5 €/inhabitant: plausible for a région
        {"A02": "Syndicat ou autre groupement", "C01": 60_000_000.0},  # no threshold for this type
        {"F01__portage": True},              # exactly 3 obstacles
        {"B01": "Non, jamais", "B03__jumelage": False, "B03__ecsi": False, "B04": None},
    ],
)
def test_rule_passes(changes):
    assert codes(response(**changes)) == []


def test_every_rule_has_severity_and_french_fix():
    for rule in RULES.values():
        assert rule.severity in (BLOCKING, WARNING)
        assert rule.fix_fr and rule.title_fr
    assert RULES["out_of_range"].severity == BLOCKING
    assert RULES["main_action_not_ticked"].severity == WARNING


def test_issue_carries_file_sheet_cell_and_how_to_fix():
    issues = validate_responses(response(A07=-3.0, B04="Rayonnement culturel", C03__aucun=True), CB, PARAMS)
    by_code = {r.code: r for r in issues.itertuples()}
    a07 = by_code["out_of_range"]
    assert (a07.file, a07.sheet, a07.cell, a07.column, a07.value) == ("collectivite.xlsx", "Réponses", "G5", "A07", "-3")
    assert a07.severity == "error"
    assert "Comment corriger" in a07.message_fr and "A07" in a07.message_fr
    assert by_code["main_action_not_ticked"].cell == "AC5"
    assert by_code["aucun_not_exclusive"].cell == "AH5"  # multi-select in one cell: the question's cell
    assert "FICOL (AFD), Aucun" in by_code["aucun_not_exclusive"].message_fr


def test_lazy_validation_collects_every_failure_of_every_row():
    df = pd.concat([response(A07=-1.0), response(D02=900.0, B05=1.5), response()], ignore_index=True)
    df = df.assign(response_id=["r1", "r2", "r3"])
    issues = validate_responses(df, CB, PARAMS)
    assert sorted(zip(issues["response_id"], issues["code"])) == [
        ("r1", "out_of_range"), ("r2", "not_integer"), ("r2", "out_of_range")
    ]


def test_schema_is_generated_from_the_codebook():
    schema = build_schema(CB, PARAMS)
    assert set(CB.columns) <= set(schema.columns)
    assert "main_action_not_ticked" in {c.name for c in schema.checks}


def test_helpers():
    s = pd.Series(["213105554", "213105555", "12", None], dtype="string")
    assert siren_valid_series(s).tolist() == [True, False, pd.NA, pd.NA]
    assert normalize_insee_series(pd.Series(["1053", " 2a004 ", None])).tolist() == ["01053", "2A004", pd.NA]
    assert cell_of('{"B03": "K5"}', "B03__ecsi") == "K5"
    assert cell_of('{"C03__ficol": "BD5", "C03__aucun": "BF5"}', "C03__aucun") == "BF5"
    assert cell_of('{"F01__budget": "CN5", "F01__portage": "CP5"}', "F01") == "CN5"
    assert cell_of(None, "A01") == "" and cell_of("not json", "A01") == ""

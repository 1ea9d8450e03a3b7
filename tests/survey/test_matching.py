"""Respondents matched to the frame: SIREN, INSEE code with the declared type, name and département."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.domain.codebook import load_codebook
from pipeline.domain.params import CleanParams, defaults
from pipeline.survey.frame import load_frame, margin_table
from pipeline.survey.matching import match_respondents, name_key


@pytest.fixture(scope="module")
def frame():
    return load_frame("pipeline/domain/reference/collectivites.csv.gz", defaults(CleanParams).strate_population)


def _clean(rows):
    cols = ["response_id", "A01", "A02", "A03", "A04", "departement_code", "region_code"]
    return pd.DataFrame([dict(zip(cols, r)) for r in rows], columns=cols).astype("string")


def test_frame_counts_types_and_networks(frame):
    assert len(frame) == 36_242
    assert frame["type"].value_counts().to_dict() == {
        "commune": 34_875, "cc": 989, "ca": 230, "departement": 95, "metropole": 22, "region": 14, "cu": 14,
        "statut_particulier": 3}
    assert frame["siren"].is_unique and frame["rrma_slug"].notna().all() and frame["taille"].notna().all()
    assert frame.loc[frame["code"] == "76", "name"].tolist() == ["Région Occitanie", "Département de la Seine-Maritime"]


def test_each_rule_in_turn(frame):
    clean = _clean([
        ("r1", "Ville de Lyon", "Commune", "216 901 231", None, "69", "84"),                 # SIREN
        ("r2", "Région Occitanie", "Région", None, "76", None, "76"),                         # INSEE + type
        ("r3", "Département de la Seine-Maritime", "Département", None, "76", "76", "28"),  # same code
        ("r4", "Communauté de communes Faucigny-Glières", "Communauté de communes", None, None, "74", "84"),
        ("r5", "Conseil départemental du Bas-Rhin", "Département", None, "67", "67", "44"),  # Alsace
        ("r6", "Commune de Saint-Martin-de-Nulle-Part", "Commune", None, None, "01", "84"),
        ("r7", "Syndicat des eaux", "Syndicat ou autre groupement", "253512345", None, "35", "53"),
        ("r8", "Ville de Lyon", "Commune", None, "69123", "69", "84"),                      # r1 again
        ("r9", "Mairie de Bourg en Bresse", "Commune", None, None, "01", "84"),              # name only
    ])
    matched, unmatched = match_respondents(clean, frame, load_codebook())
    by_id = matched.set_index("response_id")
    assert by_id.loc["r1", ["siren", "match"]].tolist() == ["216901231", "siren"]
    assert by_id.loc["r2", "siren"] == "200053791" and by_id.loc["r2", "match"] == "insee"
    assert by_id.loc["r3", "siren"] == "227605409"
    assert by_id.loc["r4", ["siren", "type"]].tolist() == ["200000172", "cc"]
    assert by_id.loc["r5", "siren"] == "200094332"
    assert by_id.loc["r9", "match"] == "nom"
    reasons = unmatched.set_index("response_id")["reason_fr"]
    assert set(reasons.index) == {"r6", "r7", "r8"}
    assert "introuvable dans le département 01" in reasons["r6"]
    assert "syndicats ne sont pas dans la base" in reasons["r7"]
    assert "même collectivité (SIREN 216901231) que la réponse r1" in reasons["r8"]


def test_name_keys_drop_the_words_of_a_kind():
    assert name_key("Communauté de communes du Pays de Faucigny-Glières") == name_key("CC Faucigny - Glières")
    assert name_key("Département de l'Ain") == name_key("Conseil départemental de l'Ain") == "ain"
    assert name_key("Ville de Saint-Étienne") == "saint etienne"


def test_margins_merge_collapsed_categories(frame):
    table = margin_table(frame, ["type", "reseau"], {"type": {"statut_particulier": "region"}})
    assert (table["type"] == "region").sum() == 17 and "statut_particulier" not in set(table["type"])
    assert table["reseau"].equals(frame["rrma_slug"])

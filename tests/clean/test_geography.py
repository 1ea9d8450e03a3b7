"""Offline geography: enrichment from INSEE code / SIREN / declared values, disagreement flags."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from pipeline.clean.geography import (
    GeographyError,
    departement_of_code,
    departement_of_siren,
    enrich_geography,
    fill_declared_geography,
    load_communes,
    load_geography,
)
from pipeline.clean.validate import blank_responses
from pipeline.domain.codebook import load_codebook

CB = load_codebook()
GEO = load_geography()
DEPTS = set(GEO.departements["code"])


def frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    df = blank_responses(CB, len(rows))
    for i, row in enumerate(rows):
        for col, v in row.items():
            df.loc[i, col] = v
    return df


def test_departement_of_insee_and_siren_codes():
    codes = pd.Series(["31555", "2A004", "97411", "75", "971", "99999", None], dtype="string")
    assert departement_of_code(codes, DEPTS).tolist() == ["31", "2A", "974", "75", "971", pd.NA, pd.NA]
    sirens = pd.Series(["213105554", "223200010", "200046977", None], dtype="string")
    assert departement_of_siren(sirens, DEPTS).tolist() == ["31", "32", pd.NA, pd.NA]


def test_enrich_from_insee_siren_declared_and_region_code():
    df = frame([
        {"A02": "Commune", "A04": "31555"},
        {"A02": "Département", "A03": "223200010"},
        {"A02": "Communauté de communes", "A06": "Finistère"},
        {"A02": "Région", "A04": "84"},
        {"A02": "Commune", "A05": "Île-de-France"},
        {"A02": "Commune"},
    ])
    out, issues = enrich_geography(df, CB, GEO)
    assert out["departement_code"].tolist() == ["31", "32", "29", pd.NA, pd.NA, pd.NA]
    assert out["region"].tolist() == [
        "Occitanie", "Occitanie", "Bretagne", "Auvergne-Rhône-Alpes", "Île-de-France", pd.NA
    ]
    assert out["geo_source"].tolist() == ["insee", "siren", "declared", "insee", "declared", pd.NA]
    assert out["rrma"].tolist() == [
        "Occitanie Coopération", "Occitanie Coopération", "Réseau Bretagne Solidaire", "RESACOOP",
        "sans RRMA identifié", pd.NA,
    ]
    assert out["rrma_slug"].iloc[0] == "occitanie-cooperation"
    assert issues.empty
    assert "region" not in df.columns and df["A05"].notna().sum() == 1  # input untouched


def test_declared_values_disagreeing_with_reference_are_flagged():
    df = frame([{"A02": "Commune", "A04": "31555", "A05": "Bretagne", "A06": "Gers", "A08": "RESACOOP"}])
    out, issues = enrich_geography(df, CB, GEO)
    assert sorted(issues["code"]) == ["departement_mismatch", "region_mismatch", "rrma_mismatch"]
    assert set(issues["severity"]) == {"warning"}
    assert "Occitanie" in issues.set_index("code").loc["region_mismatch", "message_fr"]
    # the région's network in rrma.csv wins over the declared one (which is flagged)
    assert out.loc[0, "rrma"] == "Occitanie Coopération" and out.loc[0, "region"] == "Occitanie"


def test_a_region_attached_to_a_new_network_in_rrma_csv_moves_its_respondents():
    rrma = GEO.rrma.copy()
    rrma.loc[rrma["region"] == "76", ["rrma", "rrma_slug"]] = ["Réseau Sud-Ouest", "reseau-sud-ouest"]
    geo = dataclasses.replace(GEO, rrma=rrma)
    df = frame([{"A02": "Commune", "A04": "31555", "A08": "Occitanie Coopération"}, {"A02": "Commune", "A05": "Occitanie"}])
    out, issues = enrich_geography(df, CB, geo)
    assert out["rrma"].tolist() == ["Réseau Sud-Ouest", "Réseau Sud-Ouest"]
    assert out["rrma_slug"].tolist() == ["reseau-sud-ouest", "reseau-sud-ouest"]


def test_unknown_declared_network_falls_back_to_the_region():
    df = frame([{"A02": "Commune", "A04": "35238", "A08": "Réseau inconnu"}, {"A02": "Commune", "A08": "resacoop"}])
    out, issues = enrich_geography(df, CB, GEO)
    assert out["rrma"].tolist() == ["Réseau Bretagne Solidaire", "RESACOOP"]
    assert issues.empty


def test_rrma_derived_from_region_when_a08_empty_and_filled():
    df = frame([{"A02": "Commune", "A04": "35238"}])
    out, _ = enrich_geography(df, CB, GEO)
    filled, counts = fill_declared_geography(out, CB)
    assert filled.loc[0, "A08"] == "Réseau Bretagne Solidaire"
    assert filled.loc[0, "A05"] == "Bretagne" and filled.loc[0, "A06"] == "Ille-et-Vilaine"
    assert counts.to_dict() == {"A05": 1, "A06": 1, "A08": 1}


def test_optional_communes_table_gives_population_and_flags_gap(tmp_path):
    path = tmp_path / "communes.csv"
    path.write_text(
        "code,name,departement,population,vintage\n31555,Toulouse,31,504078,2021\n01053,Bourg-en-Bresse,01,41365,2021\n",
        encoding="utf-8",
    )
    geo = load_geography(path)
    df = frame([
        {"A02": "Commune", "A04": "31555", "A07": 500_000.0},
        {"A02": "Commune", "A04": "01053", "A07": 4_136.0},
    ])
    out, issues = enrich_geography(df, CB, geo, population_tolerance=0.2)
    assert out["population_ref"].tolist() == [504078, 41365]
    assert issues["code"].tolist() == ["population_mismatch"]
    assert issues["response_id"].tolist() == ["r2"]
    assert "41 365" in issues["message_fr"].iloc[0].replace("\u202f", " ")


def test_bad_communes_table_is_reported_in_french(tmp_path):
    path = tmp_path / "communes.csv"
    path.write_text("code,nom\n31555,Toulouse\n", encoding="utf-8")
    with pytest.raises(GeographyError, match="colonne"):
        load_communes(path)


def test_build_communes_script_from_insee_files(tmp_path):
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "build_communes", Path(__file__).resolve().parents[2] / "scripts" / "build_communes.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cog = tmp_path / "v_commune_2025.csv"
    cog.write_text(
        "TYPECOM,COM,REG,DEP,LIBELLE\nCOM,01053,84,01,Bourg-en-Bresse\nCOMD,01015,84,01,Arbignieu\n"
        "COM,2A004,94,2A,Ajaccio\nCOM,97411,04,974,Saint-Denis\n",
        encoding="utf-8",
    )
    pop = tmp_path / "donnees_communes.csv"
    pop.write_text(
        "REG;Région;DEP;CODARR;CODCAN;CODCOM;COM;PMUN;PCAP;PTOT\n"
        "84;ARA;01;1;1;053;Bourg-en-Bresse;41 365;1;1\n94;Corse;2A;1;1;004;Ajaccio;73000;1;1\n"
        "04;Réunion;974;1;1;11;Saint-Denis;153810;1;1\n",
        encoding="utf-8",
    )
    out = tmp_path / "communes.csv.gz"
    assert module.main(["--cog", str(cog), "--population", str(pop), "--vintage", "2022", "--out", str(out)]) == 0
    table = load_communes(out)
    assert table["code"].tolist() == ["01053", "2A004", "97411"]
    assert table["population"].tolist() == [41365, 73000, 153810]
    geo = load_geography(out)
    df = frame([{"A02": "Commune", "A04": "97411", "A07": 150_000.0}])
    enriched, issues = enrich_geography(df, CB, geo)
    assert enriched.loc[0, "population_ref"] == 153810 and issues.empty
    assert enriched.loc[0, "region"] == "La Réunion"


def test_shipped_communes_table_covers_france_with_legal_populations(tmp_path, monkeypatch):
    from pipeline.domain.params import CleanParams, defaults

    shipped = defaults(CleanParams).communes  # as params.yaml sets it, relative to the project
    monkeypatch.chdir(tmp_path)  # outside the project folder: the packaged copy is used
    geo = load_geography(shipped)
    communes = geo.communes.set_index("code")
    assert len(communes) > 34_000
    assert communes.loc["31555", "name"] == "Toulouse" and communes.loc["31555", "population"] > 400_000
    assert communes.loc["2A004", "departement"] == "2A" and communes.loc["97411", "departement"] == "974"
    assert set(communes["departement"]) <= DEPTS
    out, issues = enrich_geography(frame([{"A02": "Commune", "A04": "31555", "A07": 5_000.0}]), CB, geo, population_tolerance=0.2)
    assert out["region"].iloc[0] == "Occitanie" and out["population_vintage"].iloc[0] == "COG 2026"
    assert issues["code"].tolist() == ["population_mismatch"]


def test_commune_found_from_its_siren_when_the_insee_code_is_missing():
    geo = load_geography("pipeline/domain/reference/communes.csv.gz")
    out, issues = enrich_geography(frame([{"A02": "Commune", "A03": "213 105 554", "A07": 504_000.0}]), CB, geo,
                                   population_tolerance=0.2)
    assert out["departement"].iloc[0] == "Haute-Garonne" and out["population_ref"].iloc[0] > 400_000
    assert issues.empty

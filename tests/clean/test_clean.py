"""Clean stage: normalisation, derived variables, dedup, quarantine, reconciliation, outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from pipeline.clean.dedup import deduplicate
from pipeline.clean.derive import bin_values
from pipeline.clean.normalize import normalize_modalities
from pipeline.clean.outputs import write_outputs
from pipeline.clean.quality import ReconciliationError, reconcile
from pipeline.clean.recipe import clean_responses
from pipeline.clean.validate import blank_responses
from pipeline.common.safe_text import neutralize
from pipeline.domain.codebook import load_codebook
from pipeline.domain.params import Bins, CleanParams, DemoParams, load_block
from pipeline.stages import ingest as ingest_stage
from pipeline.stages.clean import main

CB = load_codebook()
PII = ("A10", "A12", "A13")  # the questionnaire's personal data (name, e-mail, phone of the respondent)
ROOT = Path(__file__).resolve().parents[2]
PARAMS = load_block(CleanParams, ROOT / "params.yaml")

GOOD = {
    "A01": "Ville de Toulouse", "A02": "Commune", "A03": "213105554", "A04": "31555",
    "A07": 500_000.0, "A10": "Jeanne Martin", "A12": "jeanne.martin@example.org", "A13": "05 61 00 00 00",
    "A14": "2025-03-01", "B01": "Oui, actuellement", "B03__jumelage": True, "B04": "Jumelage",
    "B05": 3.0, "C01": 200_000.0, "D02": 2.0,
}


def frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    df = blank_responses(CB, len(rows))
    for i, row in enumerate(rows):
        for col, v in {**GOOD, **row}.items():
            df.loc[i, col] = v
    return df


def run(df: pd.DataFrame, report: dict | None = None):
    return clean_responses(df, CB, PARAMS, 2025, ingest_report=report)


def test_modality_variants_become_canonical_and_are_logged():
    df = frame([
        {"A02": "commune", "B01": "oui actuellement", "A09": "NSP", "A11": "?"},
        {"A02": "CC", "B01": "Oui", "F03": "en hausse"},
        {"A02": "Comunauté de communes", "A11": "Chargée de mission"},
        {"A02": "Bidule"},
    ])
    out, log = normalize_modalities(df, CB)
    assert out["A02"].tolist() == ["Commune", "Communauté de communes", "Communauté de communes", "Bidule"]
    assert out["B01"].tolist()[:2] == ["Oui, actuellement", "Oui, actuellement"]
    assert out.loc[0, "A09"] == "Ne sait pas"  # a modality of A09, not a no-answer
    assert pd.isna(out.loc[0, "A11"]) and out.loc[1, "F03"] == "Hausse"
    assert out.loc[2, "A11"] == "Chargé·e de mission"
    assert set(log["kind"]) == {"modality_normalized", "no_answer_blanked"}
    assert df.loc[0, "A02"] == "commune"  # the argument is not mutated


def test_unknown_modality_is_flagged_and_blanked():
    res = run(frame([{"A02": "Bidule"}]))
    assert res.clean.loc[0, "flag_unknown_modality"]
    assert pd.isna(res.clean.loc[0, "A02"])
    assert "Bidule" in res.clean.loc[0, "alertes"]
    assert res.quality["corrections"]["unknown_modality_blanked"] == 1


def test_bins_french_labels_edges_and_missing():
    bins = Bins(edges=[10_000, 50_000], labels=["Moins de 10 k€", "10 à 50 k€", "50 k€ et plus"])
    out = bin_values(pd.Series([0.0, 9_999.0, 10_000.0, 60_000.0, None]), bins)
    assert out.astype(object).tolist()[:4] == ["Moins de 10 k€", "Moins de 10 k€", "10 à 50 k€", "50 k€ et plus"]
    assert pd.isna(out.iloc[4]) and out.cat.ordered


def test_derived_variables():
    res = run(frame([{}, {"A03": "223200010", "A04": None, "A01": "Gers", "A02": "Département",
                          "A07": None, "C01": None, "B05": None, "D02": 0.5}]))
    c = res.clean.set_index("A01")
    assert c.loc["Ville de Toulouse", "budget_par_habitant"] == 0.4
    assert c.loc["Ville de Toulouse", "strate_population"] == "200 000 à 1 million d'habitants"
    assert c.loc["Ville de Toulouse", "C01_classe"] == "200 k€ à 1 M€"
    assert c.loc["Ville de Toulouse", "B05_classe"] == "3 à 5 partenariats"
    assert c.loc["Gers", "D02_classe"] == "0,5 à 1 ETP"
    assert pd.isna(c.loc["Gers", "budget_par_habitant"]) and pd.isna(c.loc["Gers", "C01_classe"])
    assert c.loc["Ville de Toulouse", "rrma"] == "Occitanie Coopération"
    assert c.loc["Gers", "rrma_slug"] == "occitanie-cooperation"


def test_dedup_keeps_latest_complete_answer_and_logs_both_sources():
    df = frame([
        {"A14": "2025-02-01", "C01": 100_000.0},                    # first answer
        {"A01": "Autre commune", "A03": "223200010", "A04": "32"},  # another collectivité
        {"A14": "2025-04-01", "C01": 150_000.0},                    # correction, later
        {"A14": "2025-04-01", "C01": 150_000.0, "D02": None},       # same date, less complete
    ]).assign(source_file=["a.xlsx", "a.xlsx", "b.xlsx", "c.xlsx"], source_sheet="Réponses")
    kept, log = deduplicate(df, CB)
    assert kept["response_id"].tolist() == ["r2", "r3"]
    assert sorted(log["dropped_response_id"]) == ["r1", "r4"]
    assert set(log["kept_response_id"]) == {"r3"}
    row = log.set_index("dropped_response_id").loc["r1"]
    assert (row["kept_file"], row["dropped_file"], row["kept_sheet"]) == ("b.xlsx", "a.xlsx", "Réponses")
    assert row["kept_row"] == 4 and row["dropped_row"] == 2
    assert "même SIREN" in row["reason_fr"]


def test_dedup_falls_back_to_insee_then_name_and_joins_rows_without_siren():
    df = frame([
        {"A03": None, "A14": "2025-01-01"},
        {"A03": None, "A14": "2025-02-01"},                          # same INSEE code
        {"A03": "213105554", "A04": None, "A14": "2025-03-01"},      # same name + SIREN only
        {"A01": "Commune de Saint-Jean", "A03": None, "A04": None, "departement_code": "31"},
        {"A01": "COMMUNE DE SAINT JEAN", "A03": None, "A04": None, "departement_code": "31"},
        {"A01": "Commune de Saint-Jean", "A03": None, "A04": None, "departement_code": "64"},
    ])
    kept, log = deduplicate(df, CB)
    # rows 1-2 share the INSEE code but only row 3 has the SIREN: they are joined by the name key
    assert "r3" in kept["response_id"].tolist()
    assert {"r1", "r2"} <= set(log["dropped_response_id"])
    # same name in the same département -> one; another département -> another collectivité
    assert "r6" in kept["response_id"].tolist()
    assert len(kept) + len(log) == len(df)


def test_blocking_rows_go_to_quarantine_with_french_reasons_and_places():
    df = frame([{}, {"A01": "Ville de Lyon", "A03": None, "A04": "69123", "A07": -5.0}]).assign(
        source_cells=[json.dumps({}), json.dumps({"A07": "G7"})]
    )
    res = run(df)
    assert res.clean["A01"].tolist() == ["Ville de Toulouse"]
    q = res.quarantine.iloc[0]
    assert q["A01"] == "Ville de Lyon" and q["codes_motifs"] == "out_of_range"
    assert "feuille « Réponses », cellule G7" in q["motifs"] and "Comment corriger" in q["motifs"]


def test_warnings_stay_in_clean_as_flags():
    res = run(frame([{"B04": "Rayonnement culturel", "C03__aucun": True, "C03__ficol": True}]))
    row = res.clean.iloc[0]
    assert row["flag_main_action_not_ticked"] and row["flag_aucun_not_exclusive"]
    assert not row["flag_too_many_obstacles"]
    assert "Action principale non cochée" in row["alertes"]
    assert res.quality["warnings"] == {"aucun_not_exclusive": 1, "main_action_not_ticked": 1}


def test_reconciliation_per_file_and_failure_is_loud():
    df = frame([{}, {"A14": "2025-05-01"}, {"A07": -1.0, "A01": "X", "A03": None, "A04": None}]).assign(
        source_file=["a.xlsx", "b.xlsx", "b.xlsx"]
    )
    res = run(df, {"files": [{"file": "a.xlsx", "status": "ingested"},
                             {"file": "b.xlsx", "status": "partial", "problems": [{"code": "bad_number"}]},
                             {"file": "c.xlsx", "status": "rejected"}]})
    table = res.reconciliation.set_index("file")
    assert table.loc["a.xlsx"].to_dict() == {"rows_in": 1, "clean": 0, "quarantined": 0, "duplicates": 1, "ok": True}
    assert table.loc["b.xlsx", "rows_in"] == 2 and table.loc["b.xlsx", "quarantined"] == 1
    assert res.quality["files"] == {"received": 3, "ingested": 1, "partial": 1, "rejected": 1}
    assert res.quality["ingest_problems"] == {"bad_number": 1}
    assert (res.quality["rows_read"], res.quality["clean"], res.quality["quarantined"], res.quality["duplicates"]) == (3, 1, 1, 1)
    with pytest.raises(ReconciliationError):
        reconcile(df, res.clean.iloc[:0], res.quarantine, res.duplicates)


def test_no_pii_in_clean_outputs(tmp_path):
    res = run(frame([{}, {"A07": -1.0}]))
    write_outputs(res, tmp_path, CB)
    for name in ("clean", "quarantine", "duplicates", "issues", "corrections"):
        table = pd.read_parquet(tmp_path / f"{name}.parquet")
        assert not set(PII) & set(table.columns), name
        text = table.astype(str).to_string()
        assert "Jeanne" not in text and "example.org" not in text and "05 61" not in text
    contacts = pd.read_parquet(tmp_path / "restricted" / "contacts.parquet")
    assert list(contacts.columns) == ["response_id", *PII] and len(contacts) == 2
    ws = load_workbook(tmp_path / "clean.xlsx").active
    values = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert not any("Jeanne" in v or "example.org" in v for v in values)
    quality = json.loads((tmp_path / "quality.json").read_text(encoding="utf-8"))
    assert quality["quarantined"] == 1


def test_contact_details_in_free_text_stay_in_restricted_only(tmp_path):
    comment = "Écrivez à paul.durand@mairie-albi.fr ou au +33 6 12 34 56 78, voir www.albi-jumelage.fr"
    towns = [("Ville d'Albi", "81004"), ("Ville de Toulouse", "31555"), ("Ville de Montpellier", "34172")]
    texts = [comment, "Très bon réseau, 06.11.22.33.44", "RAS"]
    res = run(frame([{"A01": n, "A03": None, "A04": c, "A07": None, "F05": f} for (n, c), f in zip(towns, texts)]))
    write_outputs(res, tmp_path, CB)
    clean = pd.read_parquet(tmp_path / "clean.parquet").sort_values("response_id")["F05"]
    assert clean.iloc[0] == "Écrivez à [courriel masqué] ou au [téléphone masqué], voir [adresse web masquée]"
    assert clean.iloc[1] == "Très bon réseau, [téléphone masqué]" and clean.iloc[2] == "RAS"
    for name in ("clean", "quarantine", "duplicates", "issues", "corrections"):
        text = pd.read_parquet(tmp_path / f"{name}.parquet").astype(str).to_string()
        assert "paul.durand" not in text and "12 34 56" not in text and "albi-jumelage" not in text, name
    cells = [str(c.value) for row in load_workbook(tmp_path / "clean.xlsx").active.iter_rows() for c in row]
    assert not any("paul.durand" in v or "06.11.22" in v for v in cells)
    contacts = pd.read_parquet(tmp_path / "restricted" / "contacts.parquet").set_index("response_id")
    assert contacts["F05_texte_original"].dropna().tolist() == [comment, "Très bon réseau, 06.11.22.33.44"]
    assert json.loads((tmp_path / "quality.json").read_text(encoding="utf-8"))["contact_details_removed"] == 2


def test_formula_injection_neutralised_in_clean_xlsx(tmp_path):
    evil = ["=HYPERLINK(\"http://x\")", "+1+2", "-3+4", "@SUM(A1)", "\tcmd1", "\rcmd2"]
    df = frame([{"A01": name, "A03": None, "A04": None, "F05": name} for name in evil])
    res = run(df)
    write_outputs(res, tmp_path, CB)
    ws = load_workbook(tmp_path / "clean.xlsx").active
    headers = [c.value for c in ws[1]]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    col = headers.index("A01 Nom de la collectivité") + 1
    cells = [ws.cell(row=r, column=col) for r in range(2, ws.max_row + 1)]
    assert len(cells) == len(evil)
    for cell in cells:
        assert cell.data_type == "s"  # text, never a formula
        assert cell.value.startswith("'")
    assert neutralize("Ville") == "Ville" and neutralize("=1") == "'=1" and neutralize(-1.0) == -1.0


def test_main_writes_every_output(tmp_path):
    responses = frame([{}, {"A07": -1.0}])
    responses.to_parquet(tmp_path / "responses.parquet", index=False)
    (tmp_path / "ingest_report.json").write_text(json.dumps({"files": [{"file": "reponses.xlsx", "status": "ingested"}]}))
    out = tmp_path / "processed"
    assert main(["--params", str(ROOT / "params.yaml"), "--responses", str(tmp_path / "responses.parquet"),
                 "--report", str(tmp_path / "ingest_report.json"), "--out", str(out)]) == 0
    for name in ("clean.parquet", "clean.xlsx", "quarantine.parquet", "duplicates.parquet", "quality.json",
                 "restricted/contacts.parquet"):
        assert (out / name).is_file(), name
    assert pd.read_parquet(out / "clean.parquet")["strate_population"].dtype == "category"


# --- the demo wave (generated, ingested and cleaned once for the module) -------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from pipeline.demo import generate as demo_mod
    root = tmp_path_factory.mktemp("demo")
    params = str(ROOT / "params.yaml")
    # one wave of the demo (its stage writes two, a year apart)
    demo_mod.generate_wave(load_block(DemoParams, params), 2025, root / "raw", root / "truth")
    assert ingest_stage.main(["--params", params, "--wave", str(root / "raw"), "--out", str(root / "interim")]) == 0
    assert main(["--params", params, "--responses", str(root / "interim" / "responses.parquet"),
                 "--report", str(root / "interim" / "ingest_report.json"), "--out", str(root / "processed")]) == 0
    return root


def _row_of(cell: str) -> int | None:
    digits = "".join(ch for ch in cell.split(":")[0] if ch.isdigit())
    return int(digits) if digits else None


def test_demo_flagged_mistakes_land_on_the_right_row(demo):
    manifest = json.loads((demo / "truth" / "manifest.json").read_text(encoding="utf-8"))
    flagged = [m for m in manifest["mistakes"] if m["outcome"] in ("flagged", "quarantined")]
    assert {m["outcome"] for m in flagged} == {"flagged", "quarantined"}
    responses = pd.read_parquet(demo / "interim" / "responses.parquet")
    issues = pd.read_parquet(demo / "processed" / "issues.parquet")
    clean = pd.read_parquet(demo / "processed" / "clean.parquet").set_index("response_id")
    quarantine = pd.read_parquet(demo / "processed" / "quarantine.parquet").set_index("response_id")
    duplicates = pd.read_parquet(demo / "processed" / "duplicates.parquet").set_index("dropped_response_id")
    for m in flagged:
        in_file = responses[responses["source_file"] == m["file"]]
        row = _row_of(m["cell"])
        rows = in_file[in_file["source_row"].isna() | (in_file["source_row"] == row)]
        ids = set(rows["response_id"])
        hit = issues[issues["response_id"].isin(ids) & (issues["code"] == m["kind"])]
        assert len(hit) >= 1, m
        for rid in hit["response_id"]:
            if m["outcome"] == "quarantined":
                assert rid in quarantine.index or rid in duplicates.index, m
            elif rid in clean.index:
                assert clean.loc[rid, f"flag_{m['kind']}"], m
            else:
                assert rid in quarantine.index or rid in duplicates.index, m


def test_demo_duplicates_deduplicated_and_corrections_win(demo):
    truth = pd.read_parquet(demo / "truth" / "truth.parquet")
    clean = pd.read_parquet(demo / "processed" / "clean.parquet")
    duplicates = pd.read_parquet(demo / "processed" / "duplicates.parquet")
    corrections = truth[truth["is_correction"]]
    assert len(corrections) > 0
    kept_files = set(clean["source_file"])
    for _, c in corrections.iterrows():
        assert c["source_file"] in kept_files, c["source_file"]
        assert c["source_file"] in set(duplicates["kept_file"])
    # one clean row per collectivité (a network's workbook holds one per sheet: the sheet is part of the key)
    ids = truth.set_index(["source_file", "source_sheet", "source_row"])["collectivite_id"]
    keys = list(zip(clean["source_file"], clean["source_sheet"], clean["source_row"].astype("Int64")))
    known = [ids.get(k) for k in keys if k in ids.index]
    assert len(known) == len(set(known))
    quality = json.loads((demo / "processed" / "quality.json").read_text(encoding="utf-8"))
    assert all(r["ok"] for r in quality["reconciliation"])
    assert quality["duplicates"] == len(duplicates) >= len(corrections)


def test_demo_no_personal_data_outside_restricted(demo):
    truth = pd.read_parquet(demo / "truth" / "truth.parquet")
    secrets = {str(v) for c in PII for v in truth[c].dropna() if len(str(v)) >= 6}
    assert secrets
    processed = demo / "processed"
    checked = 0
    for path in processed.rglob("*"):
        if not path.is_file() or "restricted" in path.relative_to(processed).parts:
            continue
        if path.suffix == ".parquet":
            text = pd.read_parquet(path).astype(str).to_csv()
        elif path.suffix == ".xlsx":
            wb = load_workbook(path, read_only=True)
            text = "\n".join(str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v is not None)
        else:
            text = path.read_text(encoding="utf-8")
        leaked = [s for s in secrets if s in text]
        assert not leaked, (path.name, leaked[:3])
        checked += 1
    assert checked >= 6
    contacts = pd.read_parquet(processed / "restricted" / "contacts.parquet")
    assert set(contacts["A12"].dropna()) & secrets


# --- property: whatever the rows, every row is accounted for once ------------------------------

_IDENTITIES = [
    {"A01": "Ville de Toulouse", "A03": "213105554", "A04": "31555"},
    {"A01": "Département du Gers", "A02": "Département", "A03": "223200010", "A04": "32"},
    {"A01": "Ville de Toulouse", "A03": None, "A04": "31555"},
    {"A01": "Commune de Saint-Jean", "A03": None, "A04": None},
]

_row = st.fixed_dictionaries({
    "identity": st.integers(0, len(_IDENTITIES) - 1),
    "A14": st.sampled_from([None, "2025-01-15", "2025-03-01", "2025-06-30"]),
    "A07": st.sampled_from([None, -5.0, 0.0, 1_200.0, 500_000.0]),
    "D02": st.sampled_from([None, 0.5, 2.0, 900.0]),
    "C03__aucun": st.booleans(),
    "file": st.sampled_from(["a.xlsx", "b.csv", "c.ods"]),
})


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_row, min_size=1, max_size=8))
def test_every_row_is_clean_quarantined_or_duplicate(rows):
    df = frame([
        {**_IDENTITIES[r["identity"]], "A14": r["A14"], "A07": r["A07"], "D02": r["D02"], "C03__aucun": r["C03__aucun"]}
        for r in rows
    ]).assign(source_file=[r["file"] for r in rows])
    res = run(df)
    assert len(res.clean) + len(res.quarantine) + len(res.duplicates) == len(df)
    assert set(res.clean["response_id"]).isdisjoint(res.quarantine["response_id"])
    assert set(res.duplicates["dropped_response_id"]).isdisjoint(res.clean["response_id"])
    assert set(res.duplicates["kept_response_id"]) <= set(res.clean["response_id"])
    sirens = res.clean["A03"].dropna()
    assert sirens.is_unique
    blocked = set(res.issues.loc[res.issues["severity"] == "error", "response_id"])
    assert set(res.quarantine["response_id"]) == blocked
    assert not set(PII) & set(res.clean.columns)
    assert int(res.reconciliation["rows_in"].sum()) == len(df)


def test_empty_wave_gives_empty_outputs(tmp_path):
    res = clean_responses(blank_responses(CB, 0), CB, PARAMS, 2025,
                          ingest_report={"files": [{"file": "x.xlsx", "status": "rejected"}]})
    assert (res.quality["rows_read"], res.quality["clean"], res.quality["files"]["rejected"]) == (0, 0, 1)
    write_outputs(res, tmp_path, CB)
    assert pd.read_parquet(tmp_path / "clean.parquet").empty

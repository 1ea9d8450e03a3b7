"""Coverage in the reports: response rates by type and population class, how far the respondents
are from the collectivités, secrecy of the respondents' counts through the publication's plan,
and the method note (estimates published or not)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.domain.params import ReportParams, defaults
from pipeline.reporting.answers import single
from pipeline.reporting.coverage import (
    BY_SIZE,
    BY_TYPE,
    RATE,
    RATE_FRANCE,
    RESPONDENTS,
    Survey,
    SurveyPaths,
    collapse_types,
    coverage,
    estimates,
    gap_sentence,
    method_note,
    network_table,
    size_table,
    type_table,
)
from pipeline.reporting.inputs import NO_TYPOLOGY, Inputs
from pipeline.reporting.render import notebook_parameters
from pipeline.reporting.report import NATIONAL, Report
from pipeline.reporting.secrecy import (
    SECONDARY,
    VISIBLE,
    Plan,
    Protection,
    audit_secrecy,
    plan_secrecy,
)
from pipeline.survey.raking import margins_from_frame, rake
from pipeline.survey.recipe import Calibration, CoverageMetrics

SMALL, BIG = "Moins de 2 000 habitants", "200 000 à 1 million d'habitants"
LABELS = {"region": "Région", "departement": "Département", "commune": "Commune"}


def _coverage() -> pd.DataFrame:
    """Two networks: many small communes, few big collectivités answering far more often."""
    rows = [("Réseau A", "reseau-a", "region", BIG, 1, 1), ("Réseau A", "reseau-a", "departement", BIG, 4, 3),
            ("Réseau A", "reseau-a", "commune", SMALL, 900, 9), ("Réseau A", "reseau-a", "commune", BIG, 2, 0),
            ("Réseau B", "reseau-b", "region", BIG, 1, 1), ("Réseau B", "reseau-b", "departement", BIG, 5, 4),
            ("Réseau B", "reseau-b", "commune", SMALL, 1000, 12)]
    return pd.DataFrame(rows, columns=["rrma", "rrma_slug", "type", "taille", "n_frame", "n_respondents"])


def _clean(cov: pd.DataFrame) -> pd.DataFrame:
    """One clean row per matched respondent of ``cov``, declaring the frame's type."""
    rows = []
    for r in cov.itertuples():
        rows += [{"rrma": r.rrma, "rrma_slug": r.rrma_slug, "A02": LABELS[r.type]}] * int(r.n_respondents)
    return pd.DataFrame(rows).assign(response_id=lambda d: [f"R{i}" for i in range(len(d))])


def _metrics(publish: bool = False, available: bool = True) -> CoverageMetrics:
    return CoverageMetrics(year=2025, frame_vintage="COG 2026", n_clean=32, n_matched=30, n_unmatched=2, n_frame=1913,
                           response_rate=30 / 1913, response_rate_by_type={}, matched_by={"siren": 30},
                           margins=["type", "taille", "reseau"], available=available, publish_estimates=publish,
                           notice=None if available else "Pas de poids de redressement : aucun répondant",
                           raking={"n_respondents": 30, "weight_min": 1.0, "weight_max": 110.0,
                                   "design_effect_kish": 3.5, "effective_sample_size": 8.6})


def _survey(publish: bool = False) -> Survey:
    return Survey(_coverage(), _metrics(publish), 2, None, [SMALL, BIG], LABELS)


def _report(scope: str = NATIONAL, plan=None, collect: bool = False) -> Report:
    inputs = Inputs(_clean(_coverage()), NO_TYPOLOGY, {}, {}, pd.DataFrame(), 2025)
    return Report(inputs, scope, 3, "Enquête test", None, plan=plan, collect=collect)


def test_a_network_s_rates_by_type_beside_france():
    rep, survey = _report("reseau-a"), _survey()
    table = type_table(rep, survey)
    shown = table.display_frame()
    assert list(shown.index) == ["Région", "Département", "Commune"]
    assert shown.loc["Commune", "Collectivités de la base"] == "902" and shown.loc["Commune", RESPONDENTS] == "9"
    assert shown.loc["Commune", RATE] == "1,0" and shown.loc["Département", RATE] == "75,0"
    assert shown.loc["Commune", RATE_FRANCE] == "1,1"  # 21 of 1 902 in France
    # one région answering: its count is « < 3 », its rate masked, the frame's count stays public
    assert shown.loc["Région", RESPONDENTS].startswith("<") and shown.loc["Région", RATE] == "s"
    assert shown.loc["Région", "Collectivités de la base"] == "1"


def test_population_classes_add_up_to_the_types():
    rep, survey = _report("reseau-a"), _survey()
    by_size = size_table(rep, survey)
    assert list(by_size.data.index) == [f"Région · {BIG}", f"Département · {BIG}", f"Commune · {SMALL}",
                                        f"Commune · {BIG}"]
    commune = next(link for link in by_size.links if link["terms"][-1][1] == "Commune")
    assert commune["terms"] == [[BY_SIZE, f"Commune · {SMALL}", RESPONDENTS, 1],
                                [BY_SIZE, f"Commune · {BIG}", RESPONDENTS, 1], [BY_TYPE, "Commune", RESPONDENTS, -1]]
    # the frame's type is not tied to the declared one (A02): a reader cannot know they agree
    assert type_table(rep, survey).links == []
    assert RATE_FRANCE not in by_size.data  # France's type × class table is not published


def test_types_calibrated_together_are_one_row():
    cov = pd.DataFrame([("Réseau A", "reseau-a", "region", BIG, 1, 1),
                        ("Réseau A", "reseau-a", "statut_particulier", BIG, 1, 1)],
                       columns=["rrma", "rrma_slug", "type", "taille", "n_frame", "n_respondents"])
    labels = {**LABELS, "statut_particulier": "Collectivité à statut particulier"}
    merged, names = collapse_types(cov, labels, {"statut_particulier": "region"})
    assert merged[["type", "n_frame", "n_respondents"]].values.tolist() == [["region", 2, 2]]
    assert names["region"] == "Région (avec collectivité à statut particulier)" and "statut_particulier" not in names


def test_the_sentence_says_how_far_respondents_are_from_the_collectivites():
    rep, survey = _report("reseau-a"), _survey()
    sentence = gap_sentence(rep, survey, type_table(rep, survey))
    assert "les communes font 69\u00a0% des répondants, contre 99\u00a0% des collectivités du réseau" in sentence
    assert "de 1,0\u00a0% (commune) à 75,0\u00a0% (département)" in sentence  # the masked région is not quoted


def _answers(rep: Report) -> None:
    """The tables of section 1 the coverage is tied to: types (A02), and nationally the networks' sizes."""
    single(rep, "A02")
    if rep.national:
        single(rep, "rrma")


def _publication() -> tuple[list, dict]:
    """Plan the secrets of France and both networks (coverage and the A02 table), as the report stage does."""
    survey = _survey()
    records = []
    for scope in (NATIONAL, "reseau-a", "reseau-b"):
        rep = _report(scope, collect=True)
        _answers(rep)
        coverage(rep, survey)
        records += rep.records
    return records, {"plan": plan_secrecy(records, Protection(3, 1, 2)), "survey": survey}


def test_respondent_counts_go_through_the_publication_s_secrecy():
    records, run = _publication()
    keys = {(r.scope, r.key) for r in records}
    assert {(NATIONAL, BY_TYPE), ("reseau-a", BY_TYPE), ("reseau-a", BY_SIZE), ("reseau-b", BY_SIZE)} <= keys
    assert (NATIONAL, BY_SIZE) not in keys
    published, tables = [], {}
    for scope in (NATIONAL, "reseau-a", "reseau-b"):
        rep = _report(scope, plan=run["plan"])
        _answers(rep)
        assert "Couverture de l'enquête" in coverage(rep, run["survey"])
        published += rep.records
        tables.update({(scope, t.key): t for t in rep.tables})
    assert not audit_secrecy(published, Protection(3, 1, 2)).disclosed
    for (scope, key), table in tables.items():
        if key in (BY_TYPE, BY_SIZE):
            # no rate is printed whose respondents are masked
            assert (table.secret[RATE] == table.secret[RESPONDENTS]).all(), (scope, key)
    # the one région answering in each network is masked, its rate too, in the table and the detail
    for scope in ("reseau-a", "reseau-b"):
        by_type = tables[(scope, BY_TYPE)].display_frame()
        assert by_type.loc["Région", RESPONDENTS].startswith("<") and by_type.loc["Région", RATE] == "s"
        assert tables[(scope, BY_SIZE)].display_frame().loc[f"Région · {BIG}", RATE] == "s"


def test_the_national_table_by_network_takes_the_report_sizes_statuses():
    _records, run = _publication()
    rep = _report(NATIONAL, plan=run["plan"])
    table = network_table(rep, run["survey"])
    assert not table.secret.to_numpy().any()  # both networks' sizes are public (their reports)
    assert list(table.data.index) == ["Réseau A", "Réseau B", "Ensemble"]
    assert table.display_frame().loc["Ensemble", RESPONDENTS] == "30"
    assert table.display_frame().loc["Réseau B", RATE] == "1,7"  # 17 of 1 006


def test_method_note_says_why_estimates_are_not_published():
    rep = _report()
    note = method_note(rep, _survey(publish=False))
    assert "Estimations redressées non publiées dans cette édition" in note
    assert "le type de collectivité, la classe de population et le réseau régional" in note
    assert "2 réponse(s) sur 32" in note
    assert estimates(rep, _survey(publish=True)) == ""  # no weights loaded: nothing printed
    failed = Survey(_coverage(), _metrics(publish=True, available=False), 2, None, [SMALL, BIG], LABELS)
    assert "aucun répondant" in method_note(rep, failed)


@pytest.mark.parametrize("scope", [NATIONAL, "reseau-a"])
def test_no_survey_no_coverage_section(scope):
    assert coverage(_report(scope), None) == "" and method_note(_report(scope), None) == ""


def test_the_report_stage_gives_the_notebook_the_weights_stage_s_outputs(tmp_path):
    survey = SurveyPaths(Path("params.yaml"), None, Path("data/processed/coverage.parquet"), None,
                         Path("metrics/coverage.json"))
    common = notebook_parameters(2025, defaults(ReportParams), clean=Path("clean.parquet"), out_dir=tmp_path,
                                 survey=survey)
    assert Path(common["coverage_path"]).is_absolute() and common["coverage_path"].endswith("coverage.parquet")
    assert common["weights_path"] == "" and common["unmatched_path"] == ""
    assert "coverage_path" not in notebook_parameters(2025, defaults(ReportParams), clean=Path("c.parquet"),
                                                      out_dir=tmp_path)


def _calibrated_survey() -> tuple[Report, Survey]:
    """Respondents of two types answering at very different rates, D01 « service dédié » far more
    common among the big ones: the calibrated share falls towards the frame's."""
    rows = [("region", "Oui, actuellement", "Direction ou service dédié", 40_000.0)] * 8 \
        + [("region", "Oui, actuellement", "Intégrée à un autre service", 20_000.0)] * 2 \
        + [("commune", "Oui, actuellement", "Intégrée à un autre service", 2_000.0)] * 9 \
        + [("commune", "Non, jamais", "Direction ou service dédié", 1_000.0)] * 1
    clean = pd.DataFrame(rows, columns=["type", "B01", "D01", "C01"]).assign(
        rrma="Réseau A", rrma_slug="reseau-a", A02=lambda d: d["type"].map(LABELS),
        response_id=lambda d: [f"R{i}" for i in range(len(d))])
    frame = pd.DataFrame({"type": ["region"] * 12 + ["commune"] * 988})
    raking = rake(clean[["type"]], margins_from_frame(frame, ["type"]))
    calibration = Calibration(raking, pd.Index(clean["response_id"]))
    survey = Survey(_coverage(), _metrics(publish=True), 0, calibration, [SMALL, BIG], LABELS)
    inputs = Inputs(clean.drop(columns="type"), NO_TYPOLOGY, {}, {}, pd.DataFrame(), 2025)
    return Report(inputs, NATIONAL, 3, "Enquête test", None), survey


def test_calibrated_estimates_beside_the_respondents_shares():
    rep, survey = _calibrated_survey()
    page = estimates(rep, survey)
    row = rep.tables[-1].display_frame().loc["Organisation de l'action internationale : Direction ou service dédié"]
    assert row["Parmi les répondants"] == "45\u00a0%" and row["Répondants"] == "20"  # 9 of 20
    # 8 of 10 régions, 1 of 10 communes: (0.8 × 12 + 0.1 × 988) / 1 000 = 11 % of all collectivités
    assert row["Estimation pour toutes les collectivités"] == "11\u00a0%"
    low, high = row["IC à 95 %"].split(" à ")
    assert low.endswith("%") and high.endswith("%")
    assert "Estimations pour l'ensemble des collectivités" in page
    assert "Intervalles de confiance" in method_note(rep, survey)


def test_an_estimate_is_masked_with_the_count_it_depends_on():
    rep, survey = _calibrated_survey()
    label = "Direction ou service dédié"
    rep.plan = Plan({(NATIONAL, "D01"): {label: [SECONDARY]}, (NATIONAL, "B01"): {"Oui, actuellement": [VISIBLE]},
                     (NATIONAL, "budget_par_type"): {"Ensemble": [VISIBLE]}}, set(), 0, 0.0, 0, 0)
    estimates(rep, survey)
    shown = rep.tables[-1].display_frame()
    row = shown.loc[f"Organisation de l'action internationale : {label}"]
    assert list(row) == ["s", "20", "s", "s"]
    assert shown.loc["La collectivité mène-t-elle des actions à l'international ? : Oui, actuellement",
                     "Parmi les répondants"] == "95\u00a0%"


def test_a_network_with_fewer_matched_respondents_than_the_threshold_says_so():
    cov = pd.concat([_coverage(), pd.DataFrame([("Réseau C", "reseau-c", "region", BIG, 1, 1),
                                                ("Réseau C", "reseau-c", "commune", SMALL, 30, 1)],
                                               columns=_coverage().columns)])
    inputs = Inputs(pd.concat([_clean(cov), pd.DataFrame({"rrma": ["Réseau C"], "rrma_slug": ["reseau-c"],
                                                          "A02": ["Syndicat ou autre groupement"],
                                                          "response_id": ["S1"]})]),
                    NO_TYPOLOGY, {}, {}, pd.DataFrame(), 2025)
    rep = Report(inputs, "reseau-c", 3, "Enquête test", None)  # 3 respondents, 2 found in the frame
    page = coverage(rep, Survey(cov, _metrics(), 1, None, [SMALL, BIG], LABELS))
    assert "moins de 3 d&#x27;entre elles ont répondu" in page and "2 d&#x27;entre elles" not in page
    assert "couverture non détaillée" in page

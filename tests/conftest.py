"""Shared fixture: a small synthetic set of report inputs, shaped like the real stage outputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import settings


from pipeline.domain.codebook import load_codebook
from pipeline.domain.reference import read_reference
from pipeline.domain.params import ReportParams, defaults
from pipeline.typology.metrics import Selection, Stability, TypologyMetrics

# Planted values the reports must never show.
PLANTED_EMAIL = "jeanne.planted@example.org"
PLANTED_PHONE = "06 12 34 56 78"
PLANTED_NAME = "Jeanne Plantée-Secrète"
PLANTED_SCRIPT = "<script>alert('acter')</script>"
# Executed, these would mark the page (tests/test_browser.py looks for data-xss in Chromium's DOM).
XSS_SCRIPT = "<script>document.documentElement.setAttribute('data-xss','script')</script>"
XSS_IMG = "<img src=x onerror=\"document.documentElement.setAttribute('data-xss','img')\">"
TINY_TYPE = "Syndicat ou autre groupement"  # planted with 2 respondents
TINY_REGION = "Guadeloupe"  # its network (Karib Horizon) gets 2 respondents
NETWORK = "reseau-bretagne-solidaire"
TINY_NETWORK = "karib-horizon"


# Property tests draw the same examples on every run: a CI run never fails on a case no earlier
# run saw (and never spends minutes shrinking one). `--hypothesis-profile=explore` draws new ones.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", print_blob=True)
settings.load_profile("ci")

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FACTOMINER_SETS = ("complete", "with_missing")


def factominer_case(name: str) -> tuple[pd.DataFrame, dict, dict]:
    """(survey, FactoMineR's outputs, extra outputs) of one reference set of tests/fixtures/factominer."""
    folder = FIXTURES / "factominer" / name
    X = pd.read_csv(folder / "survey.csv", dtype=str).set_index("id")
    X["population"] = X["population"].astype(float)
    ref = json.loads((folder / "factominer.json").read_text(encoding="utf-8"))
    extra = json.loads((folder / "factominer_extra.json").read_text(encoding="utf-8"))
    return X, ref, extra


def write_params(path: Path, **blocks: dict) -> Path:
    """A params.yaml at ``path``: the project's, with the keys of ``blocks`` changed (a test's settings)."""
    import yaml

    data = yaml.safe_load((Path(__file__).resolve().parents[1] / "params.yaml").read_text(encoding="utf-8"))
    for name, values in blocks.items():
        data[name] = {**data.get(name, {}), **values}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def input_paths(folder: Path) -> dict[str, Path]:
    """Where :func:`make_report_inputs` writes each report input in ``folder``."""
    return {
        "clean": folder / "clean.parquet",
        "typology": folder / "typology.parquet",
        "typology_description": folder / "typology_description.parquet",
        "typology_metrics": folder / "typology.json",
        "quality": folder / "quality.json",
        "trends": folder / "trends.json",
        "trends_table": folder / "trends.parquet",
    }


def make_report_inputs(folder: Path, n: int = 160, seed: int = 7, all_regions: bool = False) -> dict[str, Path]:
    """Write clean.parquet, typology outputs, quality.json in ``folder``; return their paths.

    Respondents come from five régions (plus two in Guadeloupe), or from all régions.
    """
    rng = np.random.default_rng(seed)
    cb = load_codebook()
    regions = {r["nom"]: r["code"] for r in read_reference("regions.csv")}
    rrma = {r["region"]: (r["rrma"], r["rrma_slug"]) for r in read_reference("rrma.csv")}
    main_regions = ["Bretagne", "Occitanie", "Grand Est", "Auvergne-Rhône-Alpes", "Île-de-France"]
    cols: dict[str, object] = {"response_id": [f"R{i:04d}" for i in range(n)]}
    for q in cb:
        if q.is_pii:
            continue
        labels = [m.label for m in q.modalities]
        if q.type == "single":
            cols[q.code] = list(rng.choice(labels, n))
        elif q.type == "multi":
            for col in q.columns:
                cols[col] = rng.random(n) < 0.35
        elif q.type == "number":
            cols[q.code] = np.round(rng.lognormal(3, 1.5, n), 1)
        elif q.type == "date":
            cols[q.code] = ["2025-03-14"] * n
        else:
            cols[q.code] = [f"Commune {i}" for i in range(n)]
    df = pd.DataFrame(cols)
    df["A02"] = rng.choice(["Commune", "Département", "Communauté d'agglomération", "Métropole"], n)
    df.loc[[3, 4], "A02"] = TINY_TYPE
    df["A05"] = rng.choice(sorted(regions) if all_regions else main_regions, n)
    df.loc[[10, 11], "A05"] = TINY_REGION
    df["A07"] = np.round(rng.lognormal(9, 1.5, n))
    df["C01"] = np.round(rng.lognormal(10, 1.5, n))
    df.loc[5, "C01"] = np.nan
    df["D02"] = np.round(rng.uniform(0, 4, n), 1)
    df["B05"] = rng.integers(0, 8, n).astype(float)
    df["B02"] = rng.integers(1960, 2024, n).astype(float)
    df["F05"] = None
    df.loc[0, "F05"] = f"Très bonne enquête {PLANTED_SCRIPT} & merci"
    df.loc[8, "F05"] = f"Commentaire {XSS_IMG} {XSS_SCRIPT}"
    df.loc[8, "A11"] = f"Autre : {XSS_IMG}"  # a typed answer outside the list
    df.loc[9, "A01"] = f"Commune {XSS_SCRIPT}"
    df.loc[1, "F05"] = f"Contact : {PLANTED_EMAIL}, {PLANTED_PHONE}"
    df.loc[2, "A01"] = PLANTED_NAME
    df.loc[6, "A11"] = f"Autre : {PLANTED_NAME}"  # a typed answer outside the list
    df["budget_par_habitant"] = df["C01"] / df["A07"]
    df["strate_population"] = pd.cut(df["A07"], [0, 3500, 20000, 100000, np.inf],
                                     labels=["Moins de 3 500 hab.", "3 500 à 20 000 hab.",
                                             "20 000 à 100 000 hab.", "Plus de 100 000 hab."]).astype(str)
    df["C01_classe"] = pd.cut(df["C01"], [-1, 10000, 100000, np.inf],
                              labels=["Moins de 10 k€", "10 à 100 k€", "Plus de 100 k€"]).astype("string")
    df["D02_classe"] = np.where(df["D02"] < 1, "Moins d'un ETP", "Un ETP ou plus")
    df["B05_classe"] = np.where(df["B05"] < 3, "0 à 2", "3 ou plus")
    code = df["A05"].map(regions)
    df["rrma"] = code.map(lambda c: rrma[c][0])
    df["rrma_slug"] = code.map(lambda c: rrma[c][1])
    df["flag_budget_atypique"] = rng.random(n) < 0.05
    df["source_file"] = [f"reponse_{i}.xlsx" for i in range(n)]
    df["source_sheet"] = "Questionnaire"
    paths = input_paths(folder)
    folder.mkdir(parents=True, exist_ok=True)
    df.to_parquet(paths["clean"], index=False)
    names = {1: "Engagement institutionnel", 2: "Jumelages de proximité", 3: "Solidarité associative",
             4: "Attractivité"}
    types = rng.integers(1, 5, n)
    coords = {f"F{k}": rng.normal(0, 1, n) + (types == k) * 1.5 for k in range(1, 6)}
    pd.DataFrame({"response_id": df["response_id"], "type": types,
                  "type_name": [names[t] for t in types], **coords}).to_parquet(paths["typology"], index=False)
    rows = []  # the layout of pipeline.typology.describe (FactoMineR catdes) as the typology stage writes it
    for t in names:
        for var, column, value, label in [("D01", "D01", "Direction ou service dédié", "Direction ou service dédié"),
                                          ("D04", "D04", "Adoptée par délibération", "Adoptée par délibération"),
                                          ("B03", "B03__jumelage", "Oui", "Jumelage"),
                                          ("C03", "C03__aucun", "Non", "Aucun : non"),
                                          ("E01", "E01__sport", "E01__sport.NA", "Sport : NA")]:
            rows.append({"type": t, "variable": var, "column": column, "category": f"{column}={value}",
                         "modality": label, "value": value, "v_test": float(rng.normal(0, 3)), "p_value": 0.01,
                         "cla_mod": 40.0, "mod_cla": 60.0, "global": 35.0, "count": 20, "role": "active"})
    pd.DataFrame(rows).to_parquet(paths["typology_description"], index=False)
    paths["typology_metrics"].write_text(TypologyMetrics(
        n=n, n_input=n, selection=Selection(excluded=0), active_columns=cb.typology_roles()[0],
        dropped_constant_columns=[], k=4, k_auto=4, type_sizes={t: int((types == t).sum()) for t in names},
        type_names=names, eigenvalues=[0.3, 0.2, 0.12, 0.1, 0.08], inertia=[0.12, 0.08, 0.05, 0.04, 0.03],
        inertia_gain_ratio={3: 0.9, 4: 0.8, 5: 0.95}, silhouette=0.2, calinski_harabasz=40.0,
        stability=Stability(n_bootstrap=20, jaccard={t: 0.8 for t in names}, verdict={t: "stable" for t in names},
                            ari_bootstrap=0.7, ari_seeds=1.0, n_seeds=5),
    ).to_json(), encoding="utf-8")
    paths["quality"].write_text(json.dumps({
        "files": {"received": 170, "ingested": 160, "partial": 6, "rejected": 4},
        "rows_read": 175, "quarantined": 9, "duplicates": 6,
        "corrections": {"nombre_format": 31, "libelle_approche": 12},
        "warnings": {"budget_atypique": 8}}), encoding="utf-8")
    paths["trends"].write_text(json.dumps({
        "year": 2025, "reference_year": 2024, "n_panel": 120, "n_new": 40, "n_dropped": 2,
        "budget_change_median": 150.0, "etp_change_median": 0.0, "strategy_changed": 11, "type_changed": 9,
        "n_typed_both_years": 110,
        "type_sizes_panel": {str(t): {"name": names[t], "reference": 30 - t, "current": 25 + t} for t in names},
        "type_moves": [{"from": 1, "to": 2, "n": 6}, {"from": 3, "to": 4, "n": 2}],
        "evolutions": {"evolution_budget": {"En hausse": 1, "Stable": 1, "En baisse": 1},
                       "evolution_type": {"Même type": 1, "Autre type": 1}},
        "by_network": {NETWORK: {"n_panel": 25, "n_new": 1, "n_dropped": 4, "type_changed": 2,
                                 "n_typed_both_years": 20}}}), encoding="utf-8")
    panel = df[["rrma_slug", "A01"]].assign(  # names are in the real file too: never to be read
        evolution_budget=rng.choice(["En hausse", "Stable", "En baisse", None], n),
        evolution_type=rng.choice(["Même type", "Autre type"], n))
    panel.loc[7, "evolution_type"] = "Type inconnu"
    panel.to_parquet(paths["trends_table"], index=False)
    return paths


def render_fixture_reports(inputs: dict[str, Path], out: Path) -> list[Path]:
    """National report + one network + the tiny network, comments allowed (to test escaping)."""
    from pipeline.reporting.render import render_reports

    params = defaults(ReportParams, small_cell_threshold=3, allow_comments=True, workers=1)
    return render_reports(inputs["clean"], inputs["typology"], inputs["typology_description"],
                          inputs["typology_metrics"], inputs["quality"], out, 2025, params,
                          scopes=[NETWORK, TINY_NETWORK], trends=inputs["trends"],
                          trends_table=inputs["trends_table"])


@pytest.fixture(scope="session")
def repo(tmp_path_factory) -> Path:
    """The repository after ``make annual YEAR=2025 WAVES=demo`` (one whole-pipeline run per session)."""
    from support.pipeline_run import pipeline_repo

    return pipeline_repo(tmp_path_factory)


# Fixtures that generate a demo wave, a hostile corpus or render reports: their tests are ``slow``.
SLOW_FIXTURES = frozenset({"rendered", "demo", "wave", "hostile_run", "two_waves"})


# Modules that rerun much of the pipeline on a copy of the session's run, the longest first: handed
# to the workers first once that run is built (pytest-xdist --dist loadfile follows this order).
LONGEST = ("test_published_reports.py", "test_experiments.py", "test_interrupt.py", "test_reports_in_browser.py",
           "test_remote.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that need the whole-pipeline run are marked ``pipeline``, those that build a demo wave,
    a corpus or rendered reports ``slow``: ``make test-fast`` leaves both out, ``make test`` runs all.

    Order (for two workers): the longest module that needs the session's whole-pipeline run
    first (its worker builds the run), every module that does not need it next (the other worker's
    work meanwhile), then the other modules that need it, the longest first."""
    modules: dict[str, list[pytest.Item]] = {}
    needs_run: set[str] = set()
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if "repo" in names:
            item.add_marker(pytest.mark.pipeline)
            needs_run.add(item.nodeid.split("::")[0])
        if names & SLOW_FIXTURES:
            item.add_marker(pytest.mark.slow)
        modules.setdefault(item.nodeid.split("::")[0], []).append(item)

    def rank(module: str) -> int:
        name = module.rsplit("/", 1)[-1]
        return LONGEST.index(name) if name in LONGEST else len(LONGEST)

    later = sorted((m for m in modules if m in needs_run), key=rank)  # stable: collection order otherwise
    order = later[:1] + [m for m in modules if m not in needs_run] + later[1:]
    items[:] = [item for module in order for item in modules[module]]


@pytest.fixture(scope="session")
def report_inputs(tmp_path_factory) -> dict[str, Path]:
    """The synthetic report inputs, written once for every worker of the session (read only)."""
    from support.pipeline_run import shared

    return input_paths(shared(tmp_path_factory, "report_inputs", make_report_inputs))


@pytest.fixture(scope="session")
def rendered(report_inputs, tmp_path_factory) -> Path:
    """reports/2025 rendered once from the synthetic inputs, for every worker of the session
    (shared by report and browser tests: read only)."""
    from support.pipeline_run import shared

    return shared(tmp_path_factory, "rendered", lambda folder: render_fixture_reports(report_inputs, folder / "2025")) / "2025"

"""Stage ``continuity``: this year's respondents classified by last year's model, beside the refit;
``typology.published`` chooses which typology the reports get.

    python -m pipeline.stages.continuity --params params.yaml --clean data/processed/clean.parquet \
        --reference-model models/reference/typology.joblib --reference-metrics metrics/reference/typology.json \
        --refit-dir data/processed/refit --refit-metrics metrics/refit/typology.json \
        --out-dir data/processed --metrics metrics/continuity.json --published-metrics metrics/typology.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from pipeline.common.atomic import atomic_write_parquet, atomic_write_text
from pipeline.common.errors import run_main
from pipeline.domain.codebook import load_codebook
from pipeline.domain.params import (
    ContinuityParams,
    SurveyParams,
    TypologyParams,
    load_block,
)
from pipeline.panel.continuity import reference_publication, run_continuity
from pipeline.typology.metrics import TypologyMetrics
from pipeline.typology.persistence import load_model


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Continuité de la typologie : modèle de référence contre ré-ajustement")
    ap.add_argument("--params", default="params.yaml")
    ap.add_argument("--clean", required=True)
    ap.add_argument("--reference-model", required=True)
    ap.add_argument("--reference-metrics", required=True)
    ap.add_argument("--refit-dir", required=True)
    ap.add_argument("--refit-metrics", required=True)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--metrics", required=True)
    ap.add_argument("--published-metrics", required=True)
    args = ap.parse_args(argv)
    typology = load_block(TypologyParams, args.params)
    params = load_block(ContinuityParams, args.params)
    survey = load_block(SurveyParams, args.params)
    model = load_model(args.reference_model, load_codebook().version)
    clean = pd.read_parquet(args.clean)
    refit_dir = Path(args.refit_dir)
    refit = pd.read_parquet(refit_dir / "typology.parquet")
    reference_metrics = TypologyMetrics.read(args.reference_metrics)
    refit_metrics = TypologyMetrics.read(args.refit_metrics)
    res = run_continuity(clean, model, reference_metrics, refit, typology, params)
    if typology.published == "refit":
        types, description = refit, pd.read_parquet(refit_dir / "typology_description.parquet")
        published = refit_metrics
    else:
        types = res["by_reference"]
        description, published = reference_publication(clean, model, types, reference_metrics, typology)
    years = {"year": survey.year, "reference_year": survey.reference_year}
    published = published.with_updates(published=typology.published, identity=res["summary"]["identity"], **years)
    out = Path(args.out_dir)
    atomic_write_parquet(types, out / "typology.parquet")
    atomic_write_parquet(description, out / "typology_description.parquet")
    atomic_write_parquet(res["transitions"], out / "continuity.parquet")
    atomic_write_text(args.metrics, json.dumps({**years, **res["summary"]}, ensure_ascii=False, indent=2) + "\n")
    atomic_write_text(args.published_metrics, published.to_json() + "\n")
    s = res["summary"]
    if s["ari"] is None:
        print(f"Continuité : {s.get('notice') or 'pas de typologie cette année'} ; rien à comparer.")
        return 0
    print(f"Continuité : {s['n']} répondants classés par le modèle {years['reference_year']}, ARI {s['ari']:.2f} "
          f"avec la typologie ré-ajustée ; {'dérive signalée' if s['drift'] else 'pas de dérive'} ; "
          f"typologie publiée : {'ré-ajustée' if typology.published == 'refit' else 'de référence'}.")
    for reason in s["drift_reasons"]:
        print(f"  - {reason}")
    return 0


if __name__ == "__main__":
    run_main(main)

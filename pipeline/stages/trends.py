"""Stage ``trends``: what changed for the collectivités that answered both waves.

    python -m pipeline.stages.trends --params params.yaml --reference data/processed/reference/clean.parquet \
        --current data/processed/clean.parquet --model models/reference/typology.joblib \
        --out data/processed/trends.parquet --summary metrics/trends.json
"""

from __future__ import annotations

import argparse
import json

import pandas as pd

from pipeline.common.atomic import atomic_write_parquet, atomic_write_text
from pipeline.common.errors import run_main
from pipeline.domain.codebook import load_codebook
from pipeline.domain.params import (
    SurveyParams,
    TrendsParams,
    TypologyParams,
    load_block,
)
from pipeline.panel.trends import run_trends
from pipeline.typology.persistence import load_model


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Évolutions entre la vague de référence et la vague courante")
    ap.add_argument("--params", default="params.yaml")
    ap.add_argument("--reference", required=True, help="clean.parquet de la vague de référence")
    ap.add_argument("--current", required=True, help="clean.parquet de la vague courante")
    ap.add_argument("--model", required=True, help="typologie ajustée sur la vague de référence")
    ap.add_argument("--out", required=True)
    ap.add_argument("--summary", required=True)
    args = ap.parse_args(argv)
    typology = load_block(TypologyParams, args.params)
    params = load_block(TrendsParams, args.params)
    survey = load_block(SurveyParams, args.params)
    codebook = load_codebook()
    model = load_model(args.model, codebook.version)
    changes, summary = run_trends(pd.read_parquet(args.reference), pd.read_parquet(args.current), model,
                                  typology, codebook, params)
    if survey.reference_year == survey.year:
        # First survey (make annual found no earlier wave): nothing to compare, no section 10.
        changes, summary = changes.iloc[0:0], {"first_wave": True, "n_panel": 0, "n_new": 0,
                                               "n_dropped": 0, "type_changed": 0}
    atomic_write_parquet(changes, args.out)
    summary = {"year": survey.year, "reference_year": survey.reference_year, **summary}
    atomic_write_text(args.summary, json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    print(f"Évolutions : {summary['n_panel']} collectivités dans les deux vagues, {summary['n_new']} nouvelles, "
          f"{summary['n_dropped']} sorties ; {summary['type_changed']} ont changé de type.")
    return 0


if __name__ == "__main__":
    run_main(main)

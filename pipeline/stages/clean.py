"""Stage ``clean``: validate, normalise, enrich, deduplicate; quarantine with reasons.

    python -m pipeline.stages.clean --params params.yaml --year 2025 \
        --responses data/interim/responses.parquet --report data/interim/ingest_report.json --out data/processed
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from pipeline.clean.outputs import write_outputs
from pipeline.clean.quality import summary_fr
from pipeline.clean.recipe import clean_responses
from pipeline.common.errors import run_main
from pipeline.domain.codebook import load_codebook
from pipeline.domain.params import CleanParams, SurveyParams, load_block


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Nettoyage et validation des réponses ACTER.")
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--responses", required=True, help="data/interim/responses.parquet")
    parser.add_argument("--report", required=True, help="data/interim/ingest_report.json")
    parser.add_argument("--out", required=True, help="dossier de sortie (data/processed)")
    parser.add_argument("--year", type=int, default=None, help="année de la vague (par défaut survey.year)")
    args = parser.parse_args(argv)
    params = load_block(CleanParams, args.params)
    survey_year = args.year or load_block(SurveyParams, args.params).year
    codebook = load_codebook()
    responses = pd.read_parquet(args.responses)
    report = json.loads(Path(args.report).read_text(encoding="utf-8"))
    result = clean_responses(responses, codebook, params, survey_year, ingest_report=report)
    write_outputs(result, args.out, codebook)
    print(summary_fr(result.quality))
    return 0


if __name__ == "__main__":
    run_main(main)

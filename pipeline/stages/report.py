"""Stage ``report``: the national and per-network reports, figures and tables of the survey year.

    python -m pipeline.stages.report --params params.yaml --clean data/processed/clean.parquet \
        --typology data/processed/typology.parquet --typology-description data/processed/typology_description.parquet \
        --typology-metrics metrics/typology.json --quality data/processed/quality.json \
        --trends metrics/trends.json --trends-table data/processed/trends.parquet --out data/reports/2025 \
        --secrecy metrics/secrecy.json --weights data/processed/weights.parquet \
        --coverage data/processed/coverage.parquet --unmatched data/processed/unmatched.parquet \
        --coverage-metrics metrics/coverage.json

The reports are built in DVC's work folder data/reports/<year>/; publishing them to reports/<year>/
is a separate, explicit step (``make publish``, pipeline/cli/publish.py), so a run never touches
the published reports.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.common.errors import run_main
from pipeline.domain.params import ReportParams, SurveyParams, load_block
from pipeline.reporting.coverage import SurveyPaths
from pipeline.reporting.render import render_reports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rapports de diagnostic (national et par réseau).")
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--clean", required=True, type=Path)
    parser.add_argument("--typology", type=Path)
    parser.add_argument("--typology-description", type=Path)
    parser.add_argument("--typology-metrics", type=Path)
    parser.add_argument("--quality", type=Path)
    parser.add_argument("--trends", type=Path, help="metrics/trends.json (évolutions depuis la vague précédente)")
    parser.add_argument("--trends-table", type=Path, help="data/processed/trends.parquet (classes d'évolution)")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--secrecy", type=Path, help="metrics/secrecy.json (bilan du secret statistique)")
    # the weights stage's outputs: coverage in every report, calibrated estimates (weights.publish_estimates)
    parser.add_argument("--weights", type=Path, help="data/processed/weights.parquet (poids de redressement)")
    parser.add_argument("--coverage", type=Path, help="data/processed/coverage.parquet (couverture)")
    parser.add_argument("--unmatched", type=Path, help="data/processed/unmatched.parquet (réponses non rattachées)")
    parser.add_argument("--coverage-metrics", type=Path, help="metrics/coverage.json (bilan de la couverture)")
    args = parser.parse_args(argv)
    params = load_block(ReportParams, args.params)
    year = load_block(SurveyParams, args.params).year
    survey = None
    if args.coverage and args.coverage_metrics:
        survey = SurveyPaths(Path(args.params), args.weights, args.coverage, args.unmatched, args.coverage_metrics)
    written = render_reports(args.clean, args.typology, args.typology_description, args.typology_metrics,
                             args.quality, args.out, year, params, trends=args.trends,
                             trends_table=args.trends_table, secrecy=args.secrecy, survey=survey)
    print(f"report: {len(written)} rapports écrits dans {args.out}")
    return 0


if __name__ == "__main__":
    run_main(main)

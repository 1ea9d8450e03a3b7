"""Stage ``weights``: respondents matched to the frame of collectivités, coverage, raked weights.

    python -m pipeline.stages.weights --params params.yaml --year 2025 --clean data/processed/clean.parquet \
        --out data/processed --metrics metrics/coverage.json
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from pipeline.common.atomic import atomic_write_parquet, atomic_write_text
from pipeline.common.errors import run_main
from pipeline.common.text import french_number
from pipeline.domain.codebook import load_codebook
from pipeline.domain.params import CleanParams, WeightsParams, load_block
from pipeline.survey.frame import load_frame
from pipeline.survey.recipe import weigh_wave


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Étape poids : appariement à la base des collectivités, couverture, "
                                             "redressement")
    ap.add_argument("--params", default="params.yaml")
    ap.add_argument("--year", type=int, required=True)
    ap.add_argument("--clean", required=True)
    ap.add_argument("--out", required=True, help="dossier de weights.parquet, coverage.parquet, unmatched.parquet")
    ap.add_argument("--metrics", required=True)
    args = ap.parse_args(argv)
    params = load_block(WeightsParams, args.params)
    sizes = load_block(CleanParams, args.params).strate_population
    frame = load_frame(params.frame, sizes)
    res = weigh_wave(pd.read_parquet(args.clean), frame, params, load_codebook(), args.year)
    out = Path(args.out)
    atomic_write_parquet(res.weights, out / "weights.parquet")
    atomic_write_parquet(res.coverage, out / "coverage.parquet")
    atomic_write_parquet(res.unmatched, out / "unmatched.parquet")
    atomic_write_text(args.metrics, res.metrics.to_json())
    m = res.metrics
    print(f"Couverture : {m.n_matched} répondants appariés sur {m.n_clean} ({m.n_unmatched} non appariés), "
          f"{french_number(100 * m.response_rate, 1)} % des {french_number(m.n_frame)} collectivités de la base.")
    if m.notice:
        print(m.notice)
    else:
        r = m.raking
        print(f"Redressement : {r['iterations']} passes, effet de plan (Kish) {french_number(r['design_effect_kish'], 2)}, "
              f"poids de {french_number(r['weight_min'], 1)} à {french_number(r['weight_max'], 1)}.")
    return 0


if __name__ == "__main__":
    run_main(main)

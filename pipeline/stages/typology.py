"""Stage ``typology``: MCA + HCPC + description of the types of one wave, its model and metrics.

    python -m pipeline.stages.typology --params params.yaml --clean data/processed/clean.parquet \
        --out-dir data/processed/refit --model models/typology.joblib --metrics metrics/refit/typology.json \
        --plots plots/typology --truth data/demo/2025/collectivites.parquet
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from pipeline.common.atomic import atomic_write_parquet, atomic_write_text
from pipeline.common.errors import UserError, run_main
from pipeline.domain.codebook import load_codebook
from pipeline.domain.params import TypologyParams, load_block
from pipeline.typology.persistence import save_model
from pipeline.typology.recipe import type_wave, write_csv, write_plots


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Étape typologie : ACM, CAH, description des types")
    ap.add_argument("--params", default="params.yaml")
    ap.add_argument("--clean", required=True)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--metrics", required=True)
    ap.add_argument("--plots", required=True)
    ap.add_argument("--truth", default=None, help="vérité du jeu de démonstration (colonne model)")
    ap.add_argument("--weights", default=None, help="poids de redressement (weights.parquet de l'étape weights)")
    args = ap.parse_args(argv)
    params = load_block(TypologyParams, args.params)
    codebook = load_codebook()
    clean = pd.read_parquet(args.clean)
    truth = pd.read_parquet(args.truth) if args.truth and Path(args.truth).exists() else None
    res = type_wave(clean, params, codebook, truth, _row_weights(params, args.weights))
    out = Path(args.out_dir)
    atomic_write_parquet(res.types, out / "typology.parquet")
    atomic_write_parquet(res.description.category, out / "typology_description.parquet")
    write_csv(res.description.chi2, out / "typology_chi2.csv")
    write_csv(pd.concat([res.description.quanti, res.description.quanti_var.assign(type=pd.NA)],
                        ignore_index=True), out / "typology_quanti.csv")
    save_model(res.model, args.model, codebook.version)
    atomic_write_text(args.metrics, res.metrics.to_json())
    write_plots(res.per_k, args.plots)
    m = res.metrics
    if not m.available:
        print(m.notice)
        return 0
    print(f"Typologie : {m.n} répondants ({m.selection.excluded} exclus), {m.k} types : "
          + " ; ".join(f"{t}. {v} ({m.type_sizes[t]})" for t, v in m.type_names.items()))
    return 0


def _row_weights(params: TypologyParams, path: str | None) -> pd.Series | None:
    """Row weights of the typology (``typology.weights``): the raked weights scaled to a mean of 1,
    by response_id (a respondent without one, not matched to the frame, counts once)."""
    if params.weights == "none":
        return None
    weights = pd.read_parquet(path).set_index("response_id")["weight"] if path and Path(path).exists() else None
    if weights is None or weights.notna().sum() == 0:
        raise UserError("params.yaml, typology.weights : « calibration », mais l'étape weights n'a pas fait de poids "
                        "de redressement (voir la notice de metrics/coverage.json) ; attendu : none, ou des poids")
    return weights / weights.mean()


if __name__ == "__main__":
    run_main(main)

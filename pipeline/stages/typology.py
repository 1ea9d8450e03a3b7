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
from pipeline.common.errors import run_main
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
    args = ap.parse_args(argv)
    params = load_block(TypologyParams, args.params)
    codebook = load_codebook()
    clean = pd.read_parquet(args.clean)
    truth = pd.read_parquet(args.truth) if args.truth and Path(args.truth).exists() else None
    res = type_wave(clean, params, codebook, truth)
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


if __name__ == "__main__":
    run_main(main)

"""Stage ``demo``: the two demo waves of returned files, and their truth kept apart.

    python -m pipeline.stages.demo --params params.yaml --out data/raw/demo --truth data/demo
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.common.errors import run_main
from pipeline.demo.generate import generate_waves
from pipeline.domain.params import DemoParams, SurveyParams, load_block


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Génère les deux vagues de démonstration (fichiers retournés et vérité).")
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--truth", type=Path, required=True)
    args = parser.parse_args(argv)
    params = load_block(DemoParams, args.params)
    survey = load_block(SurveyParams, args.params)
    # The demo always has an earlier wave, even when the real survey is a first one (reference = year).
    reference_year = min(survey.reference_year, survey.year - 1)
    for wave_year, manifest in generate_waves(params, reference_year, survey.year, args.out, args.truth).items():
        n_rows = sum(f.n_respondents for f in manifest.files)
        print(f"demo {wave_year}: {len(manifest.files)} files, {n_rows} responses, {len(manifest.mistakes)} "
              f"planted mistakes -> {args.out / str(wave_year)}, truth in {args.truth / str(wave_year)}")
    return 0


if __name__ == "__main__":
    run_main(main)

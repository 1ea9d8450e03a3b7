"""Stage ``headline``: the few numbers `dvc metrics show` and `dvc exp show` print, from the records
the other stages write (their detail stays in those files, which are not DVC metrics).

    python -m pipeline.stages.headline --coverage metrics/coverage.json --typology metrics/typology.json \
        --continuity metrics/continuity.json --trends metrics/trends.json --secrecy metrics/secrecy.json \
        --out metrics/headline.json

One row of short keys, so that `dvc metrics show` fits in a terminal (under 120 columns on the
demo survey); the README (« Suivre les résultats avec DVC ») says what each key is.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from pipeline.common.atomic import atomic_write_text
from pipeline.common.errors import run_main
from pipeline.survey.recipe import CoverageMetrics
from pipeline.typology.metrics import TypologyMetrics


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(float(value), digits)


def headline(coverage: CoverageMetrics, typology: TypologyMetrics, continuity: dict[str, Any],
             trends: dict[str, Any], secrecy: dict[str, Any]) -> dict[str, Any]:
    """The headline numbers of one run: respondents, response rate, the published typology (types,
    silhouette, least stable type), its agreement with last year's model, the panel's type changes,
    and the secrecy audit (masked cells; disclosed must be 0). A missing figure is left out."""
    jaccard = [v for v in typology.stability.jaccard.values() if v is not None]
    out = {
        "n": coverage.n_clean,
        "rate": _round(coverage.response_rate),
        "k": typology.k,
        "silhouette": _round(typology.silhouette),
        "jaccard_min": _round(min(jaccard)) if jaccard else None,
        "ari": _round(continuity.get("ari")),
        "changed": trends.get("type_changed"),
        "masked": secrecy.get("masked_cells"),
        "disclosed": secrecy.get("disclosed"),
    }
    return {k: v for k, v in out.items() if v is not None}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Chiffres clés de l'exécution pour dvc metrics show et dvc exp show")
    for name in ("coverage", "typology", "continuity", "trends", "secrecy"):
        ap.add_argument(f"--{name}", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)

    def read(path: Path) -> dict[str, Any]:
        return json.loads(path.read_text(encoding="utf-8"))

    numbers = headline(CoverageMetrics.read(args.coverage), TypologyMetrics.read(args.typology),
                       read(args.continuity), read(args.trends), read(args.secrecy))
    atomic_write_text(args.out, json.dumps(numbers, ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    run_main(main)

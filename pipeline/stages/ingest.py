"""Stage ``ingest``: every returned file of a wave into one table of responses and a report.

    python -m pipeline.stages.ingest --params params.yaml --wave data/raw/2025 --out data/interim
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.common.errors import run_main
from pipeline.domain.codebook import load_codebook
from pipeline.domain.params import IngestParams, load_block
from pipeline.ingest import ingest_wave, summary_fr, write_outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Ingestion des fichiers de réponses d'une vague ACTER.")
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--wave", required=True, help="dossier des fichiers reçus")
    parser.add_argument("--out", required=True, help="dossier de sortie (responses.parquet, ingest_report.json)")
    args = parser.parse_args(argv)
    params = load_block(IngestParams, args.params)
    if not Path(args.wave).is_dir():
        print(f"Dossier de la vague introuvable : {args.wave}", file=sys.stderr)
        return 2
    frame, report = ingest_wave(args.wave, load_codebook(), params, progress=True)
    write_outputs(frame, report, args.out)
    print(summary_fr(report))
    return 0


if __name__ == "__main__":
    run_main(main)

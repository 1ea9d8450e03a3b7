"""Benchmark of the report stage: national report, then each additional network report.

    .venv/bin/python benchmarks/report.py [--n 600] [--clean data/processed/clean.parquet ...]

Without --clean, a synthetic survey shaped like the real inputs (tests/conftest.py generator,
respondents in every région, so every network gets a report) is written to a temporary folder.
Printed, all measured in this run:
- baseline: papermill executing a one-cell notebook (kernel start + one cell), the fixed cost
  of any papermill report;
- national: the national notebook (all figures PNG + SVG, tableaux.xlsx) in a new kernel;
- per network: (national + all networks in one kernel − national alone) / number of networks;
- stage: ``render_reports`` as ``dvc repro`` runs it, with 1 and 2 workers (params default 2).
Targets: each additional network report <= 1.5 s; the whole demo ``dvc repro`` <= 60 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def baseline_seconds() -> float:
    import nbformat
    import papermill as pm

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    t0 = time.perf_counter()
    pm.execute_notebook(nb, None, kernel_name="python3", language="python", progress_bar=False)
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=600, help="synthetic respondents")
    parser.add_argument("--clean", type=Path)
    parser.add_argument("--typology", type=Path)
    parser.add_argument("--typology-description", type=Path)
    parser.add_argument("--typology-metrics", type=Path)
    parser.add_argument("--quality", type=Path)
    args = parser.parse_args()

    from pipeline.domain.params import ReportParams, defaults
    from pipeline.reporting.inputs import list_scopes
    from pipeline.reporting.render import (
        ensure_kernel,
        notebook_parameters,
        render_reports,
        render_scopes,
    )
    from pipeline.reporting.report import NATIONAL

    tmp = Path(tempfile.mkdtemp(prefix="acter_bench_report_"))
    if args.clean is None:
        from conftest import make_report_inputs

        paths = make_report_inputs(tmp / "inputs", n=args.n, all_regions=True)
    else:
        paths = {"clean": args.clean, "typology": args.typology, "typology_description": args.typology_description,
                 "typology_metrics": args.typology_metrics, "quality": args.quality}
    import pandas as pd

    networks = list_scopes(pd.read_parquet(paths["clean"], columns=["rrma_slug"]))
    out = tmp / "reports"
    (out / "regions").mkdir(parents=True)
    params = defaults(ReportParams, small_cell_threshold=3, quantile_min_n=5, allow_comments=False,
                      source="Enquête ACTER {year}")
    common = notebook_parameters(2025, params, clean=paths["clean"], typology=paths["typology"],
                                 typology_description=paths["typology_description"],
                                 typology_metrics=paths["typology_metrics"], quality=paths["quality"], out_dir=out)
    titles = {s: s for s in [NATIONAL, *networks]}
    ensure_kernel()
    base = baseline_seconds()
    t0 = time.perf_counter()
    render_scopes([NATIONAL], common, titles)
    national = time.perf_counter() - t0
    t0 = time.perf_counter()
    render_scopes([NATIONAL, *networks], common, titles)
    together = time.perf_counter() - t0
    per_network = max(0.0, together - national) / max(1, len(networks))
    stage = {}
    for workers in (1, 2):
        t0 = time.perf_counter()
        render_reports(paths["clean"], paths["typology"], paths["typology_description"], paths["typology_metrics"],
                       paths["quality"], tmp / f"stage{workers}", 2025, defaults(ReportParams, workers=workers))
        stage[workers] = time.perf_counter() - t0
    n = len(pd.read_parquet(paths["clean"], columns=["rrma_slug"]))
    print(f"respondents: {n}, networks: {len(networks)}")
    print(f"baseline (papermill, one-cell notebook): {base:6.2f} s")
    print(f"national report:                         {national:6.2f} s  ({national / base:4.1f} x baseline)")
    print(f"each additional network report:          {per_network:6.2f} s  ({per_network / base:4.2f} x baseline)"
          f"  target <= 1.5 s: {'ok' if per_network <= 1.5 else 'MISSED'}")
    for workers, seconds in stage.items():
        print(f"stage (national + {len(networks)} networks), workers={workers}:  {seconds:6.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

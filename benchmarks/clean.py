"""Benchmark of the clean transformation on 40,000 synthetic responses (target: at most 5 s).

The table is built directly in the responses.parquet shape (random answers, some raw modality
variants, a few duplicates and planted mistakes). Baseline, measured in the same run: a plain
pandas parquet round trip (``to_parquet`` + ``read_parquet``) of the same table, so the printed
ratio is "clean time / parquet round-trip time" on this machine.

    .venv/bin/python benchmarks/clean.py [--n 40000]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time

import numpy as np
import pandas as pd

from pipeline.clean.geography import load_geography
from pipeline.clean.recipe import clean_responses
from pipeline.clean.validate import blank_responses
from pipeline.domain.codebook import load_codebook
from pipeline.domain.params import CleanParams, load_block


def _luhn_complete(stems: np.ndarray) -> list[str]:
    """9-digit SIRENs from 8-digit stems, with their Luhn check digit."""
    out = []
    for stem in stems:
        digits = f"{stem:08d}"
        total = 0
        for i, ch in enumerate(reversed(digits)):  # the check digit will be position 0
            d = int(ch) * (2 if i % 2 == 0 else 1)
            total += d - 9 if d > 9 else d
        out.append(digits + str((10 - total % 10) % 10))
    return out


def synthetic_responses(n: int, seed: int = 0, mistake_rate: float = 0.01) -> pd.DataFrame:
    """``n`` plausible random responses in the shape of responses.parquet, with about
    ``mistake_rate`` of rows carrying each kind of planted mistake, and 1% of duplicates."""
    rng = np.random.default_rng(seed)
    cb = load_codebook()
    geo = load_geography()
    df = blank_responses(cb, n)
    cols: dict[str, object] = {}
    for q in cb:
        if q.type == "single":
            labels = np.array([m.label for m in q.modalities], dtype=object)
            values = labels[rng.integers(0, len(labels), n)]
            values[rng.random(n) < 0.05] = None
            cols[q.code] = values
        elif q.type == "multi":
            ticks = rng.random((n, len(q.modalities))) < 0.25
            exclusive = [j for j, m in enumerate(q.modalities) if m.exclusive]
            if exclusive:
                ticks[:, exclusive[0]] = False
                none = rng.random(n) < 0.1
                ticks[none] = False
                ticks[none, exclusive[0]] = True
            if q.max_choices:
                ticks &= np.cumsum(ticks, axis=1) <= q.max_choices
            for j, c in enumerate(q.columns):
                cols[c] = ticks[:, j]
    b03 = cb["B03"]
    b03_ticks = np.column_stack([cols[c] for c in b03.columns])
    never = cols["B01"] == cb["B01"].modality("jamais").label
    b03_ticks[never] = False
    first = np.where(b03_ticks.any(axis=1), b03_ticks.argmax(axis=1), -1)
    labels = np.array([m.label for m in b03.modalities] + [None], dtype=object)
    cols["B04"] = labels[first]
    for j, c in enumerate(b03.columns):
        cols[c] = b03_ticks[:, j]
    depts = geo.departements
    pick = rng.integers(0, len(depts), n)
    dept_code = depts["code"].to_numpy()[pick]
    region_code = depts["region"].to_numpy()[pick]
    region_name = dict(zip(geo.regions["code"], geo.regions["nom"]))
    rrma = dict(zip(geo.rrma["region"], geo.rrma["rrma"]))
    cols["A04"] = [d + f"{i % 90 + 1:02d}" if len(d) == 3 else d + f"{i % 900 + 1:03d}" for i, d in enumerate(dept_code)]
    cols["A06"] = depts["nom"].to_numpy()[pick]
    cols["A05"] = [region_name[r] for r in region_code]
    cols["A08"] = [rrma[r] if i % 3 else None for i, r in enumerate(region_code)]
    cols["A02"] = np.full(n, cb["A02"].modality("commune").label, dtype=object)
    cols["A01"] = [f"Commune n°{i}" for i in range(n)]
    cols["A03"] = _luhn_complete(21_000_000 + np.arange(n))
    cols["A07"] = rng.integers(100, 500_000, n).astype("float64")
    cols["C01"] = np.round(cols["A07"] * rng.uniform(0, 5, n), 0)
    cols["C05"] = np.round(cols["C01"] * rng.uniform(0, 0.5, n), 0)
    cols["B02"] = rng.integers(1950, 2025, n).astype("float64")
    cols["B05"] = rng.integers(0, 12, n).astype("float64")
    cols["D02"] = np.round(rng.gamma(1.0, 1.5, n), 1)
    cols["A14"] = [f"2025-0{1 + i % 6}-{1 + i % 28:02d}" for i in range(n)]
    cols["A10"] = [f"Personne {i}" for i in range(n)]
    cols["A12"] = [f"p{i}@example.org" for i in range(n)]
    cols["source_file"] = [f"fichier_{i // 50:04d}.xlsx" for i in range(n)]
    cols["source_cells"] = [json.dumps({"A07": f"H{i % 50 + 2}", "B04": f"P{i % 50 + 2}"}) for i in range(n)]
    df = df.assign(**{c: pd.array(v, dtype=df[c].dtype) for c, v in cols.items()})
    # planted mistakes and raw variants left by ingest; duplicates share a SIREN
    def some() -> np.ndarray:
        return rng.random(n) < mistake_rate
    df.loc[some(), "A02"] = "commune"
    df.loc[some(), "A07"] = -1.0
    df.loc[some(), "B04"] = b03.modalities[-1].label
    df.loc[some(), "C03__aucun"] = True
    df.loc[some(), "A03"] = "213100554"
    dup = rng.choice(n, size=n // 100, replace=False)
    df.loc[dup, "A03"] = df.loc[(dup + 1) % n, "A03"].to_numpy()
    return df


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40_000)
    parser.add_argument("--params", default="params.yaml")
    args = parser.parse_args(argv)
    responses = synthetic_responses(args.n)
    params = load_block(CleanParams, args.params)
    cb = load_codebook()
    geo = load_geography()

    t0 = time.perf_counter()
    buf = io.BytesIO()
    responses.to_parquet(buf, index=False)
    buf.seek(0)
    pd.read_parquet(buf)
    baseline = time.perf_counter() - t0

    t0 = time.perf_counter()
    result = clean_responses(responses, cb, params, 2025, geography=geo)
    elapsed = time.perf_counter() - t0

    q = result.quality
    print(f"responses: {args.n}; clean {q['clean']}, quarantined {q['quarantined']}, duplicates {q['duplicates']}")
    print(f"baseline (parquet write + read round trip of the same table): {baseline:.2f} s")
    print(f"clean transformation: {elapsed:.2f} s (target <= 5 s) = {elapsed / baseline:.1f}x the baseline")
    return 0 if elapsed <= 5.0 else 1


if __name__ == "__main__":
    sys.exit(main())

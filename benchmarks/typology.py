"""Benchmark of the typology (MCA + HCPC with kk pre-partition + catdes) on synthetic surveys.

    .venv/bin/python benchmarks/typology.py [--sizes 35000 100000] [--kk 200]

Each measurement runs in its own subprocess (peak memory = that process's ru_maxrss, which
includes the interpreter, numpy/pandas/sklearn and the data). Respondents are drawn from 4
planted organisational models over 14 active categorical variables (2 to 5 categories), one
supplementary categorical and one supplementary numeric variable. Printed per size:
- ours: ``MCA(ncp=5)`` + ``HCPC(kk=200)`` + ``describe_types`` (wall time, peak, ARI vs planted);
- baseline, same run: scikit-learn ``KMeans(n_clusters=4, n_init=1)`` on the one-hot matrix
  (``pandas.get_dummies``), the usual "quick" alternative; ratio = ours / baseline;
- FactoMineR (README of the reference fixtures, same generator shape, 2-core machine):
  MCA + HCPC(kk=200) without description, 5.8 s at 35,000 and 15.2 s at 100,000.
Targets: 100,000 respondents in <= 2 s and <= 1 GB peak.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

FACTOMINER_SECONDS = {35000: 1.7 + 4.1, 100000: 3.5 + 11.7}


def synthetic(n: int, seed: int = 1, n_active: int = 14, n_models: int = 4) -> tuple[pd.DataFrame, np.ndarray]:
    """Survey-like answers with planted models: each model prefers one category per variable."""
    rng = np.random.default_rng(seed)
    model = rng.integers(0, n_models, n)
    cols = {}
    for j in range(n_active):
        n_cat = 2 + j % 4
        pref = rng.integers(0, n_cat, n_models)
        own = pref[model]
        noise = rng.integers(0, n_cat, n)
        ans = np.where(rng.random(n) < 0.6, own, noise)
        cats = np.array([f"v{j}_m{c}" for c in range(n_cat)], dtype=object)
        col = cats[ans]
        col[rng.random(n) < 0.03] = None
        cols[f"v{j:02d}"] = col
    cols["type_collectivite"] = rng.choice(["commune", "epci", "departement", "region"], n)
    cols["population"] = np.exp(rng.normal(9 + model, 1.0))
    return pd.DataFrame(cols), model


def worker(n: int, mode: str, kk: int) -> dict:
    from sklearn.metrics import adjusted_rand_score

    X, model = synthetic(n)
    t0 = time.perf_counter()
    if mode == "ours":
        from pipeline.typology.describe import describe_types
        from pipeline.typology.hcpc import HCPC
        from pipeline.typology.mca import MCA

        mca = MCA(n_components=5, quali_sup=["type_collectivite"], quanti_sup=["population"]).fit(X)
        t1 = time.perf_counter()
        hc = HCPC(kk=kk, random_state=0).fit(mca.row_coordinates_)
        t2 = time.perf_counter()
        describe_types(X, hc.labels_, quanti=["population"])
        t3 = time.perf_counter()
        labels, parts = hc.labels_, {"mca": t1 - t0, "hcpc": t2 - t1, "describe": t3 - t2,
                                     "k": int(hc.n_clusters_)}
    else:
        from sklearn.cluster import KMeans

        onehot = pd.get_dummies(X.drop(columns=["type_collectivite", "population"]), dummy_na=True).to_numpy(float)
        labels = KMeans(n_clusters=4, n_init=1, random_state=0).fit_predict(onehot)
        parts = {}
    seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"n": n, "mode": mode, "seconds": seconds, "peak_mb": peak_mb, "parts": parts,
            "ari": adjusted_rand_score(model, labels)}


def run(n: int, mode: str, kk: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", str(n), "--mode", mode, "--kk", str(kk)],
                         capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[35000, 100000])
    ap.add_argument("--kk", type=int, default=200)
    ap.add_argument("--worker", type=int, default=None)
    ap.add_argument("--mode", default="ours")
    args = ap.parse_args()
    if args.worker:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        print(json.dumps(worker(args.worker, args.mode, args.kk)))
        return
    for n in args.sizes:
        ours, base = run(n, "ours", args.kk), run(n, "baseline", args.kk)
        fm = FACTOMINER_SECONDS.get(n)
        p = ours["parts"]
        print(f"n={n:>7,}  ours MCA+HCPC(kk={args.kk})+catdes {ours['seconds']:.2f} s "
              f"(MCA {p['mca']:.2f}, HCPC {p['hcpc']:.2f}, catdes {p['describe']:.2f}), "
              f"peak {ours['peak_mb']:.0f} MB, k={p['k']} (planted 4), ARI vs planted {ours['ari']:.3f}")
        print(f"           baseline sklearn KMeans(k=4) on one-hot {base['seconds']:.2f} s, peak "
              f"{base['peak_mb']:.0f} MB, ARI {base['ari']:.3f}; ratio ours/baseline "
              f"{ours['seconds'] / base['seconds']:.2f}"
              + (f"; FactoMineR {fm:.1f} s (no catdes), ratio ours/FactoMineR {ours['seconds'] / fm:.2f}" if fm else ""))
        target = "" if n != 100000 else (" -> targets met" if ours["seconds"] <= 2 and ours["peak_mb"] <= 1024
                                         else " -> TARGET MISSED (2 s, 1 GB)")
        if target:
            print(f"           target 100,000 in <= 2 s and <= 1 GB{target}")


if __name__ == "__main__":
    main()

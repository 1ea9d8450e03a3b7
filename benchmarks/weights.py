"""Benchmark of the raking: 10,000 respondents raked to the whole frame (36,242 collectivités) on
three margins (type, population class, network) until the weights stop moving (target: well under
a second, at most 0.5 s), and one calibrated share with its linearised standard error.

Respondents are drawn from the shipped frame, large collectivités far more often (as in the real
survey). Baseline, measured in the same run: one pass of the same raking written with pandas
(``groupby(...).transform("sum")`` per margin), so the printed ratio is "raking to convergence /
one pandas pass" on this machine.

    .venv/bin/python benchmarks/weights.py [--n 10000]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd

from pipeline.domain.params import CleanParams, WeightsParams, defaults
from pipeline.survey.estimates import calibrated_share
from pipeline.survey.frame import load_frame, margin_table
from pipeline.survey.raking import margins_from_frame, rake

TARGET = 0.5


def _sample(frame: pd.DataFrame, n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = (frame["population"].to_numpy(float) + 100) ** 0.8
    idx = rng.choice(len(frame), size=n, replace=False, p=p / p.sum())
    return frame.iloc[np.sort(idx)].reset_index(drop=True)


def _best(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    args = ap.parse_args(argv)
    params = defaults(WeightsParams)
    frame = load_frame(params.frame, defaults(CleanParams).strate_population)
    units = _sample(frame, args.n)
    sample = margin_table(units, params.margins, params.collapse)
    margins = margins_from_frame(margin_table(frame, params.margins, params.collapse), list(params.margins))

    def pandas_pass() -> None:
        w = pd.Series(len(frame) / len(sample), index=sample.index)
        for m in margins:
            totals = pd.Series(m.totals, index=list(m.categories))
            w = w * sample[m.name].map(totals).to_numpy() / w.groupby(sample[m.name]).transform("sum")

    result = rake(sample, margins, tolerance=params.tolerance, max_iterations=params.max_iterations)
    baseline = _best(pandas_pass)
    elapsed = _best(lambda: rake(sample, margins, tolerance=params.tolerance, max_iterations=params.max_iterations))
    y = (units["population"] >= 3500).to_numpy()
    share_time = _best(lambda: calibrated_share(y, result))
    d = result.diagnostics()
    print(f"respondents: {len(sample)} of {len(frame)} collectivités; margins {', '.join(params.margins)} "
          f"({sum(len(m.categories) for m in margins)} categories)")
    print(f"raking: {d['iterations']} passes, converged {d['converged']}, largest margin gap {d['max_margin_gap']:.1e}, "
          f"Kish design effect {d['design_effect_kish']:.2f}")
    print(f"baseline (one raking pass with pandas groupby): {baseline * 1000:.1f} ms")
    print(f"raking to convergence: {elapsed * 1000:.1f} ms (target <= {TARGET} s) = {elapsed / baseline:.1f}x the baseline")
    print(f"calibrated share with its linearised standard error: {share_time * 1000:.1f} ms")
    return 0 if elapsed <= TARGET and result.converged else 1


if __name__ == "__main__":
    sys.exit(main())

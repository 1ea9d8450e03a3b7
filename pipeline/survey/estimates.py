"""Estimates with their uncertainty: among respondents, and calibrated for all the collectivités.

- :func:`respondent_mean` (:func:`respondent_share`): the plain mean (share) among the
  respondents of a scope, with the standard error of a simple random sample — what
  ``svymean`` gives on ``svydesign(ids = ~1, weights = ~1)``.
- :func:`calibrated_mean` (:func:`calibrated_share`): the raked estimate for every collectivité
  of the scope (``sum(w y) / sum(w)`` over the scope), its standard error by linearisation of the
  raking estimator, as R's survey package does for ``calibrate(calfun = "raking")``: the
  estimating function ``w (y - ybar) / W`` is replaced by ``w e``, ``e`` the residuals of the
  regression (weighted by the starting weights) of ``(y - ybar) / W`` on the dummies of every
  margin category (``svyrecvar``, ``qr.resid``); the design is one stage, with replacement
  (``ids = ~1``, no finite population correction: conservative for small scopes).
- :func:`weighted_median`: R's ``svyquantile(qrule = "math")`` with Woodruff's interval.

A scope (``domain``) is a boolean mask over the respondents (a network, a type); the residuals
are taken over every respondent, as ``svymean(..., subset(design, ...))`` does. A missing ``y``
leaves the respondent out of the scope (``na.rm = TRUE``). Intervals are 95 % normal ones
(``confint``), a share's clipped to [0, 1].
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.survey.raking import Raking

Z95 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class Estimate:
    """A mean or share with its standard error and 95 % confidence interval."""

    value: float
    se: float
    ci_low: float
    ci_high: float
    n: int                 # respondents behind it (scope, non-missing)
    population: float      # sum of the weights behind it (collectivités represented; n unweighted)
    calibrated: bool

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def covers(self, value: float) -> bool:
        return self.ci_low <= value <= self.ci_high


def _values(y: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``y`` as floats (booleans 0/1) and its non-missing mask."""
    s = pd.Series(y)
    if s.dtype == object or str(s.dtype) in ("boolean", "string"):
        s = s.map(lambda v: np.nan if v is None or v is pd.NA else float(v) if not isinstance(v, str) else np.nan)
    values = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return values, ~np.isnan(values)


def _domain(domain: pd.Series | np.ndarray | None, n: int) -> np.ndarray:
    if domain is None:
        return np.ones(n, dtype=bool)
    mask = np.asarray(pd.Series(domain).fillna(False).astype(bool))
    if mask.shape != (n,):
        raise ValueError(f"domain : {mask.shape[0]} valeurs pour {n} répondants")
    return mask


def _interval(value: float, se: float, share: bool) -> tuple[float, float]:
    lo, hi = value - Z95 * se, value + Z95 * se
    return (max(lo, 0.0), min(hi, 1.0)) if share else (lo, hi)


def _empty(calibrated: bool) -> Estimate:
    return Estimate(np.nan, np.nan, np.nan, np.nan, 0, 0.0, calibrated)


def _estimate(y, weights: np.ndarray, domain, residualize, *, share: bool, calibrated: bool) -> Estimate:
    values, ok = _values(y)
    n_all = len(values)
    inside = _domain(domain, n_all) & ok
    if not inside.any():
        return _empty(calibrated)
    w = np.where(inside, weights, 0.0)
    total = float(w.sum())
    mean = float((w * np.where(inside, values, 0.0)).sum() / total)
    u = np.where(inside, (np.where(inside, values, 0.0) - mean) / total, 0.0)
    u = residualize(u)
    x = weights * u
    x = x - x.mean()
    se = float(np.sqrt(n_all / (n_all - 1) * (x ** 2).sum())) if n_all > 1 else np.nan
    lo, hi = _interval(mean, se, share)
    return Estimate(mean, se, lo, hi, int(inside.sum()), total if calibrated else float(inside.sum()), calibrated)


def respondent_mean(y, domain=None, *, share: bool = False) -> Estimate:
    """Mean of ``y`` among the respondents of ``domain`` (all by default), each counting once."""
    n = len(y)
    return _estimate(y, np.ones(n), domain, lambda u: u, share=share, calibrated=False)


def respondent_share(y, domain=None) -> Estimate:
    """Share of respondents of ``domain`` with ``y`` true (``y`` 0/1 or boolean; missing left out)."""
    return respondent_mean(y, domain, share=True)


def linearizer(raking: Raking):
    """The residual operator of the raking estimator: ``u -> u - X b``, ``b`` the least squares
    fit of ``u`` on the margins' dummies ``X`` weighted by the starting weights."""
    root = np.sqrt(raking.start)
    X = raking.dummies() * root[:, None]

    def residualize(u: np.ndarray) -> np.ndarray:
        coef, *_ = np.linalg.lstsq(X, u * root, rcond=None)
        return u - (X @ coef) / root

    return residualize


def calibrated_mean(y, raking: Raking, domain=None, *, share: bool = False) -> Estimate:
    """Raked estimate of the mean of ``y`` over every collectivité of ``domain``'s scope, with the
    linearised standard error of the raking estimator (``y`` and ``domain`` in respondent order)."""
    return _estimate(y, raking.weights, domain, linearizer(raking), share=share, calibrated=True)


def calibrated_share(y, raking: Raking, domain=None) -> Estimate:
    """Raked estimate of the share of collectivités of the scope with ``y`` true."""
    return calibrated_mean(y, raking, domain, share=True)


def _quantile_math(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """R's ``qrule_math``: the smallest value whose weighted CDF reaches ``p`` (``survey:::qs``)."""
    keep = w != 0
    x, w = x[keep], w[keep]
    order = np.argsort(x, kind="stable")
    x, cum = x[order], np.cumsum(w[order])
    below = np.nonzero(cum <= p * cum[-1])[0]
    pos = below[-1] if len(below) else 0
    if not len(below):
        return float(x[0])
    wlow = p - cum[pos] / cum[-1]
    return float(x[pos] if wlow == 0 else x[min(pos + 1, len(x) - 1)])


def weighted_median(y, weights: np.ndarray | None = None, domain=None, raking: Raking | None = None) -> Estimate:
    """Median of ``y`` over the scope, weighted (``weights``, or the raked ones of ``raking``, or
    none), with Woodruff's 95 % interval: the interval of the share of values at most the median
    (calibrated with ``raking``), read back through the weighted quantile function; t quantile with
    n - 1 degrees of freedom, as ``svyquantile``. ``se`` is the interval's width / (2 t)."""
    values, ok = _values(y)
    n = len(values)
    w = raking.weights if raking is not None else (np.ones(n) if weights is None else np.asarray(weights, float))
    inside = _domain(domain, n) & ok
    if not inside.any():
        return _empty(raking is not None)
    med = _quantile_math(values[inside], w[inside], 0.5)
    below = np.where(ok, values <= med, np.nan)
    if raking is not None:
        p = calibrated_mean(below, raking, inside)
    else:
        p = _estimate(below, w, inside, lambda u: u, share=True, calibrated=weights is not None)
    t = float(stats.t.ppf(0.975, n - 1)) if n > 1 else np.nan
    lo_p, hi_p = p.value - t * p.se, p.value + t * p.se
    lo = _quantile_math(values[inside], w[inside], lo_p) if 0 <= lo_p else np.nan
    hi = _quantile_math(values[inside], w[inside], hi_p) if hi_p <= 1 else np.nan
    return Estimate(med, float((hi - lo) / (2 * t)), lo, hi, int(inside.sum()), float(w[inside].sum()),
                    raking is not None)


__all__ = ["Estimate", "calibrated_mean", "calibrated_share", "linearizer", "respondent_mean", "respondent_share",
           "weighted_median"]

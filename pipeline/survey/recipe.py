"""The weights of one wave: respondents matched to the frame, coverage, raked weights (the weights
stage's work, without files), and the typed record of its headline numbers (metrics/coverage.json)
that the reports read."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.domain.codebook import Codebook
from pipeline.domain.params import WeightsParams
from pipeline.survey.coverage import coverage_table, flag_respondents, headline
from pipeline.survey.frame import margin_table
from pipeline.survey.matching import match_respondents
from pipeline.survey.estimates import Estimate, calibrated_mean, calibrated_share, weighted_median
from pipeline.survey.raking import Raking, RakingError, encode, margins_from_frame, rake

WEIGHT_COLUMNS = ("response_id", "siren", "match", "type", "taille", "reseau", "start_weight", "weight", "g")


@dataclass(frozen=True)
class CoverageMetrics:
    """metrics/coverage.json: who answered among the frame's collectivités, and the raking's
    diagnostics; ``available`` False (with ``notice``, in French) when no weights could be made."""

    year: int
    frame_vintage: str
    n_clean: int
    n_matched: int
    n_unmatched: int
    n_frame: int
    response_rate: float
    response_rate_by_type: dict[str, float]
    matched_by: dict[str, int]
    margins: list[str]
    available: bool
    publish_estimates: bool
    notice: str | None = None
    raking: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, allow_nan=False,
                          default=lambda v: None) + "\n"

    @classmethod
    def read(cls, path: str | Path) -> CoverageMetrics:
        return cls(**json.loads(Path(path).read_text(encoding="utf-8")))


@dataclass(frozen=True)
class WaveWeights:
    """Weights of a wave: one row per clean respondent (``weight`` NaN when unmatched or when no
    weights could be made), the unmatched respondents with their reason, coverage, metrics."""

    weights: pd.DataFrame
    unmatched: pd.DataFrame
    coverage: pd.DataFrame
    raking: Raking | None
    metrics: CoverageMetrics


def weigh_wave(clean: pd.DataFrame, frame: pd.DataFrame, params: WeightsParams, codebook: Codebook,
               year: int) -> WaveWeights:
    """Match the respondents to the frame, measure coverage and rake to the frame's margins."""
    matched, unmatched = match_respondents(clean, frame, codebook, fuzzy_threshold=params.fuzzy_threshold)
    flagged = flag_respondents(frame, matched)
    coverage = coverage_table(flagged)
    units = frame.set_index("siren").loc[matched["siren"]].reset_index()
    sample = margin_table(units, params.margins, params.collapse)
    population = margin_table(frame, params.margins, params.collapse)
    raking, notice = None, None
    try:
        raking = rake(sample, margins_from_frame(population, list(params.margins)),
                      tolerance=params.tolerance, max_iterations=params.max_iterations,
                      bounds=(params.bounds[0], params.bounds[1]), trim=params.trim)
    except RakingError as exc:
        notice = f"Pas de poids de redressement : {exc}"
    if raking is not None and not raking.converged:
        notice = (f"Le redressement n'a pas convergé en {raking.iterations} passes (écart aux marges "
                  f"{raking.max_margin_gap:.2g}) : élargissez weights.bounds ou augmentez weights.max_iterations")
    by_id = pd.DataFrame({
        "response_id": matched["response_id"], "siren": matched["siren"], "match": matched["match"],
        "type": units["type"].to_numpy(), "taille": units["taille"].to_numpy(), "reseau": units["rrma_slug"].to_numpy(),
        "start_weight": raking.start if raking is not None else np.nan,
        "weight": raking.weights if raking is not None else np.nan,
        "g": raking.g if raking is not None else np.nan,
    })
    ids = clean["response_id"].astype("string").reset_index(drop=True)
    weights = pd.DataFrame({"response_id": ids}).merge(by_id, on="response_id", how="left")
    weights = weights.astype({c: "string" for c in ("response_id", "siren", "match", "type", "taille", "reseau")})
    head = headline(flagged, len(clean), len(unmatched))
    vintage = frame["vintage"].dropna()
    metrics = CoverageMetrics(
        year=year, frame_vintage=str(vintage.iloc[0]) if len(vintage) else "",
        matched_by={str(k): int(v) for k, v in matched["match"].value_counts().sort_index().items()},
        margins=list(params.margins), available=raking is not None and raking.converged,
        publish_estimates=params.publish_estimates, notice=notice,
        raking=raking.diagnostics() if raking is not None else {}, **head)
    return WaveWeights(weights[list(WEIGHT_COLUMNS)], unmatched, coverage, raking, metrics)


@dataclass(frozen=True)
class Calibration:
    """The raked weights of a wave, for estimates over the clean table: rows of ``clean`` are
    aligned on the matched respondents by ``response_id`` (unmatched ones stay out of calibrated
    estimates; respondent estimates use every row)."""

    raking: Raking
    response_ids: pd.Index

    @classmethod
    def load(cls, weights: pd.DataFrame, frame: pd.DataFrame, params: WeightsParams) -> Calibration | None:
        """The calibration stored in weights.parquet (None when the stage made no weights)."""
        kept = weights[weights["weight"].notna()].reset_index(drop=True)
        if kept.empty:
            return None
        units = kept.assign(rrma_slug=kept["reseau"])
        sample = margin_table(units, params.margins, params.collapse)
        population = margin_table(frame, params.margins, params.collapse)
        margins = margins_from_frame(population, list(params.margins))
        codes = encode(sample, margins)
        w, d = kept["weight"].to_numpy(float), kept["start_weight"].to_numpy(float)
        gap = max(float(np.max(np.abs(np.bincount(codes[:, j], weights=w, minlength=len(m.categories)) - m.totals)
                               / np.maximum(m.totals, 1))) for j, m in enumerate(margins))
        raking = Raking(margins, codes, d, w, True, 0, 0.0, gap, tuple(params.bounds), params.trim)
        return cls(raking, pd.Index(kept["response_id"].astype(str)))

    def _align(self, clean: pd.DataFrame, y, domain) -> tuple[pd.Series, np.ndarray]:
        ids = clean["response_id"].astype(str).to_numpy()
        values = pd.Series(clean[y].to_numpy() if isinstance(y, str) else np.asarray(y, dtype=object), index=ids)
        mask = pd.Series(np.ones(len(ids), bool) if domain is None else np.asarray(domain, bool), index=ids)
        return (values.reindex(self.response_ids).reset_index(drop=True),
                mask.reindex(self.response_ids).fillna(False).astype(bool).to_numpy())

    def share(self, clean: pd.DataFrame, y, domain=None) -> Estimate:
        """Calibrated share over the collectivités of the scope (``domain``: mask over ``clean``)."""
        values, mask = self._align(clean, y, domain)
        return calibrated_share(values, self.raking, mask)

    def mean(self, clean: pd.DataFrame, y, domain=None) -> Estimate:
        """Calibrated mean over the collectivités of the scope."""
        values, mask = self._align(clean, y, domain)
        return calibrated_mean(values, self.raking, mask)

    def median(self, clean: pd.DataFrame, y, domain=None) -> Estimate:
        """Calibrated median over the collectivités of the scope (Woodruff interval)."""
        values, mask = self._align(clean, y, domain)
        return weighted_median(values, domain=mask, raking=self.raking)


__all__ = ["Calibration", "CoverageMetrics", "WEIGHT_COLUMNS", "WaveWeights", "weigh_wave"]

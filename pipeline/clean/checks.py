"""Cross-field rules of the questionnaire, vectorised: each takes the responses and returns True where a row passes (main action among the actions ticked, « Non, jamais » without action, exclusive « Aucun », at most N choices, plausible budget per inhabitant)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipeline.domain.codebook import Codebook, Question
from pipeline.domain.params import CleanParams


@dataclass(frozen=True)
class RuleParams:
    """Thresholds of the rules: the survey year (upper bound of years) and, from the ``clean:``
    block of params.yaml, the plausible budget per inhabitant by A02 modality slug (types absent:
    no check)."""

    survey_year: int
    budget_per_inhabitant_max: dict[str, float]

    @classmethod
    def of(cls, params: CleanParams, survey_year: int) -> RuleParams:
        return cls(survey_year, dict(params.budget_per_inhabitant_max))


def multi_frame(df: pd.DataFrame, q: Question) -> pd.DataFrame:
    """The boolean columns of a multi-select question, NA as False."""
    cols = [c for c in q.columns if c in df.columns]
    return df[cols].astype("boolean").fillna(False).astype(bool)


def answered(df: pd.DataFrame, q: Question) -> pd.Series:
    """True where the question has an answer (any modality value for multi-select)."""
    cols = [c for c in q.columns if c in df.columns]
    if not cols:
        return pd.Series(False, index=df.index)
    if q.type == "multi":
        return df[cols].notna().any(axis=1)
    s = df[cols[0]]
    return s.notna() & (s.astype("string").str.strip() != "").fillna(False)


def modality_labels(q: Question) -> list[str]:
    return [m.label for m in q.modalities]


def _label_to_slug(q: Question) -> dict[str, str]:
    return {m.label: m.slug for m in q.modalities}


def check_main_action(df: pd.DataFrame, codebook: Codebook) -> pd.Series:
    """B04 (main action) must be one of the B03 actions ticked."""
    b03, b04 = codebook["B03"], codebook["B04"]
    ticks = multi_frame(df, b03)
    slug = df["B04"].map(_label_to_slug(b04))
    ok = pd.Series(True, index=df.index)
    for m in b03.modalities:
        col = f"B03__{m.slug}"
        if col in ticks:
            ok &= ~((slug == m.slug).fillna(False) & ~ticks[col])
    return ok


def check_never_without_action(df: pd.DataFrame, codebook: Codebook) -> pd.Series:
    """B01 'Non, jamais' means no B03 action ticked."""
    never = (df["B01"] == codebook["B01"].modality("jamais").label).fillna(False)
    return ~(never & multi_frame(df, codebook["B03"]).any(axis=1))


def check_exclusive(df: pd.DataFrame, q: Question) -> pd.Series:
    """An exclusive modality ('Aucun') is not ticked with another one."""
    ticks = multi_frame(df, q)
    ok = pd.Series(True, index=df.index)
    for m in q.modalities:
        col = f"{q.code}__{m.slug}"
        if m.exclusive and col in ticks:
            ok &= ~(ticks[col] & (ticks.drop(columns=col).any(axis=1)))
    return ok


def check_max_choices(df: pd.DataFrame, q: Question) -> pd.Series:
    return multi_frame(df, q).sum(axis=1) <= (q.max_choices or len(q.modalities))


def budget_per_inhabitant(df: pd.DataFrame) -> pd.Series:
    """C01 / A07 in euros per inhabitant (NA when either is missing or the population is 0)."""
    c01 = pd.to_numeric(df["C01"], errors="coerce")
    a07 = pd.to_numeric(df["A07"], errors="coerce")
    return (c01 / a07.where(a07 > 0)).astype("Float64")


def check_budget_per_inhabitant(df: pd.DataFrame, codebook: Codebook, params: RuleParams) -> pd.Series:
    slug = df["A02"].map(_label_to_slug(codebook["A02"]))
    limit = slug.map(params.budget_per_inhabitant_max).astype("Float64")
    return ~(budget_per_inhabitant(df) > limit).fillna(False)

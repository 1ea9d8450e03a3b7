"""Answers brought to the codebook's form: modalities spelt loosely matched to their label, answers outside the lists blanked (and logged as corrections)."""

from __future__ import annotations

import pandas as pd
from rapidfuzz import fuzz, process

from pipeline.common.identifiers import (
    normalize_insee_series,
    normalize_siren_series,
)
from pipeline.common.text import normalize_label
from pipeline.domain.codebook import Codebook

CORRECTION_COLUMNS = ("response_id", "column", "kind", "before", "after")


def corrections_table(rows: list[pd.DataFrame]) -> pd.DataFrame:
    rows = [r for r in rows if len(r)]
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in CORRECTION_COLUMNS})
    return pd.concat(rows, ignore_index=True)[list(CORRECTION_COLUMNS)].astype("string")


def log_changes(df: pd.DataFrame, column: str, before: pd.Series, after: pd.Series, kind: str) -> pd.DataFrame:
    changed = (before.astype("string").fillna("\0") != after.astype("string").fillna("\0")).astype(bool)
    return pd.DataFrame(
        {
            "response_id": df.loc[changed, "response_id"].astype("string"),
            "column": column,
            "kind": kind,
            "before": before[changed].astype("string"),
            "after": after[changed].astype("string"),
        }
    )


def _modality_keys(codebook: Codebook, code: str) -> dict[str, str]:
    q = codebook[code]
    keys: dict[str, str] = {}
    for m in q.modalities:
        for text in (m.label, m.slug, *m.synonyms):
            keys.setdefault(normalize_label(text), m.label)
    return keys


def normalize_modalities(
    df: pd.DataFrame, codebook: Codebook, fuzzy_threshold: float = 90.0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map single-choice answers that ingest left raw to their canonical label (loose key, then
    fuzzy match on the key); no-answer tokens ('NSP', '-') become missing. Returns (df, changes)."""
    updates: dict[str, pd.Series] = {}
    changes = []
    for q in codebook.of_type("single"):
        if q.code not in df.columns:
            continue
        s = df[q.code].astype("string")
        labels = {m.label for m in q.modalities}
        raw = s.notna() & ~s.isin(labels)
        if not raw.any():
            continue
        keys = _modality_keys(codebook, q.code)
        mapping: dict[str, object] = {}
        for value in s[raw].unique():
            key = normalize_label(value)
            if codebook.is_no_answer(value, q) or not key:
                mapping[value] = pd.NA
            elif key in keys:
                mapping[value] = keys[key]
            else:
                best = process.extractOne(key, list(keys), scorer=fuzz.ratio, score_cutoff=fuzzy_threshold)
                mapping[value] = keys[best[0]] if best else value
        after = s.where(~raw, s.map(mapping).astype("string"))
        no_answer = raw & after.isna()
        matched = raw & after.notna() & after.isin(labels)
        changes.append(log_changes(df[no_answer], q.code, s[no_answer], after[no_answer], "no_answer_blanked"))
        changes.append(log_changes(df[matched], q.code, s[matched], after[matched], "modality_normalized"))
        updates[q.code] = after
    siren_before = df["A03"].astype("string")
    siren_after = normalize_siren_series(siren_before)
    insee_before = df["A04"].astype("string")
    insee_after = normalize_insee_series(insee_before)
    changes.append(log_changes(df, "A03", siren_before, siren_after, "siren_normalized"))
    changes.append(log_changes(df, "A04", insee_before, insee_after, "insee_normalized"))
    return df.assign(**updates, A03=siren_after, A04=insee_after), corrections_table(changes)


def blank_unknown_modalities(df: pd.DataFrame, codebook: Codebook) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Unknown single-choice answers (already reported as unknown_modality) become missing so
    no analysis sees them; the raw value stays in the alert and the corrections log."""
    updates: dict[str, pd.Series] = {}
    changes = []
    for q in codebook.of_type("single"):
        s = df[q.code].astype("string")
        bad = (s.notna() & ~s.isin({m.label for m in q.modalities})).astype(bool)
        if bad.any():
            after = s.mask(bad)
            changes.append(log_changes(df[bad], q.code, s[bad], after[bad], "unknown_modality_blanked"))
            updates[q.code] = after
    return df.assign(**updates), corrections_table(changes)

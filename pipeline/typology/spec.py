"""What the typology is computed on: respondents kept, the analysis table (multi-select questions as Oui/Non columns, numbers binned upstream) and the French labels of its categories."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.common.text import normalize_label
from pipeline.domain.codebook import Codebook
from pipeline.typology.metrics import Selection

YES, NO = "Oui", "Non"  # how a ticked / unticked multi-select modality shows in the analysis table


@dataclass
class Spec:
    """Columns of the analysis table and where they come from."""

    active: list[str]
    quali_sup: list[str]
    quanti_sup: list[str]
    multi: dict[str, str]          # expanded column -> question code
    labels: dict[str, str]         # "column=value" -> French label for reports and names


def select_respondents(clean: pd.DataFrame, column: str, values: list[str]) -> tuple[pd.DataFrame, Selection]:
    """Keep respondents whose ``column`` is in ``values``; count the others by answer."""
    if not column:
        return clean, Selection(excluded=0)
    if column not in clean.columns:
        raise ValueError(f"Colonne de sélection « {column} » absente du fichier nettoyé")
    keep = clean[column].isin(values)
    reasons = clean.loc[~keep, column].fillna("(sans réponse)").astype(str).value_counts()
    info = Selection(rule=f"{column} ∈ {{{', '.join(values)}}}", excluded=int((~keep).sum()),
                     excluded_by_answer={k: int(v) for k, v in reasons.items()})
    return clean.loc[keep], info


def _expand(codes: list[str], clean: pd.DataFrame, codebook: Codebook | None, missing: list[str]):
    cols, multi = [], {}
    for code in codes:
        if code in clean.columns:
            cols.append(code)
            continue
        found = [c for c in clean.columns if c.startswith(f"{code}__")]
        if codebook is not None and code in codebook.codes and codebook[code].type == "multi":
            found = [c for c in codebook[code].columns if c in clean.columns] or found
        if found:
            cols += found
            multi.update({c: code for c in found})
        else:
            missing.append(code)
    return cols, multi


# Answers that say nothing on their own in a type's name ("Aucun" of which question?).
GENERIC_ANSWERS = frozenset({"aucun", "aucune", "autre", "oui", "non", "ne sait pas"})


def _qualified(label: str, question: str) -> str:
    """'Aucun' -> 'Aucun (Cofinancements mobilisés)'; other labels unchanged."""
    if normalize_label(label) in GENERIC_ANSWERS:
        return f"{label} ({question.rstrip(' ?')})"
    return label


def build_spec(clean: pd.DataFrame, active: list[str], quali_sup: list[str], quanti_sup: list[str],
               codebook: Codebook | None = None) -> Spec:
    """Resolve variable codes to columns (a multi-select code gives its ``<code>__*`` columns)."""
    missing: list[str] = []
    act, m1 = _expand(active, clean, codebook, missing)
    qs, m2 = _expand(quali_sup, clean, codebook, missing)
    qn = [c for c in quanti_sup if c in clean.columns]
    missing += [c for c in quanti_sup if c not in clean.columns]
    if missing:
        raise KeyError("Variable(s) introuvable(s) : " + ", ".join(missing)
                       + " (colonnes disponibles : " + ", ".join(map(str, clean.columns[:40]))
                       + (", …" if len(clean.columns) > 40 else "") + ")")
    multi = {**m1, **m2}
    labels = {}
    if codebook is not None:
        for col, code in multi.items():
            slug = col.split("__", 1)[1]
            try:
                lab = codebook[code].modality(slug).label
            except KeyError:
                lab = slug
            labels[f"{col}={YES}"] = _qualified(lab, codebook[code].label)
            labels[f"{col}={NO}"] = None
        for col in act + qs:
            if col in multi or col not in codebook.codes:
                continue
            for value in clean[col].dropna().unique():
                if normalize_label(value) in GENERIC_ANSWERS:
                    labels[f"{col}={value}"] = _qualified(str(value), codebook[col].label)
    return Spec(act, [c for c in qs if c not in act], [c for c in qn if c not in act + qs], multi, labels)


def analysis_table(clean: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """Categorical answers as strings (multi-select as Oui/Non), numbers as floats."""
    out = {}
    for c in spec.active + spec.quali_sup:
        s = clean[c]
        if pd.api.types.infer_dtype(s, skipna=True) == "boolean":   # multi-select: Oui / Non
            s = s.astype("boolean").map({True: YES, False: NO})
        s = s.astype(object)
        blank = s.isna() | (s.astype(str).str.strip() == "")
        out[c] = s.where(~blank, np.nan).map(str).where(~blank, np.nan)
    for c in spec.quanti_sup:
        out[c] = pd.to_numeric(clean[c], errors="coerce").astype(float)
    return pd.DataFrame(out, index=clean.index)

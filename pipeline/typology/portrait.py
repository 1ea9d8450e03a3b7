"""Portraits of the types along the five dimensions of the study, and the names they give.

A type is more than its five most distinctive categories: a network officer asks what its
collectivités do (types of action), with what means (budget, staff), with whom (partnerships),
how formalised it is (strategy) and what holds them back (obstacles, needs). The dimensions and
their questions are the codebook's (``dimensions:``); this module computes, for each type, every
answer of those questions in the type and among all respondents:

- a categorical answer (one modality of a single question, one ticked option of a multi-select
  question): its count and share among the type's respondents who answered the question, the same
  among all, and the hypergeometric v-test of catdes (Lebart, Morineau & Piron 1995, §2.4; as
  :mod:`pipeline.typology.describe`), over the respondents who answered;
- a number (budget, staff, partnerships): its median in the type and among all;
- the respondents of the type who left the question unanswered: counted and shown, never a
  trait (a missing answer is passive in the typology: ``typology.missing``).

The table is typed data: the typology stage names the types from it (:func:`name_types_from`),
and the reports render it (national, and a network's members of each type beside them) through
their secrecy rules. No scikit-learn here: a report kernel imports this module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.common.text import normalize_label
from pipeline.domain.codebook import Codebook, Question

# One row per (type, question, answer): see the module docstring.
PORTRAIT_COLUMNS = ("type", "dimension", "dimension_title", "question", "column", "value", "label", "text", "kind",
                    "n", "base", "share", "n_all", "base_all", "share_all", "v_test", "median", "median_all")
SHARE, MEDIAN, MISSING = "share", "median", "missing"
OTHER_ANSWER = "Autre réponse (hors liste)"  # as the reports group answers outside the codebook's list
DISTINCTIVE_V = 2.0      # |v-test| >= 2 (p <= 0.05): catdes's threshold for a distinctive answer
CARD_DISTINCTIVE = 4     # distinctive answers listed on a card
# Key facts shown on every card whatever the v-test: medians of these numbers, the most frequent
# options of these multi-select questions (how many), the most frequent answer of these singles.
KEY_MEDIANS = ("B05", "C01", "D02")
KEY_TOP = {"F01": 3, "F02": 3, "E02": 2}
KEY_MODAL = ("D04", "E03")


def portrait_table(answers: pd.DataFrame, types: pd.Series, codebook: Codebook, vtests: bool = True) -> pd.DataFrame:
    """Every answer of the dimensions' questions, per type and among all typed respondents.

    Parameters
    ----------
    answers : pandas.DataFrame
        The clean table of the typed respondents (one row each, any index).
    types : pandas.Series
        The type (1..k) of each row of ``answers``, aligned on its index.
    codebook : Codebook
        Questions, labels and the dimensions of the study.
    vtests : bool
        Compute the v-tests (False: ``v_test`` left empty, for a table only read for its counts).
    """
    y = pd.Series(np.asarray(types, dtype=int), index=answers.index)
    levels = np.sort(y.unique())
    rows: list[dict] = []
    for dim in codebook.dimensions:
        for code in dim.questions:
            q = codebook[code]
            head = {"dimension": dim.slug, "dimension_title": dim.title, "question": code}
            answered = _answered(q, answers)  # once per question, whatever the type
            for t in levels:
                for line in _question_lines(q, answered, y, t, vtests):
                    rows.append({**head, "type": int(t), **line, "text": _text(q, line)})
    table = pd.DataFrame(rows, columns=list(PORTRAIT_COLUMNS))
    return table.astype({"type": int, "n": int, "base": int, "n_all": int, "base_all": int})


def _text(q: Question, line: dict) -> str:
    """What a reader sees on a card: the question, then the answer ('Stratégie internationale : Aucune')."""
    question = q.label.rstrip(" ?")
    if line["kind"] == MEDIAN:
        return f"{question} (médiane)"
    if line["kind"] == MISSING:
        return f"{question} : sans réponse"
    return f"{question} : {line['label']}"


def _answered(q: Question, answers: pd.DataFrame) -> tuple[pd.DataFrame | pd.Series | None, pd.Series]:
    """The question's values and who answered it (a multi-select: any option filled in)."""
    if q.type == "multi":  # the reports' base: respondents who ticked at least one option
        cols = [c for c in q.columns if c in answers.columns]
        if not cols:
            return None, pd.Series(False, index=answers.index)
        block = answers[cols].astype("boolean")
        return block, block.fillna(False).any(axis=1)
    if q.code not in answers.columns:
        return None, pd.Series(False, index=answers.index)
    values = answers[q.code]
    if q.type == "number":
        values = pd.to_numeric(values, errors="coerce")
    return values, values.notna()


def _question_lines(q: Question, answered_values: tuple, y: pd.Series, t: int, vtests: bool = True) -> list[dict]:
    values, answered = answered_values
    if values is None:
        return []
    in_type = (y == t).to_numpy()
    ok = answered.to_numpy()
    base, base_all = int((in_type & ok).sum()), int(ok.sum())
    n_type, n = int(in_type.sum()), len(y)
    lines = [{"column": q.code, "value": None, "label": "Sans réponse", "kind": MISSING,
              "n": n_type - base, "base": n_type, "share": _ratio(n_type - base, n_type),
              "n_all": n - base_all, "base_all": n, "share_all": _ratio(n - base_all, n), "v_test": np.nan,
              "median": np.nan, "median_all": np.nan}]
    if q.type == "number":
        v = values.to_numpy(dtype=float)
        lines.append({"column": q.code, "value": None, "label": q.label, "kind": MEDIAN, "n": base, "base": base,
                      "share": np.nan, "n_all": base_all, "base_all": base_all, "share_all": np.nan,
                      "v_test": np.nan, "median": float(np.median(v[in_type & ok])) if base else np.nan,
                      "median_all": float(np.median(v[ok])) if base_all else np.nan})
        return lines
    if q.type == "multi":
        options = [(f"{q.code}__{m.slug}", m) for m in q.modalities if f"{q.code}__{m.slug}" in values.columns]
        for col, m in options:
            ticked = values[col].fillna(False).to_numpy(dtype=bool) & ok
            lines.append(_share_line(col, m.slug, m.label, ticked, in_type, ok, vtests))
        return lines
    labels = [m.label for m in q.modalities] or sorted(values.dropna().astype(str).unique())
    text = values.astype("string")
    for m_label in labels:
        chosen = (text == m_label).fillna(False).to_numpy(dtype=bool)
        if chosen.any():
            lines.append(_share_line(q.code, m_label, m_label, chosen, in_type, ok, vtests))
    other = (~text.isin(labels)).fillna(False).to_numpy(dtype=bool) & ok
    if other.any():  # answers outside the list, grouped as the reports group them: the lines add up to the base
        lines.append(_share_line(q.code, OTHER_ANSWER, OTHER_ANSWER, other, in_type, ok, vtests))
    return lines


def _share_line(column: str, value: str, label: str, chosen: np.ndarray, in_type: np.ndarray,
                answered: np.ndarray, vtests: bool = True) -> dict:
    base, base_all = int((in_type & answered).sum()), int(answered.sum())
    k, k_all = int((chosen & in_type).sum()), int(chosen.sum())
    return {"column": column, "value": value, "label": label, "kind": SHARE, "n": k, "base": base,
            "share": _ratio(k, base), "n_all": k_all, "base_all": base_all, "share_all": _ratio(k_all, base_all),
            "v_test": _vtest(k, base, k_all, base_all) if vtests else np.nan, "median": np.nan, "median_all": np.nan}


def _ratio(a: int, b: int) -> float:
    return a / b if b else np.nan


def _vtest(k: int, n_k: int, n_j: int, n: int) -> float:
    """catdes's v-test of a count k among n_k drawn from n holding n_j (hypergeometric mid-p)."""
    if n_k == 0 or n == 0 or n_j in (0, n) or n_k == n:
        return np.nan
    mid = stats.hypergeom.pmf(k, n, n_j, n_k)
    p = min(2 * stats.hypergeom.cdf(k - 1, n, n_j, n_k) + mid, 2 * stats.hypergeom.sf(k, n, n_j, n_k) + mid)
    v = -stats.norm.ppf(min(p, 1.0) / 2)
    return float(v if k / n_k > n_j / n else -v)


def card(table: pd.DataFrame, t: int, dimension: str, codebook: Codebook) -> pd.DataFrame:
    """What a type's card shows for one dimension: its distinctive answers (v-test >= 2, the most
    distinctive first, at most ``CARD_DISTINCTIVE``), then the key facts (medians, most frequent
    obstacles, needs and partners, the strategy), each once; ``role`` says which."""
    own = table[(table["type"] == t) & (table["dimension"] == dimension)]
    shares = own[own["kind"] == SHARE]
    distinctive = shares[(shares["v_test"] >= DISTINCTIVE_V) & (shares["share"] > shares["share_all"])
                         & ~shares["label"].map(_is_generic_no)]
    distinctive = distinctive.sort_values("v_test", ascending=False, kind="stable").head(CARD_DISTINCTIVE)
    parts = [distinctive.assign(role="distinctive")]
    for code in KEY_MEDIANS:
        parts.append(own[(own["question"] == code) & (own["kind"] == MEDIAN)].assign(role="key"))
    for code, top in KEY_TOP.items():
        options = shares[(shares["question"] == code) & (shares["n"] > 0)]
        parts.append(options.sort_values(["share", "n_all"], ascending=False, kind="stable").head(top).assign(role="key"))
    for code in KEY_MODAL:
        options = shares[(shares["question"] == code) & (shares["n"] > 0)]
        parts.append(options.sort_values("share", ascending=False, kind="stable").head(1).assign(role="key"))
    out = pd.concat(parts, ignore_index=True)
    out = out.drop_duplicates(["column", "value"], keep="first")
    order = {c: i for i, c in enumerate(next(d.questions for d in codebook.dimensions if d.slug == dimension))}
    key = out["role"].eq("key")
    out = pd.concat([out[~key], out[key].assign(_o=out.loc[key, "question"].map(order)).sort_values(
        "_o", kind="stable").drop(columns="_o")], ignore_index=True)
    return out


def missing_share(table: pd.DataFrame, t: int, dimension: str) -> tuple[int, int, int, int]:
    """Unanswered questions of a dimension in a type and among all: (missing, asked) answers, summed
    over its questions — counted and shown on the card, never a trait."""
    rows = table[(table["type"] == t) & (table["dimension"] == dimension) & (table["kind"] == MISSING)]
    return int(rows["n"].sum()), int(rows["base"].sum()), int(rows["n_all"].sum()), int(rows["base_all"].sum())


# -- names ------------------------------------------------------------------------------------
# Signals of a structured organisation (positive) or of an occasional one (negative), read as
# (column, answer label) pairs: over-represented in the type, they move its score by the weight.
STRUCTURE_SIGNALS = {
    ("D01", "Direction ou service dédié"): 1, ("D01", "Pas d'organisation identifiée"): -1,
    ("D04", "Adoptée par délibération"): 1, ("D04", "Formalisée sans délibération"): 1, ("D04", "Aucune"): -1,
    ("C02", "Oui"): 1, ("C02", "Non"): -1,
    ("D03", "Élu·e dédié·e (adjoint·e ou vice-président·e)"): 1, ("D03", "Pas d'élu·e référent·e"): -1,
}
# Second part of a name, from the means and partnerships of the type, the first found in this order.
MEANS_TRAITS = (
    (("C02", "Oui"), "budget dédié"),
    (("C03__fonds_europeens", "fonds_europeens"), "fonds européens"),
    (("C03__dctciv", "dctciv"), "appels à projets du ministère"),
    (("E03", "Oui"), "en consortium"),
    (("C03__oudin_santini", "oudin_santini"), "financements de l'eau"),
    (("E02__entreprises", "entreprises"), "avec les entreprises"),
    (("E02__asi_osim", "asi_osim"), "avec les associations"),
    (("E02__etablissements_scolaires", "etablissements_scolaires"), "avec les écoles"),
)
ACTION = "B03"
PAST = ("B01", "Oui, par le passé")   # a type most of whose collectivités acted in the past only: « en veille »
MAX_CORE = 40            # two actions in a name when their labels hold in this many characters
# Ticked options that can tell two types of the same suggested name apart
TRAIT_QUESTIONS = ("B03", "B07", "B06", "D05", "E01", "E02", "C03", "E04")
_FEMININE_END = ("tion", "sion", "té", "ie", "ure", "ance", "ence", "ide")


def _is_generic_no(label: object) -> bool:
    """'Aucun', 'Aucune', 'Non', 'Pas d'…': answers that say what a type lacks, never a trait shown
    as such nor a name."""
    key = normalize_label(label)
    return key in {"aucun", "aucune", "non", "non jamais"} or key.startswith("pas d") or key.startswith("aucun ")


def short_label(label: str) -> str:
    """'Éducation … internationale (ECSI)' -> 'ECSI'; 'Volontariat (VIES, VSI, service civique)' ->
    'Volontariat': a long label with an acronym in brackets is the acronym, other brackets are dropped."""
    m = re.fullmatch(r"(.*?)\s*\(([^)]*)\)\s*", label)
    if not m:
        return label
    inner = m.group(2).strip()
    if len(m.group(1)) > 30 and re.fullmatch(r"[A-ZÉ]{2,8}", inner):
        return inner
    return m.group(1)


def _agree(adjective: str, noun: str) -> str:
    """'structuré' agreed with the first word of ``noun`` (feminine endings, plural in -s)."""
    word = noun.split()[0].lower()
    plural = word.endswith("s") and not word.endswith("ss")
    feminine = word.rstrip("s").endswith(_FEMININE_END) or word in {"aide", "relations"}
    return adjective + ("e" if feminine else "") + ("s" if plural else "")


def _lower_first(text: str) -> str:
    return text if text[:2].isupper() else text[:1].lower() + text[1:]


def _over(lines: pd.DataFrame) -> pd.DataFrame:
    shares = lines[lines["kind"] == SHARE]
    return shares[(shares["v_test"] >= DISTINCTIVE_V) & (shares["share"] > shares["share_all"])]


def suggest_name(table: pd.DataFrame, t: int) -> str:
    """A name a reader understands, from the type's portrait: its main types of action, how structured
    it is and its means ('Coopération décentralisée structurée, budget dédié', 'Engagement ponctuel via
    jumelage'). Built from over-represented answers only: never a missing answer, never an 'Aucun'."""
    own = table[table["type"] == t]
    over = _over(own)
    actions = over[(over["question"] == ACTION) & (over["share"] >= 0.5)].sort_values("v_test", ascending=False)
    if actions.empty:  # no action is distinctive: the most frequent one, if most do it
        shares = own[(own["question"] == ACTION) & (own["kind"] == SHARE)].sort_values("share", ascending=False)
        actions = shares[shares["share"] >= 0.5].head(1)
    labels = [str(a) for a in actions["label"].head(2)]
    names = [short_label(a) for a in labels]
    core = names[0] if names else "Engagement international"
    two = len(names) == 2 and len(names[0]) + len(names[1]) <= MAX_CORE
    signals = {(q, lab): w for (q, lab), w in STRUCTURE_SIGNALS.items()}
    score = sum(signals.get((q, str(lab)), 0) for q, lab in zip(over["question"], over["label"]))
    trait = None
    keys = set(zip(over["column"], over["value"].astype(str)))
    for key, text in MEANS_TRAITS:
        if key in keys:
            trait = text
            break
    past = over[(over["question"] == PAST[0]) & (over["label"] == PAST[1]) & (over["share"] >= 0.5)]
    if not past.empty:
        name = "Action internationale en veille"
        return f"{name}, surtout {_lower_first(core)}" if names else name
    if score <= -2:
        name = f"Engagement ponctuel via {_lower_first(core)}" if names else "Engagement ponctuel, sans organisation dédiée"
        return name if trait in (None, "budget dédié") else f"{name}, {trait}"
    parts = [f"{core} et {_lower_first(names[1])}" if two else core]
    if score >= 2:
        if names and not two:
            parts[0] = f"{core} {_agree('structuré', labels[0])}"
        else:
            parts.append("organisation structurée")
    elif score < 0 and names:
        parts.append("organisation légère")
    if trait:
        parts.append(trait)
    return ", ".join(parts[:3])


def name_types_from(table: pd.DataFrame, analyst: Mapping[str, str] | None = None) -> dict[int, str]:
    """The name of each type: suggested from its portrait, distinct from the others' (a further trait,
    else « variante »), and replaced by the analysts' name given for that suggestion (params.yaml,
    ``typology.names``: suggested name -> chosen name), so that a name follows the profile, not the number."""
    types = sorted(int(t) for t in table["type"].unique())
    suggested = {t: suggest_name(table, t) for t in types}
    seen: dict[str, int] = {}
    for t in types:
        name = suggested[t]
        if name in seen:
            extra = _distinguishing_trait(table, t, name)
            name = f"{name}, {extra}" if extra and f"{name}, {extra}" not in seen else f"{name} (variante {seen[name] + 1})"
            seen[suggested[t]] += 1
        seen.setdefault(name, 1)
        suggested[t] = name
    chosen = {str(k).strip(): str(v).strip() for k, v in (analyst or {}).items() if str(v).strip()}
    return {t: chosen.get(name, name) for t, name in suggested.items()}


def _distinguishing_trait(table: pd.DataFrame, t: int, name: str) -> str | None:
    over = _over(table[table["type"] == t]).sort_values("v_test", ascending=False)
    over = over[over["question"].isin(TRAIT_QUESTIONS)]
    for label in over["label"]:
        text = short_label(str(label))
        if not _is_generic_no(label) and text.lower() not in name.lower():
            return _lower_first(text)
    return None

"""Respondents matched to the frame: by SIREN, then INSEE code, then name and département.

- **SIREN** (A03, valid Luhn key) found in the frame;
- **INSEE code** (A04): a commune's code, or a département's / région's code read with the declared
  type (A02; « 76 » is Occitanie for a région, Seine-Maritime for a département), the codes of
  départements whose collectivité is another one leading to it (67 and 68 to the Collectivité
  européenne d'Alsace, 2A and 2B to the Collectivité de Corse, 972 and 973 to the collectivités
  territoriales of Martinique and Guyane, 75 to the Ville de Paris);
- **name and département**: the name folded and stripped of the words of its kind (« Ville de »,
  « Communauté de communes du Pays de » → « CC »…) equal to one collectivité's of the
  respondent's département (région for régions), else a unique close name (rapidfuzz
  ``token_sort_ratio`` at least ``fuzzy_threshold``), of the declared type when there is one.

A respondent matched to a collectivité already taken by another is left unmatched (one answer
per collectivité: the clean stage's deduplication should have kept only one). Every unmatched
respondent gets a French reason.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from pipeline.common.identifiers import normalize_insee_series, normalize_siren_series, siren_valid_series
from pipeline.common.text import fold
from pipeline.domain.codebook import Codebook

MATCH_COLUMNS = ("response_id", "siren", "match", "declared_type", "type", "type_differs")
UNMATCHED_COLUMNS = ("response_id", "A01", "declared_type", "A03", "A04", "departement_code", "reason_fr")
RULES_FR = {"siren": "SIREN", "insee": "code INSEE", "nom": "nom et département", "nom approché": "nom approché"}
# Codes of départements whose collectivité is another one (see collectivites.README.md)
ABSORBED = {"67": ("departement", "6AE"), "68": ("departement", "6AE"), "2A": ("region", "94"),
            "2B": ("region", "94"), "972": ("region", "02"), "973": ("region", "03"), "75": ("commune", "75056")}
# Types read together: a collectivité à statut particulier may call itself a région, a métropole a CU
_LEVEL = {"region": "region", "statut_particulier": "region", "departement": "departement",
          "metropole": "epci", "cu": "epci", "ca": "epci", "cc": "epci", "commune": "commune"}
_WORDS = [  # (pattern on the folded name, replacement): the words of a collectivité's kind
    (r"^(?:la |le |l )?(?:ville|commune|mairie|municipalite) (?:de la |de l |de |d |du |des )?", ""),
    (r"^(?:le |la )?(?:conseil departemental|departement|cd) (?:de la |de l |de |d |du |des )?", ""),
    (r"^(?:le |la )?(?:conseil regional|region) (?:de la |de l |de |d |du |des )?", ""),
    (r"^(?:la )?collectivite (?:territoriale |europeenne )?(?:de la |de l |de |d |du |des )?", ""),
    (r"^communaute de communes ", "cc "),
    (r"^communaute d agglomeration ", "ca "),
    (r"^communaute urbaine ", "cu "),
    (r"^agglo(?:meration)? ", "ca "),
    (r"^(cc|ca|cu) (?:du |de la |de l |de |d |des )?(?:pays (?:de la |de l |de |d |du |des )?)?", r"\1 "),
    (r"^(?:la )?metropole (?:de la |de l |de |d |du |des )?", ""),
    (r" metropole$", ""),
]
_COMPILED = [(re.compile(p), r) for p, r in _WORDS]


def name_key(name: object) -> str:
    """A collectivité's name without the words of its kind: 'Communauté de communes du Pays de
    Faucigny-Glières' and 'CC Faucigny - Glières' give 'cc faucigny glieres'."""
    s = fold(str(name)) if isinstance(name, str) else ""
    for pattern, repl in _COMPILED:
        s = pattern.sub(repl, s, count=1)
    return s.strip()


def declared_types(clean: pd.DataFrame, codebook: Codebook) -> pd.Series:
    """A02 label -> slug (NA when missing)."""
    slug = {m.label: m.slug for m in codebook["A02"].modalities}
    return clean["A02"].astype("string").map(slug).astype("string")


def match_respondents(clean: pd.DataFrame, frame: pd.DataFrame, codebook: Codebook, *,
                      fuzzy_threshold: float = 90) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(matched, unmatched): one row per respondent of ``clean`` found in ``frame`` (its SIREN,
    the rule that found it, declared and frame type), and the others with a French reason."""
    n = len(clean)
    declared = declared_types(clean, codebook).reset_index(drop=True)
    siren = normalize_siren_series(clean["A03"]).reset_index(drop=True)
    siren = siren.where(siren_valid_series(siren).fillna(False).astype(bool))
    insee = normalize_insee_series(clean["A04"]).reset_index(drop=True)
    dept = _column(clean, "departement_code")
    region = _column(clean, "region_code")
    found = pd.Series(pd.NA, index=range(n), dtype="string")
    rule = pd.Series(pd.NA, index=range(n), dtype="string")

    in_frame = set(frame["siren"])
    by_siren = siren.where(siren.isin(in_frame))
    found, rule = found.fillna(by_siren), rule.mask(by_siren.notna(), "siren")

    codes = _code_index(frame)
    by_code = pd.Series([_by_code(c, t, codes) for c, t in zip(insee, declared)], dtype="string")
    new = found.isna() & by_code.notna()
    found, rule = found.fillna(by_code), rule.mask(new, "insee")

    keys = _name_index(frame)
    level = declared.map(_LEVEL)
    names = clean["A01"].reset_index(drop=True)
    for i in np.flatnonzero(found.isna().to_numpy()):
        hit = _by_name(names[i], dept[i], region[i], level[i], keys, fuzzy_threshold)
        if hit is not None:
            found[i], rule[i] = hit

    # one respondent per collectivité (the first in table order keeps it)
    taken = found.notna() & found.duplicated(keep="first")
    first_of = pd.Series(range(n), index=range(n))[found.notna() & ~taken].groupby(found).first()
    ids = clean["response_id"].astype("string").reset_index(drop=True)
    frame_type = found.map(dict(zip(frame["siren"], frame["type"]))).astype("string")
    ok = found.notna() & ~taken
    matched = pd.DataFrame({
        "response_id": ids[ok], "siren": found[ok], "match": rule[ok], "declared_type": declared[ok],
        "type": frame_type[ok],
        "type_differs": (declared[ok].notna() & (declared[ok].map(_LEVEL) != frame_type[ok].map(_LEVEL))).astype(bool),
    }).reset_index(drop=True)
    reasons = [
        _reason(siren_raw, siren[i], insee[i], names[i], dept[i], declared[i], found[i], bool(taken[i]),
                ids[int(first_of[found[i]])] if taken[i] else None)
        for i, siren_raw in enumerate(clean["A03"].astype("string").reset_index(drop=True))
    ]
    lost = ~ok
    unmatched = pd.DataFrame({
        "response_id": ids[lost], "A01": names.astype("string")[lost], "declared_type": declared[lost],
        "A03": clean["A03"].astype("string").reset_index(drop=True)[lost], "A04": insee[lost],
        "departement_code": dept[lost], "reason_fr": pd.Series(reasons, dtype="string")[lost],
    }).reset_index(drop=True)
    return matched[list(MATCH_COLUMNS)], unmatched[list(UNMATCHED_COLUMNS)]


def _column(df: pd.DataFrame, name: str) -> pd.Series:
    if name in df.columns:
        return df[name].astype("string").reset_index(drop=True)
    return pd.Series(pd.NA, index=range(len(df)), dtype="string")


def _code_index(frame: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(level, INSEE code) -> SIREN."""
    out = {}
    for code, kind, siren in zip(frame["code"], frame["type"], frame["siren"]):
        if isinstance(code, str) and code:
            out[(_LEVEL[kind], code)] = siren
    for code, (level, target) in ABSORBED.items():
        if (level, target) in out:
            out.setdefault(("departement", code), out[(level, target)])
    return out


def _by_code(code, declared, codes: dict[tuple[str, str], str]) -> str | None:
    if not isinstance(code, str):
        return None
    if len(code) == 5:
        return codes.get(("commune", code))
    level = _LEVEL.get(declared) if isinstance(declared, str) else None
    if level in ("region", "departement"):
        return codes.get((level, code)) or (codes.get(("departement", code)) if level == "region" and code in ABSORBED
                                            else None)
    if level is None:  # no type: only a code that is a département's and no région's, or the reverse
        hits = {codes.get(("region", code)), codes.get(("departement", code))} - {None}
        return hits.pop() if len(hits) == 1 else None
    return None


def _name_index(frame: pd.DataFrame) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    """(place, level) -> [(name key, SIREN, type)]; the place is the département, or the région
    for régions and the collectivités without a département."""
    out: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for name, dept, reg, kind, siren in zip(frame["name"], frame["departement"], frame["region"], frame["type"],
                                            frame["siren"]):
        place = dept if isinstance(dept, str) and dept else f"r{reg}"
        out.setdefault((place, _LEVEL[kind]), []).append((name_key(name), siren, kind))
    return out


def _by_name(name, dept, region, level, keys, threshold: float) -> tuple[str, str] | None:
    key = name_key(name)
    if not key:
        return None
    places = [p for p in (dept if isinstance(dept, str) else None,
                          f"r{region}" if isinstance(region, str) else None) if p]
    levels = [level] if isinstance(level, str) else ["commune", "epci", "departement", "region"]
    candidates = [c for p in places for lv in levels for c in keys.get((p, lv), [])]
    exact = {s for k, s, _ in candidates if k == key}
    if len(exact) == 1:
        return exact.pop(), "nom"
    if exact or not candidates:
        return None
    scored = process.extract(key, [k for k, _, _ in candidates], scorer=fuzz.token_sort_ratio, limit=2)
    if scored and scored[0][1] >= threshold and (len(scored) == 1 or scored[1][1] < scored[0][1]):
        return candidates[scored[0][2]][1], "nom approché"
    return None


def _reason(siren_raw, siren, insee, name, dept, declared, found, taken: bool, first: str | None) -> str:
    if taken:
        return (f"même collectivité (SIREN {found}) que la réponse {first} : une seule réponse par collectivité "
                "entre dans les taux de réponse et le redressement")
    if declared == "syndicat":
        return ("type « Syndicat ou autre groupement » : les syndicats ne sont pas dans la base des collectivités "
                "(aucune liste officielle)")
    tried = []
    if isinstance(siren, str):
        tried.append(f"SIREN {siren} absent de la base")
    elif isinstance(siren_raw, str) and siren_raw.strip():
        tried.append(f"SIREN « {siren_raw} » invalide")
    if isinstance(insee, str):
        tried.append(f"code INSEE {insee} absent de la base" if len(insee) == 5 or isinstance(declared, str)
                     else f"code INSEE {insee} ambigu (région ou département) sans type de collectivité")
    if isinstance(name, str) and name.strip():
        where = f"le département {dept}" if isinstance(dept, str) else "un département connu"
        tried.append(f"nom « {name} » introuvable dans {where}")
    if not tried:
        return "ni SIREN, ni code INSEE, ni nom : la réponse ne peut pas être rattachée à une collectivité"
    return " ; ".join(tried)


__all__ = ["MATCH_COLUMNS", "UNMATCHED_COLUMNS", "declared_types", "match_respondents", "name_key"]

"""Demo population of collectivités, drawn from a numpy Generator out of the frame of collectivités
(real communes, EPCI, départements and régions, with a size- and type-dependent chance to be asked),
plus a few made-up syndicats, each with its planted model."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from pipeline.common.identifiers import INSEE_PATTERN, luhn_complete
from pipeline.demo.models import BIG_CITY, VILLAGE, Model, planted
from pipeline.domain.codebook import load_codebook
from pipeline.domain.reference import read_reference, reference_path

NO_NETWORK = "sans RRMA identifié"
# Régions whose network took part in the ACTER study weigh more in the demo wave.
_ACTER_NETWORKS = ("resacoop", "centraider", "gescod", "occitanie-cooperation", "so-cooperation",
                   "horizons-solidaires", "lianes-cooperation", "pays-de-la-loire-cooperation-internationale")

_ROOTS = (
    "Montclar", "Beaulieu", "Valmont", "Roquebrune", "Fontenay", "Belcastel", "Mirebeau", "Cerdan", "Lavaur",
    "Clairvaux", "Aubrac", "Montfaucon", "Rochefort", "Villeneuve", "Castelnau", "Bellegarde", "Chaumont",
    "Ferrières", "Pradelles", "Sauveterre", "Vauclair", "Marsillac", "Brassac", "Lunel", "Auberive", "Monestier",
    "Puylaurens", "Trémolat", "Saugues", "Cazères", "Varennes", "Champagnac", "Lézignan", "Orgelet", "Brézins",
    "Hautefort", "Mézières", "Pontcharra", "Quintin", "Rostrenen", "Saulxures", "Thénezay", "Uzerche", "Vézelay",
    "Yssac", "Arbois", "Bouzonville", "Crozon", "Dieulefit", "Étréchy", "Gramat", "Juvigny", "Lamballe",
    "Mauléon", "Nérac", "Objat", "Plélan", "Revel", "Salers", "Tulette", "Vic", "Aignan", "Brioude", "Corbie",
    "Domfront", "Eymet", "Figeac", "Gençay", "Hesdin", "Issoire", "Josselin", "Langeac", "Marciac", "Nozay",
)
_PREFIXES = ("", "", "", "", "", "Saint-")
_SUFFIXES = ("", "", "", "", "-sur-Loire", "-sur-Mer", "-les-Bains", "-en-Bresse", "-le-Château", "-d'Arve",
             "-la-Forêt", "-sur-Lot", "-du-Mont", "-en-Vallée", "-l'Abbaye", "-le-Vieux")
@dataclass(frozen=True)
class Collectivite:
    """One collectivité of the demo population (respondent or not)."""

    collectivite_id: str
    model: str
    name: str
    type: str  # A02 slug
    siren: str
    insee: str | None  # none for an EPCI or a syndicat
    region_code: str
    region_name: str
    departement_code: str
    departement_name: str
    population: int
    rrma: str
    responded: bool


def _pick(rng: np.random.Generator, weights: Mapping[str, float]) -> str:
    keys = sorted(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def _region_weights(rrma_rows: list[dict[str, str]]) -> dict[str, float]:
    weights = {}
    for r in rrma_rows:
        if r["rrma"] == NO_NETWORK:
            weights[r["region"]] = 0.006
        elif r["rrma_slug"] in _ACTER_NETWORKS:
            weights[r["region"]] = 0.10
        else:
            weights[r["region"]] = 0.045
    return weights


def _commune_name(rng: np.random.Generator, used: set[str]) -> str:
    for _ in range(200):
        prefix = _PREFIXES[int(rng.integers(len(_PREFIXES)))]
        root = _ROOTS[int(rng.integers(len(_ROOTS)))]
        suffix = _SUFFIXES[int(rng.integers(len(_SUFFIXES)))]
        name = f"{prefix}{root}{suffix}"
        if name not in used:
            used.add(name)
            return name
    name = f"{_ROOTS[int(rng.integers(len(_ROOTS)))]}-{len(used)}"
    used.add(name)
    return name


def _display_name(kind: str, place: str, dept_name: str, region_name: str) -> str:
    if kind == "commune":
        return f"Ville {_de(place)}"
    if kind == "cc":
        return f"Communauté de communes du Pays de {place}" if place[0] not in "AEIOUÉÈ" else f"Communauté de communes du Pays d'{place}"
    if kind == "ca":
        return f"Communauté d'agglomération {_de(place)}"
    if kind == "cu":
        return f"Communauté urbaine {_de(place)}"
    if kind == "metropole":
        return f"{place} Métropole"
    if kind == "departement":
        return f"Département {_de(dept_name)}"
    if kind in ("region", "statut_particulier"):
        return f"Région {region_name}" if kind == "region" else f"Collectivité de {region_name}"
    return f"Syndicat intercommunal des eaux {_de(place)}"


def _de(name: str) -> str:
    """'de Lunel', "d'Arbois": the French preposition before a place name."""
    return f"d'{name}" if name[0] in "AEIOUYÉÈ" else f"de {name}"


def _model_weights(models: tuple[Model, ...], kind: str, population: int) -> dict[str, float]:
    weights = {}
    for m in models:
        w = m.adoption.get(kind, 0.0)
        if kind == "commune":  # big cities look like EPCI, small villages like some models more
            if population > BIG_CITY:
                w = m.big_city
            elif population < VILLAGE:
                w *= m.village_factor
        weights[m.key] = w
    if sum(weights.values()) <= 0:
        weights = {m.key: 1.0 for m in models}
    return weights


# Who is asked: as many collectivités of each type as models.yaml's type shares say (the régions'
# share covers the collectivités à statut particulier; at most _MAX_ASKED of a type's collectivités,
# the rest going to communes), and within a type, the larger ones much more often
# (``(population / 1000) ** _SIZE_POWER``: in the demo wave of 600 respondents, 1.6 % of the communes
# under 2,000 inhabitants are asked, 7 % of those of 2,000 to 10,000, 18 % to 50,000, 46 % above), and
# those of the networks that took part in ACTER more often. Response is thus strongly tied to size and type,
# as in the real survey: a share among respondents is not a share among collectivités, and the
# calibration (pipeline/survey) has something to correct.
_SIZE_POWER = {"commune": 0.75, "cc": 0.5, "ca": 0.5, "cu": 0.3, "metropole": 0.3, "departement": 0.3,
               "region": 0.3, "statut_particulier": 0.3}
_MAX_ASKED = 0.9
_SAME_SHARE = {"statut_particulier": "region"}


def _frame() -> pd.DataFrame:
    """The shipped frame of collectivités (pipeline/domain/reference/collectivites.csv.gz)."""
    table = pd.read_csv(reference_path("collectivites.csv.gz"), dtype=str, keep_default_na=False)
    return table.assign(population=table["population"].astype(int))


def inclusion_probabilities(frame: pd.DataFrame, region_weights: Mapping[str, float], size: float) -> np.ndarray:
    """Chance of each collectivité of the frame to be asked, summing to ``size`` less the syndicats:
    type counts from the planted type shares, size and région within a type."""
    kind = frame["type"].map(lambda k: _SAME_SHARE.get(k, k)).to_numpy()
    pop = frame["population"].to_numpy(dtype=float)
    p = np.maximum(pop / 1000, 0.05) ** frame["type"].map(_SIZE_POWER).to_numpy(dtype=float)
    p = p * frame["region"].map(region_weights).to_numpy(dtype=float)
    shares = planted().type_shares
    wanted = {k: shares[k] * size for k in shares if k != "syndicat"}
    available = pd.Series(kind).value_counts()
    for k in list(wanted):
        cap = _MAX_ASKED * float(available.get(k, 0))
        if wanted[k] > cap:
            wanted["commune"] += wanted[k] - cap
            wanted[k] = cap
    pi = np.zeros(len(frame))
    for k, n in wanted.items():
        sel = kind == k
        pi[sel] = _inclusion(p[sel], n)
    return pi


def _inclusion(p: np.ndarray, size: int) -> np.ndarray:
    """Inclusion probabilities proportional to ``p``, capped at 1, summing to ``size``."""
    pi = np.zeros_like(p)
    free = np.ones(len(p), dtype=bool)
    for _ in range(50):
        pi[free] = p[free] * (size - (~free).sum()) / p[free].sum()
        over = free & (pi >= 1)
        if not over.any():
            break
        pi[over], free = 1.0, free & ~over
    return pi


def generate_population(
    rng: np.random.Generator, n_respondents: int, models: tuple[Model, ...], response_rate: float
) -> list[Collectivite]:
    """Collectivités of the wave drawn from the frame of collectivités (real names, codes, SIREN,
    populations): ``n_respondents`` who answer, plus the ones asked who did not. Who is asked
    depends on type, size and région (:func:`inclusion_probabilities`, Poisson sampling); a few
    made-up syndicats (not in the frame) are asked too."""
    regions = {r["code"]: r["nom"] for r in read_reference("regions.csv")}
    rrma_rows = read_reference("rrma.csv")
    rrma = {r["region"]: r["rrma"] for r in rrma_rows}
    depts: dict[str, list[tuple[str, str]]] = {}
    dept_name = {}
    for d in read_reference("departements.csv"):
        depts.setdefault(d["region"], []).append((d["code"], d["nom"]))
        dept_name[d["code"]] = d["nom"]
    region_w = _region_weights(rrma_rows)
    total = int(round(n_respondents / response_rate))
    n_syndicats = int(round(planted().type_shares["syndicat"] * total))
    frame = _frame()
    pi = inclusion_probabilities(frame, region_w, total)
    drawn = np.flatnonzero(rng.random(len(frame)) < pi)
    entries: list[tuple[str, dict | None]] = [("frame", frame.iloc[i].to_dict()) for i in drawn]
    entries += [("syndicat", None)] * n_syndicats
    order = rng.permutation(len(entries))
    entries = [entries[i] for i in order]
    model_names = {m.key: m.name for m in models}
    used_names: set[str] = set()
    used_sirens: set[str] = set(frame["siren"])
    median, sigma, lo, hi = planted().types["syndicat"].population
    out: list[Collectivite] = []
    responded_idx = set(rng.choice(len(entries), size=min(n_respondents, len(entries)), replace=False).tolist())
    for i, (source, row) in enumerate(entries):
        if row is not None:
            kind, region, population = row["type"], row["region"], int(row["population"])
            dept_code = row["departement"] or (row["code"] if row["code"] in dept_name else "")
            if not dept_code:  # a région, or the Alsace collectivity: one of its départements
                dept_code = "67" if row["code"] == "6AE" else depts[region][int(rng.integers(len(depts[region])))][0]
            name = _frame_name(row)
            siren = row["siren"]
            insee = row["code"] if re.fullmatch(INSEE_PATTERN, row["code"]) else None
        else:
            kind = "syndicat"
            region = _pick(rng, region_w)
            dept_code = depts[region][int(rng.integers(len(depts[region])))][0]
            population = int(np.clip(rng.lognormal(np.log(median), sigma), lo, hi))
            name = _display_name("syndicat", _commune_name(rng, used_names), dept_name[dept_code], regions[region])
            while True:
                dept_digits = dept_code.replace("2A", "20").replace("2B", "20")[:2]
                siren = luhn_complete("25" + dept_digits + f"{int(rng.integers(0, 10_000)):04d}")
                if siren not in used_sirens:
                    used_sirens.add(siren)
                    break
            insee = None
        model = _pick(rng, _model_weights(models, kind, population))
        out.append(Collectivite(
            collectivite_id=f"C{i + 1:04d}", model=model_names[model], name=name, type=kind, siren=siren,
            insee=insee, region_code=region, region_name=regions[region], departement_code=dept_code,
            departement_name=dept_name[dept_code], population=population, rrma=rrma[region],
            responded=i in responded_idx,
        ))
    return out


# How a collectivité names itself in the questionnaire (the frame's EPCI names are abbreviated)
_EPCI_WORDS = {"CC ": "Communauté de communes ", "CA ": "Communauté d'agglomération ", "CU ": "Communauté urbaine "}


def _frame_name(row: Mapping[str, object]) -> str:
    name = str(row["name"])
    if row["type"] == "commune":
        return f"Ville {_de(name)}"
    for short, long in _EPCI_WORDS.items():
        if name.startswith(short):
            return long + name[len(short):]
    return name


def planted_share(models: tuple[Model, ...], code: str, slug: str) -> float:
    """Share of all the frame's collectivités that would answer ``slug`` to the single question
    ``code`` had they all answered: each collectivité's chance of each planted model (by type and
    size, as the respondents'), times the model's chance of that answer. The population value a
    calibrated estimate of the demo aims at (the respondents' share is biased by who answers)."""
    index = [m.slug for m in load_codebook()[code].modalities].index(slug)
    answer = np.array([m.singles[code][index] / sum(m.singles[code]) for m in models])
    frame = _frame()
    pop = frame["population"].to_numpy()
    size = np.where(pop > BIG_CITY, "big", np.where(pop < VILLAGE, "village", "town"))
    total = 0.0
    for (kind, group), count in pd.Series(1, index=pd.MultiIndex.from_arrays([frame["type"], size])).groupby(
            level=[0, 1]).sum().items():
        stand_in = {"big": BIG_CITY + 1, "village": VILLAGE - 1, "town": VILLAGE}[group]
        w = _model_weights(models, kind, stand_in)
        p = np.array([w[m.key] for m in models])
        total += count * float(p @ answer / p.sum())
    return total / len(frame)

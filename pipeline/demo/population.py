"""Demo population of collectivités, drawn from a numpy Generator: real communes of the INSEE
tables where the drawn type is a commune, made-up names otherwise, each with its planted model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from pipeline.common.identifiers import luhn_complete
from pipeline.demo.models import BIG_CITY, VILLAGE, Model, planted
from pipeline.domain.reference import read_reference, reference_path

NO_NETWORK = "sans RRMA identifié"
# Régions whose network took part in the ACTER study weigh more in the demo wave.
_ACTER_NETWORKS = ("resacoop", "centraider", "gescod", "occitanie-cooperation", "so-cooperation",
                   "horizons-solidaires", "lianes-cooperation", "pays-de-la-loire-cooperation-internationale")
# Régions whose collectivité is a "collectivité à statut particulier" (Corse, Martinique, Guyane).
_SPECIAL_STATUS_REGIONS = ("94", "02", "03")

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
    insee: str
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


def _communes_by_departement() -> dict[str, pd.DataFrame]:
    """The shipped communes reference (INSEE COG), by département, with population and SIREN."""
    table = pd.read_csv(reference_path("communes.csv.gz"), dtype=str, keep_default_na=False)
    table = table[(table["population"] != "") & (table["siren"].str.fullmatch(r"\d{9}"))]
    table = table.assign(population=table["population"].astype(int))
    return {d: g.sort_values("code", kind="stable") for d, g in table.groupby("departement", sort=True)}


def _real_commune(table: pd.DataFrame | None, population: int, used: set[str]) -> dict[str, object] | None:
    """The unused commune of ``table`` whose population is nearest ``population`` (None if none)."""
    if table is None:
        return None
    free = table[~table["code"].isin(used)]
    if free.empty:
        return None
    row = free.iloc[int(np.argmin(np.abs(free["population"].to_numpy() - population)))]
    used.add(str(row["code"]))
    return row.to_dict()


def generate_population(
    rng: np.random.Generator, n_respondents: int, models: tuple[Model, ...], response_rate: float
) -> list[Collectivite]:
    """Collectivités of the wave: ``n_respondents`` who answer, plus the ones who did not."""
    regions = {r["code"]: r["nom"] for r in read_reference("regions.csv")}
    rrma_rows = read_reference("rrma.csv")
    rrma = {r["region"]: r["rrma"] for r in rrma_rows}
    depts: dict[str, list[tuple[str, str]]] = {}
    for d in read_reference("departements.csv"):
        depts.setdefault(d["region"], []).append((d["code"], d["nom"]))
    region_w = _region_weights(rrma_rows)
    total = int(round(n_respondents / response_rate))
    model_names = {m.key: m.name for m in models}
    used_names: set[str] = set()
    used_depts: set[str] = set()
    used_regions: set[str] = set()
    used_sirens: set[str] = set()
    used_codes: set[str] = set()
    communes = _communes_by_departement()
    types, shares = planted().types, planted().type_shares
    out: list[Collectivite] = []
    responded_idx = set(rng.choice(total, size=n_respondents, replace=False).tolist())
    for i in range(total):
        region = _pick(rng, region_w)
        kind = _pick(rng, shares)
        dept_code, dept_name = depts[region][int(rng.integers(len(depts[region])))]
        if kind == "departement":
            free = [d for d in depts[region] if d[0] not in used_depts]
            if free:
                dept_code, dept_name = free[int(rng.integers(len(free)))]
                used_depts.add(dept_code)
            else:
                kind = "commune"
        if kind == "region":
            if region in used_regions:
                kind = "ca"
            else:
                used_regions.add(region)
                if region in _SPECIAL_STATUS_REGIONS:
                    kind = "statut_particulier"
        median, sigma, lo, hi = types[kind].population
        population = int(np.clip(rng.lognormal(np.log(median), sigma), lo, hi))
        real = _real_commune(communes.get(dept_code), population, used_codes) if kind == "commune" else None
        if real is not None:  # a real commune of the département, of about the drawn size
            place, population = real["name"], int(real["population"])
        else:
            place = _commune_name(rng, used_names)
        name = _display_name(kind, place, dept_name, regions[region])
        if real is not None:
            insee = str(real["code"])
        elif kind in ("region", "statut_particulier"):
            insee = region
        elif kind == "departement":
            insee = dept_code
        else:  # an EPCI, a syndicate, or a commune beyond the département's real ones: no real code
            width = 5 - len(dept_code)
            taken = set(communes[dept_code]["code"]) if dept_code in communes else set()
            insee = dept_code + f"{int(rng.integers(1, 10**width)):0{width}d}"
            while insee in taken:
                insee = dept_code + f"{int(rng.integers(1, 10**width)):0{width}d}"
        prefix = {"commune": "21", "departement": "22", "region": "23", "statut_particulier": "20",
                  "syndicat": "25"}.get(kind, "24")
        while real is None:
            dept_digits = dept_code.replace("2A", "20").replace("2B", "20")[:2]
            siren = luhn_complete(prefix + dept_digits + f"{int(rng.integers(0, 10_000)):04d}")
            if siren not in used_sirens:
                used_sirens.add(siren)
                break
        if real is not None:
            siren = str(real["siren"])
            used_sirens.add(siren)
        model = _pick(rng, _model_weights(models, kind, population))
        out.append(Collectivite(
            collectivite_id=f"C{i + 1:04d}", model=model_names[model], name=name, type=kind, siren=siren,
            insee=insee, region_code=region, region_name=regions[region], departement_code=dept_code,
            departement_name=dept_name, population=population, rrma=rrma[region], responded=i in responded_idx,
        ))
    return out

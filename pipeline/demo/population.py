"""Demo population of collectivités and their true answers, drawn from a numpy Generator.

Answers are kept by question code: single → modality slug, multi → tuple of ticked slugs (None
when nothing is ticked, i.e. the question is left blank), number → float, date → datetime.date,
text / id / pii → str; None means unanswered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Mapping

import numpy as np
import pandas as pd

from pipeline.common.identifiers import luhn_complete
from pipeline.common.text import ascii_fold
from pipeline.demo.models import Model, planted
from pipeline.domain.codebook import Codebook, read_reference, reference_path

Answers = dict[str, object]

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
_FIRST_NAMES = ("Camille", "Nicolas", "Sophie", "Julien", "Claire", "Mathieu", "Élodie", "Thomas", "Aurélie",
                "Pierre", "Nathalie", "François", "Hélène", "Laurent", "Céline", "Olivier", "Amélie", "Benoît",
                "Mélanie", "Stéphane", "Inès", "Karim", "Fatou", "Yannick", "Gaëlle", "Jérôme", "Anaïs", "Loïc")
_LAST_NAMES = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
               "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
               "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet",
               "François", "Martinez", "Le Gall", "Diallo", "Nguyen", "Benali", "Castagné")
_COMMENTS = (
    "Nous souhaiterions être davantage accompagnés pour répondre aux appels à projets.",
    "Le jumelage repose surtout sur le comité et les bénévoles ; la commune apporte une subvention.",
    "Budget en baisse depuis 2023, les projets sont maintenus grâce aux cofinancements.",
    "Questionnaire un peu long, mais utile. Merci au réseau pour son appui.",
    "Une nouvelle convention de coopération est en préparation avec une commune du Sénégal.",
    "Difficile de chiffrer le temps passé : plusieurs services interviennent ponctuellement.",
    "Les élus souhaitent relancer l'action internationale après la période de la crise sanitaire.",
    "Nous manquons de visibilité sur les financements européens accessibles aux petites collectivités.",
)
SCRIPT_COMMENT = "Très bien <script>alert(1)</script>"
FORMULA_COMMENT = '=HYPERLINK("http://exemple.invalid/phishing","Cliquez ici pour le rapport")'
_PHONE_PREFIX = {"11": "01", "24": "02", "28": "02", "52": "02", "53": "02", "27": "03", "32": "03", "44": "03",
                 "84": "04", "93": "04", "94": "04", "75": "05", "76": "05",
                 "01": "0590", "02": "0596", "03": "0594", "04": "0262", "06": "0269"}


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
        if kind == "commune":
            # big cities look like EPCI; small villages like jumelage or veille
            if population > 50_000:
                w = {"attractivite": 0.35, "structuree": 0.35, "solidarite": 0.25}.get(m.key, 0.02)
            elif population < 2_000 and m.key in ("jumelage", "veille"):
                w *= 1.6
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


# --- answers ------------------------------------------------------------------------------------


def _tick(rng: np.random.Generator, probs: tuple[float, ...], slugs: tuple[str, ...]) -> tuple[str, ...]:
    draws = rng.random(len(slugs))
    return tuple(s for s, p, u in zip(slugs, probs, draws) if u < p)


def _choose(rng: np.random.Generator, probs: tuple[float, ...], slugs: tuple[str, ...]) -> str:
    p = np.asarray(probs, dtype=float)
    return slugs[int(rng.choice(len(slugs), p=p / p.sum()))]


def _round_money(x: float) -> float:
    step = 100 if x < 10_000 else 500 if x < 100_000 else 1_000 if x < 1_000_000 else 10_000
    return float(round(x / step) * step)


def _exclusive_or_none(picked: tuple[str, ...], exclusive: str, fallback: bool) -> tuple[str, ...] | None:
    """Enforce an exclusive "Aucun": alone, or dropped when something else is ticked."""
    others = tuple(s for s in picked if s != exclusive)
    if others:
        return others
    return (exclusive,) if fallback or exclusive in picked else None


def _top_by(rng: np.random.Generator, probs: tuple[float, ...], slugs: tuple[str, ...], k_max: int) -> tuple[str, ...]:
    """1 to ``k_max`` modalities drawn without replacement, weighted by ``probs`` (order kept)."""
    p = np.asarray(probs, dtype=float) + 0.01
    k = int(rng.integers(1, k_max + 1))
    idx = set(rng.choice(len(slugs), size=min(k, len(slugs)), replace=False, p=p / p.sum()).tolist())
    return tuple(s for i, s in enumerate(slugs) if i in idx)


def generate_answers(
    rng: np.random.Generator, cb: Codebook, c: Collectivite, model: Model, year: int
) -> Answers:
    """True answers of one respondent, consistent with the business rules of the questionnaire."""
    slugs = {q.code: tuple(m.slug for m in q.modalities) for q in cb}
    labels = {q.code: {m.label: m.slug for m in q.modalities} for q in cb}
    a: Answers = {}
    first = _FIRST_NAMES[int(rng.integers(len(_FIRST_NAMES)))]
    last = _LAST_NAMES[int(rng.integers(len(_LAST_NAMES)))]
    place = ascii_fold(c.name.split(" de ")[-1].split(" d'")[-1].replace(" Métropole", "")).replace(" ", "-")
    place = "".join(ch for ch in place if ch.isalnum() or ch == "-").strip("-")
    domain = {"commune": "ville", "departement": "departement", "region": "region", "statut_particulier": "ct",
              "syndicat": "syndicat"}.get(c.type, "agglo")
    a["A01"] = c.name
    a["A02"] = c.type
    a["A03"] = c.siren
    a["A04"] = c.insee
    a["A05"] = labels["A05"].get(c.region_name) or slugs["A05"][0]
    a["A06"] = c.departement_code.lower()
    a["A07"] = float(c.population)
    a["A08"] = labels["A08"].get(c.rrma) if rng.random() > 0.10 else None
    if c.rrma == NO_NETWORK:
        a["A09"] = "non" if rng.random() < 0.7 else "nsp"
    else:
        a["A09"] = "oui" if rng.random() < model.adherent else ("non" if rng.random() < 0.8 else "nsp")
    a["A10"] = f"{first} {last}"
    if c.type == "commune" and c.population < 10_000:
        a["A11"] = _choose(rng, (0.45, 0.35, 0.02, 0.10, 0.08), slugs["A11"])
    else:
        a["A11"] = _choose(rng, (0.10, 0.10, 0.40, 0.35, 0.05), slugs["A11"])
    a["A12"] = f"{ascii_fold(first)}.{ascii_fold(last).replace(' ', '')}@{domain}-{place}.fr"
    prefix = _PHONE_PREFIX.get(c.region_code, "01")
    rest = "".join(f" {int(rng.integers(10, 100)):02d}" for _ in range((10 - len(prefix)) // 2))
    a["A13"] = f"{prefix}{rest}"
    a["A14"] = dt.date(year, 2, 1) + dt.timedelta(days=int(rng.integers(0, 110)))
    b01 = _choose(rng, model.singles["B01"], slugs["B01"])
    a["B01"] = b01
    engaged = b01 in ("actuellement", "passe")
    a["B02"] = float(int(rng.integers(model.start_years[0], min(model.start_years[1], year) + 1))) if engaged else None
    actions = _tick(rng, model.multis["B03"], slugs["B03"]) if engaged else ()
    if engaged and not actions:
        probs = model.multis["B03"]
        actions = (slugs["B03"][int(np.argmax(probs))],)
    a["B03"] = actions or None
    if actions:
        probs = dict(zip(slugs["B03"], model.multis["B03"]))
        weights = tuple(probs[s] ** 2 + 0.01 for s in actions)
        a["B04"] = _choose(rng, weights, actions)
    else:
        a["B04"] = None
    a["B05"] = float(model.partnerships[1] + rng.poisson(model.partnerships[0])) if engaged else (
        0.0 if rng.random() < 0.5 else None)
    zones = _tick(rng, model.multis["B06"], slugs["B06"]) if engaged else ()
    if engaged and c.region_code in ("01", "02", "03"):
        zones = tuple(sorted(set(zones) | {"ameriques"}, key=slugs["B06"].index))
    if engaged and c.region_code in ("04", "06"):
        zones = tuple(sorted(set(zones) | {"ocean_indien_pacifique"}, key=slugs["B06"].index))
    a["B06"] = zones or None
    a["B07"] = (_tick(rng, model.multis["B07"], slugs["B07"]) or None) if engaged else None
    orders = planted().types[c.type]  # orders of magnitude of the collectivité's type
    budget_median = orders.budget
    if c.type == "commune":
        budget_median *= (c.population / 3_500) ** 0.6
    if rng.random() < model.zero_budget or b01 == "jamais":
        budget = 0.0
    else:
        budget = _round_money(rng.lognormal(np.log(budget_median * model.budget_factor), 0.7))
    a["C01"] = budget
    a["C02"] = "oui" if (budget > 0 and rng.random() < model.dedicated_line) else "non"
    cofin = _tick(rng, model.multis["C03"], slugs["C03"])
    a["C03"] = _exclusive_or_none(cofin, "aucun", fallback=True)
    a["C04"] = _choose(rng, model.singles["C04"], slugs["C04"])
    share = rng.uniform(*model.subsidy_share)
    a["C05"] = _round_money(budget * share) if budget > 0 else 0.0
    a["D01"] = _choose(rng, model.singles["D01"], slugs["D01"])
    lo, hi = orders.etp
    if c.type == "commune" and c.population > 20_000:
        lo, hi = (0.5, 3.0)  # cities staff like EPCI
    etp = rng.uniform(lo, hi) * model.etp_factor * rng.lognormal(0, 0.25)
    a["D02"] = float(round(etp * 10) / 10) if etp < 3 else float(round(etp * 2) / 2)
    a["D03"] = _choose(rng, model.singles["D03"], slugs["D03"])
    a["D04"] = _choose(rng, model.singles["D04"], slugs["D04"])
    a["D05"] = _exclusive_or_none(_tick(rng, model.multis["D05"], slugs["D05"]), "aucun", fallback=not engaged)
    a["E01"] = _tick(rng, model.multis["E01"], slugs["E01"]) or None
    a["E02"] = _tick(rng, model.multis["E02"], slugs["E02"]) or None
    a["E03"] = "oui" if (engaged and rng.random() < model.consortium) else "non"
    if b01 == "jamais":
        a["E01"] = a["E02"] = None
    a["E04"] = _exclusive_or_none(_tick(rng, model.multis["E04"], slugs["E04"]), "aucun", fallback=rng.random() < 0.5)
    support = _tick(rng, model.multis["E05"], slugs["E05"]) if a["A09"] == "oui" or rng.random() < 0.3 else ()
    a["E05"] = _exclusive_or_none(support, "aucun", fallback=rng.random() < 0.4)
    a["F01"] = _top_by(rng, model.multis["F01"], slugs["F01"], 3)
    a["F02"] = _tick(rng, model.multis["F02"], slugs["F02"]) or None
    a["F03"] = _choose(rng, model.singles["F03"], slugs["F03"])
    a["F04"] = _tick(rng, model.multis["F04"], slugs["F04"]) or None
    a["F05"] = _COMMENTS[int(rng.integers(len(_COMMENTS)))] if rng.random() < 0.15 else None
    # item non-response on the questions people skip (never the identification block)
    for code in ("B02", "B06", "B07", "C04", "C05", "D05", "E04", "E05", "F02", "F04", "A11", "A13"):
        if a.get(code) is not None and rng.random() < 0.04:
            a[code] = None
    return a


def first_draft(rng: np.random.Generator, answers: Answers) -> Answers:
    """An earlier, less complete answer of the same collectivité (before its correction)."""
    draft = dict(answers)
    skippable = ("B02", "B05", "B06", "B07", "C01", "C04", "C05", "D02", "D05", "E01", "E02", "E04", "E05",
                 "F02", "F03", "F04", "F05", "A07", "A11")
    for code in skippable:
        if rng.random() < 0.35:
            draft[code] = None
    sent = answers["A14"]
    assert isinstance(sent, dt.date)
    draft["A14"] = sent - dt.timedelta(days=int(rng.integers(7, 40)))
    return draft


def with_answer(answers: Answers, **changes: object) -> Answers:
    """A copy of ``answers`` with some codes changed."""
    out = dict(answers)
    out.update(changes)
    return out


def collectivite_with(c: Collectivite, **changes: object) -> Collectivite:
    return replace(c, **changes)  # type: ignore[arg-type]

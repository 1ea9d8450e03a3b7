"""True answers of one respondent, consistent with the questionnaire's rules, drawn from its model.

Answers are kept by question code: single → modality slug, multi → tuple of ticked slugs (None
when nothing is ticked, i.e. the question is left blank), number → float, date → datetime.date,
text / id / pii → str; None means unanswered.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from pipeline.common.text import ascii_fold
from pipeline.demo.models import Model, planted
from pipeline.demo.population import NO_NETWORK, Collectivite
from pipeline.domain.codebook import Codebook

Answers = dict[str, object]

# Who fills the questionnaire (A11 slug -> weight): in a commune of fewer than 10 000 inhabitants,
# an elected member or the general management; elsewhere, the international relations staff.
_SMALL_COMMUNE_RESPONDENT = {"elu": 0.45, "dg": 0.35, "resp_ri": 0.02, "charge_mission": 0.10, "autre": 0.08}
_RESPONDENT = {"elu": 0.10, "dg": 0.10, "resp_ri": 0.40, "charge_mission": 0.35, "autre": 0.05}

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


def tick(rng: np.random.Generator, probs: tuple[float, ...], slugs: tuple[str, ...]) -> tuple[str, ...]:
    """The modalities ticked, each with its own probability (codebook order kept)."""
    draws = rng.random(len(slugs))
    return tuple(s for s, p, u in zip(slugs, probs, draws) if u < p)


def choose(rng: np.random.Generator, probs: tuple[float, ...], slugs: tuple[str, ...]) -> str:
    """One modality, drawn with weights ``probs``."""
    p = np.asarray(probs, dtype=float)
    return slugs[int(rng.choice(len(slugs), p=p / p.sum()))]


def round_money(x: float) -> float:
    """An amount as a budget states it: to the hundred, 500, thousand or ten thousand euros."""
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
    respondent = _SMALL_COMMUNE_RESPONDENT if c.type == "commune" and c.population < 10_000 else _RESPONDENT
    a["A11"] = choose(rng, tuple(respondent[s] for s in slugs["A11"]), slugs["A11"])
    a["A12"] = f"{ascii_fold(first)}.{ascii_fold(last).replace(' ', '')}@{domain}-{place}.fr"
    prefix = _PHONE_PREFIX.get(c.region_code, "01")
    rest = "".join(f" {int(rng.integers(10, 100)):02d}" for _ in range((10 - len(prefix)) // 2))
    a["A13"] = f"{prefix}{rest}"
    a["A14"] = dt.date(year, 2, 1) + dt.timedelta(days=int(rng.integers(0, 110)))
    b01 = choose(rng, model.singles["B01"], slugs["B01"])
    a["B01"] = b01
    engaged = b01 in ("actuellement", "passe")
    a["B02"] = float(int(rng.integers(model.start_years[0], min(model.start_years[1], year) + 1))) if engaged else None
    actions = tick(rng, model.multis["B03"], slugs["B03"]) if engaged else ()
    if engaged and not actions:
        probs = model.multis["B03"]
        actions = (slugs["B03"][int(np.argmax(probs))],)
    a["B03"] = actions or None
    if actions:
        probs = dict(zip(slugs["B03"], model.multis["B03"]))
        weights = tuple(probs[s] ** 2 + 0.01 for s in actions)
        a["B04"] = choose(rng, weights, actions)
    else:
        a["B04"] = None
    a["B05"] = float(model.partnerships[1] + rng.poisson(model.partnerships[0])) if engaged else (
        0.0 if rng.random() < 0.5 else None)
    zones = tick(rng, model.multis["B06"], slugs["B06"]) if engaged else ()
    if engaged and c.region_code in ("01", "02", "03"):
        zones = tuple(sorted(set(zones) | {"ameriques"}, key=slugs["B06"].index))
    if engaged and c.region_code in ("04", "06"):
        zones = tuple(sorted(set(zones) | {"ocean_indien_pacifique"}, key=slugs["B06"].index))
    a["B06"] = zones or None
    a["B07"] = (tick(rng, model.multis["B07"], slugs["B07"]) or None) if engaged else None
    orders = planted().types[c.type]  # orders of magnitude of the collectivité's type
    budget_median = orders.budget
    if c.type == "commune":
        budget_median *= (c.population / 3_500) ** 0.6
    if rng.random() < model.zero_budget or b01 == "jamais":
        budget = 0.0
    else:
        budget = round_money(rng.lognormal(np.log(budget_median * model.budget_factor), 0.7))
    a["C01"] = budget
    a["C02"] = "oui" if (budget > 0 and rng.random() < model.dedicated_line) else "non"
    cofin = tick(rng, model.multis["C03"], slugs["C03"])
    a["C03"] = _exclusive_or_none(cofin, "aucun", fallback=True)
    a["C04"] = choose(rng, model.singles["C04"], slugs["C04"])
    share = rng.uniform(*model.subsidy_share)
    a["C05"] = round_money(budget * share) if budget > 0 else 0.0
    a["D01"] = choose(rng, model.singles["D01"], slugs["D01"])
    lo, hi = orders.etp
    if c.type == "commune" and c.population > 20_000:
        lo, hi = (0.5, 3.0)  # cities staff like EPCI
    etp = rng.uniform(lo, hi) * model.etp_factor * rng.lognormal(0, 0.25)
    a["D02"] = float(round(etp * 10) / 10) if etp < 3 else float(round(etp * 2) / 2)
    a["D03"] = choose(rng, model.singles["D03"], slugs["D03"])
    a["D04"] = choose(rng, model.singles["D04"], slugs["D04"])
    a["D05"] = _exclusive_or_none(tick(rng, model.multis["D05"], slugs["D05"]), "aucun", fallback=not engaged)
    a["E01"] = tick(rng, model.multis["E01"], slugs["E01"]) or None
    a["E02"] = tick(rng, model.multis["E02"], slugs["E02"]) or None
    a["E03"] = "oui" if (engaged and rng.random() < model.consortium) else "non"
    if b01 == "jamais":
        a["E01"] = a["E02"] = None
    a["E04"] = _exclusive_or_none(tick(rng, model.multis["E04"], slugs["E04"]), "aucun", fallback=rng.random() < 0.5)
    support = tick(rng, model.multis["E05"], slugs["E05"]) if a["A09"] == "oui" or rng.random() < 0.3 else ()
    a["E05"] = _exclusive_or_none(support, "aucun", fallback=rng.random() < 0.4)
    a["F01"] = _top_by(rng, model.multis["F01"], slugs["F01"], 3)
    a["F02"] = tick(rng, model.multis["F02"], slugs["F02"]) or None
    a["F03"] = choose(rng, model.singles["F03"], slugs["F03"])
    a["F04"] = tick(rng, model.multis["F04"], slugs["F04"]) or None
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

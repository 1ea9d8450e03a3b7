"""The demo's second wave: the same collectivités a year later (a panel), from a numpy Generator.

Most respondents of the reference wave answer again, a few drop out, some collectivités answer
for the first time; one planted model grows (collectivités of other models adopt it); the
others' budgets, staff, actions and strategy drift from last year's answers instead of being
drawn afresh, as a real panel does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Mapping

import numpy as np

from pipeline.demo.answers import Answers, choose, round_money, tick
from pipeline.demo.models import Model
from pipeline.demo.population import Collectivite
from pipeline.domain.codebook import Codebook

# Adoption weight of the growing model at which a collectivité of another model switches with
# probability ``growth`` (types where the model is rarer switch less).
_FULL_ADOPTION = 0.2


def next_population(rng: np.random.Generator, population: list[Collectivite], growing: Model,
                    retention: float, newcomers: float, growth: float) -> list[Collectivite]:
    """The population a year later: who answers, and who moved to the ``growing`` model."""
    respondents = [i for i, c in enumerate(population) if c.responded]
    others = [i for i, c in enumerate(population) if not c.responded]
    n_new = min(len(others), int(round(newcomers * len(respondents))))
    new = set(rng.choice(others, size=n_new, replace=False).tolist()) if n_new else set()
    stays = rng.random(len(population)) < retention
    switches = rng.random(len(population))
    out = []
    for i, c in enumerate(population):
        responded = bool(stays[i]) if c.responded else i in new
        weight = min(1.0, growing.adoption.get(c.type, 0.0) / _FULL_ADOPTION)
        model = growing.name if c.model != growing.name and switches[i] < growth * weight else c.model
        out.append(replace(c, responded=responded, model=model))
    return out


def evolve_answers(rng: np.random.Generator, cb: Codebook, before: Mapping[str, Answers],
                   population: list[Collectivite], previous_models: Mapping[str, str],
                   models: Mapping[str, Model], year: int) -> dict[str, Answers]:
    """This year's answers of the panel members who kept their model, drifted from last year's.

    Collectivités that changed model, or did not answer last year, are left out: their answers
    are drawn afresh from their (new) model.
    """
    b03 = tuple(m.slug for m in cb["B03"].modalities)
    d04 = tuple(m.slug for m in cb["D04"].modalities)
    out: dict[str, Answers] = {}
    for c in population:
        last = before.get(c.collectivite_id)
        if not c.responded or last is None or previous_models.get(c.collectivite_id) != c.model:
            continue
        model = models[c.model]
        a = dict(last)
        a["A14"] = dt.date(year, 2, 1) + dt.timedelta(days=int(rng.integers(0, 110)))
        trend = float(rng.lognormal(0.02, 0.2))
        if isinstance(a.get("C01"), float) and a["C01"] > 0:
            a["C01"] = round_money(a["C01"] * trend)
            if isinstance(a.get("C05"), float):
                a["C05"] = min(a["C01"], round_money(a["C05"] * trend))
        if isinstance(a.get("D02"), float) and a["D02"] > 0:
            etp = a["D02"] * float(rng.lognormal(0.0, 0.15))
            a["D02"] = float(round(etp * 10) / 10) if etp < 3 else float(round(etp * 2) / 2)
        if isinstance(a.get("B05"), float) and rng.random() < 0.2:
            a["B05"] = max(float(model.partnerships[1]), a["B05"] + float(rng.choice([-1.0, 1.0])))
        actions = a.get("B03")
        if actions:
            redraw = set(tick(rng, model.multis["B03"], b03))
            change = rng.random(len(b03)) < 0.08
            kept = tuple(s for k, s in enumerate(b03) if (s in redraw if change[k] else s in actions))  # type: ignore[operator]
            if kept:
                a["B03"] = kept
                if a.get("B04") not in kept:
                    a["B04"] = kept[0]
        if rng.random() < 0.15:
            a["D04"] = choose(rng, model.singles["D04"], d04)
        out[c.collectivite_id] = a
    return out

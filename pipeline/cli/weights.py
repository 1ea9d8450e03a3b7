"""``acter weights SAMPLE --frame FRAME --margins a,b --id id --out WEIGHTS.csv``: raking of any sample.

The sample (one row per respondent) and the frame (one row per unit of the population) share the
margin columns; the respondents start at N / n and are raked to the frame's counts of each
category of each margin until the weights stop moving (:func:`pipeline.survey.raking.rake`).
Writes ``id,weight`` and prints the diagnostics (Kish design effect, weight range, passes).
Exit codes: 0 done, 2 unusable input or impossible raking (message in French).
"""

from __future__ import annotations

import argparse
import csv
import sys

import pandas as pd

from pipeline.cli.typology import TableError, read_any_table
from pipeline.common.atomic import atomic_path
from pipeline.common.text import french_number
from pipeline.domain.params import WeightsParams, defaults
from pipeline.survey.raking import RakingError, margins_from_frame, rake

EXIT_UNUSABLE = 2


def _split(arg: str) -> list[str]:
    return [a.strip() for a in arg.split(",") if a.strip()]


def run_weights_cli(args: argparse.Namespace) -> int:
    """Rake ``args.sample`` to ``args.frame`` on ``args.margins``; write ``id,weight`` to ``args.out``."""
    params = defaults(WeightsParams)
    try:
        sample, frame = read_any_table(args.sample), read_any_table(args.frame)
        margins = _split(args.margins)
        if not margins:
            raise TableError("Aucune marge : indiquez-les avec --margins, séparées par des virgules (ex. type,taille)")
        for name, table, needed in (("échantillon", sample, [args.id, *margins]), ("base", frame, margins)):
            unknown = [c for c in needed if c not in table.columns]
            if unknown:
                raise TableError(f"Colonne(s) absente(s) du fichier {name} : {', '.join(unknown)} ; colonnes du "
                                 f"fichier : {', '.join(map(str, table.columns))}")
        if sample[args.id].duplicated().any():
            raise TableError(f"Identifiant « {sample.loc[sample[args.id].duplicated(), args.id].iloc[0]} » en double "
                             f"dans la colonne {args.id} de l'échantillon")
        bounds = tuple(float(b) for b in _split(args.bounds)) if args.bounds else tuple(params.bounds)
        result = rake(sample[margins], margins_from_frame(frame, margins),
                      tolerance=args.tolerance or params.tolerance,
                      max_iterations=args.max_iterations or params.max_iterations, bounds=bounds, trim=args.trim)
    except (TableError, RakingError) as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except ValueError:
        print(f"Erreur : --bounds « {args.bounds} » ; attendu : deux nombres bas,haut (ex. 0.2,5)", file=sys.stderr)
        return EXIT_UNUSABLE
    if not result.converged:
        print(f"Erreur : le redressement n'a pas convergé en {result.iterations} passes (écart aux marges "
              f"{result.max_margin_gap:.2g}) : élargissez --bounds ou augmentez --max-iterations", file=sys.stderr)
        return EXIT_UNUSABLE
    table = pd.DataFrame({"id": sample[args.id], "weight": result.weights})
    with atomic_path(args.out) as tmp:
        table.to_csv(tmp, index=False, quoting=csv.QUOTE_MINIMAL, float_format="%.12g")
    d = result.diagnostics()
    print(f"Poids écrits : {args.out} ({len(sample)} répondants, {french_number(d['population'])} unités dans la base, "
          f"{d['iterations']} passes)")
    print(f"Effet de plan (Kish) : {french_number(d['design_effect_kish'], 2)} ; taille effective : "
          f"{french_number(d['effective_sample_size'])} ; poids de {french_number(d['weight_min'], 2)} à "
          f"{french_number(d['weight_max'], 2)} (rapport {french_number(d['weight_ratio'], 1)})")
    if d["outside_bounds"]:
        print(f"Attention : {d['outside_bounds']} poids hors des bornes {list(bounds)} (rapport au poids de départ) ; "
              "--trim les y ramène")
    return 0


__all__ = ["run_weights_cli"]

"""Stage ``check``: before any stage touches its outputs, the analyst's inputs are checked.

params.yaml (every block: keys, types, allowed values), the codebook, the reference tables
(régions, départements, rrma.csv), the communes table named in params, and the two wave folders.
Each problem is one French line naming the file, key or line, the value and what is allowed;
with any problem the stage fails (exit code 2) and ``dvc repro`` stops before anything is removed.
The output holds no date nor detail, so a valid change to params.yaml reruns nothing else.

    python -m pipeline.stages.check --params params.yaml --out data/interim/check.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pipeline.common.atomic import atomic_write_text
from pipeline.common.errors import UserError, run_main
from pipeline.domain.codebook import load_codebook
from pipeline.domain.params import CleanParams, SurveyParams, check_params, load_block
from pipeline.domain.reference import check_reference_tables

DEMO_WAVES = "data/raw/demo/"  # written by the demo stage, which runs after this one


def check_wave(folder: str, key: str) -> list[str]:
    """A wave folder must hold returned files (the demo's are generated later by its stage)."""
    if folder.startswith(DEMO_WAVES):
        return []
    path = Path(folder)
    if not path.is_dir():
        return [f"params.yaml, survey.{key} : le dossier {folder} n'existe pas ; déposez-y les fichiers reçus, "
                f"ou récupérez la vague : dvc pull {folder}.dvc"]
    if not any(p.is_file() and not p.name.startswith(".") for p in path.rglob("*")):
        return [f"params.yaml, survey.{key} : le dossier {folder} est vide ; déposez-y les fichiers reçus, "
                f"ou récupérez la vague : dvc pull {folder}.dvc"]
    return []


def check_inputs(params_path: str | Path) -> list[str]:
    """Every problem of the analyst's inputs, in French (empty: the pipeline can run)."""
    problems = check_params(params_path)
    problems += check_reference_tables()
    try:
        load_codebook()
    except UserError as exc:
        problems.append(str(exc))
    if problems:  # the blocks below rely on a readable params.yaml
        return problems
    survey = load_block(SurveyParams, params_path)
    problems += check_wave(survey.wave, "wave") + check_wave(survey.reference_wave, "reference_wave")
    communes = load_block(CleanParams, params_path).communes
    if communes and not Path(communes).is_file():
        problems.append(f"params.yaml, clean.communes : le fichier {communes} n'existe pas ; attendu : le chemin "
                        "de la table des communes (pipeline/domain/reference/communes.csv.gz), ou \"\" pour aucune")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Vérifie params.yaml, le codebook, les tables de référence et les vagues.")
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--out", required=True, help="fichier témoin écrit quand tout est valide")
    args = parser.parse_args(argv)
    problems = check_inputs(args.params)
    if problems:
        for problem in problems:
            print(f"Erreur : {problem}", file=sys.stderr)
        print(f"{len(problems)} problème(s) à corriger avant de relancer : rien n'a été modifié.", file=sys.stderr)
        return 2
    atomic_write_text(args.out, json.dumps({"checked": ["params.yaml", "codebook", "reference", "waves"]}) + "\n")
    print("Vérification : params.yaml, codebook, tables de référence et vagues valides.")
    return 0


if __name__ == "__main__":
    run_main(main)

"""``make annual YEAR=2025``: point params.yaml at a survey year's wave and at the year before.

    python -m pipeline.cli.annual --params params.yaml --year 2025 [--waves data/raw | demo]

Sets ``survey.year``, ``survey.wave`` (``<waves>/<year>``), ``survey.reference_year`` (the year
before) and ``survey.reference_wave`` in params.yaml, editing only those lines so that comments
stay, and checks that both wave folders hold files (``demo``: the demo stage writes them). The
Makefile then runs ``dvc repro`` and publishes the year's reports if they are not published yet
(pipeline/cli/publish.py); the analyst commits params.yaml, dvc.lock and the new .dvc files.

One writer: the check and the edit hold DVC's repository lock (pipeline/cli/repo_lock.py). While a
``dvc repro`` or ``dvc exp run`` runs, the command refuses (exit code 3) and params.yaml is left
as it was, so a running pipeline never reads half of one year and half of another.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from pipeline.cli.repo_lock import RepoBusy, dvc_root, holding_dvc_lock
from pipeline.common.atomic import atomic_write_text

DEMO = "demo"
DEMO_ROOT = "data/raw/demo"
KEYS = ("year", "wave", "reference_year", "reference_wave")


def survey_values(year: int, waves: str) -> dict[str, object]:
    """The four survey keys for ``year``, its wave folder under ``waves`` and the year before."""
    root = DEMO_ROOT if waves == DEMO else waves.rstrip("/")
    return {"year": year, "wave": f"{root}/{year}", "reference_year": year - 1,
            "reference_wave": f"{root}/{year - 1}"}


def set_survey(text: str, values: dict[str, object]) -> str:
    """params.yaml text with the ``survey:`` keys set to ``values`` (other lines, comments kept)."""
    lines = text.splitlines(keepends=True)
    try:
        start = next(i for i, line in enumerate(lines) if re.match(r"survey:\s*(#.*)?$", line.rstrip("\n")))
    except StopIteration:
        raise ValueError("params.yaml : bloc « survey: » introuvable") from None
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"\S", lines[i])), len(lines))
    todo = dict(values)
    for i in range(start + 1, end):
        m = re.match(r"(\s+)(\w+)(:\s*)(\S+)(\s*#.*)?(\n?)$", lines[i])
        if m and m.group(2) in todo:
            value = str(todo.pop(m.group(2)))
            comment = m.group(5) or ""
            if comment:  # keep the comment's column when the value's width changes
                pad = max(1, len(m.group(4)) + len(comment) - len(comment.lstrip()) - len(value))
                comment = " " * pad + comment.lstrip()
            lines[i] = f"{m.group(1)}{m.group(2)}{m.group(3)}{value}{comment}{m.group(6)}"
    indent = "  "
    insert = [f"{indent}{k}: {v}\n" for k, v in todo.items()]
    return "".join(lines[:end] + insert + lines[end:])


def _has_files(folder: Path) -> bool:
    return folder.is_dir() and any(p.is_file() for p in folder.rglob("*"))


def first_survey(values: dict[str, object], waves: str) -> dict[str, object]:
    """The survey keys for a first survey: no earlier wave anywhere, so the wave is its own
    reference (continuity is trivial, the trends stage writes no evolution, reports have no
    section 10). Unchanged when the earlier wave exists or can be pulled."""
    ref = Path(str(values["reference_wave"]))
    if waves == DEMO or _has_files(ref) or Path(f"{ref}.dvc").is_file():
        return values
    return {**values, "reference_year": values["year"], "reference_wave": values["wave"]}


def check_waves(values: dict[str, object], waves: str) -> list[str]:
    """French messages for each wave folder that is missing or empty (none for the demo)."""
    if waves == DEMO:
        return []
    problems = []
    for key, year_key, what in (("wave", "year", "Vague"), ("reference_wave", "reference_year", "Vague de référence")):
        folder, year = Path(str(values[key])), values[year_key]
        tracked = Path(f"{folder}.dvc").is_file()
        if key == "reference_wave" and values["reference_wave"] == values["wave"]:
            continue
        if not _has_files(folder):
            state = "n'existe pas" if not folder.is_dir() else "ne contient aucun fichier"
            hint = (f"Récupérez-la depuis le stockage partagé : dvc pull {folder}.dvc" if tracked else
                    f"Déposez-y les fichiers reçus des collectivités puis suivez-les avec : dvc add {folder}")
            problems.append(f"{what} {year} introuvable : le dossier {folder} {state}. {hint}")
    if problems:
        problems.append(f"Pour essayer sur l'enquête de démonstration : make annual YEAR={values['year']} WAVES=demo")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Prépare params.yaml pour la vague d'une année et celle de l'année précédente")
    ap.add_argument("--params", default="params.yaml")
    ap.add_argument("--year", type=int, required=True, help="année de l'enquête, par exemple 2025")
    ap.add_argument("--waves", default="data/raw", help="dossier des vagues (data/raw), ou « demo »")
    args = ap.parse_args(argv)
    path = Path(args.params)
    try:
        with holding_dvc_lock(dvc_root(path.parent), f"{path} n'a pas été modifié"):
            return _point_params(path, args)
    except RepoBusy as busy:
        print(busy, file=sys.stderr)
        return 3


def _point_params(path: Path, args: argparse.Namespace) -> int:
    """Check the wave folders, then set the survey keys of params.yaml (under DVC's lock)."""
    values = first_survey(survey_values(args.year, args.waves or "data/raw"), args.waves or "data/raw")
    if values["reference_wave"] == values["wave"]:
        print(f"Aucune vague {args.year - 1} : l'enquête {args.year} est traitée comme une première enquête "
              "(pas de section « Évolutions » dans les rapports).")
    problems = check_waves(values, args.waves or "data/raw")
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        return 2
    try:
        text = set_survey(path.read_text(encoding="utf-8"), values)
    except (OSError, ValueError) as exc:
        print(f"Impossible de modifier {path} : {exc}", file=sys.stderr)
        return 2
    atomic_write_text(path, text)
    print(f"{path} : enquête {values['year']} ({values['wave']}), référence {values['reference_year']} "
          f"({values['reference_wave']}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())

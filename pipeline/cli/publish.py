"""``make publish YEAR=2025 [REMPLACER=1]``: publish the reports the pipeline built for a year.

    python -m pipeline.cli.publish --year 2025 [--replace]
    python -m pipeline.cli.publish --auto [--year 2025]      (end of make repro, make annual)

The report stage builds into DVC's work folder ``data/reports/<year>/``, rebuilt by every run.
Publishing copies it to ``reports/<year>/`` and tracks the copy with DVC: ``reports/<year>.dvc``
lists each published file (one DVC output per file), is committed to git, and ``dvc push`` /
``dvc pull`` carry the files like a wave. No stage writes to ``reports/``, so no run rebuilds or
removes a published year.

One output per file, not ``dvc add reports/<year>`` (one folder output): DVC counts a file added
inside a tracked folder as a change of that folder, so ``dvc checkout`` refuses to run and suggests
``--force``, which deletes the file, and ``dvc exp run`` records it into the publication without a
word. A file an analyst adds next to the published ones is no DVC output: DVC leaves it alone.

Republishing (``--replace``) replaces the generated files and keeps, naming them, the files an
analyst added; they become part of the publication, marked in ``reports/<year>.dvc``. A generated
file the pipeline no longer builds (a network without respondents any more) is withdrawn, named;
its published version stays in the DVC cache and in the git history of ``reports/<year>.dvc``.
When a file would be overwritten while it is saved nowhere (changed since it was published, or
never published), nothing is done and the file is named.

``--auto``: publish the year if it is not published yet; otherwise leave it as it is and say where
the new build is and how to republish. Before that, every ``reports/<year>/`` folder with files
but no ``reports/<year>.dvc`` (written by an older version of the pipeline, whose report stage
wrote there) is tracked as it is: DVC would otherwise remove it as an unused output.

The files are changed under DVC's repository lock (``pipeline/cli/repo_lock.py``); then
``dvc commit`` saves them to the DVC cache and fills in their hashes. Exit codes: 0 done,
1 nothing published (the message says why), 3 a DVC command holds the repository.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipeline.cli.repo_lock import RepoBusy, dvc_root, holding_dvc_lock
from pipeline.common.atomic import atomic_dir, atomic_write_text

PUBLISHED = Path("reports")
BUILD = Path("data") / "reports"
ADDED = "ajouté par un analyste (gardé à chaque republication)"
YEAR_FOLDER = re.compile(r"\d{4}")


@dataclass(frozen=True)
class Recorded:
    """A file as reports/<year>.dvc records it: its md5 (None if unknown) and who put it there."""

    md5: str | None
    added: bool


@dataclass
class Plan:
    """The new publication of a year (path inside reports/<year>/ -> taken from the build or not)
    and what changes, by kind, each list sorted."""

    generated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # the analysts' files, published as they are
    new: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)  # generated before, no longer built
    missing: list[str] = field(default_factory=list)  # analysts' files recorded but not here
    conflicts: list[str] = field(default_factory=list)  # French, one per file: nothing is done


class Refused(Exception):
    """Nothing was published; the French message says why and what to do."""


def file_md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def folder_md5(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (path relative to it, with /) and its md5; {} if no folder."""
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): file_md5(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def plan_publication(build: dict[str, str], folder: dict[str, str], recorded: dict[str, Recorded]) -> Plan:
    """The publication of ``build`` over a published ``folder`` whose .dvc says ``recorded``
    (each: path -> md5). A file can be overwritten or withdrawn only if it is the very file
    recorded (so its published version is in the DVC cache); an analyst's file is kept."""
    plan = Plan(generated=sorted(build))
    for rel, md5 in sorted(build.items()):
        if rel not in folder:
            plan.new.append(rel)
        elif folder[rel] == md5:
            plan.unchanged.append(rel)
        elif rel not in recorded or recorded[rel].md5 != folder[rel]:
            plan.conflicts.append(f"{rel} : modifié depuis la publication, ou jamais publié ; la nouvelle "
                                  "version le remplacerait alors qu'il n'est sauvegardé nulle part")
        elif recorded[rel].added:
            plan.conflicts.append(f"{rel} : fichier ajouté par un analyste, qui porte le nom d'un fichier "
                                  "que le pipeline produit maintenant")
        else:
            plan.replaced.append(rel)
    for rel, md5 in sorted(folder.items()):
        if rel in build:
            continue
        rec = recorded.get(rel)
        if rec is not None and not rec.added and rec.md5 == md5:
            plan.withdrawn.append(rel)
        else:  # an analyst's file, or a generated one changed by hand: kept as it is
            plan.kept.append(rel)
    plan.withdrawn += sorted(rel for rel, rec in recorded.items()
                             if not rec.added and rel not in folder and rel not in build)
    plan.missing = sorted(rel for rel, rec in recorded.items() if rec.added and rel not in folder)
    return plan


def dvc_file(root: Path, year: int) -> Path:
    return root / PUBLISHED / f"{year}.dvc"


def read_recorded(root: Path, year: int) -> dict[str, Recorded] | None:
    """The files reports/<year>.dvc records, by path inside reports/<year>/ (None: no such file).
    A folder output (``dvc add reports/<year>``) is read from its listing in the DVC cache."""
    path = dvc_file(root, year)
    if not path.is_file():
        return None
    outs = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("outs") or []
    recorded: dict[str, Recorded] = {}
    for out in outs:
        rel = str(out.get("path", ""))
        md5 = out.get("md5")
        if rel == str(year) and str(md5 or "").endswith(".dir"):
            recorded.update(_folder_listing(root, str(md5)))
        elif rel.startswith(f"{year}/"):
            recorded[rel[len(f"{year}/"):]] = Recorded(md5, out.get("desc") == ADDED)
    return recorded


def _folder_listing(root: Path, dir_md5: str) -> dict[str, Recorded]:
    listing = root / ".dvc" / "cache" / "files" / "md5" / dir_md5[:2] / dir_md5[2:]
    if not listing.is_file():
        return {}
    return {e["relpath"]: Recorded(e["md5"], False) for e in json.loads(listing.read_text(encoding="utf-8"))}


def dvc_text(year: int, generated: list[str], added: list[str]) -> str:
    """reports/<year>.dvc before ``dvc commit`` fills in the hashes: one output per file."""
    outs = [{"path": f"{year}/{rel}"} for rel in generated]
    outs += [{"path": f"{year}/{rel}", "desc": ADDED} for rel in added]
    head = (f"# Rapports publiés de l'enquête {year} (make publish YEAR={year}) : un fichier par sortie DVC.\n"
            "# Les fichiers marqués « ajouté par un analyste » ont été déposés dans reports/"
            f"{year}/ à la main ;\n# les autres sont ceux du pipeline (data/reports/{year}/). "
            "Committez ce fichier ; dvc push / dvc pull transportent les rapports.\n")
    return head + yaml.safe_dump({"outs": outs}, allow_unicode=True, sort_keys=False)


def _commit(root: Path, year: int) -> None:
    """``dvc commit`` of reports/<year>.dvc: hashes filled in, files saved to the DVC cache."""
    rel = dvc_file(root, year).relative_to(root).as_posix()
    proc = subprocess.run([sys.executable, "-m", "dvc", "commit", "--force", "--quiet", rel], cwd=root,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise Refused(f"dvc commit {rel} a échoué :\n{proc.stderr.strip()}\nLes fichiers sont en place dans "
                      f"reports/{year}/ ; relancez : dvc commit {rel}")


def _write(root: Path, year: int, plan: Plan, build: Path) -> None:
    """reports/<year>/ replaced by the plan's files, in one swap (pipeline/common/atomic.py)."""
    folder = root / PUBLISHED / str(year)
    with atomic_dir(folder) as tmp:
        for rels, source in ((plan.generated, build), (plan.kept, folder)):
            for rel in rels:
                (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source / rel, tmp / rel)
    atomic_write_text(dvc_file(root, year), dvc_text(year, plan.generated, plan.kept))


def _names(files: list[str], limit: int = 12) -> str:
    more = f", … (+{len(files) - limit})" if len(files) > limit else ""
    return ", ".join(files[:limit]) + more


def track_untracked(root: Path, years: list[int] | None = None) -> list[str]:
    """Track as they are the reports/<year>/ folders that have files but no reports/<year>.dvc
    (all year folders, or ``years``); French lines saying which."""
    base = root / PUBLISHED
    found = [int(p.name) for p in sorted(base.iterdir()) if p.is_dir() and YEAR_FOLDER.fullmatch(p.name)] \
        if base.is_dir() else []
    lines = []
    for year in found if years is None else [y for y in years if y in found]:
        files = folder_md5(base / str(year))
        if not files or dvc_file(root, year).is_file():
            continue
        with holding_dvc_lock(root, f"reports/{year}/ n'a pas été modifié"):
            atomic_write_text(dvc_file(root, year), dvc_text(year, sorted(files), []))
        _commit(root, year)
        lines.append(f"reports/{year}/ n'était pas suivi par DVC : il l'est désormais, tel quel "
                     f"({len(files)} fichiers, reports/{year}.dvc à committer).")
    return lines


def publish(root: Path, year: int, *, replace: bool = False, auto: bool = False) -> list[str]:
    """Publish data/reports/<year>/ to reports/<year>/ (see the module's docstring); the French
    lines to show. Raises :class:`Refused` when nothing is published, :class:`RepoBusy`."""
    lines = track_untracked(root, None if auto else [year])
    build = root / BUILD / str(year)
    built = folder_md5(build)
    recorded = read_recorded(root, year)
    target = f"reports/{year}/"
    if recorded is not None and not replace:
        if auto:
            return lines + [_already_published(root, year, built, recorded)]
        raise Refused(f"Les rapports {year} sont déjà publiés dans {target} (reports/{year}.dvc). Pour les "
                      f"remplacer par la version de data/reports/{year}/ : make publish YEAR={year} REMPLACER=1 "
                      f"(les fichiers que vous y avez ajoutés sont gardés).")
    if not built:
        raise Refused(f"Aucun rapport {year} construit dans data/reports/{year}/ : lancez d'abord "
                      f"make annual YEAR={year} (ou dvc repro si params.yaml porte déjà sur {year}).")
    with holding_dvc_lock(root, f"{target} n'a pas été modifié"):
        folder = folder_md5(root / PUBLISHED / str(year))
        if recorded is not None and not folder:
            raise Refused(f"reports/{year}.dvc existe, mais {target} est vide ici : récupérez d'abord la "
                          f"publication (dvc pull reports/{year}.dvc), puis relancez.")
        plan = plan_publication(built, folder, recorded or {})
        if plan.conflicts:
            raise Refused(f"Rien n'a été publié : {len(plan.conflicts)} fichier(s) de {target} seraient perdus.\n"
                          + "".join(f"  - {c}\n" for c in plan.conflicts)
                          + f"Renommez-les ou déplacez-les (dans {target}, ils seront gardés comme fichiers "
                            f"ajoutés), puis relancez : make publish YEAR={year} REMPLACER=1")
        _write(root, year, plan, build)
    _commit(root, year)
    return lines + _summary(year, plan, first=recorded is None)


def _summary(year: int, plan: Plan, first: bool) -> list[str]:
    target = f"reports/{year}/"
    n = len(plan.generated) + len(plan.kept)
    if first:
        lines = [f"Rapports {year} publiés dans {target} ({n} fichiers), suivis par DVC : reports/{year}.dvc."]
    else:
        lines = [(f"Rapports {year} republiés dans {target} : {len(plan.replaced)} fichier(s) remplacé(s), "
                  f"{len(plan.new)} nouveau(x), {len(plan.unchanged)} identique(s).")]
    if plan.kept:
        lines.append(f"Gardés (ajoutés à la main, publiés avec les rapports) : {_names(plan.kept)}")
    if plan.withdrawn:
        lines.append(f"Retirés (le pipeline ne les produit plus ; leur version publiée reste dans le cache DVC "
                     f"et l'historique de reports/{year}.dvc) : {_names(plan.withdrawn)}")
    if plan.missing:
        lines.append(f"Retirés de la publication (absents de {target}) : {_names(plan.missing)}")
    lines.append(f"À committer : git add reports/{year}.dvc ; dvc push les enverra au stockage partagé.")
    return lines


def _already_published(root: Path, year: int, built: dict[str, str], recorded: dict[str, Recorded]) -> str:
    target = f"reports/{year}/"
    if not built:
        return f"Rapports {year} déjà publiés dans {target} (reports/{year}.dvc) : laissés tels quels."
    folder = folder_md5(root / PUBLISHED / str(year))
    if not folder:
        return (f"Rapports {year} publiés (reports/{year}.dvc) mais absents ici : récupérez-les avec "
                f"dvc pull reports/{year}.dvc. La version construite est dans data/reports/{year}/.")
    generated = [rel for rel, rec in recorded.items() if not rec.added]
    changed = sorted({rel for rel, md5 in built.items() if folder.get(rel) != md5}
                     | {rel for rel in generated if rel not in built})
    if not changed:
        return (f"Rapports {year} déjà publiés dans {target} : la nouvelle construction "
                f"(data/reports/{year}/) est identique.")
    return (f"Rapports {year} déjà publiés dans {target} : laissés tels quels. La nouvelle version est dans "
            f"data/reports/{year}/ ({len(changed)} fichier(s) différent(s)) ; pour la publier à la place : "
            f"make publish YEAR={year} REMPLACER=1 (les fichiers que vous avez ajoutés dans {target} sont gardés).")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Publier les rapports construits dans data/reports/<année>/ "
                                             "vers reports/<année>/, suivis par DVC")
    ap.add_argument("--params", default="params.yaml")
    ap.add_argument("--year", type=int, help="année à publier (par défaut : survey.year de params.yaml)")
    ap.add_argument("--replace", action="store_true", help="remplacer une publication existante")
    ap.add_argument("--auto", action="store_true",
                    help="publier seulement si l'année n'est pas encore publiée (make repro, make annual)")
    args = ap.parse_args(argv)
    root = dvc_root(Path(args.params).parent)
    if root is None:
        print("Pas de dépôt DVC ici (dossier .dvc introuvable) : lancez la commande à la racine du projet.",
              file=sys.stderr)
        return 1
    year = args.year
    if year is None:
        from pipeline.domain.params import SurveyParams, load_block

        year = load_block(SurveyParams, args.params).year
    try:
        lines = publish(root, year, replace=args.replace, auto=args.auto)
    except RepoBusy as busy:
        print(busy, file=sys.stderr)
        return 3
    except Refused as refused:
        print(refused, file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

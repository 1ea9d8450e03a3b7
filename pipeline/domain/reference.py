"""The reference tables shipped in ``pipeline/domain/reference/``, read and checked.

``regions.csv`` (code, slug, nom), ``departements.csv`` (code, nom, region) and ``rrma.csv``
(region, rrma, rrma_slug: the network of each région, which analysts edit when a network is
created or a région changes network). A broken table is refused with one French sentence naming
the file, the line, the value and what is allowed — never a traceback deep in a stage.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources
from pathlib import Path

from pipeline.common.errors import UserError
from pipeline.common.text import normalize_label, slugify

COLUMNS = {
    "regions.csv": ("code", "slug", "nom"),
    "departements.csv": ("code", "nom", "region"),
    "rrma.csv": ("region", "rrma", "rrma_slug"),
}
NO_NETWORK_SLUG = "sans-rrma-identifie"  # the pseudo-network of régions without a known network


class ReferenceError(UserError, ValueError):
    """A reference table is unusable (message in French, naming file and line)."""


def reference_path(name: str) -> Path:
    """Path of a reference table shipped with the package (regions, departements, rrma, communes)."""
    return Path(str(resources.files("pipeline.domain") / "reference" / name))


def read_reference(name: str) -> list[dict[str, str]]:
    """Rows of a reference CSV as strings (codes keep their leading zeros), checked."""
    rows = _read_checked(name, reference_path(name).stat().st_mtime_ns)
    return [dict(r) for r in rows]


@cache
def _read_checked(name: str, _mtime: int) -> tuple[dict[str, str], ...]:
    path = reference_path(name)
    where = f"pipeline/domain/reference/{name}"
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            header = [h.strip() for h in (reader.fieldnames or [])]
            rows = tuple({k.strip(): (v or "").strip() for k, v in r.items() if k is not None} for r in reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ReferenceError(f"{where} illisible ({exc.__class__.__name__ if isinstance(exc, OSError) else exc}) : "
                             "enregistrez-le en CSV UTF-8, séparé par des virgules") from None
    missing = [c for c in COLUMNS.get(name, ()) if c not in header]
    if missing:
        raise ReferenceError(f"{where}, ligne 1 : colonne(s) {', '.join(missing)} absente(s) ; attendu : "
                             f"{','.join(COLUMNS[name])} (séparateur : virgule)")
    if name == "rrma.csv":
        check_rrma(rows, _read_checked("regions.csv", reference_path("regions.csv").stat().st_mtime_ns), where)
    return rows


def check_rrma(rows: tuple[dict[str, str], ...], regions: tuple[dict[str, str], ...], where: str) -> None:
    """Every région exactly once, attached to a named network whose identifier is consistent."""
    names = {r["code"]: r["nom"] for r in regions}
    seen: dict[str, tuple[int, str]] = {}
    slug_of: dict[str, tuple[str, int]] = {}
    name_of: dict[str, tuple[str, int]] = {}
    for line, r in enumerate(rows, start=2):
        code, network, slug = r.get("region", ""), r.get("rrma", ""), r.get("rrma_slug", "")
        if code not in names:
            raise ReferenceError(f"{where}, ligne {line} : région « {code} » inconnue ; attendu : un code de "
                                 f"pipeline/domain/reference/regions.csv ({', '.join(sorted(names))})")
        if code in seen:
            first, other = seen[code]
            raise ReferenceError(f"{where}, ligne {line} : la région {code} ({names[code]}) a déjà une ligne "
                                 f"(ligne {first}, réseau « {other} ») ; attendu : une seule ligne par région")
        if not network:
            raise ReferenceError(f"{where}, ligne {line} : nom du réseau vide pour la région {code} "
                                 f"({names[code]}) ; attendu : le nom du réseau, ou « sans RRMA identifié »")
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug):
            raise ReferenceError(f"{where}, ligne {line} : identifiant « {slug} » du réseau « {network} » ; attendu : "
                                 f"minuscules, chiffres et tirets, par exemple « {slugify(network)} »")
        key = normalize_label(network)
        if key in slug_of and slug_of[key][0] != slug:
            raise ReferenceError(f"{where}, ligne {line} : le réseau « {network} » a l'identifiant « {slug} », mais "
                                 f"« {slug_of[key][0]} » ligne {slug_of[key][1]} ; attendu : le même identifiant")
        if slug in name_of and name_of[slug][0] != key:
            raise ReferenceError(f"{where}, ligne {line} : l'identifiant « {slug} » sert déjà à un autre réseau "
                                 f"(ligne {name_of[slug][1]}) ; attendu : un identifiant par réseau")
        seen[code] = (line, network)
        slug_of.setdefault(key, (slug, line))
        name_of.setdefault(slug, (key, line))
    absent = [c for c in names if c not in seen]
    if absent:
        raise ReferenceError(f"{where} : aucune ligne pour la région {absent[0]} ({names[absent[0]]}) ; attendu : "
                             "une ligne par région (réseau « sans RRMA identifié » s'il n'y en a pas)")


def check_reference_tables() -> list[str]:
    """French problems of the shipped reference tables (empty when all are usable)."""
    problems = []
    for name in COLUMNS:
        try:
            read_reference(name)
        except ReferenceError as exc:
            problems.append(str(exc))
    return problems

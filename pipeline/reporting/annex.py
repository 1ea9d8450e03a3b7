"""Annex of the national report: the data-quality summary of the clean stage (quality.json).

Numbers only: no file name is published. Known keys come first in reading order, with French
labels (rule titles from the validation rules); any other numeric key follows, humanised.
"""

from __future__ import annotations

import pandas as pd

from pipeline.domain.rules import RULES
from pipeline.reporting.markup import table_html
from pipeline.reporting.report import Report
from pipeline.reporting.tables import frame_table

_QUALITY_LABELS = {
    "files": "Fichiers", "received": "reçus", "ingested": "intégrés", "partial": "partiellement intégrés",
    "rejected": "rejetés", "rows_read": "Réponses lues", "rows": "Lignes", "quarantined": "Réponses mises en quarantaine",
    "quarantine": "Quarantaine", "duplicates": "Doublons écartés", "corrections": "Corrections automatiques",
    "warnings": "Alertes, par règle", "clean": "Réponses retenues", "kept": "Réponses retenues",
    "respondents": "Répondants", "total": "total", "by_kind": "par nature", "by_rule": "par règle",
    "ingest_problems": "Problèmes de lecture des fichiers", "rows_with_warnings": "Réponses avec alerte(s)",
    "errors": "Erreurs bloquantes, par règle", "filled_from_reference": "valeur complétée depuis les référentiels",
    "filled_from_reference_by_column": "Valeurs complétées depuis les référentiels, par question",
    "bad_number": "nombre illisible", "corrupt_file": "fichier endommagé", "empty_file": "fichier vide",
    "excel_error": "erreur Excel dans une cellule (#N/A, #REF!...)", "not_a_spreadsheet": "pas un tableur",
    "unreadable_file": "fichier illisible", "unmapped_column": "colonne non reconnue",
}


def _humanize(key: object) -> str:
    k = str(key)
    return _QUALITY_LABELS.get(k, k.replace("_", " ").capitalize() if k.islower() else k)


def quality(rep: Report) -> str:
    """The quality summary as one table of counts (a notice when there is none)."""
    quality = rep.inputs.quality
    rows: list[tuple[str, float]] = []

    def label(parent: str, key: object) -> str:
        k = str(key)
        if parent in ("warnings", "errors") and k in RULES:
            return RULES[k].title_fr
        if parent.endswith("_by_column") and k in rep.codebook.codes:
            return f"{k} ({rep.codebook[k].label})"
        return _humanize(k)

    first = ["received", "ingested", "partial", "rejected"]  # files in the order they are counted

    def walk(obj, prefix: str, parent: str) -> None:
        if isinstance(obj, dict):
            for k in sorted(obj, key=lambda k: (first.index(k) if k in first else len(first), str(k))):
                name = label(parent, k)
                walk(obj[k], f"{prefix} › {name}" if prefix else name, str(k))
        elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
            rows.append((prefix, float(obj)))

    order = ["files", "rows_read", "clean", "quarantined", "duplicates", "rows_with_warnings",
             "ingest_problems", "corrections", "filled_from_reference_by_column", "warnings", "errors"]
    for key in [k for k in order if k in quality] + sorted(k for k in quality if k not in order):
        walk(quality[key], _humanize(key), str(key))
    if not rows:
        return '<p class="notice">Le bilan de qualité des données n\'est pas disponible.</p>'
    data = pd.DataFrame({"Valeur": [v for _, v in rows]}, index=[k for k, _ in rows])
    table = frame_table("qualite_donnees", "Bilan de qualité des données", data, {"Valeur": "number"},
                        len(rep.all), rep.threshold, index_name="Indicateur", source=rep.source,
                        note="Comptes de fichiers et de réponses, pas de résultats sur les collectivités : "
                             "ils ne relèvent pas du secret statistique.")
    table.kinds["Valeur"] = "count" if all(float(v).is_integer() for v in data["Valeur"]) else "number"
    rep.tables.append(table)
    return table_html(table)


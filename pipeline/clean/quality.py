"""Reconciliation (every response read is clean, quarantined or a duplicate) and the quality summary of the wave."""

from __future__ import annotations

import pandas as pd

from pipeline.domain.rules import BLOCKING, WARNING


class ReconciliationError(RuntimeError):
    """Rows in != clean + quarantined + duplicates for a file: a bug of this stage, not bad data."""


def reconcile(responses: pd.DataFrame, clean: pd.DataFrame, quarantine: pd.DataFrame, duplicates: pd.DataFrame) -> pd.DataFrame:
    """Per file: rows in, clean, quarantined, duplicates; raise ReconciliationError if they
    do not add up (a bug of this stage)."""
    def count(series: pd.Series) -> pd.Series:
        return series.astype("string").fillna("").value_counts()

    table = pd.DataFrame(
        {
            "rows_in": count(responses["source_file"]),
            "clean": count(clean["source_file"]),
            "quarantined": count(quarantine["source_file"]),
            "duplicates": count(duplicates["dropped_file"]),
        }
    ).fillna(0).astype(int)
    table.index.name = "file"
    table = table.reset_index().sort_values("file", ignore_index=True)
    table["ok"] = table["rows_in"] == table["clean"] + table["quarantined"] + table["duplicates"]
    if not table["ok"].all() or len(responses) != len(clean) + len(quarantine) + len(duplicates):
        bad = table[~table["ok"]]
        raise ReconciliationError(f"reconciliation failed (rows in != clean + quarantined + duplicates):\n{bad}")
    return table


def _file_statuses(ingest_report: dict[str, object] | list | None) -> dict[str, int]:
    entries = ingest_report.get("files", []) if isinstance(ingest_report, dict) else (ingest_report or [])
    out = {"received": 0, "ingested": 0, "partial": 0, "rejected": 0}
    for e in entries:
        if isinstance(e, dict):
            out["received"] += 1
            status = str(e.get("status", ""))
            if status in out:
                out[status] += 1
    return out


def _ingest_problems(ingest_report: dict[str, object] | list | None) -> dict[str, int]:
    entries = ingest_report.get("files", []) if isinstance(ingest_report, dict) else (ingest_report or [])
    counts: dict[str, int] = {}
    for e in entries:
        for p in (e.get("problems") or []) if isinstance(e, dict) else []:
            code = str(p.get("code", ""))
            counts[code] = counts.get(code, 0) + 1
    return dict(sorted(counts.items()))


def quality_summary(
    ingest_report: dict[str, object] | list | None,
    responses: pd.DataFrame,
    result_tables: dict[str, pd.DataFrame],
) -> dict[str, object]:
    """Data-quality figures for the report (plain JSON types)."""
    issues = result_tables["issues"]
    corrections = result_tables["corrections"]
    by = lambda frame, col: {str(k): int(v) for k, v in frame[col].value_counts().sort_index().items()}  # noqa: E731
    warnings = issues[issues["severity"] == WARNING]
    errors = issues[issues["severity"] == BLOCKING]
    return {
        "files": _file_statuses(ingest_report),
        "ingest_problems": _ingest_problems(ingest_report),
        "rows_read": int(len(responses)),
        "clean": int(len(result_tables["clean"])),
        "quarantined": int(len(result_tables["quarantine"])),
        "duplicates": int(len(result_tables["duplicates"])),
        "rows_with_warnings": int(warnings["response_id"].nunique()),
        "corrections": by(corrections, "kind"),
        "warnings": by(warnings, "code"),
        "errors": by(errors, "code"),
        "reconciliation": result_tables["reconciliation"].to_dict(orient="records"),
    }


def summary_fr(quality: dict[str, object]) -> str:
    return (
        f"Nettoyage : {quality['rows_read']} réponse(s) lue(s) → {quality['clean']} gardée(s), "
        f"{quality['quarantined']} en quarantaine, {quality['duplicates']} doublon(s) écarté(s) ; "
        f"{quality['rows_with_warnings']} réponse(s) avec alerte(s)."
    )

"""The clean stage's files: parquet tables, clean.xlsx for analysts (French headers, filters, frozen pane), restricted contacts."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipeline.clean.recipe import CleanResult
from pipeline.common.atomic import atomic_path, atomic_write_text, save_workbook
from pipeline.common.safe_text import neutralize
from pipeline.domain.codebook import Codebook
from pipeline.domain.rules import RULES, flag_column

# Headers of the clean table's own columns in clean.xlsx (questions and derived variables: the codebook's labels)
COLUMN_LABELS_FR = {
    "alertes": "Alertes",
    "response_id": "Identifiant de réponse",
    "source_file": "Fichier",
    "source_sheet": "Feuille",
    "source_row": "Ligne",
    "source_range": "Plage",
    "source_cells": "Cellules",
    "layout": "Mise en page",
}


def french_headers(columns: list[str], codebook: Codebook) -> list[str]:
    """French header for each column: question label (with the modality for multi-select)."""
    names = {}
    for q in codebook:
        if q.type == "multi":
            for m in q.modalities:
                names[f"{q.code}__{m.slug}"] = f"{q.code} {q.label} : {m.label}"
        else:
            names[q.code] = f"{q.code} {q.label}"
    for code, rule in RULES.items():
        names[flag_column(code)] = f"Alerte : {rule.title_fr}"
    names.update({d.code: d.label for d in codebook.derived})
    return [names.get(c) or COLUMN_LABELS_FR.get(c) or c for c in columns]


def write_clean_xlsx(df: pd.DataFrame, path: str | Path, codebook: Codebook) -> None:
    """Analyst workbook: French headers, frozen header row, autofilter, column widths; every text
    cell written as a string with formula-like text neutralised."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Réponses"
    headers = french_headers(list(df.columns), codebook)
    ws.append([neutralize(h) for h in headers])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.data_type = "s"
    columns = []
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_bool_dtype(s.dtype):
            columns.append(s.astype("boolean").map({True: "Oui", False: "Non"}).astype(object).where(s.notna(), None).tolist())
        elif pd.api.types.is_numeric_dtype(s.dtype) and not isinstance(s.dtype, pd.CategoricalDtype):
            columns.append([None if pd.isna(v) else float(v) for v in s.astype("Float64").astype(object)])
        else:
            columns.append([None if pd.isna(v) else neutralize(str(v)) for v in s.astype(object)])
    widths = [min(60, max(10, len(h) // 2)) for h in headers]
    for r, row in enumerate(zip(*columns), start=2):
        for j, v in enumerate(row, start=1):
            if v is None:
                continue
            cell = ws.cell(row=r, column=j, value=v)
            if isinstance(v, str):
                cell.data_type = "s"  # never a formula, whatever the text
                widths[j - 1] = min(60, max(widths[j - 1], len(v) + 2))
    ws.freeze_panes = "A2"
    if len(df.columns):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(df.columns))}{max(1, len(df) + 1)}"
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    save_workbook(wb, path, drop_dates=True)


def _parquet_safe(df: pd.DataFrame) -> pd.DataFrame:
    return df.reset_index(drop=True)


def write_outputs(result: CleanResult, out_dir: str | Path, codebook: Codebook) -> None:
    """Write every output of the stage under ``out_dir`` (data/processed)."""
    out = Path(out_dir)
    (out / "restricted").mkdir(parents=True, exist_ok=True)
    for name, frame in (
        ("clean", result.clean), ("quarantine", result.quarantine), ("duplicates", result.duplicates),
        ("issues", result.issues), ("corrections", result.corrections),
    ):
        with atomic_path(out / f"{name}.parquet") as tmp:
            _parquet_safe(frame).to_parquet(tmp, index=False)
    with atomic_path(out / "restricted" / "contacts.parquet") as tmp:
        _parquet_safe(result.contacts).to_parquet(tmp, index=False)
    write_clean_xlsx(result.clean, out / "clean.xlsx", codebook)
    atomic_write_text(out / "quality.json", json.dumps(result.quality, ensure_ascii=False, indent=2) + "\n")

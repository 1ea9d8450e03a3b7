"""Clean stage: normalise, enrich, derive, validate, quarantine, deduplicate, write outputs.

``clean_responses`` is the pure work function (DataFrames in, a :class:`CleanResult` out);
``main`` only reads the inputs and writes the outputs. Every changed value is logged in
``corrections``, every row that leaves the clean table is in ``quarantine`` or ``duplicates``,
and the per-file reconciliation rows in = clean + quarantined + duplicates is checked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from pipeline.clean.geography import (
    Geography,
    enrich_geography,
    fill_declared_geography,
    load_geography,
)
from pipeline.clean.validate import (
    RuleParams,
    answered,
    budget_per_inhabitant,
    validate_responses,
)
from pipeline.common.atomic import atomic_path, atomic_write_text, save_workbook
from pipeline.common.identifiers import (
    INSEE_PATTERN,
    normalize_insee_series,
    normalize_siren_series,
    siren_valid_series,
)
from pipeline.common.safe_text import neutralize
from pipeline.common.text import fold_series, normalize_label
from pipeline.domain.codebook import Codebook
from pipeline.domain.params import Bins, CleanParams
from pipeline.domain.rules import BLOCKING, RULES, WARNING, flag_column

CORRECTION_COLUMNS = ("response_id", "column", "kind", "before", "after")
DUPLICATE_COLUMNS = (
    "duplicate_key", "kept_response_id", "kept_file", "kept_sheet", "kept_row", "kept_date",
    "dropped_response_id", "dropped_file", "dropped_sheet", "dropped_row", "dropped_date", "reason_fr",
)
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


class ReconciliationError(RuntimeError):
    """Rows in != clean + quarantined + duplicates for a file: a bug of this stage, not bad data."""


@dataclass
class CleanResult:
    clean: pd.DataFrame
    quarantine: pd.DataFrame
    duplicates: pd.DataFrame
    contacts: pd.DataFrame
    issues: pd.DataFrame
    corrections: pd.DataFrame
    reconciliation: pd.DataFrame
    quality: dict[str, object]


# --- normalise -------------------------------------------------------------------------------


def _corrections(rows: list[pd.DataFrame]) -> pd.DataFrame:
    rows = [r for r in rows if len(r)]
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in CORRECTION_COLUMNS})
    return pd.concat(rows, ignore_index=True)[list(CORRECTION_COLUMNS)].astype("string")


def _changes(df: pd.DataFrame, column: str, before: pd.Series, after: pd.Series, kind: str) -> pd.DataFrame:
    changed = (before.astype("string").fillna("\0") != after.astype("string").fillna("\0")).astype(bool)
    return pd.DataFrame(
        {
            "response_id": df.loc[changed, "response_id"].astype("string"),
            "column": column,
            "kind": kind,
            "before": before[changed].astype("string"),
            "after": after[changed].astype("string"),
        }
    )


def _modality_keys(codebook: Codebook, code: str) -> dict[str, str]:
    q = codebook[code]
    keys: dict[str, str] = {}
    for m in q.modalities:
        for text in (m.label, m.slug, *m.synonyms):
            keys.setdefault(normalize_label(text), m.label)
    return keys


def normalize_modalities(
    df: pd.DataFrame, codebook: Codebook, fuzzy_threshold: float = 90.0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map single-choice answers that ingest left raw to their canonical label (loose key, then
    fuzzy match on the key); no-answer tokens ('NSP', '-') become missing. Returns (df, changes)."""
    updates: dict[str, pd.Series] = {}
    changes = []
    for q in codebook.of_type("single"):
        if q.code not in df.columns:
            continue
        s = df[q.code].astype("string")
        labels = {m.label for m in q.modalities}
        raw = s.notna() & ~s.isin(labels)
        if not raw.any():
            continue
        keys = _modality_keys(codebook, q.code)
        mapping: dict[str, object] = {}
        for value in s[raw].unique():
            key = normalize_label(value)
            if codebook.is_no_answer(value, q) or not key:
                mapping[value] = pd.NA
            elif key in keys:
                mapping[value] = keys[key]
            else:
                best = process.extractOne(key, list(keys), scorer=fuzz.ratio, score_cutoff=fuzzy_threshold)
                mapping[value] = keys[best[0]] if best else value
        after = s.where(~raw, s.map(mapping).astype("string"))
        no_answer = raw & after.isna()
        matched = raw & after.notna() & after.isin(labels)
        changes.append(_changes(df[no_answer], q.code, s[no_answer], after[no_answer], "no_answer_blanked"))
        changes.append(_changes(df[matched], q.code, s[matched], after[matched], "modality_normalized"))
        updates[q.code] = after
    siren_before = df["A03"].astype("string")
    siren_after = normalize_siren_series(siren_before)
    insee_before = df["A04"].astype("string")
    insee_after = normalize_insee_series(insee_before)
    changes.append(_changes(df, "A03", siren_before, siren_after, "siren_normalized"))
    changes.append(_changes(df, "A04", insee_before, insee_after, "insee_normalized"))
    return df.assign(**updates, A03=siren_after, A04=insee_after), _corrections(changes)


def blank_unknown_modalities(df: pd.DataFrame, codebook: Codebook) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Unknown single-choice answers (already reported as unknown_modality) become missing so
    no analysis sees them; the raw value stays in the alert and the corrections log."""
    updates: dict[str, pd.Series] = {}
    changes = []
    for q in codebook.of_type("single"):
        s = df[q.code].astype("string")
        bad = (s.notna() & ~s.isin({m.label for m in q.modalities})).astype(bool)
        if bad.any():
            after = s.mask(bad)
            changes.append(_changes(df[bad], q.code, s[bad], after[bad], "unknown_modality_blanked"))
            updates[q.code] = after
    return df.assign(**updates), _corrections(changes)


# --- derive ----------------------------------------------------------------------------------


def bin_values(values: pd.Series, bins: Bins) -> pd.Series:
    """Ordered categorical of class labels; a missing value stays missing."""
    if len(bins.labels) != len(bins.edges) + 1:
        raise ValueError(f"classes {bins.labels}: {len(bins.edges) + 1} libellés attendus")
    x = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()
    codes = np.searchsorted(np.asarray(bins.edges, dtype="float64"), x, side="right")
    codes = np.where(np.isnan(x), -1, codes)
    return pd.Series(pd.Categorical.from_codes(codes, categories=bins.labels, ordered=True), index=values.index)


def derive_variables(df: pd.DataFrame, params: CleanParams) -> pd.DataFrame:
    """Add budget_par_habitant, strate_population and the binned classes <code>_classe."""
    population = pd.to_numeric(df["A07"], errors="coerce")
    if "population_ref" in df.columns:
        population = population.fillna(df["population_ref"].astype("Float64").astype("float64"))
    classes = {f"{code}_classe": bin_values(df[code], bins) for code, bins in params.classes.items()}
    return df.assign(
        budget_par_habitant=budget_per_inhabitant(df).round(2),
        strate_population=bin_values(population.where(population > 0), params.strate_population),
        **classes,
    )


# --- flags and quarantine --------------------------------------------------------------------


def add_flags(df: pd.DataFrame, issues: pd.DataFrame) -> pd.DataFrame:
    """One boolean ``flag_<rule>`` column per warning rule and an ``alertes`` text column."""
    warn = issues[issues["severity"] == WARNING]
    flags = {}
    for code, rule in RULES.items():
        if rule.severity != WARNING:
            continue
        ids = set(warn.loc[warn["code"] == code, "response_id"])
        flags[flag_column(code)] = df["response_id"].isin(ids).astype(bool)
    text = (warn["message_fr"].str.split(". Comment corriger", n=1).str[0])
    alert = text.groupby(warn["response_id"]).agg(" | ".join) if len(warn) else pd.Series(dtype="string")
    return df.assign(**flags, alertes=df["response_id"].map(alert).astype("string"))


def _where_text(issues: pd.DataFrame) -> pd.Series:
    where = "fichier " + issues["file"].fillna("")
    where = where.where(issues["sheet"].fillna("") == "", where + ", feuille « " + issues["sheet"] + " »")
    where = where.where(issues["cell"].fillna("") == "", where + ", cellule " + issues["cell"])
    return where + " : " + issues["message_fr"]


def split_quarantine(df: pd.DataFrame, issues: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows with a blocking issue go to quarantine with their reasons (French, with places)."""
    blocking = issues[issues["severity"] == BLOCKING]
    bad = df["response_id"].isin(set(blocking["response_id"])).astype(bool)
    reasons = _where_text(blocking).groupby(blocking["response_id"]).agg("\n".join) if len(blocking) else pd.Series(dtype="string")
    codes = blocking["code"].groupby(blocking["response_id"]).agg(lambda s: ",".join(sorted(set(s)))) if len(blocking) else pd.Series(dtype="string")
    quarantine = df[bad].assign(
        motifs=df.loc[bad, "response_id"].map(reasons).astype("string"),
        codes_motifs=df.loc[bad, "response_id"].map(codes).astype("string"),
    )
    return df[~bad], quarantine.reset_index(drop=True)


# --- deduplicate -----------------------------------------------------------------------------


def identity_keys(df: pd.DataFrame, codebook: Codebook) -> pd.Series:
    """Key of the collectivité: valid SIREN, else INSEE code (with the type), else normalised
    name + département. A row without SIREN joins the SIREN of a row sharing its INSEE or name key
    when that SIREN is the only one seen with this key."""
    siren = df["A03"].astype("string")
    valid_siren = siren.where(siren_valid_series(siren).fillna(False).astype(bool))
    insee = df["A04"].astype("string")
    insee = insee.where(insee.str.fullmatch(INSEE_PATTERN).fillna(False).astype(bool))
    insee_key = ("insee:" + df["A02"].astype("string").fillna("?") + ":" + insee).astype("string")
    name = fold_series(df["A01"])
    dept = df["departement_code"].astype("string") if "departement_code" in df.columns else pd.Series(pd.NA, index=df.index, dtype="string")
    name_key = ("name:" + name + ":" + dept.fillna("?")).astype("string")
    siren_key = ("siren:" + valid_siren).astype("string")
    key = siren_key.copy()
    for other in (insee_key, name_key):
        pairs = pd.DataFrame({"other": other, "siren": siren_key}).dropna()
        unique = pairs.groupby("other")["siren"].nunique()
        first = pairs.groupby("other")["siren"].first()
        lookup = first[unique == 1]
        key = key.fillna(other.map(lookup).astype("string"))
    # rows with INSEE code but no SIREN may still share a name key with each other
    pairs = pd.DataFrame({"other": name_key, "insee": insee_key}).dropna()
    unique = pairs.groupby("other")["insee"].nunique()
    lookup = pairs.groupby("other")["insee"].first()[unique == 1]
    key = key.fillna(insee_key).fillna(name_key.map(lookup).astype("string")).fillna(name_key)
    return key.fillna("response:" + df["response_id"].astype("string"))


def _completeness(df: pd.DataFrame, codebook: Codebook) -> pd.Series:
    """Number of questions answered (a multi-select counts once)."""
    plain = [q.code for q in codebook if q.type != "multi" and not q.is_pii and q.code in df.columns]
    total = df[plain].notna().sum(axis=1)
    for q in codebook.of_type("multi"):
        total += answered(df, q).astype(int)
    return total


def deduplicate(df: pd.DataFrame, codebook: Codebook) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep one answer per collectivité: the latest (A14), then the most complete, then the last
    in file order. Returns (kept, log) with the provenance of both kept and dropped rows."""
    order = pd.DataFrame(
        {
            "key": identity_keys(df, codebook).to_numpy(),
            "date": pd.to_datetime(df["A14"], errors="coerce").to_numpy(),
            "complete": _completeness(df, codebook).to_numpy(),
            "pos": np.arange(len(df)),
        }
    )
    ranked = order.sort_values(["key", "date", "complete", "pos"], ascending=[True, False, False, False], na_position="last")
    winner_pos = ranked.groupby("key", sort=False)["pos"].transform("first")
    dropped = ranked[ranked["pos"] != winner_pos]
    keep_mask = np.ones(len(df), dtype=bool)
    keep_mask[dropped["pos"].to_numpy()] = False
    kept_rows = df.iloc[winner_pos[ranked["pos"] != winner_pos].to_numpy()]
    drop_rows = df.iloc[dropped["pos"].to_numpy()]

    def prov(rows: pd.DataFrame, prefix: str) -> dict[str, pd.Series]:
        return {
            f"{prefix}_response_id": rows["response_id"].astype("string").to_numpy(),
            f"{prefix}_file": rows["source_file"].astype("string").to_numpy(),
            f"{prefix}_sheet": rows["source_sheet"].astype("string").to_numpy(),
            f"{prefix}_row": rows["source_row"].astype("Int64").to_numpy(),
            f"{prefix}_date": rows["A14"].astype("string").to_numpy(),
        }

    log = pd.DataFrame({"duplicate_key": dropped["key"].astype("string").to_numpy(), **prov(kept_rows, "kept"), **prov(drop_rows, "dropped")})
    log = log.assign(
        reason_fr=(
            "Même collectivité (" + log["duplicate_key"].str.split(":").str[0].map(
                {"siren": "même SIREN", "insee": "même code INSEE", "name": "même nom et département"}
            ).fillna("même identité") + ") : la réponse la plus récente et la plus complète est gardée."
        ).astype("string")
    )
    for c in DUPLICATE_COLUMNS:
        if c != "kept_row" and c != "dropped_row":
            log[c] = log[c].astype("string")
    return df[keep_mask].reset_index(drop=True), log[list(DUPLICATE_COLUMNS)]


# --- reconciliation and quality --------------------------------------------------------------


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


# --- the work function -----------------------------------------------------------------------


def clean_responses(
    responses: pd.DataFrame,
    codebook: Codebook,
    params: CleanParams,
    survey_year: int,
    *,
    geography: Geography | None = None,
    ingest_report: dict[str, object] | list | None = None,
) -> CleanResult:
    """The whole clean transformation on the responses table; never mutates ``responses``."""
    geography = geography or load_geography(params.communes or None)
    rule_params = RuleParams.of(params, survey_year)
    pii = [c for c in codebook.pii_codes if c in responses.columns]
    contacts = responses[["response_id", *pii]].reset_index(drop=True)
    data = responses.drop(columns=pii).reset_index(drop=True)
    data = data.assign(response_id=data["response_id"].astype("string"))

    data, normalised = normalize_modalities(data, codebook, params.fuzzy_threshold)
    data, geo_issues = enrich_geography(data, codebook, geography, population_tolerance=params.population_tolerance)
    issues = pd.concat([validate_responses(data, codebook, rule_params), geo_issues], ignore_index=True)
    data, blanked = blank_unknown_modalities(data, codebook)
    before_fill = data
    data, filled = fill_declared_geography(data, codebook)
    fill_log = _corrections([
        _changes(data, col, before_fill[col], data[col], "filled_from_reference") for col in ("A05", "A06", "A08")
    ])
    data = derive_variables(data, params)
    data = add_flags(data, issues)
    kept, quarantine = split_quarantine(data, issues)
    clean, duplicates = deduplicate(kept, codebook)
    reconciliation = reconcile(responses, clean, quarantine, duplicates)
    corrections = _corrections([normalised, blanked, fill_log])
    tables = {
        "clean": clean, "quarantine": quarantine, "duplicates": duplicates, "issues": issues,
        "corrections": corrections, "reconciliation": reconciliation,
    }
    return CleanResult(
        clean=clean,
        quarantine=quarantine,
        duplicates=duplicates,
        contacts=contacts,
        issues=issues.astype("string"),
        corrections=corrections,
        reconciliation=reconciliation,
        quality=quality_summary(ingest_report, responses, tables) | {"filled_from_reference_by_column": {k: int(v) for k, v in filled.items()}},
    )


# --- outputs ---------------------------------------------------------------------------------

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


def summary_fr(quality: dict[str, object]) -> str:
    return (
        f"Nettoyage : {quality['rows_read']} réponse(s) lue(s) → {quality['clean']} gardée(s), "
        f"{quality['quarantined']} en quarantaine, {quality['duplicates']} doublon(s) écarté(s) ; "
        f"{quality['rows_with_warnings']} réponse(s) avec alerte(s)."
    )

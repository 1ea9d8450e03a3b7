"""Duplicates: the same collectivité answering twice (same SIREN, else INSEE code, else name and département); the latest complete answer wins and the drop is logged."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.clean.checks import answered
from pipeline.common.identifiers import (
    INSEE_PATTERN,
    siren_valid_series,
)
from pipeline.common.text import fold_series
from pipeline.domain.codebook import Codebook

DUPLICATE_COLUMNS = (
    "duplicate_key", "kept_response_id", "kept_file", "kept_sheet", "kept_row", "kept_date",
    "dropped_response_id", "dropped_file", "dropped_sheet", "dropped_row", "dropped_date", "reason_fr",
)


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

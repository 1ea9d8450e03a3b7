"""Rows with a blocking problem go to quarantine with their reasons; warnings become flag_<rule> columns."""

from __future__ import annotations

import pandas as pd

from pipeline.domain.rules import BLOCKING, RULES, WARNING, flag_column


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

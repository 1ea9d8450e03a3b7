"""Coverage: how many collectivités of each network, type and population class answered.

The frame's collectivités flagged with the respondents matched to them; the table crosses
network × type × population class (``coverage_table``), and :func:`coverage_by` gives the same
counts for any grouping (a network's report: by type; the national one: by network).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COVERAGE_COLUMNS = ("rrma", "rrma_slug", "type", "taille", "n_frame", "n_respondents", "response_rate",
                    "population_frame", "population_respondents")


def flag_respondents(frame: pd.DataFrame, matched: pd.DataFrame) -> pd.DataFrame:
    """The frame with ``responded`` (a matched respondent) for each collectivité."""
    return frame.assign(responded=frame["siren"].isin(set(matched["siren"])))


def coverage_by(flagged: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Collectivités of the frame and respondents among them, by ``by`` (frame columns), with the
    response rate and the population they hold; groups in the frame's order of categories."""
    pop = flagged["population"].astype("Float64").fillna(0)
    g = flagged.assign(_pop=pop, _resp_pop=pop.where(flagged["responded"], 0)).groupby(by, sort=True, observed=True)
    out = pd.DataFrame({
        "n_frame": g.size(),
        "n_respondents": g["responded"].sum().astype("int64"),
        "population_frame": g["_pop"].sum().astype(float),
        "population_respondents": g["_resp_pop"].sum().astype(float),
    }).reset_index()
    rate = out["n_respondents"] / out["n_frame"].where(out["n_frame"] > 0)
    out.insert(out.columns.get_loc("n_respondents") + 1, "response_rate", rate.astype(float))
    return out


def coverage_table(flagged: pd.DataFrame) -> pd.DataFrame:
    """Network × type × population class: collectivités, respondents, response rate, population."""
    table = coverage_by(flagged, ["rrma", "rrma_slug", "type", "taille"])
    return table.astype({"rrma": "string", "rrma_slug": "string", "type": "string", "taille": "string"})[
        list(COVERAGE_COLUMNS)]


def headline(flagged: pd.DataFrame, n_clean: int, n_unmatched: int) -> dict[str, object]:
    """Headline numbers: respondents, collectivités, response rate (overall and by type)."""
    n_frame = int(len(flagged))
    n_resp = int(flagged["responded"].sum())
    by_type = coverage_by(flagged, ["type"])
    return {
        "n_clean": int(n_clean),
        "n_matched": n_resp,
        "n_unmatched": int(n_unmatched),
        "n_frame": n_frame,
        "response_rate": float(n_resp / n_frame) if n_frame else float("nan"),
        "response_rate_by_type": {str(t): float(r) for t, r in zip(by_type["type"], by_type["response_rate"])
                                  if not np.isnan(r)},
    }


__all__ = ["COVERAGE_COLUMNS", "coverage_by", "coverage_table", "flag_respondents", "headline"]

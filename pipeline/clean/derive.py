"""Variables derived from the answers: budget per inhabitant, population stratum, classes of numbers (<code>_classe)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.clean.checks import budget_per_inhabitant
from pipeline.domain.codebook import CLASS_SUFFIX
from pipeline.domain.params import Bins, CleanParams


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
    classes = {code + CLASS_SUFFIX: bin_values(df[code], bins) for code, bins in params.classes.items()}
    return df.assign(
        budget_par_habitant=budget_per_inhabitant(df).round(2),
        strate_population=bin_values(population.where(population > 0), params.strate_population),
        **classes,
    )

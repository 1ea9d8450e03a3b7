"""The frame of collectivités (``pipeline/domain/reference/collectivites.csv.gz``), read for the survey.

Each collectivité gets its network from its région in ``rrma.csv`` (the analysts' table, read at
run time) and its population class (``taille``); the margin variables of the raking are
``type`` (A02 slug), ``taille`` (population class label) and ``reseau`` (network slug), with the
categories of ``collapse`` merged (categories too small to stand alone, e.g. the three
collectivités à statut particulier calibrated with the régions).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.common.errors import UserError
from pipeline.domain.params import Bins
from pipeline.domain.reference import read_reference, reference_path

SHIPPED_FRAME = "collectivites.csv.gz"  # pipeline/domain/reference/ (collectivites.README.md)
FRAME_COLUMNS = ("siren", "code", "name", "type", "population", "departement", "region", "vintage")
MARGIN_VARIABLES = ("type", "taille", "reseau")


class FrameError(UserError, ValueError):
    """The frame cannot be used (French message)."""


def size_class(population: pd.Series, bins: Bins) -> pd.Series:
    """Label of the population class of each value (a value equal to an edge goes up)."""
    values = pd.to_numeric(population, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    index = np.searchsorted(np.asarray(bins.edges, dtype=float), values, side="right")
    labels = np.asarray(bins.labels, dtype=object)[np.minimum(index, len(bins.labels) - 1)]
    return pd.Series(np.where(np.isnan(values), None, labels), index=population.index, dtype="string")


def load_frame(path: str | Path, sizes: Bins) -> pd.DataFrame:
    """The frame with its network (``rrma``, ``rrma_slug``, from ``rrma.csv``) and ``taille``."""
    path = Path(path)
    if not path.exists() and path.name == SHIPPED_FRAME:
        path = reference_path(SHIPPED_FRAME)  # outside the project folder: the packaged copy
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise FrameError(f"Base des collectivités {path} illisible : {exc}") from None
    missing = [c for c in FRAME_COLUMNS if c not in frame.columns]
    if missing:
        raise FrameError(f"Base des collectivités {path} : colonne(s) {', '.join(missing)} manquante(s) "
                         f"(attendues : {', '.join(FRAME_COLUMNS)})")
    rrma = {r["region"]: (r["rrma"], r["rrma_slug"]) for r in read_reference("rrma.csv")}
    unknown = sorted(set(frame["region"]) - set(rrma))
    if unknown:
        raise FrameError(f"Base des collectivités {path} : région « {unknown[0]} » absente de rrma.csv")
    frame = frame[list(FRAME_COLUMNS)].astype("string").assign(
        population=pd.to_numeric(frame["population"], errors="coerce").astype("Int64"))
    return frame.assign(
        rrma=frame["region"].map({k: v[0] for k, v in rrma.items()}).astype("string"),
        rrma_slug=frame["region"].map({k: v[1] for k, v in rrma.items()}).astype("string"),
        taille=size_class(frame["population"], sizes),
    )


def margin_table(units: pd.DataFrame, variables: list[str] | tuple[str, ...],
                 collapse: Mapping[str, Mapping[str, str]]) -> pd.DataFrame:
    """The margin variables of frame rows (or matched respondents), categories merged by ``collapse``."""
    source = {"type": "type", "taille": "taille", "reseau": "rrma_slug"}
    out = {}
    for v in variables:
        if v not in source:
            raise FrameError(f"Marge « {v} » inconnue ; marges possibles : {', '.join(MARGIN_VARIABLES)}")
        values = units[source[v]].astype("string")
        out[v] = values.replace(dict(collapse.get(v, {}))) if collapse.get(v) else values
    return pd.DataFrame(out, index=units.index)


__all__ = ["FRAME_COLUMNS", "FrameError", "MARGIN_VARIABLES", "SHIPPED_FRAME", "load_frame", "margin_table",
           "size_class"]

"""The typology's metrics record: what the typology stage writes to ``metrics/typology.json`` and
what the continuity stage, the reports and ``dvc metrics`` read, by attribute.

One record shared by producer and consumers: a key renamed here is renamed everywhere, and a
file that does not match is refused with a French message instead of being guessed at.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from pipeline.common.errors import UserError


class MetricsError(UserError, ValueError):
    """A metrics file that is not the typology's record (message in French)."""


@dataclass(frozen=True)
class Selection:
    """Respondents kept for the typology (``typology.include_column`` / ``include_values``)."""

    excluded: int
    rule: str = ""
    excluded_by_answer: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        if not self.rule:
            return {"excluded": self.excluded}
        return {"rule": self.rule, "excluded": self.excluded, "excluded_by_answer": dict(self.excluded_by_answer)}


@dataclass(frozen=True)
class Stability:
    """Bootstrap Jaccard of each type (Hennig's clusterboot) and ARI across refits."""

    n_bootstrap: int
    jaccard: dict[int, float | None]
    verdict: dict[int, str | None]  # "stable", "moyen" or "douteux" (typology.stability_* in params.yaml)
    ari_bootstrap: float | None
    ari_seeds: float | None
    n_seeds: int


@dataclass(frozen=True)
class TypologyMetrics:
    """Headline figures of one fitted typology (``metrics/typology.json``)."""

    n: int                                  # respondents typed
    n_input: int                            # respondents of the clean table
    selection: Selection
    active_columns: list[str]
    dropped_constant_columns: list[str]
    k: int                                  # number of types
    k_auto: int                             # number the inertia-gain rule chose
    type_sizes: dict[int, int]
    type_names: dict[int, str]
    eigenvalues: list[float]                # of the first ncp axes
    inertia: list[float]                    # share of inertia of the first ncp axes (0-1)
    inertia_gain_ratio: dict[int, float]    # W(Q)/W(Q-1) by number of types (FactoMineR's criterion)
    silhouette: float | None
    calinski_harabasz: float | None
    stability: Stability
    truth: dict[str, Any] | None = None     # demo only: ARI against the planted models
    notice: str | None = None               # why there is no typology (too few respondents), in French
    # set by the continuity stage on the published record (metrics/typology.json)
    n_reference_wave: int | None = None
    published: str | None = None            # "refit" or "reference"
    year: int | None = None
    reference_year: int | None = None
    # the name each type's portrait suggests (the key of typology.names for an analyst's name)
    type_names_suggested: dict[int, str] | None = None
    missing: str | None = None              # typology.missing: "passive" or "category"
    inertia_gains: list[float] | None = None  # Ward merge gains, largest first (the first 10; FactoMineR inert.gain)
    jaccard_thresholds: dict[str, float] | None = None  # {"stable": .., "doubtful": ..} (typology.jaccard_*)
    # set by the continuity stage: what became of each type of the reference model in the refit
    # (pipeline.panel.continuity.match_types: reference_type, refit_type, names, status, parts…)
    identity: list[dict[str, Any]] | None = None

    def same_types(self) -> dict[int, dict[str, Any]]:
        """Reference-model type -> its record in ``identity`` (refit_type None: no refit type is it)."""
        return {int(r["reference_type"]): r for r in (self.identity or []) if r.get("reference_type") is not None}

    @property
    def available(self) -> bool:
        """False when the wave was too small for a typology (see ``notice``)."""
        return self.k > 0

    @classmethod
    def skipped(cls, n: int, n_input: int, selection: Selection, notice: str) -> TypologyMetrics:
        """The record of a wave without typology: counts and the French reason, no type."""
        return cls(n=n, n_input=n_input, selection=selection, active_columns=[], dropped_constant_columns=[], k=0,
                   k_auto=0, type_sizes={}, type_names={}, eigenvalues=[], inertia=[], inertia_gain_ratio={},
                   silhouette=None, calinski_harabasz=None,
                   stability=Stability(0, {}, {}, None, None, 0), notice=notice)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None and f.name in _OPTIONAL:
                continue
            if f.name == "selection":
                value = value.to_dict()
            elif f.name == "stability":
                value = asdict(value)
            out[f.name] = value
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def with_updates(self, **changes: Any) -> TypologyMetrics:
        return replace(self, **changes)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "metrics/typology.json") -> TypologyMetrics:
        try:
            values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
            values["selection"] = Selection(**data["selection"])
            s = data["stability"]
            values["stability"] = Stability(
                n_bootstrap=s["n_bootstrap"], jaccard=_int_keys(s["jaccard"]), verdict=_int_keys(s["verdict"]),
                ari_bootstrap=s["ari_bootstrap"], ari_seeds=s["ari_seeds"], n_seeds=s["n_seeds"])
            for name in ("type_sizes", "type_names", "inertia_gain_ratio"):
                values[name] = _int_keys(data[name])
            if data.get("type_names_suggested") is not None:
                values["type_names_suggested"] = _int_keys(data["type_names_suggested"])
            return cls(**values)
        except (KeyError, TypeError, ValueError) as exc:
            raise MetricsError(f"{where} n'est pas le bilan de la typologie attendu ({exc}) : relancez "
                               "l'étape typologie (dvc repro).") from exc

    @classmethod
    def read(cls, path: str | Path) -> TypologyMetrics:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise MetricsError(f"{path} illisible ({exc}) : relancez l'étape typologie (dvc repro).") from exc
        return cls.from_dict(data, str(path))


_OPTIONAL = frozenset({"truth", "notice", "n_reference_wave", "published", "year", "reference_year",
                       "type_names_suggested", "missing", "identity", "inertia_gains", "jaccard_thresholds"})


def _int_keys(mapping: dict[Any, Any]) -> dict[int, Any]:
    return {int(k): v for k, v in mapping.items()}

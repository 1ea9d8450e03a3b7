"""Typology layer: MCA and HCPC as scikit-learn estimators agreeing with FactoMineR, the
description of the types (catdes), the fitted model saved for next year, and its metrics.

The public names are imported on first use, so that ``pipeline.typology.metrics`` (read by every
report kernel) does not load scikit-learn and scipy.
"""

from importlib import import_module

_PUBLIC = {
    "HCPC": "hcpc", "MCA": "mca", "TypologyMetrics": "metrics", "TypologyModel": "model", "classify": "model",
    "fit_typology": "model", "load_model": "persistence", "save_model": "persistence", "WaveTypology": "recipe",
    "type_wave": "recipe",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> object:
    if name in _PUBLIC:
        return getattr(import_module(f"pipeline.typology.{_PUBLIC[name]}"), name)
    raise AttributeError(f"module 'pipeline.typology' has no attribute {name!r}")

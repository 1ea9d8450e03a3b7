"""Typology layer: MCA and HCPC as scikit-learn estimators agreeing with FactoMineR, the
description of the types (catdes), the fitted model saved for next year, and its metrics."""

from pipeline.typology.hcpc import HCPC
from pipeline.typology.mca import MCA
from pipeline.typology.metrics import TypologyMetrics
from pipeline.typology.model import TypologyModel, classify, fit_typology
from pipeline.typology.persistence import load_model, save_model
from pipeline.typology.recipe import WaveTypology, type_wave

__all__ = ["HCPC", "MCA", "TypologyMetrics", "TypologyModel", "WaveTypology", "classify", "fit_typology",
           "load_model", "save_model", "type_wave"]

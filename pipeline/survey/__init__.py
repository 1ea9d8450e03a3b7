"""The survey as a sample of the collectivités: the frame, who answered (matching, coverage),
calibration weights (raking) and estimates with their uncertainty (among respondents, calibrated
for all the collectivités of a scope)."""

from pipeline.survey.estimates import (
    Estimate,
    calibrated_mean,
    calibrated_share,
    respondent_mean,
    respondent_share,
    weighted_median,
)
from pipeline.survey.raking import Margin, Raking, RakingError, margins_from_frame, rake

__all__ = ["Estimate", "Margin", "Raking", "RakingError", "calibrated_mean", "calibrated_share", "margins_from_frame",
           "rake", "respondent_mean", "respondent_share", "weighted_median"]

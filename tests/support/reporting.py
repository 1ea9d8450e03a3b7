"""A Report on the synthetic inputs of ``conftest.make_report_inputs``, for section unit tests."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pipeline.reporting.inputs import Inputs, load_inputs
from pipeline.reporting.report import NATIONAL, Report


def read_inputs(paths: dict[str, Path], allow_comments: bool = True) -> Inputs:
    """The inputs as the notebook reads them."""
    keys = ("clean", "typology", "typology_description", "typology_metrics", "quality", "trends", "trends_table")
    return load_inputs(*(str(paths[k]) for k in keys), 2025, allow_comments)


def make_report(paths: dict[str, Path], scope: str = NATIONAL, **changes) -> Report:
    """A Report of ``scope`` without figure files; ``changes`` replace fields of the inputs."""
    inputs = dataclasses.replace(read_inputs(paths), **changes)
    return Report(inputs, scope, 3, "Enquête test", None)

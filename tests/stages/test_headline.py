"""The headline numbers of a run: one short row that `dvc metrics show` prints within a terminal."""

from __future__ import annotations

from tabulate import tabulate

from pipeline.stages.headline import headline
from pipeline.survey.recipe import CoverageMetrics
from pipeline.typology.metrics import Selection, Stability, TypologyMetrics

COVERAGE = CoverageMetrics(year=2025, frame_vintage="2024", n_clean=584, n_matched=570, n_unmatched=14,
                           n_frame=35000, response_rate=0.016285714, response_rate_by_type={},
                           matched_by={}, margins=[], available=True, publish_estimates=False)
TYPOLOGY = TypologyMetrics(
    n=507, n_input=584, selection=Selection(excluded=77), active_columns=["B03"], dropped_constant_columns=[], k=5,
    k_auto=5, type_sizes={1: 52, 2: 210, 3: 143, 4: 60, 5: 42}, type_names={i: f"Type {i}" for i in range(1, 6)},
    eigenvalues=[0.3, 0.2], inertia=[0.12, 0.08], inertia_gain_ratio={3: 0.69}, silhouette=0.58740782,
    calinski_harabasz=544.9, stability=Stability(20, {1: 0.9339465, 2: 1.0, 3: None}, {}, 0.97, 1.0, 5))
SECRECY = {"published_count_cells": 8123, "masked_cells": 1234, "masked_share": 0.152, "primary": 600,
           "secondary": 634, "disclosed": 0, "seconds": 12.5}


def _dvc_table(numbers: dict) -> str:
    """The table `dvc metrics show` prints for metrics/headline.json (DVC's own code)."""
    from dvc.compare import metrics_table

    td = metrics_table({"workspace": {"data": {"metrics/headline.json": {"data": numbers}}}})
    return tabulate(list(td), list(td.keys()), tablefmt="plain", disable_numparse=True, missingval="-")


def test_headline_is_a_few_rounded_numbers_that_fit_in_a_terminal():
    numbers = headline(COVERAGE, TYPOLOGY, {"ari": 0.98644370828, "drift": True, "shares": {"1": {}}},
                       {"type_changed": 23, "by_network": {"a": {"n_panel": 3}}}, SECRECY)
    assert numbers == {"n": 584, "rate": 0.016, "k": 5, "silhouette": 0.587, "jaccard_min": 0.934, "ari": 0.986,
                       "changed": 23, "masked": 1234, "disclosed": 0}
    table = _dvc_table(numbers)
    assert max(len(line) for line in table.splitlines()) < 120, table
    assert "by_network" not in table


def test_a_wave_without_typology_nor_panel_leaves_those_figures_out():
    skipped = TypologyMetrics.skipped(2, 2, Selection(excluded=0), "Trop peu de répondants.")
    numbers = headline(COVERAGE, skipped, {}, {"first_wave": True, "n_panel": 0, "type_changed": 0}, SECRECY)
    assert numbers["k"] == 0 and "silhouette" not in numbers and "jaccard_min" not in numbers
    assert "ari" not in numbers and numbers["changed"] == 0

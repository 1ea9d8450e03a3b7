"""The clean recipe: normalise, enrich, validate, derive, quarantine, deduplicate — named steps.

``clean_responses`` is the pure work function (DataFrames in, a :class:`CleanResult` out); the
stage (:mod:`pipeline.stages.clean`) only reads and writes. Every changed value is logged in
``corrections``, every row that leaves the clean table is in ``quarantine`` or ``duplicates``,
and the per-file reconciliation rows in = clean + quarantined + duplicates is checked."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipeline.clean.checks import RuleParams
from pipeline.clean.dedup import deduplicate
from pipeline.clean.derive import derive_variables
from pipeline.clean.geography import (
    Geography,
    enrich_geography,
    fill_declared_geography,
    load_geography,
)
from pipeline.clean.normalize import (
    blank_unknown_modalities,
    corrections_table,
    log_changes,
    normalize_modalities,
)
from pipeline.clean.privacy import scrub_free_text, scrub_values
from pipeline.clean.quality import quality_summary, reconcile
from pipeline.clean.quarantine import add_flags, split_quarantine
from pipeline.clean.validate import validate_responses
from pipeline.domain.codebook import Codebook
from pipeline.domain.params import CleanParams


@dataclass
class CleanResult:
    clean: pd.DataFrame
    quarantine: pd.DataFrame
    duplicates: pd.DataFrame
    contacts: pd.DataFrame
    issues: pd.DataFrame
    corrections: pd.DataFrame
    reconciliation: pd.DataFrame
    quality: dict[str, object]


def clean_responses(
    responses: pd.DataFrame,
    codebook: Codebook,
    params: CleanParams,
    survey_year: int,
    *,
    geography: Geography | None = None,
    ingest_report: dict[str, object] | list | None = None,
) -> CleanResult:
    """The whole clean transformation on the responses table; never mutates ``responses``."""
    geography = geography or load_geography(params.communes or None)
    rule_params = RuleParams.of(params, survey_year)
    pii = [c for c in codebook.pii_codes if c in responses.columns]
    contacts = responses[["response_id", *pii]].reset_index(drop=True)
    data = responses.drop(columns=pii).reset_index(drop=True)
    data = data.assign(response_id=data["response_id"].astype("string"))
    data, originals, n_scrubbed = scrub_free_text(data, codebook)  # texts as typed: restricted only
    contacts = contacts.merge(originals, on="response_id", how="left")

    data, normalised = normalize_modalities(data, codebook, params.fuzzy_threshold)
    data, geo_issues = enrich_geography(data, codebook, geography, population_tolerance=params.population_tolerance)
    issues = pd.concat([validate_responses(data, codebook, rule_params), geo_issues], ignore_index=True)
    data, blanked = blank_unknown_modalities(data, codebook)
    before_fill = data
    data, filled = fill_declared_geography(data, codebook)
    fill_log = corrections_table([
        log_changes(data, col, before_fill[col], data[col], "filled_from_reference") for col in ("A05", "A06", "A08")
    ])
    data = derive_variables(data, params)
    data = add_flags(data, issues)
    kept, quarantine = split_quarantine(data, issues)
    clean, duplicates = deduplicate(kept, codebook)
    reconciliation = reconcile(responses, clean, quarantine, duplicates)
    corrections = scrub_values(corrections_table([normalised, blanked, fill_log]), ("before", "after"))
    tables = {
        "clean": clean, "quarantine": quarantine, "duplicates": duplicates, "issues": issues,
        "corrections": corrections, "reconciliation": reconciliation,
    }
    return CleanResult(
        clean=clean,
        quarantine=quarantine,
        duplicates=duplicates,
        contacts=contacts,
        issues=issues.astype("string"),
        corrections=corrections,
        reconciliation=reconciliation,
        quality=quality_summary(ingest_report, responses, tables)
        | {"filled_from_reference_by_column": {k: int(v) for k, v in filled.items()},
           "contact_details_removed": n_scrubbed},
    )

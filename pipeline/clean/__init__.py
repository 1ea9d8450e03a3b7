"""Clean layer: responses validated against the codebook, normalised, enriched from the official
geography, deduplicated; blocking problems to quarantine with their reasons (``clean_responses``)."""

from pipeline.clean.dedup import deduplicate, identity_keys
from pipeline.clean.outputs import write_clean_xlsx, write_outputs
from pipeline.clean.quality import summary_fr
from pipeline.clean.recipe import CleanResult, clean_responses

__all__ = ["CleanResult", "clean_responses", "deduplicate", "identity_keys", "summary_fr", "write_clean_xlsx",
           "write_outputs"]

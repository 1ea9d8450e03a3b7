"""Returned files written for a test, and what ingest made of them (tests/ingest)."""

from __future__ import annotations

import csv
from pathlib import Path

from pipeline.domain.codebook import Codebook, load_codebook
from pipeline.ingest.files import FileResult
from pipeline.ingest.wave import responses_frame
from support.hostile import xlsx_bytes


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]], **options) -> Path:
    """An xlsx at ``path`` with one sheet per item, rows as given (``options``: see xlsx_bytes)."""
    path.write_bytes(xlsx_bytes(sheets, **options))
    return path


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8", sep: str = ",") -> Path:
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f, delimiter=sep).writerows(rows)
    return path


def frame_of(result: FileResult, codebook: Codebook | None = None):  # noqa: ANN201 (a DataFrame)
    """The typed responses of one file, checking the report counts them right."""
    assert result.report["rows_read"] == len(result.records)
    return responses_frame(result.records, codebook or load_codebook())


def problems_of(result: FileResult, code: str | None = None) -> list[dict[str, str]]:
    """The problems of one file's report entry (of one code)."""
    return [p for p in result.report["problems"] if code is None or p["code"] == code]

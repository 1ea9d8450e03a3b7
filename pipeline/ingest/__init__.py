"""ingest layer: the returned files of a wave into one typed table of responses and a report.

Modules, bottom up: ``parsers`` (French numbers, dates, yes/no), ``formats`` (what a file is before
it is parsed: password, Excel version), ``guards`` (hostile files refused before parsing),
``readers`` (files into sheets of raw cells, calamine then openpyxl), ``marks`` (what calamine does not
say about a sheet: hidden rows and columns, error values, formulas), ``matching`` (headers to codebook
questions), ``codes`` (answer codes decoded), ``layout`` (the blocks of answers of a sheet and their
orientation), ``values`` (cells into typed answers), ``files`` (one file, every sheet),
``workers`` (files read so that none costs the others), ``wave`` (a folder of files).
"""

from pipeline.ingest.files import FileResult, ingest_file, ingest_workbook
from pipeline.ingest.readers import Sheet, Workbook, read_workbook
from pipeline.ingest.wave import (
    build_report,
    ingest_wave,
    list_wave_files,
    responses_frame,
    summary_fr,
    write_outputs,
)

__all__ = [
    "FileResult", "Sheet", "Workbook", "build_report", "ingest_file", "ingest_wave", "ingest_workbook",
    "list_wave_files", "read_workbook", "responses_frame", "summary_fr", "write_outputs",
]

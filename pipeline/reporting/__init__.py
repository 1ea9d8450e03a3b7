"""Reporting layer: the national and per-network reports, their figures and tables.

- :mod:`.inputs`: what the report reads (publishable columns, published typology, summaries);
- :mod:`.safety`: no personal data, comments without contact details;
- :mod:`.formats`, :mod:`.tables`, :mod:`.markup`, :mod:`.workbook`, :mod:`.figures`: published
  numbers (French formats, secrecy marks) as HTML, tableaux.xlsx and charts;
- :mod:`.secrecy`: secondary secrecy chosen for the whole publication, and its audit;
  :mod:`.publication`: the planning pass that collects every table before rendering;
- :mod:`.report` (one report and its blocks) and the sections :mod:`.answers`,
  :mod:`.typology_section`, :mod:`.evolutions`, :mod:`.annex`, which ``notebooks/rapport.py`` calls;
- :mod:`.render`: the notebook executed per scope and exported to HTML (the report stage).
"""

from pipeline.reporting.formats import (
    fmt_euros,
    fmt_percent,
    small_mask,
)
from pipeline.reporting.inputs import (
    Inputs,
    InputsError,
    Typology,
    list_scopes,
    load_inputs,
    read_clean,
    read_typology,
)
from pipeline.reporting.markup import bars_html, table_html
from pipeline.reporting.render import render_reports
from pipeline.reporting.report import NATIONAL, Report
from pipeline.reporting.safety import PublicationError, check_no_pii
from pipeline.reporting.tables import (
    PubTable,
    frame_table,
    multi_table,
    quantile_table,
    single_table,
)
from pipeline.reporting.workbook import write_workbook

__all__ = [
    "NATIONAL", "Inputs", "InputsError", "PubTable", "PublicationError", "Report", "Typology", "bars_html",
    "check_no_pii", "fmt_euros", "fmt_percent", "frame_table", "list_scopes", "load_inputs",
    "multi_table", "quantile_table", "read_clean", "read_typology", "render_reports", "single_table",
    "small_mask", "table_html", "write_workbook",
]

"""questionnaire layer: the Excel questionnaire built from the codebook, and its filling."""

from pipeline.questionnaire.excel import fix_properties, write_value
from pipeline.questionnaire.filling import fill_template
from pipeline.questionnaire.instructions import instruction_lines
from pipeline.questionnaire.layout import (
    ANSWER_SHEET,
    CODE_ROW,
    CREATOR,
    DATE_FORMAT,
    FIRST_ANSWER_ROW,
    INSTRUCTIONS_SHEET,
    LABEL_ROW,
    LISTS_SHEET,
    PREPARED_ROWS,
    SECTION_ROW,
    TITLE_ROW,
    VERTICAL_FIRST_ROW,
    horizontal_columns,
    vertical_rows,
    yes_no,
)
from pipeline.questionnaire.template import build_template, default_year, write_template

__all__ = [
    "ANSWER_SHEET", "CODE_ROW", "CREATOR", "DATE_FORMAT", "FIRST_ANSWER_ROW", "INSTRUCTIONS_SHEET",
    "LABEL_ROW", "LISTS_SHEET", "PREPARED_ROWS", "SECTION_ROW", "TITLE_ROW", "VERTICAL_FIRST_ROW", "build_template",
    "default_year", "fill_template", "fix_properties", "horizontal_columns", "instruction_lines",
    "vertical_rows", "write_template", "write_value", "yes_no",
]

"""Excel conventions: date serials, formula-looking answers kept as text, fixed document properties."""

from __future__ import annotations

import datetime as dt

from openpyxl import Workbook

from pipeline.common.cells import excel_serial
from pipeline.questionnaire import fix_properties, write_value


def test_dates_count_days_from_excel_epoch():
    assert excel_serial(dt.date(1900, 3, 1)) == 61  # after Excel's phantom 29 February 1900
    assert excel_serial(dt.date(2025, 1, 1)) == 45658
    assert excel_serial(dt.datetime(2025, 1, 1, 18, 0)) == 45658.75


def test_a_text_that_looks_like_a_formula_stays_text():
    ws = Workbook().active
    write_value(ws["A1"], '=HYPERLINK("http://exemple.invalid","x")')
    write_value(ws["A2"], 12.5)
    write_value(ws["A3"], "=> à revoir")
    assert ws["A1"].data_type == "s" and ws["A3"].data_type == "s"
    assert ws["A2"].data_type == "n" and ws["A2"].value == 12.5


def test_document_properties_are_fixed():
    wb = Workbook()
    fix_properties(wb, dt.datetime(2025, 1, 15, 9), "LimeSurvey")
    props = wb.properties
    assert props.created == props.modified == dt.datetime(2025, 1, 15, 9)
    assert props.creator == props.lastModifiedBy == "LimeSurvey"

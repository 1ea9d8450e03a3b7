"""The filled questionnaire: the fast filling of the saved workbook reads like fill_template."""

import io

import numpy as np
from python_calamine import CalamineWorkbook

from pipeline.common.atomic import workbook_bytes
from pipeline.demo.answers import generate_answers
from pipeline.demo.models import select_models
from pipeline.demo.population import generate_population
from pipeline.demo.submissions import Submission
from pipeline.demo.templates import Templates, render_template, template_answers
from pipeline.domain.codebook import load_codebook
from pipeline.questionnaire import ANSWER_SHEET, build_template, fill_template

YEAR = 2025


def test_fast_template_filling_reads_like_fill_template():
    cb = load_codebook()
    rng = np.random.default_rng(11)
    models = select_models(5)
    c = next(c for c in generate_population(rng, 20, models, 0.5) if c.responded)
    answers = generate_answers(rng, cb, c, models[0], YEAR)
    answers["F05"] = '=HYPERLINK("http://exemple.invalid","x")'
    sub = Submission(c, answers, layout="template_horizontal", fmt="xlsx", file="x.xlsx")
    templates = Templates.build(cb, YEAR)
    for vertical in (False, True):
        fast = render_template([sub], "x.xlsx", "xlsx", cb, YEAR, rng, templates, vertical=vertical).data
        wb = build_template(cb, vertical=vertical, year=YEAR)
        fill_template(wb, template_answers(sub, cb), vertical=vertical, codebook=cb)
        ws = wb[ANSWER_SHEET]
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
        slow = workbook_bytes(wb)
        read = [CalamineWorkbook.from_filelike(io.BytesIO(b)).get_sheet_by_name(ANSWER_SHEET).to_python()
                for b in (fast, slow)]
        n = 5 if not vertical else len(read[1])
        assert read[0][:n] == read[1][:n]


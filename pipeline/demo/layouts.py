"""The ways answers come back, and the renderer that writes each.

Each renderer takes the submissions of one file and returns the file's bytes, where each
submission landed (sheet, row) with the values ingest should read from it, and the planted
mistakes with their cells (:class:`~pipeline.demo.submissions.Rendered`).
"""

from __future__ import annotations

import numpy as np

from pipeline.demo.exports import (
    broken_bytes,
    render_forms,
    render_kobo,
    render_limesurvey,
    render_limesurvey_codes,
)
from pipeline.demo.homemade import render_homemade_horizontal, render_homemade_vertical
from pipeline.demo.networks import (
    render_consolidation,
    render_option_rows,
    render_reused,
    render_sheets,
)
from pipeline.demo.submissions import Rendered, Submission
from pipeline.demo.templates import Templates, render_template
from pipeline.domain.codebook import Codebook

LAYOUTS = ("template_horizontal", "template_vertical", "horizontal", "vertical", "limesurvey", "kobo", "forms",
           "broken")
# Files made otherwise than the layout's usual one, read as that layout: by a network (a sheet per
# collectivité, a consolidation table), by a secretary (option rows), from last year's file
# (hidden reminders), by LimeSurvey with answer codes. "" is the layout's usual file.
SHAPES = ("", "sheets", "consolidation", "option_rows", "reused", "answer_codes")
_SHAPED = {"sheets": render_sheets, "consolidation": render_consolidation, "option_rows": render_option_rows,
           "reused": render_reused, "answer_codes": render_limesurvey_codes}


def render_file(layout: str, fmt: str, group: list[Submission], path: str, cb: Codebook, year: int,
                rng: np.random.Generator, templates: Templates, shape: str = "") -> Rendered:
    """The file ``path`` holding the submissions of ``group``, written in ``layout`` and ``fmt``
    (made as ``shape`` says when it is not the layout's usual file)."""
    if shape:
        return _SHAPED[shape](group, path, fmt, cb, year, rng)
    if layout in ("template_horizontal", "template_vertical"):
        return render_template(group, path, fmt, cb, year, rng, templates, vertical=layout == "template_vertical")
    if layout == "horizontal":
        return render_homemade_horizontal(group, path, fmt, cb, year, rng)
    if layout == "vertical":
        return render_homemade_vertical(group, path, fmt, cb, year, rng)
    if layout == "limesurvey":
        return render_limesurvey(group, path, fmt, cb, year, rng, labels=fmt.startswith("csv"))
    if layout == "kobo":
        return render_kobo(group, path, fmt, cb, year, rng)
    if layout == "forms":
        if path.endswith(".xlsx"):
            return render_forms(group, path, fmt, cb, year, rng, sep="; ", stamp_header="Date de saisie",
                                sheet_name="Données")
        return render_forms(group, path, fmt, cb, year, rng, sep=", ", stamp_header="Horodateur",
                            sheet_name="Réponses au formulaire 1")
    raise ValueError(f"no renderer for layout {layout!r}")


def render_broken(sub: Submission, path: str, cb: Codebook, year: int, rng: np.random.Generator,
                  templates: Templates) -> bytes:
    """The unreadable file ``sub.broken`` (made from the questionnaire ``sub`` would have sent)."""
    good = render_template([sub], path, "xlsx", cb, year, rng, templates, vertical=False).data
    return broken_bytes(sub.broken, good)

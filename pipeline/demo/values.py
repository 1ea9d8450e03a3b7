"""How a true answer is written in a returned file's cell: label or slug, number or text, date."""

from __future__ import annotations

import datetime as dt

import numpy as np

from pipeline.common.cells import cell_text
from pipeline.domain.codebook import Question


def number_text(x: float, french: bool) -> str:
    """A number typed as text: '1500', '0.5', or with a decimal comma '0,5'."""
    text = cell_text(float(x))
    return text.replace(".", ",") if french else text


def native_value(q: Question, value: object, *, single: str = "label", number: str = "native",
                 date: str = "native") -> object:
    """The cell value of a one-value answer.

    ``single``: "label" or "slug"; ``number``: "native" (a number), "text" or "text_fr" (decimal
    comma); ``date``: "native" (a date) or "text" (dd/mm/yyyy).
    """
    if value is None:
        return None
    if q.type == "single":
        return str(value) if single == "slug" else q.modality(str(value)).label
    if q.type == "number":
        x = float(value)  # type: ignore[arg-type]
        if number == "native":
            return int(x) if x.is_integer() else x
        return number_text(x, french=number == "text_fr")
    if q.type == "date":
        assert isinstance(value, dt.date)
        return value if date == "native" else value.strftime("%d/%m/%Y")
    return str(value)


def timestamp(rng: np.random.Generator, day: dt.date) -> dt.datetime:
    """A time of ``day`` during office hours, as a survey tool stamps a submission."""
    seconds = int(rng.integers(8 * 3600, 19 * 3600))
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)

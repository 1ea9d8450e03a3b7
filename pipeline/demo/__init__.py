"""demo layer: a seeded survey of realistic returned files, with planted mistakes and models, and its truth.

Modules, bottom up: ``models`` (the planted models, read from models.yaml), ``population``
(collectivités), ``answers`` (their true answers), ``panel`` (the second wave), ``submissions`` (the records
passed along), ``values`` and ``mistakes`` (what is written in a cell), ``files`` (grids as
.xlsx, .ods, .csv), ``templates``, ``homemade``, ``exports`` and ``networks`` (the renderers: the
questionnaire, home-made files, survey tools' exports, the files networks and secretaries make),
``layouts`` (which renderer writes which way back), ``plan`` (who sends what, where, with which mistakes),
``generate`` (the waves written with their truth).
"""

from pipeline.demo.answers import Answers, first_draft, generate_answers
from pipeline.demo.generate import (
    FileEntry,
    Manifest,
    generate_wave,
    generate_waves,
    truth_frame,
    truth_values,
)
from pipeline.demo.layouts import LAYOUTS, SHAPES, render_file
from pipeline.demo.mistakes import FLAG_KINDS, QUARANTINE_KINDS, VALUE_KINDS
from pipeline.demo.models import (
    Model,
    ModelsError,
    Planted,
    TypeProfile,
    planted,
    read_models,
    select_models,
)
from pipeline.demo.population import Collectivite, generate_population
from pipeline.demo.submissions import Mistake, Placement, Rendered, Submission

__all__ = [
    "FLAG_KINDS", "LAYOUTS", "QUARANTINE_KINDS", "SHAPES", "VALUE_KINDS", "Answers", "Collectivite", "FileEntry",
    "Manifest", "Mistake", "Model", "ModelsError", "Placement", "Planted", "Rendered", "Submission", "TypeProfile",
    "first_draft", "generate_answers", "generate_population", "generate_wave", "generate_waves", "planted", "read_models",
    "render_file", "select_models", "truth_frame", "truth_values",
]

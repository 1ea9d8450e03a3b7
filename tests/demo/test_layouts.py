"""The ways answers come back: each layout has its renderer."""

import numpy as np
import pytest

from pipeline.demo.layouts import LAYOUTS, render_file
from pipeline.domain.codebook import load_codebook


def test_every_way_back_is_listed_and_an_unknown_one_is_refused():
    assert {"template_horizontal", "template_vertical", "limesurvey", "kobo", "forms", "broken"} <= set(LAYOUTS)
    with pytest.raises(ValueError, match="fax"):
        render_file("fax", "pdf", [], "x.pdf", load_codebook(), 2025, np.random.default_rng(0), None)

"""No personal data column reaches a report; comments lose e-mail addresses and phone numbers."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.domain.params import ReportParams, defaults
from pipeline.reporting.render import render_reports
from pipeline.reporting.safety import PublicationError, check_no_pii


def test_pii_columns_are_refused(report_inputs, tmp_path):
    check_no_pii(["response_id", "A02", "A11"])
    with pytest.raises(PublicationError, match="Données personnelles"):
        check_no_pii(["response_id", "A02", "A12"])
    with pytest.raises(PublicationError, match="A13__mobile"):
        check_no_pii(["A13__mobile"])
    clean = pd.read_parquet(report_inputs["clean"]).assign(A10="Jeanne")
    clean.to_parquet(tmp_path / "clean.parquet")
    with pytest.raises(PublicationError):
        render_reports(tmp_path / "clean.parquet", None, None, None, None, tmp_path / "out", 2025,
                       defaults(ReportParams, workers=1))
    assert not (tmp_path / "out").exists()

"""Publication safety: no personal data reaches a report, and free comments lose contact details.

Threats guarded against: a clean table that still carries the respondent's name, e-mail or phone
(the codebook's ``pii`` questions, which the clean stage moves to ``restricted/``), and a free
comment (F05, published only when ``report.allow_comments``) quoting contact details
(:func:`pipeline.common.privacy.scrub`, applied by the clean stage and again here).
"""

from __future__ import annotations

from pipeline.common.errors import UserError
from pipeline.domain.codebook import load_codebook


class PublicationError(UserError, ValueError):
    """Inputs that must not be published (message in French)."""


def check_no_pii(columns: list[str]) -> None:
    """Refuse inputs carrying personal data columns (the codebook's ``pii_codes``: A10, A12, A13)."""
    pii = load_codebook().pii_codes
    bad = sorted(c for c in columns for code in pii if c == code or c.startswith(f"{code}__"))
    if bad:
        raise PublicationError(
            f"Données personnelles présentes dans les données nettoyées ({', '.join(bad)}) : "
            "elles ne doivent jamais atteindre le rapport."
        )

"""Publication safety: no personal data reaches a report, and free comments lose contact details.

Threats guarded against: a clean table that still carries the respondent's name, e-mail or phone
(the codebook's ``pii`` questions, which the clean stage moves to ``restricted/``), and a free
comment (F05, published only when ``report.allow_comments``) quoting an e-mail or a phone number.
"""

from __future__ import annotations

import re

from pipeline.domain.codebook import load_codebook


class PublicationError(ValueError):
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


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?:\+33\s?|0)[1-9](?:[\s.-]?\d{2}){4}")


def redact(text: str) -> str:
    """Remove e-mail addresses and phone numbers from a free comment."""
    return _PHONE.sub("[téléphone masqué]", _EMAIL.sub("[courriel masqué]", text))

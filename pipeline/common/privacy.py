"""Contact details typed in free text, removed before the text goes anywhere but ``restricted/``.

Threat: a respondent writes « écrivez-moi à jeanne.dupont@ville.fr ou au 06 12 34 56 78 » in a
comment (F05) or another free-text answer; the clean table, clean.xlsx and the reports would
publish it. :func:`scrub` replaces e-mail addresses, French phone numbers (06 12 34 56 78,
06.12.34.56.78, 0612345678, +33 6 12 34 56 78, +33 (0)6 12 34 56 78, 0033 6…) and web addresses
(https://…, www.…) by a French placeholder; the rest of the text is kept as typed.
"""

from __future__ import annotations

import re

EMAIL_MASK = "[courriel masqué]"
PHONE_MASK = "[téléphone masqué]"
URL_MASK = "[adresse web masquée]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_SEP = r"[\s\u00a0\u202f.\-/]?"
# +33 or 0033 then an optional (0), or a leading 0; then 9 digits in pairs (first digit 1-9)
_PHONE = re.compile(rf"(?<![\d+])(?:(?:\+|00)33{_SEP}(?:\(0\){_SEP})?|0)[1-9](?:{_SEP}\d{{2}}){{4}}(?!\d)")


def scrub(text: str) -> str:
    """``text`` without e-mail addresses, phone numbers and web addresses."""
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _URL.sub(URL_MASK, text)
    return _PHONE.sub(PHONE_MASK, text)

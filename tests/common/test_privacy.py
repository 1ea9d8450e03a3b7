"""Contact details typed in free text are removed: e-mails, French phone numbers, web addresses."""

import pytest

from pipeline.common.privacy import EMAIL_MASK, PHONE_MASK, URL_MASK, scrub


@pytest.mark.parametrize("phone", [
    "06 12 34 56 78", "06.12.34.56.78", "06-12-34-56-78", "0612345678", "01.23.45.67.89",
    "+33 6 12 34 56 78", "+33612345678", "+33 (0)6 12 34 56 78", "0033 6 12 34 56 78", "05\u00a061\u00a022\u00a029\u00a022",
])
def test_french_phone_numbers_are_masked(phone):
    assert scrub(f"Appelez-moi au {phone}, merci.") == f"Appelez-moi au {PHONE_MASK}, merci."


def test_emails_and_web_addresses_are_masked_and_the_rest_kept():
    text = "Contact : jeanne.dupont@ville-albi.fr ; voir https://www.ville-albi.fr/jumelage ou www.cites-unies-france.org"
    assert scrub(text) == f"Contact : {EMAIL_MASK} ; voir {URL_MASK} ou {URL_MASK}"


@pytest.mark.parametrize("text", [
    "Budget 2024 : 12 000 €, 1 500 habitants", "SIREN 213 100 553, code INSEE 31555",
    "Partenariat depuis 1998 avec 3 villes", "Montant 2 500 000 € sur 2023-2025",
])
def test_figures_that_are_not_contacts_are_kept(text):
    assert scrub(text) == text

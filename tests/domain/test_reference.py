"""rrma.csv, the table analysts edit, is checked line by line with French messages."""

from __future__ import annotations

import shutil

import pytest

from pipeline.domain import reference
from pipeline.domain.reference import (
    ReferenceError,
    check_reference_tables,
    read_reference,
)


@pytest.fixture()
def rrma(tmp_path, monkeypatch):
    """A copy of the reference folder whose rrma.csv the test edits."""
    folder = tmp_path / "reference"
    shutil.copytree(reference.reference_path("regions.csv").parent, folder)
    monkeypatch.setattr(reference, "reference_path", lambda name: folder / name)
    return folder / "rrma.csv"


def _edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_shipped_tables_are_valid():
    assert check_reference_tables() == []
    assert len(read_reference("rrma.csv")) == 18


@pytest.mark.parametrize(("old", "new", "message"), [
    ("84,RESACOOP,resacoop\n", "84,RESACOOP,resacoop\n84,RESACOOP,resacoop\n",
     "rrma.csv, ligne 3 : la région 84 (Auvergne-Rhône-Alpes) a déjà une ligne (ligne 2, réseau « RESACOOP »)"),
    ("01,Karib Horizon,karib-horizon", "1,Karib Horizon,karib-horizon", "ligne 15 : région « 1 » inconnue"),
    ("53,Réseau Bretagne Solidaire,reseau-bretagne-solidaire\n", "", "aucune ligne pour la région 53 (Bretagne)"),
    ("24,Centraider,centraider", "24,,centraider", "ligne 5 : nom du réseau vide pour la région 24"),
    ("24,Centraider,centraider", "24,Centraider,Centraider Val", "ligne 5 : identifiant « Centraider Val »"),
    ("region,rrma,rrma_slug", "region;rrma;rrma_slug", "ligne 1 : colonne(s) region, rrma, rrma_slug absente(s)"),
])
def test_a_broken_rrma_table_is_refused_naming_the_line(rrma, old, new, message):
    _edit(rrma, old, new)
    with pytest.raises(ReferenceError, match=None) as err:
        read_reference("rrma.csv")
    assert message in str(err.value) and str(err.value).startswith("pipeline/domain/reference/rrma.csv")
    assert check_reference_tables() == [str(err.value)]


def test_a_region_moved_to_a_new_network_is_accepted(rrma):
    _edit(rrma, "76,Occitanie Coopération,occitanie-cooperation", "76,Réseau Sud-Ouest,reseau-sud-ouest")
    assert {r["rrma"] for r in read_reference("rrma.csv") if r["region"] == "76"} == {"Réseau Sud-Ouest"}

"""Sharing through a DVC remote, command by command as the README's « Partager les données » says:
the waves, the results and the published reports go through the shared storage, byte for byte;
the respondents' contacts (data/processed/…/restricted/) never do."""

from __future__ import annotations

import re
import shutil

from support.pipeline_run import YEAR, copy_repo, dvc, make, run, tree_bytes

from pipeline.cli.publish import file_md5

CONTACTS = ("data/processed/restricted/contacts.parquet", "data/processed/reference/restricted/contacts.parquet")


def test_readme_sharing_procedure(repo, tmp_path):
    # the person who sets up the storage (here a folder: /chemin/partage in the README)
    first = copy_repo(repo, tmp_path / "premier")
    storage = tmp_path / "partage"
    dvc("remote", "add", "-d", "partage", str(storage), cwd=first)
    run(["git", "add", ".dvc/config"], first)
    run(["git", "commit", "-q", "-m", "Stockage partagé"], first)
    shutil.copytree(first / "data" / "raw" / "demo" / str(YEAR), first / "data" / "raw" / str(YEAR))  # a real wave
    dvc("add", f"data/raw/{YEAR}", cwd=first)
    run(["git", "add", f"data/raw/{YEAR}.dvc"], first)
    run(["git", "commit", "-q", "-m", f"Vague {YEAR}"], first)
    dvc("push", cwd=first)

    stored = {p.parent.name + p.name for p in storage.rglob("*") if p.is_file()}
    assert file_md5(first / "reports" / str(YEAR) / "national.html") in stored
    assert all(file_md5(p) in stored for p in (first / "data" / "raw" / str(YEAR)).rglob("*") if p.is_file())
    for contacts in CONTACTS:  # push: false in dvc.yaml
        assert (first / contacts).is_file() and file_md5(first / contacts) not in stored

    # an analyst of another network
    other = tmp_path / "autre"
    run(["git", "clone", "-q", str(first), str(other)], tmp_path)
    assert not (other / "reports" / str(YEAR)).exists() and not (other / "data" / "raw" / str(YEAR)).exists()
    plain = dvc("pull", cwd=other, check=False)  # why the README says --allow-missing
    assert plain.returncode != 0 and all(c in plain.stderr for c in CONTACTS)
    dvc("pull", "--allow-missing", cwd=other)
    for folder in (f"data/raw/{YEAR}", "data/raw/demo", f"reports/{YEAR}", f"data/reports/{YEAR}", "models"):
        assert tree_bytes(other / folder) == tree_bytes(first / folder), folder
    assert (other / "data" / "processed" / "clean.parquet").read_bytes() == \
        (first / "data" / "processed" / "clean.parquet").read_bytes()
    assert not any((other / contacts).exists() for contacts in CONTACTS)

    out = make(other, "repro").stdout  # recreates the contacts from the waves, nothing else
    assert sorted(re.findall(r"Running stage '([^']+)'", out)) == ["clean@current", "clean@reference"], out
    assert (f"Rapports {YEAR} déjà publiés dans reports/{YEAR}/ : la nouvelle construction "
            f"(data/reports/{YEAR}/) est identique.") in out
    assert "Data and pipelines are up to date." in dvc("status", cwd=other).stdout
    assert tree_bytes(other / "reports" / str(YEAR)) == tree_bytes(first / "reports" / str(YEAR))
    assert run(["git", "status", "--porcelain"], other).stdout == ""

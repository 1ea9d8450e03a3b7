"""Sharing through a DVC remote: push from one clone, pull in a fresh clone, nothing to rerun."""

from __future__ import annotations

from support.pipeline_run import YEAR, copy_repo, dvc, run, tree_bytes


def test_local_remote_round_trip(repo, tmp_path):
    first = copy_repo(repo, tmp_path / "first")
    storage = tmp_path / "partage"
    dvc("remote", "add", "-d", "partage", str(storage), cwd=first)
    run(["git", "commit", "-q", "-m", "remote partage", "--", ".dvc/config"], first)
    dvc("push", cwd=first)
    assert any(p.is_file() for p in storage.rglob("*"))

    other = tmp_path / "other"
    run(["git", "clone", "-q", str(first), str(other)], tmp_path)
    assert not (other / "reports").exists() and not (other / "data" / "processed").exists()
    dvc("pull", cwd=other)
    status = dvc("status", cwd=other).stdout
    assert "up to date" in status, status
    repro = dvc("repro", cwd=other).stdout
    assert "Running stage" not in repro, repro
    reports = tree_bytes(first / "reports" / str(YEAR))
    assert reports and tree_bytes(other / "reports" / str(YEAR)) == reports
    assert (other / "data" / "processed" / "clean.parquet").read_bytes() == \
        (first / "data" / "processed" / "clean.parquet").read_bytes()

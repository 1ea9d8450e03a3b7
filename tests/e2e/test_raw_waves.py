"""Returned files are DVC data, never git's: `dvc add data/raw/<year>` tracks a wave, and no DVC command
deletes it afterwards (`dvc checkout`, `dvc exp run`); a file dropped in data/raw/ is never committed.

The first test uses the project's .gitignore in a small repository (seconds); the second, a copy of
the session's pipeline run.
"""

from __future__ import annotations

import shutil

from support.pipeline_run import ROOT, copy_repo, dvc, run, tree_bytes


def _porcelain(repo) -> list[str]:
    return run(["git", "status", "--porcelain", "--untracked-files=all"], repo).stdout.splitlines()


def test_git_never_sees_a_returned_file_and_dvc_finds_the_waves(tmp_path):
    repo = tmp_path / "depot"
    repo.mkdir()
    run(["git", "init", "-q"], repo)
    dvc("init", "-q", cwd=repo)
    shutil.copy2(ROOT / ".gitignore", repo / ".gitignore")
    wave = repo / "data" / "raw" / "2026"
    (wave / "region-bretagne").mkdir(parents=True)
    (wave / "reponse-ville.xlsx").write_bytes(b"confidentiel 1")
    (wave / "region-bretagne" / "export.csv").write_bytes(b"confidentiel 2")
    (repo / "data" / "raw" / "reponse-egaree.xlsx").write_bytes(b"confidentiel 3")  # dropped beside the waves
    (repo / "reports" / "2026").mkdir(parents=True)
    (repo / "reports" / "2026" / "national.html").write_bytes(b"rapport")
    run(["git", "add", "-A"], repo)
    assert not [line for line in _porcelain(repo) if "data/raw" in line or "reports" in line]

    expected = tree_bytes(wave)
    dvc("add", "data/raw/2026", cwd=repo)
    assert "?? data/raw/2026.dvc" in _porcelain(repo)  # only the .dvc file is for git
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-q", "-m", "Vague 2026"], repo)
    assert sorted(run(["git", "ls-files", "data", "reports"], repo).stdout.split()) == ["data/raw/2026.dvc"]
    out = dvc("checkout", cwd=repo)
    assert "Removing" not in out.stdout + out.stderr
    assert tree_bytes(wave) == expected


def test_a_tracked_wave_survives_checkout_and_experiments(repo, tmp_path):
    work = copy_repo(repo, tmp_path / "vague")
    wave = work / "data" / "raw" / "2026"
    shutil.copytree(work / "data" / "raw" / "demo" / "2025", wave)  # a wave as the networks send it
    expected = tree_bytes(wave)
    dvc("add", "data/raw/2026", cwd=work)
    assert _porcelain(work) == ["?? data/raw/2026.dvc"]
    run(["git", "add", "data/raw/2026.dvc"], work)
    run(["git", "commit", "-q", "-m", "Vague 2026"], work)
    tracked = (work / "data" / "raw" / "2026.dvc").read_bytes()

    out = dvc("checkout", cwd=work)
    assert "Removing" not in out.stdout + out.stderr and tree_bytes(wave) == expected
    dvc("exp", "run", cwd=work)
    assert tree_bytes(wave) == expected
    assert (work / "data" / "raw" / "2026.dvc").read_bytes() == tracked
    dvc("checkout", cwd=work)
    assert tree_bytes(wave) == expected

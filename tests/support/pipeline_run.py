"""One run of the whole pipeline per test session, in a temporary git repository.

The repository's files (as in the working tree, ignored files left out) are copied to a
temporary folder, committed there, and ``make annual YEAR=2025 WAVES=demo`` runs the pipeline
on the demo's two waves, as an analyst would; ``dvc.lock`` is then committed. Tests that change
the repository (DVC remote, experiments) work on a copy (:func:`copy_repo`).

Test modules share the run through :func:`pipeline_repo` (cached per process), each through
its own session fixture.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
YEAR = 2025
_RUN: dict[str, Path] = {}
GROWING = "Solidarité et ECSI"  # the demo's growing planted model (params.yaml demo.growing_model)


def env() -> dict[str, str]:
    """This interpreter's bin folder first on PATH (dvc, python), DVC quiet and offline."""
    bin_dir = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""), "DVC_NO_ANALYTICS": "1",
            "GIT_AUTHOR_NAME": "acter-test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
            "GIT_COMMITTER_NAME": "acter-test", "GIT_COMMITTER_EMAIL": "test@example.invalid"}


def run(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    """Run a command in ``cwd``; on failure, fail the test with its output."""
    proc = subprocess.run(args, cwd=cwd, env=env(), capture_output=True, text=True)
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(args)} -> {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def dvc(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "dvc", *args], cwd, check)


def fresh_repo(dest: Path) -> Path:
    """The working tree's files (not the ignored ones) in a new git repository at ``dest``."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    run(["git", "init", "-q"], dest)
    run(["git", "add", "-A"], dest)
    run(["git", "commit", "-q", "-m", "acter"], dest)
    return dest


def _annual(repo: Path) -> None:
    """``make annual YEAR=2025 WAVES=demo`` with this interpreter's virtualenv."""
    venv = Path(sys.prefix)
    if (venv / ".installed").is_file() and shutil.which("make"):
        # the copy's pyproject.toml is new: date it back so make does not reinstall the venv
        os.utime(repo / "pyproject.toml", (0, 0))
        run(["make", "annual", f"YEAR={YEAR}", "WAVES=demo", f"VENV={venv}"], repo)
    else:  # the same two steps as the Makefile's target
        run([sys.executable, "-m", "pipeline.cli.annual", "--year", str(YEAR), "--waves", "demo"], repo)
        dvc("repro", cwd=repo)


def pipeline_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository after ``make annual YEAR=2025 WAVES=demo``, dvc.lock committed (once per session)."""
    if "repo" not in _RUN:
        repo = fresh_repo(tmp_path_factory.mktemp("pipeline") / "repo")
        _annual(repo)
        run(["git", "add", "dvc.lock", "params.yaml"], repo)
        run(["git", "commit", "-q", "-m", "pipeline run"], repo)
        _RUN["repo"] = repo
    return _RUN["repo"]


def copy_repo(repo: Path, dest: Path) -> Path:
    """A full copy of ``repo`` (git history, DVC cache, outputs) to change freely."""
    shutil.copytree(repo, dest, symlinks=True)
    return dest


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def growing_type(repo) -> int:
    """The reference-model type where most respondents of the growing planted model land."""
    truth = pd.read_parquet(repo / "data" / "demo" / "2024" / "collectivites.parquet")
    clean = pd.read_parquet(repo / "data" / "processed" / "reference" / "clean.parquet")
    types = pd.read_parquet(repo / "data" / "processed" / "reference" / "typology.parquet")
    siren = clean["A03"].astype(str).str.replace(r"\D", "", regex=True)
    model = siren.map(dict(zip(truth["siren"], truth["model"])))
    joined = types.merge(clean.assign(model=model)[["response_id", "model"]], on="response_id")
    return int(joined.loc[joined["model"] == GROWING, "type"].mode()[0])

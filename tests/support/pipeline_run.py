"""One run of the whole pipeline per test session, in a temporary git repository.

The repository's sources (as in the working tree, ignored files left out) are copied to a
temporary folder, committed there, and ``make annual YEAR=2025 WAVES=demo`` runs the pipeline
on the demo's two waves, as an analyst would; ``dvc.lock``, and ``reports/2025.dvc`` that
publishes the year's reports, are then committed. What the workspace's own runs left (dvc.lock,
.dvc files of waves and published reports, DVC cache and remotes) is never copied: the tests
start from the same sources whatever was run in the workspace (:func:`fresh_repo`). Tests that
change the repository (DVC remote, experiments) work on a copy (:func:`copy_repo`).

Test modules share the run through :func:`pipeline_repo` (cached per process), each through
its own session fixture.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from filelock import FileLock

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


def is_source(rel: str) -> bool:
    """A working-tree file a test repository starts from: not what DVC or a run wrote (dvc.lock,
    the .dvc files of waves and published reports, .dvc/ but its .gitignore; the config is rebuilt)."""
    return not (rel == "dvc.lock" or rel.endswith(".dvc") or (rel.startswith(".dvc/") and rel != ".dvc/.gitignore"))


def dvc_config(root: Path) -> str:
    """``root``'s .dvc/config with its [core] settings only: no remote (the analysts' shared
    storage), no cache folder elsewhere."""
    from configobj import ConfigObj

    path = root / ".dvc" / "config"
    core = dict(ConfigObj(str(path)).get("core", {})) if path.is_file() else {}
    core.pop("remote", None)
    return "[core]\n" + "".join(f"    {key} = {value}\n" for key, value in core.items())


def fresh_repo(dest: Path, root: Path = ROOT) -> Path:
    """``root``'s sources (working-tree files, not the ignored ones, see :func:`is_source`) in a
    new git and DVC repository at ``dest``."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=root, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for rel in filter(is_source, filter(None, files)):
        src = root / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    (dest / ".dvc").mkdir(parents=True, exist_ok=True)
    (dest / ".dvc" / "config").write_text(dvc_config(root), encoding="utf-8")
    run(["git", "init", "-q"], dest)
    run(["git", "add", "-A"], dest)
    run(["git", "commit", "-q", "-m", "acter"], dest)
    return dest


def make(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """``make <args>`` in ``repo`` with this interpreter's virtualenv, as it is: this python stands
    for the Makefile's install stamp and the copy's new pyproject.toml is dated back, so make
    installs nothing."""
    if not shutil.which("make"):
        pytest.skip("make est absent de cette machine")
    os.utime(repo / "pyproject.toml", (0, 0))
    return run(["make", *args, f"VENV={sys.prefix}", f"STAMP={sys.executable}"], repo, check)


def _annual(repo: Path) -> None:
    """``make annual YEAR=2025 WAVES=demo`` with this interpreter's virtualenv."""
    if shutil.which("make"):
        make(repo, "annual", f"YEAR={YEAR}", "WAVES=demo")
    else:  # the same three steps as the Makefile's target
        run([sys.executable, "-m", "pipeline.cli.annual", "--year", str(YEAR), "--waves", "demo"], repo)
        dvc("repro", cwd=repo)
        run([sys.executable, "-m", "pipeline.cli.publish", "--year", str(YEAR), "--auto"], repo)


def _session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of this test session shared by the pytest-xdist workers (their base folders'
    parent), or the session's base folder without workers."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def without_pdf(repo: Path) -> None:
    """``report.pdf: false`` committed in ``repo``: the whole-pipeline runs of the tests leave the PDF
    edition out (minutes of every report stage; tests/reporting/test_pdf.py and
    tests/e2e/test_reports_in_browser.py print pages themselves)."""
    params = repo / "params.yaml"
    text, count = re.subn(r"(?m)^(  pdf:) true\b", r"\1 false", params.read_text(encoding="utf-8"))
    assert count == 1, "params.yaml: report.pdf introuvable"
    params.write_text(text, encoding="utf-8")
    run(["git", "commit", "-q", "-am", "tests: no PDF edition"], repo)


def shared(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], object]) -> Path:
    """The folder ``name`` of this test session, filled by ``build(folder)`` once for every
    pytest-xdist worker: the first that needs it builds it, the others wait for it (file lock)."""
    if name not in _RUN:
        root = _session_dir(tmp_path_factory) / name
        root.mkdir(parents=True, exist_ok=True)
        folder, built = root / "out", root / "built"
        with FileLock(str(root / "lock")):
            if not built.is_file():
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                build(folder)
                built.write_text("ok", encoding="utf-8")
        _RUN[name] = folder
    return _RUN[name]


def pipeline_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository after ``make annual YEAR=2025 WAVES=demo``, dvc.lock and reports/2025.dvc
    committed: built once per session, by the first worker that needs it, the others waiting."""
    def build(repo: Path) -> None:
        fresh_repo(repo)
        without_pdf(repo)
        _annual(repo)
        run(["git", "add", "dvc.lock", "params.yaml", f"reports/{YEAR}.dvc"], repo)
        run(["git", "commit", "-q", "-m", "pipeline run"], repo)

    return shared(tmp_path_factory, "pipeline", build)


def _transient(folder: str, names: list[str]) -> set[str]:
    """Lock and temporary files a command of another worker may be writing in the shared repository."""
    return {n for n in names if n in ("index.lock", "rwlock", "lock") or (n == "tmp" and folder.endswith(".dvc"))}


def copy_repo(repo: Path, dest: Path) -> Path:
    """A full copy of ``repo`` (git history, DVC cache, outputs) to change freely."""
    shutil.copytree(repo, dest, symlinks=True, ignore=_transient)
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

"""Interruption and determinism: `dvc repro` killed at three points, then rerun, gives the same
bytes as the session's uninterrupted run; after each kill, no file at its final path is partial.

The session run (tests/pipeline_run.py) starts from scratch; the interrupted clone does too, so
its final outputs, each written by a separate process, also show that two full runs give the
same bytes.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from support.pipeline_run import YEAR, env, run

OUTPUTS = ("data", "models", "metrics", "plots")  # reports/: the published copy, no stage writes it
# leftovers of an interrupted write (pipeline/common/atomic.py): never at a final path
TEMPORARY = re.compile(r"(^|/)\.[^/]+\.(tmp|partial-[^/]+|old-[^/]+)(/|$)")
TIMEOUT = 300



def outputs(repo: Path) -> dict[str, bytes]:
    """Every stage output file (data, models, metrics, plots) by path, temporary files apart."""
    files = {}
    for top in OUTPUTS:
        for p in sorted((repo / top).rglob("*")):
            rel = p.relative_to(repo).as_posix()
            if p.is_file() and not TEMPORARY.search(rel) and not p.name.startswith(".git"):
                files[rel] = p.read_bytes()
    return files


def _repro(repo: Path) -> subprocess.Popen:
    """`dvc repro` in its own process group (so that a kill reaches every stage process)."""
    return subprocess.Popen([sys.executable, "-m", "dvc", "repro"], cwd=repo, env=env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _kill_when(proc: subprocess.Popen, ready: Callable[[], bool], delay: float = 0.0) -> float:
    """SIGKILL the process group once ``ready()`` holds (then ``delay`` s); return when it was."""
    start = time.monotonic()
    while not ready():
        assert proc.poll() is None, f"dvc repro ended (code {proc.returncode}) before the kill point"
        assert time.monotonic() - start < TIMEOUT, "kill point never reached"
        time.sleep(0.05)
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return time.monotonic() - start


def _partial_report(repo: Path) -> bool:
    return any((repo / "data" / "reports").glob(f".{YEAR}.partial-*/regions"))


def test_killed_repro_resumes_to_the_same_bytes(repo, tmp_path):
    expected = outputs(repo)
    assert any(k.startswith(f"data/reports/{YEAR}/") for k in expected) and "data/processed/clean.xlsx" in expected

    # the very sources and params of the session run (the working tree may have moved since)
    work = tmp_path / "interrupted"
    run(["git", "clone", "-q", str(repo), str(work)], tmp_path)
    (work / "dvc.lock").unlink()
    assert not (work / "data" / "processed").exists()  # nothing but sources: every stage runs
    kill_points = [
        ("pendant l'ingestion", lambda: (work / "dvc.lock").exists(), 1.5),  # demo done, ingest running
        ("dès que clean.parquet existe", lambda: (work / "data" / "processed" / "clean.parquet").exists(), 0.0),
        ("pendant le rapport", lambda: _partial_report(work), 2.0),
    ]
    for label, ready, delay in kill_points:
        when = _kill_when(_repro(work), ready, delay)
        found = outputs(work)
        # a file at its final path is complete: the very bytes of the uninterrupted run
        partial = sorted(k for k, data in found.items() if expected.get(k) != data)
        assert partial == [], f"{label} ({when:.1f} s) : fichiers incomplets ou différents {partial[:10]}"
        if label == "pendant le rapport":
            assert not (work / "data" / "reports" / str(YEAR)).exists()  # half-built reports stay out of sight
        print(f"interrompu {label} ({when:.1f} s) : {len(found)} fichiers complets")

    done = subprocess.run([sys.executable, "-m", "dvc", "repro"], cwd=work, env=env(), capture_output=True,
                          text=True, timeout=TIMEOUT * 2)
    assert done.returncode == 0, done.stderr[-3000:]
    final = outputs(work)
    assert sorted(final) == sorted(expected)
    different = sorted(k for k in expected if final[k] != expected[k])
    assert different == [], different
    assert (work / "dvc.lock").read_bytes() == (repo / "dvc.lock").read_bytes()
    assert not [p for p in work.rglob(".*") if TEMPORARY.search(p.relative_to(work).as_posix())]

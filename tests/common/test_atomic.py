"""Atomic writes (pipeline/common/atomic.py): a failed or interrupted write leaves the previous file or
none; every stage writes its outputs through these helpers."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from openpyxl import Workbook

from pipeline.common.atomic import (
    atomic_dir,
    atomic_path,
    atomic_write_text,
    save_workbook,
    workbook_bytes,
)

ROOT = Path(__file__).resolve().parents[2]


def test_failed_write_leaves_the_previous_file(tmp_path):
    target = tmp_path / "sortie" / "quality.json"
    atomic_write_text(target, "{}\n")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text('{"partiel": ', encoding="utf-8")
        raise RuntimeError("interrompu")
    assert target.read_text(encoding="utf-8") == "{}\n"
    assert [p.name for p in target.parent.iterdir()] == ["quality.json"]


def test_leftover_of_a_killed_write_is_removed_by_the_next(tmp_path):
    (tmp_path / ".clean.parquet.abc123.tmp").write_bytes(b"PAR1 partiel")
    (tmp_path / ".autre.parquet.abc123.tmp").write_bytes(b"PAR1")
    atomic_write_text(tmp_path / "clean.parquet", "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".autre.parquet.abc123.tmp", "clean.parquet"]
    assert (tmp_path / "clean.parquet").stat().st_mode & 0o777 != 0o600  # a normal file, not mkstemp's


def test_folder_is_swapped_in_whole(tmp_path):
    out = tmp_path / "reports" / "2025"
    out.mkdir(parents=True)
    (out / "ancien.html").write_text("ancien", encoding="utf-8")
    (tmp_path / "reports" / ".2025.partial-xyz").mkdir()  # left by a killed run
    with pytest.raises(RuntimeError), atomic_dir(out) as build:
        (build / "national.html").write_text("moitié", encoding="utf-8")
        raise RuntimeError("interrompu")
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["2025"]
    assert (out / "ancien.html").exists()
    with atomic_dir(out) as build:
        (build / "regions").mkdir()
        (build / "national.html").write_text("complet", encoding="utf-8")
        assert not (out / "national.html").exists()  # nothing shows before the end
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["national.html", "regions"]
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["2025"]


def test_workbook_bytes_do_not_depend_on_the_time(tmp_path):
    def book() -> Workbook:
        wb = Workbook()
        wb.active.append(["Réponses", 1])
        return wb

    first = workbook_bytes(book(), drop_dates=True)
    time.sleep(1.1)
    assert workbook_bytes(book(), drop_dates=True) == first
    save_workbook(book(), tmp_path / "t.xlsx", drop_dates=True)
    assert (tmp_path / "t.xlsx").read_bytes() == first


def test_stages_write_only_through_the_atomic_helpers():
    """No direct file write in a stage module: each goes to a temporary path (``tmp``) first."""
    direct = re.compile(r"\.(to_parquet|to_csv|to_excel|write_text|write_bytes)\(|\.save\(|json\.dump\(|"
                        r"pickle\.dump\(|open\([^)]*[\"'][wa]b?[\"']")
    allowed = re.compile(r"\(tmp\b|\btmp\.|\bf\b|, f,|BytesIO|png|svg")
    offenders = []
    for module in sorted((ROOT / "pipeline").rglob("*.py")):
        if module.name in {"atomic.py", "annual.py", "template.py"}:
            continue  # the helpers; params.yaml edited by `make annual`; saves through atomic
        for number, line in enumerate(module.read_text(encoding="utf-8").splitlines(), start=1):
            if direct.search(line) and not allowed.search(line):
                offenders.append(f"{module.name}:{number}: {line.strip()}")
    assert offenders == []

"""Atomic, deterministic writes: an interrupted stage never leaves a file that looks complete.

Each output is written to a temporary file in its own folder, then renamed over the target
(``os.replace`` is atomic on one file system); a folder output is built in a temporary sibling
folder, then swapped in. Leftovers of an interrupted write (``.<name>.*.tmp`` files,
``.<name>.partial-*`` folders) are removed by the next write of the same target.
Workbooks are saved with fixed archive dates and no creation time (same content, same bytes).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl import Workbook

_FIXED_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """Permissions of a newly created file under the current umask (0o644 usually)."""
    return 0o666 & ~_umask()


def _remove_leftovers(target: Path, pattern: str) -> None:
    for old in target.parent.glob(pattern.format(name=glob_escape(target.name))):
        shutil.rmtree(old) if old.is_dir() and not old.is_symlink() else old.unlink(missing_ok=True)


def glob_escape(name: str) -> str:
    return re.sub(r"([\[\]*?])", r"[\1]", name)


@contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; once the block ends without error it replaces
    ``target`` (on error it is removed and ``target`` is left as it was)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(target, ".{name}.*.tmp")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, file_mode())  # mkstemp makes it private; an output is a normal file
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(target: str | os.PathLike[str], text: str) -> None:
    """UTF-8 text, newlines written as given."""
    atomic_write_bytes(target, text.encode("utf-8"))


def atomic_write_parquet(frame, target: str | os.PathLike[str]) -> None:
    """``frame.to_parquet(target, index=False)``, atomically (``frame``: a pandas DataFrame)."""
    with atomic_path(target) as tmp:
        frame.to_parquet(tmp, index=False)


@contextmanager
def atomic_dir(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``target``; once the block ends without error it
    takes the place of ``target`` (whose previous content is removed)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(target, ".{name}.partial-*")
    _remove_leftovers(target, ".{name}.old-*")
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.replace(target, old / target.name)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def workbook_bytes(wb: Workbook, *, drop_dates: bool = False) -> bytes:
    """The .xlsx bytes of ``wb``, deterministic (openpyxl's own save stamps the current time).

    ``drop_dates``: leave the document's created/modified dates out (a workbook whose properties
    were not fixed by the caller holds the time it was created).
    """
    from openpyxl.writer.excel import ExcelWriter

    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()
    stamp = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            content = src.read(info.filename)
            if drop_dates and info.filename == "docProps/core.xml":
                content = stamp.sub(b"", content)
            elif info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                content = _sort_merged_cells(content)
            dst.writestr(fixed, content)
    return out.getvalue()


def _sort_merged_cells(xml: bytes) -> bytes:
    """Sort a sheet's <mergeCell> entries: openpyxl keeps them in a set (order varies per process)."""
    match = re.search(rb"<mergeCells[^>]*>(.*?)</mergeCells>", xml, flags=re.S)
    if not match:
        return xml
    cells = sorted(re.findall(rb"<mergeCell [^>]*/>", match.group(1)))
    return xml[: match.start(1)] + b"".join(cells) + xml[match.end(1) :]


def save_workbook(wb: Workbook, target: str | os.PathLike[str], *, drop_dates: bool = False) -> None:
    """Save ``wb`` atomically, byte-identical for identical content (see :func:`workbook_bytes`)."""
    atomic_write_bytes(target, workbook_bytes(wb, drop_dates=drop_dates))

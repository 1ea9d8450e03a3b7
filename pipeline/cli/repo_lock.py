"""DVC's repository lock, taken by the commands that change what a DVC run reads or writes.

``dvc repro``, ``dvc exp run``, ``dvc checkout``… hold ``.dvc/tmp/lock`` while they run, except
while a stage's command runs: then DVC lets go of it (so that a stage may call DVC) and lists the
stage's files, with its process id and command, in ``.dvc/tmp/rwlock``. A command that edits
params.yaml (``make annual``) or the published reports (``make publish``) takes the lock for the
whole edit and, holding it, checks that no live process is listed in the rwlock file: it never
changes files under a running pipeline, and no stage starts half-way through the edit (a running
``dvc repro`` needs the lock back before its next stage). The locks are DVC's own
(``dvc.lock.make_lock``: zc.lockfile, or flufl.lock when ``core.hardlink_lock`` is set), so both
sides agree on what "held" means.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class RepoBusy(Exception):
    """A DVC command holds the repository (its French message says what to do)."""


def dvc_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding a ``.dvc`` folder, if any."""
    start = start.resolve()
    return next((d for d in (start, *start.parents) if (d / ".dvc").is_dir()), None)


def _hardlink_lock(root: Path) -> bool:
    from dvc.config import Config, ConfigError

    try:
        return bool(Config(dvc_dir=str(root / ".dvc"))["core"].get("hardlink_lock", False))
    except ConfigError:  # DVC itself will say what is wrong; zc.lockfile is its default
        return False


def _running_stages(tmp: Path, hardlink: bool) -> list[str]:
    """The live DVC processes running a stage's command now, as .dvc/tmp/rwlock lists them
    (read under DVC's guard of that file); entries of dead processes, left by a kill, are stale."""
    import psutil
    from dvc.lock import make_lock

    path = tmp / "rwlock"
    if not path.is_file():
        return []
    with make_lock(str(tmp / "rwlock.lock"), tmp_dir=str(tmp), hardlink_lock=hardlink):
        try:
            table = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # unreadable: DVC refuses to run on it, and says so
            return []
    infos = [*table.get("write", {}).values(), *(i for infos in table.get("read", {}).values() for i in infos)]
    return sorted({f"PID {i['pid']} : {i['cmd']}" for i in infos if psutil.pid_exists(int(i["pid"]))})


@contextmanager
def holding_dvc_lock(root: Path | None, action: str) -> Iterator[None]:
    """Hold DVC's lock of the repository at ``root`` for the block (nothing when ``root`` is None:
    no DVC repository, nothing to share it with). Raises :class:`RepoBusy` when a DVC command holds
    it (once DVC's own short wait, 3 s, is over) or runs a stage; ``action`` names, in French, what
    was not done."""
    if root is None:
        yield
        return
    from dvc.lock import LockError, make_lock

    tmp = root / ".dvc" / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    hardlink = _hardlink_lock(root)
    busy = (f"Une commande DVC (dvc repro, dvc exp run, dvc checkout…) est en cours dans ce dépôt : {action}. "
            "Attendez qu'elle se termine, puis relancez la commande.")
    lock = make_lock(str(tmp / "lock"), tmp_dir=str(tmp), hardlink_lock=hardlink)
    try:
        lock.lock()
    except LockError:
        raise RepoBusy(busy) from None
    try:
        try:
            running = _running_stages(tmp, hardlink)
        except LockError:  # DVC is writing its list of running stages
            raise RepoBusy(busy) from None
        if running:
            raise RepoBusy(f"{busy} En cours : {' ; '.join(running)}.")
        yield
    finally:
        lock.unlock()

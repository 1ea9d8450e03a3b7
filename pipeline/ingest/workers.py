"""Read the files of a wave so that no file can cost the others.

A bug on one odd file becomes a rejection of that file (``internal_error``). With
``ingest.max_seconds_per_file`` > 0, files are read by a few worker processes side by side: a
file that takes longer is rejected (``time_limit``), one that kills its reader (out of memory, a
parser abort) is rejected too (``reader_crash``); the worker is replaced and the wave goes on.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
import traceback
from multiprocessing.connection import wait
from pathlib import Path
from typing import Iterable

from pipeline.common.issues import Issue
from pipeline.common.text import french_number
from pipeline.domain.codebook import Codebook
from pipeline.domain.params import IngestParams
from pipeline.ingest.files import FileResult, file_name, ingest_file, rejected_file
from pipeline.ingest.matching import matcher_for
from pipeline.ingest.values import reader_for


def read_files(files: list[Path], wave: Path | None, codebook: Codebook, params: IngestParams) -> Iterable[FileResult]:
    """One result per file, in the order of ``files``; never raises on a file.

    Files are named by their path in ``wave``, or by their own name when ``wave`` is None
    (``acter check`` on files given one by one).
    """
    if params.max_seconds_per_file > 0 and files:
        return _WorkerPool(codebook, params, min(max(1, params.workers), len(files))).run(files, wave)
    return (ingest_guarded(path, wave, codebook, params) for path in files)


def ingest_guarded(path: Path, wave: Path | None, codebook: Codebook, params: IngestParams) -> FileResult:
    """:func:`~pipeline.ingest.files.ingest_file`, with an exception turned into a rejection of the file."""
    try:
        return ingest_file(path, wave, codebook, params)
    except Exception as exc:  # a bug on one odd file must not cost the wave: report it as data
        return _internal_error(file_name(path, wave), exc)


def _rejected(name: str, code: str, message: str) -> FileResult:
    return rejected_file(name, Path(name).suffix.lower().lstrip("."), Issue(code, message, name, severity="error"))


def _internal_error(name: str, exc: Exception) -> FileResult:
    print(f"ingest: internal error on {name}:\n{traceback.format_exc()}", file=sys.stderr)
    return _rejected(
        name, "internal_error",
        "Le fichier n'a pas pu être lu à cause d'une erreur du programme (détail dans le journal de l'étape) : "
        "signalez-le à l'équipe ACTER avec ce fichier.",
    )


def _worker_loop(conn, codebook: Codebook, params: IngestParams) -> None:  # noqa: ANN001 (a Connection)
    """Child process: ingest the files sent through ``conn`` until None arrives."""
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        path, wave = job
        conn.send(ingest_guarded(Path(path), None if wave is None else Path(wave), codebook, params))


class _FileWorker:
    """One child process reading files in turn; killed and replaced when a file overruns or crashes it."""

    def __init__(self, codebook: Codebook, params: IngestParams) -> None:
        methods = multiprocessing.get_all_start_methods()
        self._ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self._codebook = codebook
        self._params = params
        # built once here: a forked worker (and its replacements) inherits them
        matcher_for(codebook, params.fuzzy_threshold)
        reader_for(codebook, params.fuzzy_threshold)
        self._proc = None
        self._conn = None

    def _start(self) -> None:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_worker_loop, args=(child, self._codebook, self._params), daemon=True)
        proc.start()
        child.close()
        self._proc, self._conn = proc, parent

    def submit(self, path: Path, wave: Path | None) -> None:
        """Send one file to read; the worker process is started (again) when needed."""
        if self._proc is None:
            self._start()
        try:
            self._conn.send((str(path), None if wave is None else str(wave)))
        except (OSError, BrokenPipeError):
            pass  # collect() finds the pipe broken and reports a crash

    @property
    def connection(self):  # noqa: ANN201 (a multiprocessing Connection)
        return self._conn

    def collect(self, name: str) -> FileResult:
        """The result of the file sent last, or a rejection when the worker died reading it."""
        try:
            return self._conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self._stop(kill=True)
            return _rejected(name, "reader_crash",
                             f"La lecture du fichier {name} a fait échouer le lecteur de tableurs (mémoire épuisée ou "
                             "fichier piégé) : fichier abandonné, les autres fichiers de la vague sont lus. "
                             "Demandez à la collectivité de réenregistrer le fichier.")

    def abandon(self, name: str) -> FileResult:
        """Kill the worker stuck on ``name`` and reject that file for overrunning the time limit."""
        self._stop(kill=True)
        limit = self._params.max_seconds_per_file
        return _rejected(name, "time_limit",
                         f"La lecture du fichier {name} a dépassé la limite de {french_number(limit, 0 if float(limit).is_integer() else 1)} s "
                         "par fichier (ingest.max_seconds_per_file) : fichier abandonné, les autres fichiers de la vague "
                         "sont lus. Demandez un fichier plus léger (seulement les réponses).")

    def _stop(self, kill: bool) -> None:
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if proc is None:
            return
        if kill:
            proc.kill()
        else:
            try:
                conn.send(None)
            except (OSError, BrokenPipeError):
                proc.kill()
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()
            proc.join()
        conn.close()

    def close(self) -> None:
        self._stop(kill=False)


class _WorkerPool:
    """A few ``_FileWorker`` reading files side by side; results come back in file order.

    Each file has ``max_seconds_per_file`` from the moment its worker starts on it; a file that
    overruns or crashes its worker is rejected and that worker replaced.
    """

    def __init__(self, codebook: Codebook, params: IngestParams, n: int) -> None:
        self._workers = [_FileWorker(codebook, params) for _ in range(n)]
        self._limit = params.max_seconds_per_file

    def run(self, files: list[Path], wave: Path | None) -> Iterable[FileResult]:
        done: dict[int, FileResult] = {}
        busy: dict[int, tuple[int, float]] = {}  # worker index -> (file index, deadline)
        todo = iter(enumerate(files))
        next_out = 0
        try:
            while next_out < len(files):
                for w, worker in enumerate(self._workers):
                    if w not in busy:
                        job = next(todo, None)
                        if job is not None:
                            worker.submit(job[1], wave)
                            busy[w] = (job[0], time.monotonic() + self._limit)
                if busy:
                    timeout = max(0.0, min(deadline for _, deadline in busy.values()) - time.monotonic())
                    ready = set(wait([self._workers[w].connection for w in busy], timeout))
                    now = time.monotonic()
                    for w, (i, deadline) in list(busy.items()):
                        name = file_name(files[i], wave)
                        if self._workers[w].connection in ready:
                            done[i] = self._workers[w].collect(name)
                        elif now >= deadline:
                            done[i] = self._workers[w].abandon(name)
                        else:
                            continue
                        del busy[w]
                while next_out in done:
                    yield done.pop(next_out)
                    next_out += 1
        finally:
            for worker in self._workers:
                worker.close()

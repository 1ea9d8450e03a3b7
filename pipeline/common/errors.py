"""Mistakes a user can fix, told in one French sentence instead of a traceback.

A setting out of range, a broken reference table, a missing input file: their exceptions derive
from :class:`UserError`; a command or stage entry point runs under :func:`run_main`, which
prints the message (no traceback) and exits with code 2. Any other exception is a bug in the
program and keeps its traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable


class UserError(Exception):
    """Something the analyst can correct; ``str(error)`` is a French sentence naming the file,
    key or line, the value, and what is allowed."""


def run_main(main: Callable[[], int]) -> None:
    """Run an entry point; a :class:`UserError` becomes one French line on stderr and exit code 2."""
    try:
        code = main()
    except UserError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        code = 2
    sys.exit(code)

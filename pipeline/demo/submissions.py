"""The records the demo passes along: a submission planned, where it landed, the mistakes planted.

The plan (:mod:`pipeline.demo.plan`) decides each :class:`Submission`; a renderer writes the
submissions of one file and returns a :class:`Rendered` (bytes, a :class:`Placement` per
submission, the :class:`Mistake` records of the manifest).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.demo.answers import Answers
from pipeline.demo.population import Collectivite


@dataclass(frozen=True)
class Submission:
    """One answer sent by one collectivité, and where and how it is written."""

    collectivite: Collectivite
    answers: Answers
    is_correction: bool = False
    layout: str = ""  # the layout ingest reads it as (the report's name)
    fmt: str = ""
    file: str = ""
    shape: str = ""  # how the file was made when it is not the layout's usual file (pipeline.demo.layouts.SHAPES)
    omitted: frozenset[str] = frozenset()  # questions a home-made file leaves out
    value_mistakes: dict[str, str] = field(default_factory=dict)  # code -> mistake kind planted in its cell
    flags: tuple[str, ...] = ()  # inconsistencies planted in the answers
    broken: str = ""  # kind of unreadable file


@dataclass(frozen=True)
class Mistake:
    """A planted mistake as the manifest states it: its cell, what is there, what ingest must make of it."""

    file: str
    sheet: str
    cell: str
    column: str
    kind: str
    raw: str
    expected: object
    outcome: str  # corrected | reported | flagged | quarantined | skipped (not an answer: noted, never read)


@dataclass
class Placement:
    """Where one submission landed (``row``: Excel's row number, None for a vertical form) and the
    answers ingest should read from it."""

    sub: Submission
    sheet: str
    row: int | None
    truth: Answers


@dataclass
class Rendered:
    """One returned file: its bytes, where each submission landed, the mistakes planted in it."""

    data: bytes
    placements: list[Placement]
    mistakes: list[Mistake]

"""Messages the app's worker threads post back to the event loop."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from rater.rating.outcome import AutorateSummary


@dataclass
class SampleJudged(Message):
    """A sample finished rendering + checks (posted from the judging thread)."""

    sample_id: str


@dataclass
class JudgingFailed(Message):
    """Rendering cannot run at all (no SoundFont...): the session ends with this message."""

    error: str


@dataclass
class JudgingWarning(Message):
    """The machine, not a tune, failed (an unwritable render cache): judging goes on; the
    notices are in `Judging.warnings`."""


@dataclass
class AutorateFailed(Message):
    """Auto-rating the rest could not write (disk full...): nothing of it was saved."""

    error: str


@dataclass
class AutorateProgress(Message):
    done: int
    total: int


@dataclass
class AutorateDone(Message):
    summary: AutorateSummary


@dataclass
class JobDone(Message):
    """The pairing's idle job finished (posted from its worker thread): its result, or
    None and the error when it failed (a bug: the last fit stays in use)."""

    result: object | None
    error: str = ""

"""What this sitting wrote, so `u` can take back exactly the last person's decision.

The session logs every decision it writes (a person's, or an automatic record made on the
way to the next pair) with the journal's decision id. `u` takes back the last person's
decision together with the automatic records written after it (they are redone when their
pairs come up again), newest first, each by its own id, so a line another process appended
since is never removed. What was taken back comes back as an `Undone`: the screen says it
in words ("undid: A wins, pair 12") and the pair returns with the note written for it.

With nothing decided in this sitting, `u` takes back the journal's last decision if this
rater made it on this corpus (undo after a restart).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from rater.core import bpe
from rater.core.errors import RaterError
from rater.core.records import Pair, Rating, Sample
from rater.core.rules import recheck_of

CHOICES = {0: "A wins", 1: "B wins", "tie": "equal"}


class Undoes(Protocol):
    """What undo needs of a journal (a file, or a team project's `TeamJournal`)."""

    def undo(self, expect_decision: str | None = None) -> list[Rating]: ...


@dataclass(frozen=True)
class Undone:
    """A person's decision taken back: the pair (shown again), what was chosen, the note
    written with it, its place among the journal's decisions, and the automatic records
    taken back with it."""

    pair: Pair
    best: int | str  # 0 (A won), 1 (B won) or "tie"
    note: str
    number: int  # 1-based place of the decision in the journal when it was written
    auto: int = 0

    def sentence(self) -> str:
        """What the screen says, e.g. "undid: A wins, pair 12"."""
        text = f"undid: {CHOICES.get(self.best, '?')}, pair {self.number}"
        if self.auto:
            text += f" (and {self.auto} automatic record{'s' if self.auto != 1 else ''} after it)"
        return text


@dataclass(frozen=True)
class Entry:
    """One decision this sitting wrote."""

    pair: Pair
    auto: bool
    decision: str | None  # the journal's id for its lines
    best: int | str
    note: str
    number: int


def entry(pair: Pair, written: Sequence[Rating], number: int, auto: bool = False) -> Entry:
    """The log entry of the records just written for `pair` (a tie is two records)."""
    first = written[0]
    best: int | str = "tie" if first.tie else first.best
    note = first.extra.get("note", "")
    return Entry(
        pair, auto, first.extra.get("decision"), best, note if isinstance(note, str) else "", number
    )


class UndoLog:
    """The decisions of this sitting, oldest first (see the module docstring)."""

    def __init__(self) -> None:
        self._entries: list[Entry] = []

    def add(self, item: Entry) -> None:
        self._entries.append(item)

    def last_person(self) -> list[Entry]:
        """The last person's decision and the automatic records after it; [] if none."""
        people = [i for i, e in enumerate(self._entries) if not e.auto]
        return self._entries[people[-1] :] if people else []

    def take_back(
        self, journal: Undoes, entries: Sequence[Entry], requeue: Callable[[list[Entry]], object]
    ) -> None:
        """Undo `entries` (the tail of the log) in the journal, newest first, each by its id.
        If one fails (another writer appended), those already undone (automatic records)
        leave the log and go to `requeue`, and the error goes up."""
        undone = 0
        try:
            for item in reversed(entries):
                if not journal.undo(expect_decision=item.decision):
                    break
                undone += 1
        except RaterError:
            if undone:
                gone = list(entries[len(entries) - undone :])
                del self._entries[len(self._entries) - undone :]
                requeue(gone)
            raise
        del self._entries[len(self._entries) - len(entries) :]


def journal_pair(record: Rating, samples: Mapping[str, Sample]) -> Pair | None:
    """The pair a journal record was made on, when both its samples are in this corpus."""
    a, b = (samples.get(i) for i in record.ids)
    if a is None or b is None:
        return None
    query = bpe.decode(record.query) if record.query else ""
    swapped = bool(record.extra.get("swapped", False))
    return Pair(a=a, b=b, query=query, swapped=swapped, recheck_of=recheck_of(record) or "")


def undone_record(pair: Pair, record: Rating, number: int) -> Undone:
    """What taking back a journal record (not written in this sitting) took back."""
    note = record.extra.get("note", "")
    best: int | str = "tie" if record.tie else record.best
    return Undone(pair, best, note if isinstance(note, str) else "", number)

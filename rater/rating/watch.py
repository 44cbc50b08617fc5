"""A session's journal, watched: every record it gains or loses goes to `LiveStats` too.

The rating screen's live stats follow the journal as the session sees it: its history,
the person's decisions, automatic ones, other writers' news, and undos. Wrapping the
journal (a file's or a team project's) catches all of them where they happen, whichever
session method made them, and leaves the session as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from rater.analysis.live import LiveStats
from rater.core.records import Rating
from rater.rating.history import History

if TYPE_CHECKING:
    from rater.rating.journal import Journal
    from rater.rating.store.team_session import TeamJournal


class WatchedJournal:
    """The journal calls a `Session` makes, passed on; what they add or take back is told
    to `live`."""

    def __init__(self, journal: Journal | TeamJournal, live: LiveStats) -> None:
        self.journal = journal
        self.live = live

    def history(self) -> History:
        history = self.journal.history()
        self.live.add_later(history.records)  # read when the stats screen first counts
        return history

    def follow(self) -> list[Rating]:
        history = self.journal.follow()
        self.live.add(history)
        return history

    def news(self) -> list[Rating]:
        records = self.journal.news()
        self.live.add(records)
        return records

    def is_decided(self, ids: Iterable[str]) -> bool:
        return self.journal.is_decided(ids)

    def append(self, ratings: Sequence[Rating], **how: Any) -> list[Rating]:
        written = self.journal.append(ratings, **how)
        self.live.add(written)
        return written

    def append_many(self, decisions: Sequence[Sequence[Rating]], **how: Any) -> list[list[Rating]]:
        written = self.journal.append_many(decisions, **how)
        self.live.add(r for records in written for r in records)
        return written

    def last_decision(self) -> list[Rating]:
        return self.journal.last_decision()

    def undo(self, expect_decision: str | None = None) -> list[Rating]:
        undone = self.journal.undo(expect_decision=expect_decision)
        self.live.remove(r.extra.get("decision") for r in undone)
        return undone

"""The figures a rating screen shows: this sitting's counts beside the journal's totals.

A person resuming a journal wants both: what they did today and what the journal holds
(everyone's decisions, and how many are theirs). `Tally` keeps the journal's side from the
records the session reads and writes (its own, other writers' news, undos); `Counters` is
one snapshot for the status line. A decision is counted once (a tie's two records are one),
and an automatic record is never "yours", whoever's name it carries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rater.core.records import Rating
from rater.core.rules import decisions
from rater.rating.history import History


@dataclass(frozen=True)
class Counters:
    """What the status line shows. `rated`, `auto`, `skipped`: this sitting; `mine` (this
    rater's decisions), `people` (everyone's) and `decisions` (automatic ones included): the
    journal now. `remaining` (exact, schedules) or `estimate` (adaptive strategies) include the pair
    on screen; `judged` of `total` samples are rendered and checked; `goal`: how far the
    pairing strategy is towards its goal ("top 10: 87% sure"; "" for none)."""

    rated: int
    auto: int
    skipped: int
    remaining: int | None
    estimate: int | None
    elapsed: float
    judged: int
    total: int
    decisions: int = 0
    people: int = 0
    mine: int = 0
    goal: str = ""

    @property
    def per_hour(self) -> float:
        return self.rated * 3600.0 / self.elapsed if self.elapsed >= 1.0 else 0.0


class Tally:
    """The journal's decisions as this sitting knows them (see the module docstring)."""

    def __init__(self, rater: str, history: History | None = None) -> None:
        self.rater = rater
        self.decisions = self.people = self.mine = 0
        if history is not None:
            self.decisions, self.people = history.decisions, history.people
            self.mine = history.raters[rater]

    def add(self, records: Sequence[Rating]) -> None:
        """Decisions appended to the journal (by anyone)."""
        for group in decisions(records):
            first = group[0]
            self.decisions += 1
            self.people += not first.broken
            self.mine += first.rater == self.rater and not first.broken

    def remove(self, person: bool, auto: int = 0) -> None:
        """Decisions taken back: a person's (this rater's) and/or `auto` automatic ones."""
        self.decisions -= int(person) + auto
        self.people -= int(person)
        self.mine -= int(person)

    def resume_line(self, journal: str) -> str:
        """One line about the journal a sitting continues ("" when it holds nothing)."""
        if not self.decisions:
            return ""
        auto = self.decisions - self.people
        return (
            f"resuming {journal}: {self.decisions} decisions so far ({self.people} by people, "
            f"{auto} automatic), {self.mine} of them yours ({self.rater})"
        )

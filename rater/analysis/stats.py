"""Summary of journals: what was decided, by whom, from which sources, how fast.

Counts are per decision (a tie's two records are one decision), because that is what a
person spent attention on; `records` is what training code will see. People first: every
headline gives people's decisions with the automatic ones (a broken sample lost) beside
them, and the broken reasons count samples, not records (a broken sample paired several
times is one sample).
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rater.core.printable import printable
from rater.core.records import Rating
from rater.core.rules import iter_decisions

# Gaps longer than this between two decisions are breaks, not rating time.
ACTIVE_GAP_SECONDS = 300.0


@dataclass
class Stats:
    records: int = 0
    decisions: int = 0
    a_wins: int = 0
    b_wins: int = 0
    ties: int = 0
    broken: int = 0  # auto-rated decisions (a broken sample), ties included
    broken_ties: int = 0
    people_a_wins: int = 0
    people_b_wins: int = 0
    people_ties: int = 0
    reasons: Counter[str] = field(default_factory=Counter)  # distinct samples per reason
    raters: Counter[str] = field(default_factory=Counter)  # people's decisions per rater
    automatic: Counter[str] = field(default_factory=Counter)  # automatic ones per writer
    sources: Counter[str] = field(default_factory=Counter)  # decisions involving, all
    people_sources: Counter[str] = field(default_factory=Counter)  # ... people's
    first: str = ""
    last: str = ""
    human_decisions: int = 0
    active_hours: float = 0.0

    @property
    def per_hour(self) -> float | None:
        """Human decisions per hour of active rating (breaks excluded)."""
        return self.human_decisions / self.active_hours if self.active_hours > 0 else None


def parse_time(stamp: str) -> datetime | None:
    try:
        return datetime.fromisoformat(stamp)
    except ValueError:
        return None


def active_hours(stamps: Iterable[float]) -> float:
    """Hours between consecutive decisions (POSIX seconds), breaks of more than
    ACTIVE_GAP_SECONDS left out."""
    times = sorted(stamps)
    active = 0.0
    for a, b in zip(times, times[1:], strict=False):
        if 0 <= b - a <= ACTIVE_GAP_SECONDS:
            active += b - a
    return active / 3600


class Summary:
    """`Stats` built one decision at a time (`add`), holding counters, one number per human
    decision (its time) and each broken sample's id once per reason: a journal of a million
    records costs megabytes here."""

    def __init__(self) -> None:
        self.stats = Stats()
        self._human = array("d")  # POSIX times of human decisions
        self._first: tuple[float, str] | None = None
        self._last: tuple[float, str] | None = None
        self._broken_samples: dict[str, set[str]] = {}

    def add(self, decision: Sequence[Rating]) -> None:
        s, r = self.stats, decision[0]
        s.records += len(decision)
        s.decisions += 1
        outcome = "ties" if r.tie else ("a_wins" if r.best == 0 else "b_wins")
        setattr(s, outcome, getattr(s, outcome) + 1)
        if r.broken:
            s.broken += 1
            s.broken_ties += int(r.tie)
            for sample_id, side in zip(r.ids, r.reasons, strict=True):
                for reason in side:
                    self._broken_samples.setdefault(reason, set()).add(sample_id)
            s.automatic[r.rater or "(none)"] += 1
        else:
            people = "people_" + outcome
            setattr(s, people, getattr(s, people) + 1)
            s.raters[r.rater or "(none)"] += 1
            s.human_decisions += 1
        for src in set(r.sources):
            s.sources[src or "(unknown)"] += 1
            if not r.broken:
                s.people_sources[src or "(unknown)"] += 1
        t = parse_time(r.time)
        if t is not None:
            stamp = (t.timestamp(), r.time)
            self._first = min(self._first or stamp, stamp)
            self._last = max(self._last or stamp, stamp)
            if not r.broken:
                self._human.append(stamp[0])

    def result(self) -> Stats:
        s = self.stats
        s.reasons = Counter({reason: len(ids) for reason, ids in self._broken_samples.items()})
        if self._first is not None and self._last is not None:
            s.first, s.last = self._first[1], self._last[1]
        s.active_hours = active_hours(self._human)
        return s


def summarise(ratings: Iterable[Rating]) -> Stats:
    """`Summary` over a stream of records."""
    summary = Summary()
    for decision in iter_decisions(ratings):
        summary.add(decision)
    return summary.result()


def tables(stats: Stats, agreement: Sequence[Any] = ()) -> list[Any]:
    """rich renderables for the terminal (tables; empty sections left out). Names come
    from journals (untrusted): they are shown as plain, printable text, never as markup."""
    from rich.table import Table
    from rich.text import Text

    out: list[Any] = []
    t = Table(title="Decisions: people first, with automatic ones beside them")
    t.add_column("")
    t.add_column("people", justify="right")
    t.add_column("with automatic", justify="right")
    t.add_row("decisions", str(stats.human_decisions), str(stats.decisions))
    t.add_row("A wins", str(stats.people_a_wins), str(stats.a_wins))
    t.add_row("B wins", str(stats.people_b_wins), str(stats.b_wins))
    t.add_row("ties", str(stats.people_ties), str(stats.ties))
    t.add_row("auto-rated (broken sample)", "", f"{stats.broken} ({stats.broken_ties} both broken)")
    t.add_row("records (training lines)", "", str(stats.records))
    if stats.first:
        t.add_row("time span", Text(printable(f"{stats.first} .. {stats.last}")))
    rate = stats.per_hour
    t.add_row("human ratings per active hour", f"{rate:.0f}" if rate is not None else "-")
    out.append(t)
    if stats.reasons:
        ct = Table(title="Broken reasons (distinct samples)")
        ct.add_column("reason")
        ct.add_column("samples", justify="right")
        for name, n in stats.reasons.most_common():
            ct.add_row(Text(printable(name)), str(n))
        out.append(ct)
    for title, people, every, label in (
        ("Raters (decisions)", stats.raters, stats.automatic, "automatic"),
        ("Sources (decisions involving)", stats.people_sources, stats.sources, "with automatic"),
    ):
        if people or every:
            ct = Table(title=title)
            ct.add_column("name")
            ct.add_column("people", justify="right")
            ct.add_column(label, justify="right")
            for name in sorted(set(people) | set(every), key=lambda k: (-people[k], k)):
                ct.add_row(Text(printable(name)), str(people[name]), str(every[name]))
            out.append(ct)
    if agreement:
        at = Table(title="Rater agreement (shared pairs)")
        for col in ("rater A", "rater B", "shared", "agree", "kappa"):
            at.add_column(col, justify="right" if col != "rater A" and col != "rater B" else "left")
        for row in agreement:
            kappa = f"{row.kappa:.2f}" if row.kappa is not None else "-"
            raters = (Text(printable(row.rater_a)), Text(printable(row.rater_b)))
            at.add_row(*raters, str(row.shared_pairs), str(row.agreements), kappa)
        out.append(at)
    return out

"""Summary of journals: what was decided, by whom, from which sources, how fast.

Counts are per decision (a tie's two records are one decision), because that is what a
person spent attention on; `records` is what training code will see.
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
    reasons: Counter[str] = field(default_factory=Counter)
    raters: Counter[str] = field(default_factory=Counter)
    sources: Counter[str] = field(default_factory=Counter)
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
    """`Stats` built one decision at a time (`add`), holding counters and one number per
    human decision (its time): a journal of a million records costs megabytes here."""

    def __init__(self) -> None:
        self.stats = Stats()
        self._human = array("d")  # POSIX times of human decisions
        self._first: tuple[float, str] | None = None
        self._last: tuple[float, str] | None = None

    def add(self, decision: Sequence[Rating]) -> None:
        s, r = self.stats, decision[0]
        s.records += len(decision)
        s.decisions += 1
        if r.tie:
            s.ties += 1
        elif r.best == 0:
            s.a_wins += 1
        else:
            s.b_wins += 1
        if r.broken:
            s.broken += 1
            s.broken_ties += int(r.tie)
            for side in r.reasons:
                s.reasons.update(side)
        else:
            s.human_decisions += 1
        s.raters[r.rater or "(none)"] += 1
        for src in set(r.sources):
            s.sources[src or "(unknown)"] += 1
        t = parse_time(r.time)
        if t is not None:
            stamp = (t.timestamp(), r.time)
            self._first = min(self._first or stamp, stamp)
            self._last = max(self._last or stamp, stamp)
            if not r.broken:
                self._human.append(stamp[0])

    def result(self) -> Stats:
        s = self.stats
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


def render(stats: Stats, agreement: Sequence[Any] = ()) -> list[Any]:
    """rich renderables for the terminal (tables; empty sections left out). Names come
    from journals (untrusted): they are shown as plain, printable text, never as markup."""
    from rich.table import Table
    from rich.text import Text

    out: list[Any] = []
    t = Table(title="Decisions", show_header=False)
    t.add_row("records (training lines)", str(stats.records))
    t.add_row("decisions", str(stats.decisions))
    t.add_row("A wins", str(stats.a_wins))
    t.add_row("B wins", str(stats.b_wins))
    t.add_row("ties", str(stats.ties))
    t.add_row("auto-rated (broken sample)", f"{stats.broken} ({stats.broken_ties} both broken)")
    if stats.first:
        t.add_row("time span", Text(printable(f"{stats.first} .. {stats.last}")))
    rate = stats.per_hour
    t.add_row("human ratings per active hour", f"{rate:.0f}" if rate is not None else "-")
    out.append(t)
    for title, counter in (
        ("Broken reasons (per sample)", stats.reasons),
        ("Raters (decisions)", stats.raters),
        ("Sources (decisions involving)", stats.sources),
    ):
        if counter:
            ct = Table(title=title)
            ct.add_column("name")
            ct.add_column("count", justify="right")
            for name, n in counter.most_common():
                ct.add_row(Text(printable(name)), str(n))
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

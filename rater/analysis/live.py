"""The rating screen's live stats: the journal as a sitting knows it, turned into charts.

A rating session tells `LiveStats` every record the journal gains (its history, the
person's decisions, automatic ones, other writers' news) and every decision taken back, on
its own thread; the stats screen then has `drawn_charts` fit, count and draw a copy in a
child process, so nothing here runs while a key waits. The charts are the same as
`rater stats --plot` and `rater rank`'s figures: this sitting's pace, the Bradley-Terry
score distribution so far, each rater's self-agreement on re-checks, and the team's
progress where there is one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rater.analysis.games import GameTable
from rater.analysis.plot.chart import Chart, Kind, Point, Series, panel_lines
from rater.analysis.plot.sessions import agreement_chart, decide_chart, sitting_chart
from rater.analysis.quality import rater_quality
from rater.analysis.rank import fit
from rater.analysis.stats import parse_time
from rater.analysis.timeline import Timeline, histogram
from rater.core.errors import RankError
from rater.core.records import Rating
from rater.core.rules import iter_decisions
from rater.core.words import counted

if TYPE_CHECKING:
    from rich.segment import Segment

SCORE_BINS = 9  # the score histogram: few enough for a quarter of an 80-column screen


@dataclass(frozen=True)
class Team:
    """A team project's progress, as `rating.store.team.Progress` counts it."""

    raters: int
    done: int  # pairs decided by every rater they are meant for
    total: int
    decisions: int
    open_ended: bool = False  # pairs chosen as the rating goes: no total to reach


class LiveStats:
    """Records in (any thread that owns the session), charts out (any other thread)."""

    def __init__(self, rater: str, history: Sequence[Rating] = (), started: float | None = None):
        """`started`: when this sitting began (POSIX seconds); its pace counts from then."""
        self.rater = rater
        self.started = time.time() if started is None else started
        self._lock = threading.Lock()
        self._records: list[Rating] = list(history)
        self._listener: Callable[[], object] | None = None
        self._later: Callable[[], Iterable[Rating]] | None = None
        self._loading = threading.Lock()

    def add_later(self, load: Callable[[], Iterable[Rating]]) -> None:
        """The journal's records before this sitting, read by `load()` only when a chart
        first needs them (on the thread that asks for charts): a start on a big journal does
        not wait for them (its side index, `rating.journal_index`, has what the session
        needs). `load` reads the journal as it is then: the decisions added (or taken back)
        here since are not counted twice."""
        with self._lock:
            self._later = load

    def listen(self, listener: Callable[[], object] | None) -> None:
        """`listener()` after every change (on the thread that made it), or None."""
        self._listener = listener

    def add(self, records: Iterable[Rating]) -> None:
        """Records the journal gained (a decision's records together); kept without their
        token ids and texts."""
        records = [r.head() for r in records]
        if not records:
            return
        with self._lock:
            self._records.extend(records)
        self._changed()

    def remove(self, decision_ids: Iterable[str | None]) -> None:
        """Decisions taken back (by their journal ids)."""
        gone = {d for d in decision_ids if d}
        if not gone:
            return
        with self._lock:
            self._records = [r for r in self._records if r.extra.get("decision") not in gone]
        self._changed()

    def _changed(self) -> None:
        if self._listener is not None:
            self._listener()

    def records(self) -> list[Rating]:
        with self._loading:
            with self._lock:
                load, self._later = self._later, None
            if load is not None:
                before = [r.head() for r in load()]
                with self._lock:
                    have = {r.extra.get("decision") for r in self._records}
                    kept = [r for r in before if r.extra.get("decision") not in have - {None}]
                    self._records = kept + self._records
        with self._lock:
            return list(self._records)

    def charts(self, team: Team | None = None) -> list[Chart]:
        """Pace, scores, self-agreement, and the team's progress (or, alone, decide times)."""
        records = self.records()
        sitting = Timeline()
        for decision in iter_decisions(records):
            first = decision[0]
            if first.rater == self.rater and _after(first, self.started):
                sitting.add(decision)
        last = team_chart(team) if team is not None else decide_chart(sitting.decide_seconds)
        return [
            sitting_chart(sitting.times, self.started),
            score_chart(records),
            agreement_chart(rater_quality(records)),
            last,
        ]


def drawn_charts(
    records: Sequence[Rating],
    rater: str,
    started: float,
    team: Team | None,
    sizes: Sequence[tuple[int, int]],
    theme: tuple[str, Any],
) -> list[tuple[Chart, list[list[Segment]]]]:
    """A whole count: `LiveStats.charts` of `records`, each drawn by plotext at its panel's
    size and read into the lines a widget paints (`plot.chart.panel_lines`). The stats screen
    runs it in a child process (`rating.offload`), so neither the fit nor plotext nor the
    reading of its colour escapes holds the screen's interpreter lock."""
    charts = LiveStats(rater, records, started).charts(team)
    return [(c, panel_lines(c, *size, theme)) for c, size in zip(charts, sizes, strict=False)]


def _after(record: Rating, started: float) -> bool:
    when = parse_time(record.time)
    return when is not None and when.timestamp() >= started - 1.0  # stamps are to the second


def score_chart(records: Sequence[Rating]) -> Chart:
    """How the Bradley-Terry scores of the samples compared so far spread (automatic games
    included, as `rater rank` counts them)."""
    title = "Scores"
    table = GameTable.collect(records)
    if not len(table):
        return Chart(Kind.BARS, title, "", (), empty="no decisions yet")
    try:
        ranking = fit(table)
    except RankError as exc:
        return Chart(Kind.BARS, title, "", (), empty=str(exc))
    bins = histogram([r.score for r in ranking.rows], bins=SCORE_BINS)
    points = tuple(Point(k, b.count) for k, b in enumerate(bins, 1))
    return Chart(
        Kind.BARS,
        f"{title}: {counted(len(ranking.rows), 'sample')}, {counted(ranking.games, 'game')}",
        "Bradley-Terry score (logits)",
        (Series("samples", points),),
        ticks=tuple(b.label() for b in bins),
    )


def team_chart(team: Team) -> Chart:
    """The team's share of the project decided (or, for a project without a schedule, its
    decisions), one bar."""
    raters = counted(team.raters, "rater")
    if team.open_ended or not team.total:
        title = f"Team: {raters}, {counted(team.decisions, 'decision')}"
        point, limits, label = Point(1, float(team.decisions)), None, "decisions"
    else:
        share = team.done / team.total
        title = f"Team: {raters}, {team.done:,}/{counted(team.total, 'pair')} ({share:.0%})"
        point, limits, label = Point(1, share), (0.0, 1.0), "pairs decided"
    return Chart(
        Kind.WEIGHTS,
        title,
        "share of the project's pairs decided" if limits else "decisions so far",
        (Series("team", (point,)),),
        ticks=(label,),
        limits=limits,
    )

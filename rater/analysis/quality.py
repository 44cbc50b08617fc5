"""How good each rater's ratings are: decide time, early decisions, self-agreement on hidden
re-checks, ties and pace (the per-rater part of `rater stats`).

A reward model is only as good as its labels, and a tired or hasty rater makes noisy ones.
Listening-test practice screens raters by their consistency on hidden repeats (MUSHRA's
hidden reference); here the repeat is a re-check of the rater's own earlier decision with
the sides swapped (`rater.rating.pairing.recheck`), and it agrees when the same sample wins
again, or both answers are "equal". Self-agreement is reported as k of n with a Wilson 95%
interval, because raters have few re-checks (5% of their pairs by default) and a bare
percentage of 3 would mean nothing. A rater is flagged when the whole interval lies below
FLAG_BELOW: even the most favourable reading of their re-checks is barely better than a
coin (which agrees with itself half the time).

Only a person's decisions count (auto-ratings of broken samples are the checks' verdict).
Records written before the listening data existed simply have none: their figures are "-".
"""

from __future__ import annotations

import statistics
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from rater.analysis.rank import wilson
from rater.analysis.stats import Stats, active_hours, parse_time
from rater.core.printable import printable
from rater.core.records import Rating
from rater.core.rules import iter_decisions, recheck_of

EARLY_SECONDS = 2.0  # decided before clip B had played this long: an early decision
FLAG_BELOW = 0.7  # flag a rater whose self-agreement interval lies wholly below this


@dataclass(frozen=True)
class RaterQuality:
    """One rater's figures; None where there is nothing to compute from."""

    rater: str
    decisions: int  # a person's decisions (a tie once), re-checks included
    rechecks: int  # of those: re-checks whose first decision is in the journals given
    agreed: int  # re-checks answered as the first time
    ties: int
    timed: int  # decisions with a decide time
    median_decide_seconds: float | None
    listened: int  # decisions with listening data (clips played)
    early: int  # of those: decided before clip B had played EARLY_SECONDS
    per_hour: float | None  # decisions per active hour (breaks excluded, as in `stats`)

    @property
    def self_agreement(self) -> float | None:
        return self.agreed / self.rechecks if self.rechecks else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """Wilson 95% interval of the self-agreement."""
        return wilson(self.agreed, self.rechecks)

    @property
    def flagged(self) -> bool:
        """The self-agreement interval lies below FLAG_BELOW (upper bound under it)."""
        return self.interval is not None and self.interval[1] < FLAG_BELOW

    @property
    def early_share(self) -> float | None:
        return self.early / self.listened if self.listened else None

    @property
    def tie_rate(self) -> float | None:
        return self.ties / self.decisions if self.decisions else None

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        interval = self.interval
        d.update(
            self_agreement=self.self_agreement,
            self_agreement_interval=list(interval) if interval else None,
            flagged=self.flagged,
            early_share=self.early_share,
            tie_rate=self.tie_rate,
        )
        return d


def _outcome(r: Rating) -> int:
    """What a decision said, whichever side each sample was on: the winner (as a number
    standing for its id), or -1 for a tie."""
    return -1 if r.tie else hash(r.ids[r.best]) & _MASK


_MASK = (1 << 62) - 1


@dataclass
class _Rater:
    """One rater's running figures (numbers only: a million decisions cost megabytes)."""

    decisions: int = 0
    ties: int = 0
    listened: int = 0
    early: int = 0
    seconds: array = field(default_factory=lambda: array("d"))  # decide times
    times: array = field(default_factory=lambda: array("d"))  # POSIX times, for the pace
    rechecks: list[tuple[int, int]] = field(default_factory=list)  # (first's key, outcome)


class QualityTally:
    """`RaterQuality` rows built one decision at a time (`add`): per rater, counters and one
    or two numbers per decision; every first decision's id and outcome as two integers, so
    re-checks find theirs whichever journal or order they were read in."""

    def __init__(self) -> None:
        self._raters: dict[str, _Rater] = {}
        self._first_keys = array("q")
        self._first_outcomes = array("q")

    def add(self, decision: Sequence[Rating]) -> None:
        r = decision[0]
        if r.broken:
            return  # the checks' verdict, not a person's
        mine = self._raters.setdefault(r.rater or "(none)", _Rater())
        mine.decisions += 1
        mine.ties += r.tie
        seconds, heard = r.extra.get("decide_seconds"), r.extra.get("heard")
        if seconds is not None:
            mine.seconds.append(seconds)
        if heard is not None:
            mine.listened += 1
            mine.early += heard[1] < EARLY_SECONDS
        when = parse_time(r.time)
        if when is not None:
            mine.times.append(when.timestamp())
        earlier = recheck_of(r)
        if earlier is not None:
            mine.rechecks.append((hash(earlier) & _MASK, _outcome(r)))
            return
        decision_id = r.extra.get("decision")
        if isinstance(decision_id, str):
            self._first_keys.append(hash(decision_id) & _MASK)
            self._first_outcomes.append(_outcome(r))

    def result(self) -> list[RaterQuality]:
        import numpy as np

        keys = np.array(self._first_keys, dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        keys, outcomes = keys[order], np.array(self._first_outcomes, dtype=np.int64)[order]
        rows = []
        for name, mine in sorted(self._raters.items()):
            rechecks = agreed = 0
            for key, outcome in mine.rechecks:
                at = int(np.searchsorted(keys, key))
                if at < len(keys) and keys[at] == key:
                    rechecks += 1
                    agreed += int(outcomes[at]) == outcome
            hours = active_hours(mine.times)
            rows.append(
                RaterQuality(
                    rater=name,
                    decisions=mine.decisions,
                    rechecks=rechecks,
                    agreed=agreed,
                    ties=mine.ties,
                    timed=len(mine.seconds),
                    median_decide_seconds=statistics.median(mine.seconds) if mine.seconds else None,
                    listened=mine.listened,
                    early=mine.early,
                    per_hour=mine.decisions / hours if hours > 0 else None,
                )
            )
        return rows


def rater_quality(ratings: Iterable[Rating]) -> list[RaterQuality]:
    """One row per rater who made a decision (not an automatic one), by name."""
    tally = QualityTally()
    for decision in iter_decisions(ratings):
        tally.add(decision)
    return tally.result()


def _share(k: int, n: int) -> str:
    return f"{k} of {n} ({100 * k / n:.0f}%)" if n else "-"


def rows_of(q: RaterQuality) -> list[tuple[str, str]]:
    """The rows shown for one rater (label, value)."""
    median = q.median_decide_seconds
    if q.rechecks:
        lo, hi = q.interval or (0.0, 0.0)
        agreement = f"{q.agreed} of {q.rechecks} (95% interval {lo:.2f}-{hi:.2f})"
    else:
        agreement = "no re-checks yet"
    rows = [
        ("decisions", str(q.decisions)),
        ("median decide time", f"{median:.1f} s" if median is not None else "-"),
        (f"decided before B played {EARLY_SECONDS:g} s", _share(q.early, q.listened)),
        ("self-agreement on re-checks", agreement),
        ("ties", _share(q.ties, q.decisions)),
        ("ratings per hour", f"{q.per_hour:.0f}" if q.per_hour is not None else "-"),
    ]
    if q.flagged:
        rows.append(("FLAG", f"self-agreement below {FLAG_BELOW:g}: check this rater"))
    return rows


def tables(rows: Sequence[RaterQuality]) -> list[Any]:
    """rich tables, one per rater (narrow terminals keep every row readable). Rater names come
    from journals (untrusted): shown printable and as `Text`, never obeyed or read as markup."""
    from rich.table import Table
    from rich.text import Text

    out: list[Any] = []
    for q in rows:
        table = Table(title=Text(f"Rater quality: {printable(q.rater)}"), show_header=False)
        for label, value in rows_of(q):
            style = "bold red" if label == "FLAG" else ""
            table.add_row(Text(label, style=style), Text(value, style=style))
        out.append(table)
    return out


def report_json(stats: Stats, agreement: Sequence[Any], rows: Sequence[RaterQuality]) -> dict:
    """`rater stats --json`: the summary, agreement between raters, quality per rater."""
    summary = {f.name: getattr(stats, f.name) for f in fields(stats)}
    summary = {k: dict(v) if isinstance(v, dict) else v for k, v in summary.items()}
    summary["per_hour"] = stats.per_hour
    return {
        **summary,
        "agreement": [asdict(a) for a in agreement],
        "quality": [q.to_json() for q in rows],
    }

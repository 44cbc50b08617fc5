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
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from rater.analysis.rank import wilson
from rater.analysis.stats import Stats, summarise
from rater.core.printable import printable
from rater.core.records import Rating
from rater.core.rules import decisions, recheck_of

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


def _outcome(r: Rating) -> str:
    """What a decision said, whichever side each sample was on: the winner's id, or tie."""
    return "tie" if r.tie else r.ids[r.best]


def rater_quality(ratings: Sequence[Rating]) -> list[RaterQuality]:
    """One row per rater who made a decision (not an automatic one), by name."""
    groups = [g for g in decisions(ratings) if not g[0].broken]
    first: dict[str, str] = {}  # decision id -> outcome, of first decisions
    for g in groups:
        decision = g[0].extra.get("decision")
        if isinstance(decision, str) and recheck_of(g[0]) is None:
            first[decision] = _outcome(g[0])
    by_rater: dict[str, list[list[Rating]]] = {}
    for g in groups:
        by_rater.setdefault(g[0].rater or "(none)", []).append(g)
    return [_quality(name, mine, first) for name, mine in sorted(by_rater.items())]


def _quality(name: str, groups: list[list[Rating]], first: dict[str, str]) -> RaterQuality:
    heads = [g[0] for g in groups]
    seconds = [r.extra["decide_seconds"] for r in heads if "decide_seconds" in r.extra]
    heard = [r.extra["heard"] for r in heads if "heard" in r.extra]
    rechecks = agreed = 0
    for r in heads:
        earlier = first.get(recheck_of(r) or "")
        if earlier is not None:
            rechecks += 1
            agreed += earlier == _outcome(r)
    return RaterQuality(
        rater=name,
        decisions=len(groups),
        rechecks=rechecks,
        agreed=agreed,
        ties=sum(r.tie for r in heads),
        timed=len(seconds),
        median_decide_seconds=statistics.median(seconds) if seconds else None,
        listened=len(heard),
        early=sum(h[1] < EARLY_SECONDS for h in heard),
        per_hour=summarise([r for g in groups for r in g]).per_hour,
    )


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


def render(rows: Sequence[RaterQuality]) -> list[Any]:
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

"""How often two raters who judged the same pair agree, and Cohen's kappa for it.

Raw agreement flatters raters when one answer dominates (two raters who always pick the
left sample agree 100% and know nothing); kappa subtracts the agreement their own answer
frequencies would give by chance. Each decision is one of three categories relative to the
pair's canonical order (ids sorted): first wins, second wins, tie. Orientation on screen does
not matter, only which sample won.

Auto-ratings (`broken: 1`) are left out by default: they are the checks' verdict, not the
person's, and would inflate agreement between everyone who met the same broken tune.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from rater.analysis.rank import games
from rater.core.records import Rating

FIRST, SECOND, TIE = "first", "second", "tie"


@dataclass(frozen=True)
class AgreementRow:
    rater_a: str
    rater_b: str
    shared_pairs: int
    agreements: int
    kappa: float | None  # None when undefined (no shared pairs, or chance agreement is 1)


def decisions(
    ratings: Sequence[Rating], include_broken: bool = False
) -> dict[str, dict[frozenset[str], str]]:
    """rater -> unordered pair -> category of that rater's latest decision on it."""
    out: dict[str, dict[frozenset[str], str]] = {}
    for g in games(ratings, include_broken):
        pair = frozenset((g.winner, g.loser))
        if g.tie:
            label = TIE
        else:
            label = FIRST if g.winner == min(g.winner, g.loser) else SECOND
        out.setdefault(g.rater, {})[pair] = label
    return out


def cohen_kappa(labels_a: Sequence[str], labels_b: Sequence[str]) -> float | None:
    """Kappa for two equally long label sequences; None when it is undefined."""
    n = len(labels_a)
    if n == 0 or n != len(labels_b):
        return None
    observed = sum(x == y for x, y in zip(labels_a, labels_b, strict=True)) / n
    cats = set(labels_a) | set(labels_b)
    chance = sum((labels_a.count(c) / n) * (labels_b.count(c) / n) for c in cats)
    if chance >= 1.0:
        return None
    return (observed - chance) / (1.0 - chance)


def agreement_summary(
    ratings: Sequence[Rating], include_broken: bool = False
) -> list[AgreementRow]:
    """One row per pair of raters that decided at least one pair in common."""
    by_rater = decisions(ratings, include_broken)
    rows: list[AgreementRow] = []
    for ra, rb in combinations(sorted(by_rater), 2):
        shared = sorted(by_rater[ra].keys() & by_rater[rb].keys(), key=sorted)
        if not shared:
            continue
        la = [by_rater[ra][p] for p in shared]
        lb = [by_rater[rb][p] for p in shared]
        agree = sum(x == y for x, y in zip(la, lb, strict=True))
        rows.append(AgreementRow(ra, rb, len(shared), agree, cohen_kappa(la, lb)))
    return rows

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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from rater.analysis.games import GameTable
from rater.analysis.rank import table_of
from rater.core.records import Rating

FIRST, SECOND, TIE = "first", "second", "tie"
LABELS = (FIRST, SECOND, TIE)


@dataclass(frozen=True)
class AgreementRow:
    rater_a: str
    rater_b: str
    shared_pairs: int
    agreements: int
    kappa: float | None  # None when undefined (no shared pairs, or chance agreement is 1)


def _latest(table: GameTable, include_broken: bool) -> dict[str, tuple[Any, Any]]:
    """rater -> (pairs, codes): the distinct pairs the rater decided (lower sample number
    << 32 | higher, ascending) and the category of the latest decision on each (FIRST,
    SECOND, TIE as 0, 1, 2; "first" is the sample whose id sorts first), from the table's
    arrays without a Python object per game."""
    import numpy as np

    cols = table.arrays(include_broken)
    lo = np.minimum(cols["win"], cols["los"]).astype(np.int64)
    hi = np.maximum(cols["win"], cols["los"]).astype(np.int64)
    order = np.argsort(np.array(table.samples.names, dtype=object), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))  # sample number -> place of its id in sorted order
    first = np.where(rank[lo] < rank[hi], lo, hi) if len(lo) else lo
    code = np.where(cols["tie"], 2, np.where(cols["win"] == first, 0, 1)).astype(np.int8)
    pair = (lo << 32) | hi
    out: dict[str, tuple[Any, Any]] = {}
    for r, name in enumerate(table.raters.names):
        mine = np.flatnonzero(cols["rater"] == r)
        if not len(mine):
            continue
        last = mine[::-1]  # np.unique keeps the first of equal keys: the latest, reversed
        pairs, at = np.unique(pair[last], return_index=True)
        out[name] = (pairs, code[last][at])
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
    ratings: Iterable[Rating] | GameTable, include_broken: bool = False
) -> list[AgreementRow]:
    """One row per pair of raters that decided at least one pair in common."""
    import numpy as np

    by_rater = _latest(table_of(ratings, include_broken), include_broken)
    rows: list[AgreementRow] = []
    for ra, rb in combinations(sorted(by_rater), 2):
        (pa, ca), (pb, cb) = by_rater[ra], by_rater[rb]
        _, ia, ib = np.intersect1d(pa, pb, assume_unique=True, return_indices=True)
        if not len(ia):
            continue
        la = [LABELS[c] for c in ca[ia].tolist()]
        lb = [LABELS[c] for c in cb[ib].tolist()]
        agree = sum(x == y for x, y in zip(la, lb, strict=True))
        rows.append(AgreementRow(ra, rb, len(la), agree, cohen_kappa(la, lb)))
    return rows

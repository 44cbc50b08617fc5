"""Pairing strategies: which two samples a person compares next.

`halves` is the seed workflow: shuffle with a seeded RNG, split in halves, pair #i with
#i + n/2, so every sample is used once and no comparison repeats. The order is a pure
function of (sample ids, seed), which is what makes resume reproducible.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Protocol

from rater.records import Pair, Rating, Sample


def halves(samples: Sequence[Sample], seed: int = 0) -> list[Pair]:
    """Seeded shuffle, then pair #i with #i + n/2 (an odd sample out is left unpaired)."""
    order = sorted(samples, key=lambda s: s.id)  # input order must not change the pairs
    random.Random(seed).shuffle(order)
    half = len(order) // 2
    return [Pair(a=order[i], b=order[i + half]) for i in range(half)]


class PairSource(Protocol):
    """What the rating loop asks for pairs. Adaptive strategies learn from `record`."""

    def next_pair(self) -> Pair | None:
        """The next pair to show, or None when the strategy has nothing left."""
        ...

    def record(self, ratings: Sequence[Rating]) -> None:
        """Feedback: decisions just written to the journal (adaptive strategies refit)."""
        ...

    def exclude(self, sample_id: str) -> None:
        """A sample turned out broken; strategies that choose freely should skip it."""
        ...


class HalvesSource:
    """The seed workflow as a PairSource: a fixed list, pairs already decided are skipped."""

    def __init__(self, samples: Sequence[Sample], seed: int, history: Sequence[Rating]) -> None:
        done = {frozenset(r.ids) for r in history}
        self._pairs = [p for p in halves(samples, seed) if frozenset((p.a.id, p.b.id)) not in done]
        self._next = 0

    @property
    def remaining(self) -> int:
        return len(self._pairs) - self._next

    def upcoming(self, n: int) -> list[Pair]:
        """The next n pairs without consuming them (the renderer works ahead on these)."""
        return self._pairs[self._next : self._next + n]

    def next_pair(self) -> Pair | None:
        if self._next >= len(self._pairs):
            return None
        self._next += 1
        return self._pairs[self._next - 1]

    def record(self, ratings: Sequence[Rating]) -> None:
        return None

    def exclude(self, sample_id: str) -> None:
        return None


def source(
    strategy: str,
    samples: Sequence[Sample],
    seed: int = 0,
    history: Sequence[Rating] = (),
    prefix_chars: int = 20,
) -> PairSource:
    """The registry of strategies by CLI name (`rater rate --pairing NAME`)."""
    if strategy == "halves":
        return HalvesSource(samples, seed, history)
    raise ValueError(f"unknown pairing strategy {strategy!r}")

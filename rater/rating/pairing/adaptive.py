"""What the strategies that choose pairs freely (`active`, `model`, `top`) share: the samples by
id, which of them may be paired (not excluded as broken, judged when the session waits for
judging) and who was already paired with whom (a pair is never offered twice)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rater.core.records import Rating, Sample
from rater.core.rules import broken_ids
from rater.rating.pairing.base import PairSource
from rater.rating.pairing.schedule import unique_by_id


class AdaptiveSource(PairSource):
    """Bookkeeping for adaptive sources. With `wait_for_ready` only samples named by
    `mark_ready` are usable (the session names them as they are judged, so a pair never
    waits for a render far down the queue); while usable samples are still to come,
    `waiting` is True."""

    def __init__(self, samples: Sequence[Sample], wait_for_ready: bool) -> None:
        import numpy as np

        self._samples = unique_by_id(samples)
        self._index = {s.id: k for k, s in enumerate(self._samples)}
        n = len(self._samples)
        self._ok = np.ones(n, dtype=bool)
        self._ready = np.full(n, not wait_for_ready)
        self._partners: list[set[int]] = [set() for _ in range(n)]
        self._count = np.zeros(n)  # len(partners), kept as an array for the choosers
        # every pair made, in order: only ever appended, so a job may read a prefix of it
        self._edges: list[tuple[int, int]] = []

    def exclude(self, sample_id: str) -> None:
        k = self._index.get(sample_id)
        if k is not None:
            self._ok[k] = False

    def mark_ready(self, sample_ids: Iterable[str]) -> None:
        """These samples are judged (with `wait_for_ready`, only such samples are paired)."""
        for sample_id in sample_ids:
            k = self._index.get(sample_id)
            if k is not None:
                self._ready[k] = True

    @property
    def waiting(self) -> bool:
        """Usable samples are still to be judged: a None from `next_pair` means "not yet"."""
        return bool((self._ok & ~self._ready).any())

    @property
    def estimate(self) -> int:
        """Pairs until every usable sample has been compared once (more can always be
        asked for: an adaptive strategy proposes a pair for any two usable samples)."""
        return int(((self._count == 0) & self._ok).sum()) // 2

    def _pair_up(self, i: int, j: int) -> None:
        if i != j and j not in self._partners[i]:
            self._partners[i].add(j)
            self._partners[j].add(i)
            self._edges.append((i, j))
            self._count[i] += 1
            self._count[j] += 1

    def _note_pairs(self, ratings: Sequence[Rating]) -> None:
        """What every record tells either strategy: broken samples are out, and the pair was
        shown (decisions themselves are each strategy's own)."""
        for sample_id in broken_ids(ratings):
            self.exclude(sample_id)
        for r in ratings:
            if r.ids[0] in self._index and r.ids[1] in self._index:
                self._pair_up(self._index[r.ids[0]], self._index[r.ids[1]])

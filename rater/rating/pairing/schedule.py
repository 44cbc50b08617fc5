"""Fixed schedules of pairs, and the one source that serves any of them.

`halves` is the seed workflow: shuffle with a seeded RNG, split in halves, pair #i with
#i + n/2, so every sample is used once and no comparison repeats. The order is a pure
function of (sample ids, seed), which is what makes resume reproducible. `ab_pairs` (blind
comparison of two generators: one sample of each source per pair, sides by a seeded coin)
and `prefix_pairs` (completions sharing a prompt; the prompt becomes the query) are
schedules too. `ScheduleSource` serves a schedule: pairs already decided are skipped, and
so are pairs with a sample that turned out broken.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

from rater.core import bpe
from rater.core.errors import PairingError
from rater.core.records import Pair, Rating, Sample
from rater.core.settings import PairingSettings
from rater.rating.history import History
from rater.rating.pairing.base import PairSource

SCHEDULE_LIMIT = 20_000  # pairs a fixed schedule holds at once; more than anyone rates per run


def halves(samples: Sequence[Sample], seed: int = PairingSettings.seed) -> list[Pair]:
    """Seeded shuffle, then pair #i with #i + n/2 (an odd sample out is left unpaired)."""
    order = sorted(samples, key=lambda s: s.id)  # input order must not change the pairs
    random.Random(seed).shuffle(order)
    half = len(order) // 2
    return [Pair(a=order[i], b=order[i + half]) for i in range(half)]


class ScheduleSource(PairSource):
    """A fixed schedule as a PairSource: decided pairs (either order) are skipped, which is
    what makes resume work, and so are pairs with an excluded (broken) sample.

    With `exclude_known_broken`, samples found broken in an earlier session stay excluded,
    so a strategy that pairs a sample with many partners (ab, prefix) never auto-rates the
    same broken sample against yet another partner on resume. `halves` uses each sample
    once, so there a sample found broken under another seed still gets its one pair.
    `remaining` and `next_pair` cost O(1) per call (the TUI asks on every key press).
    """

    def __init__(
        self,
        schedule: Iterable[Pair],
        history: History | Sequence[Rating],
        *,
        exclude_known_broken: bool = True,
        limit: int | None = SCHEDULE_LIMIT,
    ) -> None:
        known = History.of(history)
        undecided = (p for p in schedule if not known.decided((p.a.id, p.b.id)))
        self._pairs = list(islice(undecided, limit))
        self._next = 0
        self._excluded: set[str] = set()
        self._dead: set[int] = set()  # pairs not yet served that have an excluded sample
        self._dead_ahead = 0
        self._where: dict[str, list[int]] | None = None  # sample id -> its pairs, built lazily
        if exclude_known_broken:
            for sample_id in known.broken:
                self.exclude(sample_id)

    @property
    def remaining(self) -> int:
        return len(self._pairs) - self._next - self._dead_ahead

    def upcoming(self, n: int) -> list[Pair]:
        out: list[Pair] = []
        i = self._next
        while i < len(self._pairs) and len(out) < n:
            if i not in self._dead:
                out.append(self._pairs[i])
            i += 1
        return out

    def next_pair(self) -> Pair | None:
        while self._next < len(self._pairs):
            i = self._next
            self._next += 1
            if i in self._dead:
                self._dead_ahead -= 1
                continue
            return self._pairs[i]
        return None

    def exclude(self, sample_id: str) -> None:
        if sample_id in self._excluded:
            return
        self._excluded.add(sample_id)
        if self._where is None:
            self._where = {}
            for i, pair in enumerate(self._pairs):
                for sid in {pair.a.id, pair.b.id}:
                    self._where.setdefault(sid, []).append(i)
        for i in self._where.get(sample_id, ()):
            if i >= self._next and i not in self._dead:
                self._dead.add(i)
                self._dead_ahead += 1


def unique_by_id(samples: Sequence[Sample]) -> list[Sample]:
    """Samples by id, sorted, so the input order never changes a seeded schedule."""
    return sorted({s.id: s for s in samples}.values(), key=lambda s: s.id)


def ab_pairs(samples: Sequence[Sample], seed: int = PairingSettings.seed) -> Iterator[Pair]:
    """Blind A/B: every pair has one sample of each source, left/right by a seeded coin.

    Round r pairs the k-th sample of the larger source with the (k + r)-th of the smaller
    (both shuffled), so the first round shows every sample and later rounds never repeat a
    pair. `Pair.a` is the alphabetically first source unless `swapped`.
    """
    by_source: dict[str, list[Sample]] = {}
    for s in unique_by_id(samples):
        by_source.setdefault(s.source, []).append(s)
    if len(by_source) != 2:
        found = ", ".join(sorted(repr(k) for k in by_source)) or "none"
        raise PairingError(
            f"ab pairing needs samples from exactly two sources, found {len(by_source)}: {found}"
        )
    rng = random.Random(seed)
    first, second = (by_source[k] for k in sorted(by_source))
    for group in (first, second):
        rng.shuffle(group)
    big, small = (first, second) if len(first) >= len(second) else (second, first)
    for r in range(len(small)):
        for k, x in enumerate(big):
            y = small[(k + r) % len(small)]
            a, b = (x, y) if x.source < y.source else (y, x)
            if rng.random() < 0.5:
                yield Pair(a=b, b=a, swapped=True)
            else:
                yield Pair(a=a, b=b)


def common_prefix(texts: Sequence[str]) -> str:
    return os.path.commonprefix(list(texts))


def prefix_pairs(
    samples: Sequence[Sample],
    seed: int = PairingSettings.seed,
    prefix_chars: int = PairingSettings.prefix_chars,
) -> Iterator[Pair]:
    """Completions of the same prompt: samples whose first `prefix_chars` characters agree
    are grouped; each pair's query is the group's common prefix (the prompt), cut back to
    the last point where every member's GPT-2 tokens split cleanly (`bpe.clean_prompt`).

    Pairs come in rounds (round-robin within every group) so each sample is shown once per
    round before any is shown again.
    """
    if prefix_chars < 1:
        raise PairingError(
            f"prefix pairing needs {{field}} >= 1, got {prefix_chars}", field="prefix_chars"
        )
    groups: dict[str, list[Sample]] = {}
    for s in unique_by_id(samples):
        if len(s.text) >= prefix_chars:
            groups.setdefault(s.text[:prefix_chars], []).append(s)
    rng = random.Random(seed)
    schedules = []
    for key in sorted(groups):
        members = groups[key]
        if len(members) < 2:
            continue
        rng.shuffle(members)
        texts = [m.text for m in members]
        query = bpe.clean_prompt(texts, common_prefix(texts))
        schedules.append((query, _round_robin(members)))
    if not schedules:
        raise PairingError(
            f"prefix pairing: no two samples share their first {prefix_chars} characters"
        )
    longest = max(len(rounds) for _, rounds in schedules)
    for r in range(longest):
        for query, rounds in schedules:
            if r < len(rounds):
                for a, b in rounds[r]:
                    yield Pair(a=a, b=b, query=query)


def _round_robin(members: list[Sample]) -> list[list[tuple[Sample, Sample]]]:
    """Circle method: n-1 (or n) rounds in which every sample meets every other once."""
    ring: list[Sample | None] = list(members) + ([None] if len(members) % 2 else [])
    n = len(ring)
    rounds = []
    for _ in range(n - 1):
        rounds.append(
            [
                (x, y)
                for x, y in zip(ring[: n // 2], reversed(ring[n // 2 :]), strict=True)
                if x is not None and y is not None
            ]
        )
        ring = [ring[0], ring[-1], *ring[1:-1]]
    return rounds

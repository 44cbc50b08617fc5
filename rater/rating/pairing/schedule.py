"""Pairing strategies: which two samples a person compares next.

`halves` is the seed workflow: shuffle with a seeded RNG, split in halves, pair #i with
#i + n/2, so every sample is used once and no comparison repeats. The order is a pure
function of (sample ids, seed), which is what makes resume reproducible.

The other strategies: `active` (next pair from the current Bradley-Terry fit), `ab` (blind
comparison of two generators: one sample of each source per pair, sides by a seeded coin)
and `prefix` (completions sharing a prompt are compared, the prompt becomes the query).
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Protocol

from rater.core import bpe
from rater.core.errors import RaterError
from rater.core.records import Pair, Rating, Sample

if TYPE_CHECKING:
    import numpy as np


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


def _undecided(pairs: Iterable[Pair], history: Sequence[Rating]) -> Iterator[Pair]:
    """`pairs` minus those the journal already decided (either order): what makes resume work."""
    done = {frozenset(r.ids) for r in history}
    return (p for p in pairs if frozenset((p.a.id, p.b.id)) not in done)


class HalvesSource:
    """The seed workflow as a PairSource: a fixed list, pairs already decided are skipped."""

    def __init__(self, samples: Sequence[Sample], seed: int, history: Sequence[Rating]) -> None:
        self._pairs = list(_undecided(halves(samples, seed), history))
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


class PairingError(RaterError):
    """The samples cannot be paired the way the strategy asks (e.g. `ab` without two sources)."""


WINDOW = 0.5  # active: logit spread of partners around a sample (see ActiveSource)
BALANCE_FIRST = 5  # active: comparisons every sample gets before crowded ones get more
STALE_LIMIT = 20  # active with deferred refits: decisions a fit may lag before next_pair refits
CROWD_BAND = 0.5  # active: logit half-width in which neighbours count as crowding a sample
SCHEDULE_LIMIT = 20_000  # pairs a fixed schedule holds at once; more than anyone rates per run


def broken_ids(history: Sequence[Rating]) -> set[str]:
    """Samples an earlier auto-rating found broken (each side's reasons say which)."""
    return {r.ids[k] for r in history if r.broken for k in (0, 1) if r.reasons[k]}


class _ScheduleSource:
    """A fixed, seeded schedule of pairs; decided pairs and excluded samples are skipped.

    Samples found broken in an earlier session stay excluded, so resuming never auto-rates
    the same broken sample against yet another partner.
    """

    def __init__(self, schedule: Iterator[Pair], history: Sequence[Rating]) -> None:
        self._pairs = list(islice(_undecided(schedule, history), SCHEDULE_LIMIT))
        self._next = 0
        self._excluded: set[str] = broken_ids(history)

    def _live(self) -> list[Pair]:
        return [
            p
            for p in self._pairs[self._next :]
            if p.a.id not in self._excluded and p.b.id not in self._excluded
        ]

    @property
    def remaining(self) -> int:
        return len(self._live())

    def upcoming(self, n: int) -> list[Pair]:
        """The next n pairs without consuming them (the renderer works ahead on these)."""
        return self._live()[:n]

    def next_pair(self) -> Pair | None:
        while self._next < len(self._pairs):
            pair = self._pairs[self._next]
            self._next += 1
            if pair.a.id not in self._excluded and pair.b.id not in self._excluded:
                return pair
        return None

    def record(self, ratings: Sequence[Rating]) -> None:
        return None

    def exclude(self, sample_id: str) -> None:
        self._excluded.add(sample_id)


def _unique(samples: Sequence[Sample]) -> list[Sample]:
    """Samples by id, sorted, so the input order never changes a seeded schedule."""
    return sorted({s.id: s for s in samples}.values(), key=lambda s: s.id)


def ab_pairs(samples: Sequence[Sample], seed: int = 0) -> Iterator[Pair]:
    """Blind A/B: every pair has one sample of each source, left/right by a seeded coin.

    Round r pairs the k-th sample of the larger source with the (k + r)-th of the smaller
    (both shuffled), so the first round shows every sample and later rounds never repeat a
    pair. `Pair.a` is the alphabetically first source unless `swapped`.
    """
    by_source: dict[str, list[Sample]] = {}
    for s in _unique(samples):
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
    samples: Sequence[Sample], seed: int = 0, prefix_chars: int = 20
) -> Iterator[Pair]:
    """Completions of the same prompt: samples whose first `prefix_chars` characters agree
    are grouped; each pair's query is the group's common prefix (the prompt), cut back to
    the last point where every member's GPT-2 tokens split cleanly (`bpe.clean_prompt`).

    Pairs come in rounds (round-robin within every group) so each sample is shown once per
    round before any is shown again.
    """
    if prefix_chars < 1:
        raise PairingError(f"prefix pairing needs --prefix-chars >= 1, got {prefix_chars}")
    groups: dict[str, list[Sample]] = {}
    for s in _unique(samples):
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


class ActiveSource:
    """Adaptive pairs from the current Bradley-Terry fit.

    The next pair takes the sample with the fewest comparisons (the most uncertain among
    equals, variance approximated by 1/H_ii) and the sample nearest to it in a posterior
    draw widened by WINDOW (Thompson sampling). Close pairs carry the most information
    (p(1-p) near 1/4 instead of ~0.18 for random pairs); the widening keeps partners varied,
    because a graph of nearest neighbours only is a long chain that orders distant samples
    badly. The draw's posterior part is capped at WINDOW^2: an uncertain sample's full draw
    lands far away when qualities are spread widely, and such a comparison is a foregone
    conclusion (bench/pairing_sim.py, share of random's comparisons, mean of 20 paired
    seeds: --spread 2 0.74 -> 0.70, --spread 3 0.70 -> 0.68, --spread 1 0.86 either way;
    the bench prints medians). Balanced counts matter for the same reason as the widening:
    an under-compared sample drags the ranking more than an over-compared one helps it. A
    pair already decided or proposed is never offered again; when every pair among usable
    samples is, `next_pair` returns None.

    Once every sample has BALANCE_FIRST comparisons, the next one goes to the sample whose
    uncertainty costs the most order: a sample's expected discordant pairs grow with how
    many others sit within its error (the crowding of scores near it) times its sd, and a
    comparison shrinks the sd by ~var^1.5, so `_urgency` = crowding * var^1.5. Samples in the
    crowded middle get more comparisons than the few extremes (bench/pairing_sim.py: median
    10,900 instead of 11,250 comparisons to Kendall tau 0.8); the balanced start leaves the
    first BALANCE_FIRST * n / 2 pairs, hence the early top-10, as they were.

    `record` warm-starts Newton from the last scores, which takes one or two steps; with
    `refit_every` > 1 it only updates the variances in between (used by the simulation).
    With `wait_for_ready` it pairs only samples named by `mark_ready` (the session names
    them as they are judged, so a pair never waits for a render far down the queue); while
    usable samples are still to come, `next_pair` returns None and `waiting` is True.
    With `defer_refit` it never refits itself: the owner calls `settle` when it is idle (the
    TUI does once the next pair is on screen, so a refit over 50,000 samples is not between
    a key press and the next pair); the pair after that comes from a fit one decision old.
    `next_pair` refits anyway once STALE_LIMIT decisions are waiting.
    """

    def __init__(
        self,
        samples: Sequence[Sample],
        seed: int = 0,
        history: Sequence[Rating] = (),
        prior_sd: float | None = None,
        refit_every: int = 1,
        defer_refit: bool = False,
        wait_for_ready: bool = False,
    ) -> None:
        import numpy as np

        from rater.analysis import rank

        self._samples = _unique(samples)
        self._index = {s.id: k for k, s in enumerate(self._samples)}
        n = len(self._samples)
        self._prior_sd = prior_sd or rank.PRIOR_SD
        self._rng = np.random.default_rng(seed)
        self._ok = np.ones(n, dtype=bool)
        self._ready = np.full(n, not wait_for_ready)
        self._partners: list[set[int]] = [set() for _ in range(n)]
        self._count = np.zeros(n)  # len(partners), kept as an array for the chooser
        self._win: list[int] = []
        self._los: list[int] = []
        self._tie: list[bool] = []
        self._scores = np.zeros(n)
        self._diag = np.full(n, 1.0 / self._prior_sd**2)  # H_ii: posterior precisions
        self._refit_every = max(1, refit_every)
        self._defer = defer_refit
        self._since = 0
        self.record(history)
        if self._since:
            self._refit()

    def _refit(self) -> None:
        import numpy as np

        from rater.analysis import rank

        win, los = np.array(self._win, dtype=np.int64), np.array(self._los, dtype=np.int64)
        self._scores = rank.fit_arrays(
            len(self._samples),
            win,
            los,
            np.array(self._tie, dtype=bool),
            self._prior_sd,
            x0=self._scores,
            tol=1e-4,  # a guide for choosing pairs, not a report
        )
        self._diag = np.full(len(self._samples), 1.0 / self._prior_sd**2)
        if len(win):
            p = 1.0 / (1.0 + np.exp(-(self._scores[win] - self._scores[los])))
            w = p * (1.0 - p)
            self._diag += np.bincount(win, w, len(self._samples))
            self._diag += np.bincount(los, w, len(self._samples))
        self._since = 0

    def record(self, ratings: Sequence[Rating]) -> None:
        from rater.analysis import rank

        for sample_id in broken_ids(ratings):
            self.exclude(sample_id)
        for r in ratings:
            if r.ids[0] in self._index and r.ids[1] in self._index:
                self._pair_up(self._index[r.ids[0]], self._index[r.ids[1]])
        added = 0
        for g in rank.games(ratings):
            if g.winner in self._index and g.loser in self._index:
                i, j = self._index[g.winner], self._index[g.loser]
                self._win.append(i)
                self._los.append(j)
                self._tie.append(g.tie)
                added += 1
                p = 1.0 / (1.0 + math.exp(self._scores[j] - self._scores[i]))
                self._diag[i] += p * (1 - p)  # until the next refit
                self._diag[j] += p * (1 - p)
        self._since += added
        if self._since >= self._refit_every and not self._defer:
            self._refit()

    def settle(self) -> None:
        """Refit now if decisions arrived since the last fit (with `defer_refit`)."""
        if self._since:
            self._refit()

    def _pair_up(self, i: int, j: int) -> None:
        if i != j and j not in self._partners[i]:
            self._partners[i].add(j)
            self._partners[j].add(i)
            self._count[i] += 1
            self._count[j] += 1

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

    def next_pair(self) -> Pair | None:
        import numpy as np

        n = len(self._samples)
        usable = self._ok & self._ready
        if int(usable.sum()) < 2:
            return None
        if self._since >= STALE_LIMIT:
            self._refit()
        var = 1.0 / self._diag
        if self._count[usable].min() < BALANCE_FIRST:
            # fewest comparisons first (ties: the most uncertain), so every sample keeps up
            order = np.lexsort((self._rng.random(n), -var, self._count))
        else:
            order = np.lexsort((self._rng.random(n), -_urgency(self._scores, var, usable)))
        # partner: nearest in a draw widened by WINDOW, so pairs are close (informative)
        # but not always the same neighbours (a local-only graph ranks far pairs badly); the
        # posterior part is capped at WINDOW^2, or an uncertain sample's draw lands far away
        # and its comparisons are foregone conclusions
        spread = np.sqrt(np.minimum(var, WINDOW**2) + WINDOW**2)
        draw = self._scores + spread * self._rng.standard_normal(n)
        for i in order:
            i = int(i)
            if not usable[i]:
                continue
            allowed = usable.copy()
            allowed[i] = False
            if self._partners[i]:
                allowed[list(self._partners[i])] = False
            if not allowed.any():
                continue
            gap = np.where(allowed, np.abs(draw - draw[i]), np.inf)
            j = int(np.argmin(gap))
            self._pair_up(i, j)
            a, b = self._samples[i], self._samples[j]
            if self._rng.random() < 0.5:
                a, b = b, a
            return Pair(a=a, b=b)
        return None


def _urgency(scores: np.ndarray, var: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """How much order one more comparison of each sample would settle: the usable samples
    scored within CROWD_BAND of it (per logit) times var^1.5 (see ActiveSource)."""
    import numpy as np

    usable = np.sort(scores[ok])
    crowd = np.searchsorted(usable, scores + CROWD_BAND) - np.searchsorted(
        usable, scores - CROWD_BAND
    )
    return crowd / (2 * CROWD_BAND) * var**1.5


def source(
    strategy: str,
    samples: Sequence[Sample],
    seed: int = 0,
    history: Sequence[Rating] = (),
    prefix_chars: int = 20,
    defer_refit: bool = False,
    wait_for_ready: bool = False,
) -> PairSource:
    """The registry of strategies by CLI name (`rater rate --pairing NAME`). Active only:
    `defer_refit` (the caller calls `settle()` when idle) and `wait_for_ready` (the caller
    calls `mark_ready(ids)` as samples are judged), see ActiveSource."""
    if strategy == "halves":
        return HalvesSource(samples, seed, history)
    if strategy == "active":
        return ActiveSource(
            samples, seed, history, defer_refit=defer_refit, wait_for_ready=wait_for_ready
        )
    if strategy == "ab":
        return _ScheduleSource(ab_pairs(samples, seed), history)
    if strategy == "prefix":
        return _ScheduleSource(prefix_pairs(samples, seed, prefix_chars), history)
    raise PairingError(f"unknown pairing strategy {strategy!r} (halves, active, ab, prefix)")


STRATEGIES = ("halves", "active", "ab", "prefix")

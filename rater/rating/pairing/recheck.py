"""Hidden re-checks: now and then a pair this rater already decided comes back, sides
swapped, looking like any other pair.

MUSHRA hides a reference among the stimuli to screen out unreliable listeners; here the
hidden item is the rater's own earlier decision. Whether the second answer agrees with the
first (the same sample wins, or both are ties) is the rater's self-agreement
(`rater.analysis.quality`). A re-check's record says which decision it repeats
(`"recheck_of"`); exports leave it out by default and ranks never count it.

`RecheckSource` wraps any pair source. Before each pair it flips a coin seeded from the
pairing seed (so a session is reproducible); on heads it re-asks an eligible decision
instead of taking the next pair: one this rater made (not an automatic rating, not itself
a re-check, never re-checked before), at least RECHECK_GAP decisions ago, whose samples
are still in the corpus and judged good. Every other call passes through to the wrapped
source, so its schedule, counts and resume are unchanged.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable, Iterable, Sequence

from rater.core import bpe
from rater.core.records import Pair, Rating, Sample, Verdict
from rater.core.rules import decisions
from rater.core.settings import RateSettings
from rater.rating.history import Choice, History, choice_of
from rater.rating.pairing.base import PairSource, Wrapper

RECHECK_GAP = 3  # decisions between a decision and its re-check, so it is not recognised
PICK_TRIES = 8  # random draws among due decisions before giving up until the next pair


class RecheckSource(Wrapper):
    """`inner`'s pairs, with re-checks of this rater's decisions mixed in at `rate`."""

    def __init__(
        self,
        inner: PairSource,
        samples: Sequence[Sample],
        history: History | Sequence[Rating],
        *,
        rater: str,
        rate: float,
        seed: int,
        usable: Callable[[str], bool] = lambda sample_id: True,
    ) -> None:
        super().__init__(inner)
        self.rater = rater
        self.rate = rate
        self.usable = usable  # sample judged and good: a broken one is never re-asked
        self._by_id = {s.id: s for s in samples}
        self._rng = random.Random(f"recheck {seed}")
        known = History.of(history)
        self._asked: set[str] = set(known.asked)
        self._seen = known.raters[rater]  # decisions of this rater so far (then this session)
        # (when, decision) of decisions that may be re-checked, oldest first
        self._pool: list[tuple[int, Choice]] = [
            (-RECHECK_GAP, c) for c in known.choices.get(rater, ()) if self._fits(c)
        ]

    # -- the candidates -------------------------------------------------------------------

    def _fits(self, c: Choice) -> bool:
        return c.decision not in self._asked and c.a in self._by_id and c.b in self._by_id

    def _add(self, ratings: Sequence[Rating]) -> None:
        for group in decisions(ratings):
            r = group[0]
            if r.rater != self.rater or r.broken:
                continue
            self._seen += 1
            choice = choice_of(r)
            if choice is not None and self._fits(choice):
                self._pool.append((self._seen, choice))

    def _pick(self) -> Pair | None:
        """A re-check, or None (the coin said no, or nothing is due). O(1) per call however
        long the history: it runs between a key press and the next pair."""
        due = bisect.bisect_right(self._pool, self._seen - RECHECK_GAP, key=lambda c: c[0])
        if not due or self._rng.random() >= self.rate:
            return None
        for _ in range(PICK_TRIES):  # samples not judged (good) yet wait for a later draw
            k = self._rng.randrange(due)
            _, c = self._pool[k]
            if self.usable(c.a) and self.usable(c.b):
                break
        else:
            return None
        del self._pool[k]
        self._asked.add(c.decision)
        query = bpe.decode(list(c.query)) if c.query else ""
        return Pair(
            a=self._by_id[c.b],
            b=self._by_id[c.a],
            query=query,
            swapped=not c.swapped,
            recheck_of=c.decision,
        )

    # -- PairSource -----------------------------------------------------------------------

    def next_pair(self) -> Pair | None:
        if self.rate > 0:
            pair = self._pick()
            if pair is not None:
                return pair
        return self.inner.next_pair()

    def record(self, ratings: Sequence[Rating]) -> None:
        self._add(ratings)
        self.inner.record(ratings)

    def forget(self, decision_ids: Iterable[str | None]) -> None:
        gone = list(decision_ids)
        self._pool = [c for c in self._pool if c[1].decision not in gone]
        self.inner.forget(gone)


def with_rechecks(
    source: PairSource,
    samples: Sequence[Sample],
    history: History | Sequence[Rating],
    settings: RateSettings,
    verdict_of: Callable[[str], Verdict | None],
) -> PairSource:
    """`source` with re-checks at `settings.recheck` (itself when that is 0): the rating
    session's pairs. Only pairs whose samples have a good verdict are re-asked, so a
    re-check is never auto-rated."""
    if settings.recheck <= 0:
        return source

    def usable(sample_id: str) -> bool:
        verdict = verdict_of(sample_id)
        return verdict is not None and verdict.ok

    return RecheckSource(
        source,
        samples,
        history,
        rater=settings.rater,
        rate=settings.recheck,
        seed=settings.pairing.seed,
        usable=usable,
    )

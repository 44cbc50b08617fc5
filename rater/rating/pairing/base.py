"""The pair-source protocol: what the rating loop may ask any pairing strategy.

Every capability is declared here with a default, so callers never probe for one: a fixed
schedule overrides `upcoming` and `remaining`; an adaptive strategy overrides `record`,
`mark_ready`, `waiting`, `estimate` and the idle work (`prepare` / `adopt`); a strategy
with a goal (`top`) says how far it is (`status`) and when it is there (`reached`, which
ends the sitting); the hidden re-checks (`recheck`) use `forget`; `next_pair` is the only
method every source writes.

Idle work (features, refits, choosing the next batch) is split so that it can run off the
owner's thread: `prepare` (owner's thread) takes a snapshot of what the work needs and
returns a job, a callable that reads only that snapshot; the job runs anywhere (the rating
screen runs it in a worker thread, so the pair on screen stays live); its result goes back
to `adopt` on the owner's thread. Until then the source keeps using its last result.
`settle` does all of it at once, for callers without a worker.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence

from rater.core.records import Pair, Rating

Job = Callable[[], object]


class PairSource(ABC):
    """What the rating loop asks for pairs."""

    @abstractmethod
    def next_pair(self) -> Pair | None:
        """The next pair to show, or None when there is nothing (more) to offer."""

    def record(self, ratings: Sequence[Rating]) -> None:
        """Feedback: decisions just written to the journal (adaptive strategies refit)."""
        return None

    def forget(self, decision_ids: Iterable[str | None]) -> None:
        """Feedback: these decisions (journal ids; None: unknown) were undone."""
        return None

    def exclude(self, sample_id: str) -> None:
        """A sample turned out broken and has its automatic record: never pair it again."""
        return None

    def upcoming(self, n: int) -> list[Pair]:
        """The next n pairs without consuming them, when they are known ahead (the renderer
        works ahead on these); [] from a strategy that decides pair by pair."""
        return []

    @property
    def remaining(self) -> int | None:
        """Pairs still to come, or None when that is open (an adaptive strategy can propose
        a pair for any two usable samples)."""
        return None

    @property
    def estimate(self) -> int | None:
        """Pairs still to come as a person would count them: `remaining` when that is known;
        an adaptive strategy's estimate (pairs until every usable sample has been compared
        once); None when nothing can be said."""
        return self.remaining

    @property
    def waiting(self) -> bool:
        """True when a None from `next_pair` means "not yet": samples are still being judged."""
        return False

    def mark_ready(self, sample_ids: Iterable[str]) -> None:
        """These samples are judged (a strategy may pair only judged samples)."""
        return None

    @property
    def status(self) -> str:
        """How far the strategy is towards its goal, for the status line ("top 10: 87%
        sure"); "" when it has none."""
        return ""

    @property
    def reached(self) -> bool:
        """The strategy's goal is reached (`--until`): the sitting ends by itself."""
        return False

    def prepare(self) -> Job | None:
        """The idle work as a job for any thread (see the module docstring), or None when
        there is nothing to do. The owner runs one job at a time and hands its result to
        `adopt` before it asks for the next."""
        return None

    def adopt(self, result: object) -> None:
        """Take in a finished job's result (on the owner's thread)."""
        return None

    def close(self) -> None:
        """The sitting is over: stop anything the idle work started (a child process)."""
        return None

    def settle(self) -> None:
        """All the idle work, now, on this thread: jobs until there is nothing left."""
        while (job := self.prepare()) is not None:
            self.adopt(job())


class Wrapper(PairSource):
    """A source in front of another (`inner`): every call goes to `inner` unless the
    wrapper overrides it (hidden re-checks, a team project's claims). A capability added to
    `PairSource` is passed on by adding it here, once: a wrapper that forgot to pass on the
    idle jobs kept a team project's `model` strategy from ever refitting."""

    def __init__(self, inner: PairSource) -> None:
        self.inner = inner

    def next_pair(self) -> Pair | None:
        return self.inner.next_pair()

    def record(self, ratings: Sequence[Rating]) -> None:
        self.inner.record(ratings)

    def forget(self, decision_ids: Iterable[str | None]) -> None:
        self.inner.forget(decision_ids)

    def exclude(self, sample_id: str) -> None:
        self.inner.exclude(sample_id)

    def upcoming(self, n: int) -> list[Pair]:
        return self.inner.upcoming(n)

    @property
    def remaining(self) -> int | None:
        return self.inner.remaining

    @property
    def estimate(self) -> int | None:
        return self.inner.estimate

    @property
    def waiting(self) -> bool:
        return self.inner.waiting

    def mark_ready(self, sample_ids: Iterable[str]) -> None:
        self.inner.mark_ready(sample_ids)

    @property
    def status(self) -> str:
        return self.inner.status

    @property
    def reached(self) -> bool:
        return self.inner.reached

    def prepare(self) -> Job | None:
        return self.inner.prepare()

    def adopt(self, result: object) -> None:
        self.inner.adopt(result)

    def close(self) -> None:
        self.inner.close()

    def settle(self) -> None:
        self.inner.settle()

"""The pair-source protocol: what the rating loop may ask any pairing strategy.

Every capability is declared here with a default, so callers never probe for one: a fixed
schedule overrides `upcoming` and `remaining`; an adaptive strategy overrides `record`,
`mark_ready`, `waiting` and `settle`; the hidden re-checks (`recheck`) use `forget`;
`next_pair` is the only method every source writes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence

from rater.core.records import Pair, Rating


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
    def waiting(self) -> bool:
        """True when a None from `next_pair` means "not yet": samples are still being judged."""
        return False

    def mark_ready(self, sample_ids: Iterable[str]) -> None:
        """These samples are judged (a strategy may pair only judged samples)."""
        return None

    def settle(self) -> None:
        """Idle-time work (a deferred refit); the owner calls it when nothing else waits."""
        return None

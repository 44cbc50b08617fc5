"""A rating `Session` on a team project: its pairs are leases, its journal is the server.

The session is the same loop as with a journal file (judging beside the person, broken
pairs auto-rated, undo, the `r` key); only its two ends change:

- `TeamSource` is its pair source: the next pair is the client's next lease. A lease the
  session was given and did not decide was skipped: it is set aside (kept leased, not shown
  again in this sitting, given back at exit), as a skipped pair of a journal waits for the
  next session.
- `ClaimingSource` is its pair source on a project whose pairs are chosen as the team
  rates (`active`, `model`, `top`): the strategy, fed every rater's decisions (the history and
  `news` of `TeamJournal`), proposes a pair and the client claims it on the server; a pair
  another rater holds or has decided is passed over for the strategy's next proposal. A
  slot still open in a pair someone else claimed (overlap above 1) is taken first.
- `TeamJournal` is its journal: `append` writes through the client (server, or the spool
  while offline), `undo` takes back one's own last decision, `news` brings the decisions
  of the other raters (the shared state an adaptive strategy reads).

`team_samples` is what the session judges: the samples of the project's open pairs, in
schedule order (the leases come from its front), so nothing local is needed to rate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rater.core.errors import JournalError, OfflineError
from rater.core.records import Pair, Rating, Sample
from rater.rating.history import History
from rater.rating.pairing.base import PairSource, Wrapper
from rater.rating.store.client import TeamClient
from rater.rating.store.team import TeamStore

OPEN_SAMPLES_LIMIT = 40_000  # samples judged ahead; more than a sitting of any team reaches
CLAIM_TRIES = 50  # an adaptive strategy's proposals tried before the session waits a moment


def team_samples(client: TeamClient, limit: int = OPEN_SAMPLES_LIMIT) -> list[Sample]:
    """The samples of the pairs still open (some slot undecided), in schedule order."""
    pairs = _online(client).open_pairs((limit + 1) // 2)
    return list({s.id: s for p in pairs for s in (p.a, p.b)}.values())


def all_samples(client: TeamClient, limit: int = OPEN_SAMPLES_LIMIT) -> list[Sample]:
    """The project's samples by number: what an adaptive strategy chooses pairs among."""
    return _online(client).all_samples(limit)


def _online(client: TeamClient) -> TeamStore:
    if client.store is None:
        raise OfflineError(f"team server unreachable: {client.offline_reason}")
    return client.store


def _set_aside_given(client: TeamClient, given: set[int]) -> None:
    """Leases handed to the session and still held were skipped: set them aside."""
    for lease in [h for h in client.held if h.pair in given]:
        client.set_aside(lease)


class TeamSource(PairSource):
    """Pairs as the client leases them (see the module docstring)."""

    def __init__(self, client: TeamClient) -> None:
        self.client = client
        self._given: set[int] = set()  # lease numbers handed to the session

    def next_pair(self) -> Pair | None:
        _set_aside_given(self.client, self._given)
        pair = self.client.next_pair()
        if pair is not None:
            self._given.add(self.client.held[0].pair)
        return pair

    def upcoming(self, n: int) -> list[Pair]:
        self.client.next_pair()  # tops the leases up
        return [h.shown for h in self.client.held[:n]]

    @property
    def waiting(self) -> bool:
        """Nothing leased now, yet the project is not done (others hold the last pairs, or
        the server is away): the screen waits and asks again."""
        progress = self.client.progress()
        return progress is None or progress.done < progress.total or not self.client.online


class ClaimingSource(Wrapper):
    """An adaptive strategy's pairs, claimed on the server (see the module docstring)."""

    def __init__(self, inner: PairSource, client: TeamClient) -> None:
        super().__init__(inner)
        self.client = client
        self._given: set[int] = set()

    def next_pair(self) -> Pair | None:
        _set_aside_given(self.client, self._given)
        pair = self.client.next_pair()  # a slot still open in a pair someone else claimed
        if pair is not None:
            self._given.add(self.client.held[0].pair)
            return pair
        for _ in range(CLAIM_TRIES):
            pair = self.inner.next_pair()
            if pair is None:
                return None
            lease = self.client.claim(pair)
            if lease is not None:
                self._given.add(lease.pair)
                return pair
            if not self.client.online:
                return None
        return None

    def upcoming(self, n: int) -> list[Pair]:
        return []  # the pairs are claimed as they come, never known ahead

    @property
    def remaining(self) -> int | None:
        return None

    @property
    def estimate(self) -> int | None:
        return None  # the team line says how far the project is

    @property
    def waiting(self) -> bool:
        return self.inner.waiting or not self.client.online


class TeamJournal:
    """The journal methods a `Session` calls, over a `TeamClient`."""

    def __init__(self, client: TeamClient) -> None:
        self.client = client

    def follow(self) -> list[Rating]:
        """Every decision of the project so far (without tokens): the session's history."""
        return self.client.read()

    def history(self) -> History:
        """What the project's decisions so far tell a session (`rating.history`)."""
        return History.of(self.client.read())

    def news(self) -> list[Rating]:
        """Decisions written since the last look (other raters'; one's own are skipped)."""
        return [r for r in self.client.news() if r.rater != self.client.rater]

    def is_decided(self, ids: Iterable[str]) -> bool:
        return False  # a lease is never a pair decided by K raters already

    def append(self, ratings: Sequence[Rating], *, unless_decided: bool = False) -> list[Rating]:
        return self.client.decide(ratings)

    def append_many(
        self, decisions: Sequence[Sequence[Rating]], *, unless_decided: bool = False
    ) -> list[list[Rating]]:
        return [self.client.decide(d) for d in decisions if d]

    def last_decision(self) -> list[Rating]:
        return self.client.last_decision()

    def undo(self, expect_decision: str | None = None) -> list[Rating]:
        try:
            return self.client.undo(expect_decision)
        except OfflineError as exc:
            raise JournalError(str(exc)) from exc

"""A rating `Session` on a team project: its pairs are leases, its journal is the server.

The session is the same loop as with a journal file (judging beside the person, broken
pairs auto-rated, undo, the `r` key); only its two ends change:

- `TeamSource` is its pair source: the next pair is the client's next lease. A lease the
  session was given and did not decide was skipped: it is set aside (kept leased, not shown
  again in this sitting, given back at exit), as a skipped pair of a journal waits for the
  next session.
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
from rater.rating.pairing.base import PairSource
from rater.rating.store.client import TeamClient
from rater.rating.store.connect import guarded

OPEN_SAMPLES_LIMIT = 40_000  # samples judged ahead; more than a sitting of any team reaches


def team_samples(client: TeamClient, limit: int = OPEN_SAMPLES_LIMIT) -> list[Sample]:
    """The samples of the pairs still open (some slot undecided), in schedule order."""
    store = client.store
    if store is None:
        raise OfflineError(f"team server unreachable: {client.offline_reason}")
    with guarded():
        rows = store.conn.execute(
            "SELECT p.a, p.b FROM pairs p WHERE p.project = %s AND EXISTS ("
            " SELECT FROM slots s WHERE s.project = p.project AND s.pair = p.pair"
            " AND s.decision IS NULL) ORDER BY p.pair LIMIT %s",
            (store.project.id, (limit + 1) // 2),
        ).fetchall()
    ids = list(dict.fromkeys(i for row in rows for i in row))
    found = store.samples(ids)
    return [found[i] for i in ids if i in found]


class TeamSource(PairSource):
    """Pairs as the client leases them (see the module docstring)."""

    def __init__(self, client: TeamClient) -> None:
        self.client = client
        self._given: set[int] = set()  # lease numbers handed to the session

    def next_pair(self) -> Pair | None:
        for lease in [h for h in self.client.held if h.pair in self._given]:
            self.client.set_aside(lease)  # handed out and not decided: skipped
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


class TeamJournal:
    """The journal methods a `Session` calls, over a `TeamClient`."""

    def __init__(self, client: TeamClient) -> None:
        self.client = client
        self._seen = 0  # the last server sequence number read

    def follow(self) -> list[Rating]:
        """Every decision of the project so far (without tokens): the session's history."""
        return self._read()

    def news(self) -> list[Rating]:
        """Decisions written since the last look (other raters'; one's own are skipped)."""
        return [r for r in self._read() if r.rater != self.client.rater]

    def _read(self) -> list[Rating]:
        store = self.client.store
        if store is None:
            return []
        out: list[Rating] = []
        try:
            for seq, records in store.records(self._seen):
                self._seen = seq
                out.extend(_head(r) for r in records)
        except OfflineError:
            return out  # the client notices on its next write; news waits till then
        return out

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


def _head(record: Rating) -> Rating:
    """A record as `Journal.follow` gives it: no token ids, no texts."""
    from dataclasses import replace

    return replace(record, query=[], sample0=[], sample1=[], texts=("", ""))

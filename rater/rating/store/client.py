"""A rater's link to the team server that loses nothing when the server goes away.

The client holds the pair on screen and up to `ahead` more leased, so rating goes on for
pairs already leased while the server is unreachable. A decision goes to the server under
its client-made id; when the server cannot be reached it goes to the spool instead, a
local journal file (`Journal`: one write + fsync per decision, a torn tail set aside), and
the screen says "offline: N decisions waiting". Every call while offline tries the server
again once `retry_seconds` have passed; when it answers, the spool is replayed in order
(idempotent by id: a replay cut short is simply replayed again) and then emptied.

Undo takes back one's own last decision wherever it is: from the spool while it waits
there, else on the server; the pair comes back to the front.

Every call here waits for the server (the command line's and the tests' client); the
rating screen's, `screen_client.ScreenClient`, sends and leases on threads instead. The
spool is emptied only if nothing came meanwhile, so a decision added while it is replayed
is never cut unsent (exactly once: the server keys on the decision id).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rater.core.errors import OfflineError
from rater.core.records import Pair, Rating
from rater.core.rules import iter_decisions
from rater.core.settings import TeamSettings
from rater.core.words import counted
from rater.rating.journal import Journal, with_decision
from rater.rating.store.connect import connect
from rater.rating.store.team import Lease, Progress, TeamStore, Written


class TeamClient:
    """One rater on one project (see the module docstring); one caller at a time."""

    def __init__(
        self,
        url: str,
        project: str,
        rater: str,
        spool: str | os.PathLike[str],
        settings: TeamSettings = TeamSettings(),
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.project_name = project
        self.rater = rater
        self.settings = settings
        self.clock = clock
        self.spool = Journal(spool)
        self.held: list[Lease] = []  # leased pairs, the one on screen first
        self.aside: list[Lease] = []  # leased and skipped
        self._decided: list[tuple[str, Lease | None]] = []  # (decision id, its lease)
        self._last_try = -float("inf")
        self._renewed = clock()  # when the held leases' deadlines were last pushed
        self._progress: Progress | None = None
        self.offline_reason = ""
        self._pending: dict[str, int] = {}  # decision id -> its pair: spooled, not yet sent
        self._seen = 0  # the last server sequence number of the decisions read
        self._following = False  # `read` was called: what came since is news
        self._round = threading.RLock()  # a round of network work (and undo): one at a time
        self.store: TeamStore | None = None
        self.store = self._open()  # the first connection must work: samples live there
        self.rater = self.store.rater  # "" became the login role's name
        self.replay()

    # -- the connection ------------------------------------------------------------------

    def _open(self) -> TeamStore:
        conn = connect(self.url, self.settings)
        return TeamStore(conn, self.project_name, self.rater)

    @property
    def online(self) -> bool:
        return self.store is not None

    def _lost(self, exc: OfflineError) -> None:
        self.offline_reason = str(exc)
        if self.store is not None:
            close_quietly(self.store.conn)
        self.store = None
        self._last_try = self.clock()

    def _reach(self) -> TeamStore | None:
        """The store, reconnecting (and replaying the spool) when it is time to try."""
        if self.store is not None:
            return self.store
        fresh = self._reconnect()
        if fresh is None:
            return None
        self.store, self.offline_reason = fresh, ""
        self._reconnected()
        return self.store

    def _reconnect(self) -> TeamStore | None:
        """A new connection, tried here once `retry_seconds` have passed; else None."""
        if self.clock() - self._last_try < self.settings.retry_seconds:
            return None
        self._last_try = self.clock()
        try:
            return self._open()
        except OfflineError as exc:
            self.offline_reason = str(exc)
            return None

    def _reconnected(self) -> None:
        self.replay()

    def replay(self) -> int:
        """Send every spooled decision (in order; those already there are no-ops), then
        empty the spool. Returns how many were sent; stops quietly when offline again."""
        store = self.store
        if store is None or self.spool_empty():
            return 0
        with self._round:
            try:
                return self._flush(store)
            except OfflineError as exc:
                self._lost(exc)
                return 0

    def _flush(self, store: TeamStore) -> int:
        """Send what the spool holds, in order, then empty it unless decisions were added
        meanwhile (those are sent too, and it is tried again): nothing is cut that was not
        sent. Returns how many were sent."""
        sent: set[str] = set()
        while not self.spool_empty():
            size = self.spool.path.stat().st_size
            for records in list(iter_decisions(self.spool.iter_records())):
                did = str(records[0].extra.get("decision"))
                if did not in sent:
                    store.decide(records)
                    sent.add(did)
            if _empty(self.spool.path, size):
                break
        for did in sent:
            self._pending.pop(did, None)
        return len(sent)

    def waiting(self) -> int:
        """Decisions in the spool, not yet on the server."""
        return sum(1 for _ in iter_decisions(self.spool.iter_records(tokens=False, texts=False)))

    # -- pairs ---------------------------------------------------------------------------

    def next_pair(self) -> Pair | None:
        """The pair to show (the first held lease), topping the leases up when online;
        None when nothing is held and nothing could be leased."""
        store = self._reach()
        if store is not None:
            try:
                self._top_up(store)
            except OfflineError as exc:
                self._lost(exc)
        return self.held[0].shown if self.held else None

    def _top_up(self, store: TeamStore) -> None:
        """Lease until `ahead` pairs are held beyond the one on screen; a pair decided and
        not yet sent is not this rater's to lease again."""
        while len(self.held) < 1 + self.settings.ahead:
            fresh = store.lease([h.pair for h in self.held] + list(self._pending.values()))
            if fresh is None:
                break
            if not self.held:
                self._renewed = self.clock()
            self.held.append(fresh)

    def claim(self, pair: Pair) -> Lease | None:
        """Lease this pair (an adaptive strategy's choice); None if it has no slot left
        for this rater, or the server is away."""
        store = self._reach()
        if store is None:
            return None
        try:
            lease = store.claim(pair)
        except OfflineError as exc:
            self._lost(exc)
            return None
        if lease is not None:
            self.held.append(lease)
        return lease

    def set_aside(self, lease: Lease) -> None:
        """A pair skipped: kept leased (not handed out again in this sitting), given back
        at `close` (a skipped pair of a journal waits for the next session, too)."""
        if lease in self.held:
            self.held.remove(lease)
            self.aside.append(lease)

    def close(self) -> None:
        """Give back every lease still held (best effort) and close the connection."""
        store = self.store
        if store is not None:
            try:
                for lease in self.held + self.aside:
                    store.release(lease.pair)
            except OfflineError:
                pass  # they expire on the server by themselves
            close_quietly(store.conn)
        self.held, self.aside = [], []
        self.store = None

    # -- decisions -----------------------------------------------------------------------

    def decide(self, records: Sequence[Rating]) -> list[Rating]:
        """Write a decision of the pair on screen (server, else spool); returns its records
        with their id, or [] for an automatic record the server already had for this pair
        (another rater's; as `Journal.append(unless_decided=True)`). The pair's lease is
        done with either way."""
        written = with_decision(records)
        did = str(written[0].extra["decision"])
        lease = self._take(written[0].ids, did)
        store = self._reach()
        if store is not None and not self.spool_empty():
            self.replay()  # in order: what waits goes first
            store = self.store if self.spool_empty() else None
        if store is not None:
            try:
                if store.decide(written) == Written.SUPERSEDED:
                    self._pending.pop(did, None)
                    return []
                self._pending.pop(did, None)
                self._renew(store)
            except OfflineError as exc:
                self._lost(exc)
                self.spool.append(written)
        else:
            self.spool.append(written)
        self._decided.append((did, lease))
        return written

    def _renew(self, store: TeamStore) -> None:
        """Push the held leases' deadlines once half the lease time has gone by (a rater
        who keeps deciding keeps its pairs; one request per half lease, not per key)."""
        half = store.project.lease_seconds / 2
        if self.held and self.clock() - self._renewed >= half:
            store.renew(h.pair for h in self.held)
            self._renewed = self.clock()

    def _take(self, ids: Sequence[str], did: str) -> Lease | None:
        """The lease of the pair decided (`did`), out of `held`: pending first, so the
        courier never leases it again while the decision is on its way."""
        key = frozenset(ids)
        for lease in list(self.held):
            if frozenset((lease.shown.a.id, lease.shown.b.id)) == key:
                self._pending[did] = lease.pair
                self.held.remove(lease)
                return lease
        return None

    def append(self, records: Sequence[Rating]) -> list[Rating]:
        """`decide` under the `DecisionStore` name the file journal has."""
        return self.decide(records)

    def last_decision(self) -> list[Rating]:
        """This rater's last decision: the spool's while it waits there, else the server's."""
        if not self.spool_empty():
            return self.spool.last_decision()
        store = self._reach()
        return store.last_decision() if store is not None else []

    def spool_empty(self) -> bool:
        return not self.spool.path.exists() or self.spool.path.stat().st_size == 0

    def undo(self, expect_decision: str | None = None) -> list[Rating]:
        """Take back this rater's last decision (only if it is `expect_decision`, when
        given): from the spool while it waits there, else on the server; its pair comes
        back to the front. [] when there is none."""
        with self._round:  # not while the courier sends: the decision may be on its way
            return self._undo(expect_decision)

    def _undo(self, expect_decision: str | None) -> list[Rating]:
        did, lease = self._decided[-1] if self._decided else (None, None)
        if not self.spool_empty():
            removed = self.spool.undo(expect_decision=expect_decision or did)
            if removed:
                self._pending.pop(str(removed[0].extra.get("decision")), None)
        else:
            store = self._reach()
            if store is None:
                raise OfflineError(f"cannot undo while offline: {self.offline_reason}")
            try:
                removed = store.undo(expect_decision=expect_decision or did)
            except OfflineError as exc:
                self._lost(exc)
                raise
        if removed and self._decided and removed[0].extra.get("decision") == did:
            self._decided.pop()
            if lease is not None:
                self.held.insert(0, lease)
        return removed

    # -- the screen's lines --------------------------------------------------------------

    def progress(self) -> Progress | None:
        """The team's progress (the last known while offline)."""
        store = self._reach()
        if store is not None:
            try:
                self._progress = store.progress()
            except OfflineError as exc:
                self._lost(exc)
        return self._progress

    def status(self) -> str:
        """ "team: 4 raters, 1,210/3,000 pairs", and while offline the spool's count. The
        screen asks every second, so this is also where a screen's client notices that
        the server is back (and replays its spool) while a pair is on screen, and keeps
        its leases alive while a person looks at one pair for long."""
        store = self.store
        if store is not None:
            try:
                self._renew(store)
            except OfflineError as exc:
                self._lost(exc)
        return self._line()

    def _line(self) -> str:
        progress = self.progress()
        parts = [progress.line()] if progress else []
        if not self.online:
            parts.append(f"offline: {counted(self.waiting(), 'decision')} waiting")
        return " · ".join(parts)

    # -- the other raters' decisions -----------------------------------------------------

    def read(self) -> list[Rating]:
        """The decisions (without tokens) written since the last look, every rater's; []
        while offline. The first call reads them all: the history `news` goes on from."""
        store = self.store
        with self._round:
            self._following = True
            return self._read(store) if store is not None else []

    def news(self) -> list[Rating]:
        """Decisions written since the last look (what `read` gives here)."""
        return self.read()

    def _read(self, store: TeamStore) -> list[Rating]:
        out: list[Rating] = []
        try:
            for seq, records in store.records(self._seen):
                self._seen = seq
                out.extend(r.head() for r in records)
        except OfflineError:
            return out  # noticed on the next write; the rest is read then
        return out


def close_quietly(conn: Any) -> None:
    conn.close()  # psycopg closes a dead connection without raising


def _empty(path: Path, size: int) -> bool:
    """Cut the spool to nothing, durably, under the journal's own lock, if it is still
    `size` bytes long (else a decision came meanwhile: False, nothing cut)."""
    fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.fstat(fd).st_size != size:
            return False
        os.ftruncate(fd, 0)
        os.fsync(fd)
        return True
    finally:
        os.close(fd)

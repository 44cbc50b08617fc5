"""The rating screen's link to the team server: a `TeamClient` whose calls never wait for
the network on a key.

A decision goes to the spool (a local write + fsync) and returns; the `Courier` thread sends
it (`TeamClient.replay`'s rule: in order, the spool emptied only if nothing came meanwhile,
exactly once by decision id), then leases the next pairs ahead of the person (a pair on its
way to the server is not leased again), pushes the held leases' deadlines and reads the
other raters' decisions for `news`. Reconnecting and counting the team's progress run on
threads of their own (`background`). A request still out `statement_timeout +
connect_timeout` seconds after it was sent (a server that stopped answering: its own
statement timeout cannot end that) has its connection cut, so the client goes offline and
rates on from its spool; TCP keepalives notice a network gone silent (`connect.connect`).

Still waiting on the server: `undo` (it takes the decision back where it is, after a round
of the courier in flight) and `claim` (an adaptive project's chosen pair); an automatic
record the server already had for its pair (another rater's) is not written there, though
the screen counted it.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from typing import Any

from rater.core.errors import OfflineError
from rater.core.records import Pair, Rating
from rater.rating.journal import with_decision
from rater.rating.store.background import Courier, ProgressWatch, Reconnector
from rater.rating.store.client import TeamClient, close_quietly
from rater.rating.store.team import Progress, TeamStore

PROGRESS_SECONDS = 5.0  # how often the screen's client counts the team's progress


class ScreenClient(TeamClient):
    """`TeamClient` for the rating screen (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._news: list[Rating] = []  # decisions the courier read, not yet taken
        self._progress_store: TeamStore | None = None
        self._reconnector = Reconnector(self._open, self.settings.retry_seconds)
        self._watch = ProgressWatch(self._read_progress, PROGRESS_SECONDS)
        super().next_pair()  # the first pairs, before the screen shows
        self._courier = Courier(self._round_of_work, self.settings.retry_seconds)

    # -- the threads' work ---------------------------------------------------------------

    def _round_of_work(self) -> None:
        """The network work, on the courier's thread: what the spool holds goes first,
        then the leases, their deadlines and the other raters' decisions."""
        store = self.store
        if store is None:
            return
        with self._round:
            try:
                self._flush(store)
                self._top_up(store)
                self._renew(store)
                if self._following:
                    self._news.extend(self._read(store))
            except OfflineError as exc:
                self._lost(exc)

    def _read_progress(self) -> Progress:
        if self._progress_store is None:
            self._progress_store = self._open()
        try:
            return self._progress_store.progress()
        except OfflineError:
            close_quietly(self._progress_store.conn)
            self._progress_store = None
            raise

    def _reconnect(self) -> TeamStore | None:
        fresh = self._reconnector.take()
        if fresh is None:
            self.offline_reason = self._reconnector.reason or self.offline_reason
        return fresh

    def _reconnected(self) -> None:
        self._courier.wake()  # it replays the spool first

    # -- the screen's calls --------------------------------------------------------------

    def next_pair(self) -> Pair | None:
        self._reach()
        if len(self.held) < 1 + self.settings.ahead:
            self._courier.wake()  # the screen asks again; the lease comes meanwhile
        return self.held[0].shown if self.held else None

    def decide(self, records: Sequence[Rating]) -> list[Rating]:
        """Spool the decision (sent by the courier) and return its records with their id."""
        written = with_decision(records)
        did = str(written[0].extra["decision"])
        lease = self._take(written[0].ids, did)
        self.spool.append(written)
        self._decided.append((did, lease))
        self._courier.wake()
        return written

    def news(self) -> list[Rating]:
        taken, self._news = self._news, []
        return taken

    def progress(self) -> Progress | None:
        return self._watch.value

    def status(self) -> str:
        """The team line (see `TeamClient.status`); also where a request the server stopped
        answering is cut, and the courier's failure said."""
        self._reach()
        limit = self.settings.statement_timeout + self.settings.connect_timeout
        store = self.store
        if store is not None and self._courier.busy_for() > limit:
            self.offline_reason = f"team server silent for over {limit:g} s"
            _hang_up(store.conn)
        line = self._line()
        failure = self._courier.failure
        return f"{line} · not sent ({failure})" if failure else line

    def close(self) -> None:
        """Stop the threads, send what the spool holds (when the server answers), give the
        leases back and close the connections."""
        self._reconnector.stop()
        self._watch.stop()
        if self._progress_store is not None:
            close_quietly(self._progress_store.conn)
        if not self._courier.stop(self.settings.statement_timeout):
            self.store = None  # its round hangs on a silent server: the spool waits for it
        self.replay()
        super().close()


def _hang_up(conn: Any) -> None:
    """Shut the connection's socket down (the fd stays psycopg's): a request waiting on it
    returns at once with the connection lost."""
    try:
        sock = socket.socket(fileno=os.dup(conn.pgconn.socket))
    except (OSError, ValueError):  # closed already
        return
    with sock:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # not connected any more: nothing to cut

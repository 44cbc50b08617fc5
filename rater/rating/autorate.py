"""The `r` key, "stop and auto-rate the rest": the same rule as `rater autorate`.

Every remaining pair with a broken sample gets its automatic record; pairs of two good samples
are left for a person (nothing may invent a human preference) and counted. Pairs are pulled
from the pair source one at a time with the same logic as the per-pair auto-rating in
`Session.advance`: a broken sample is excluded as soon as it is found, so strategies that
pair a sample with many partners (ab, prefix, active) give it one automatic record, not one
per scheduled partner. The records go to the journal in one write + fsync at the end.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rater.core.records import Pair, Rating

if TYPE_CHECKING:
    from rater.rating.session import Session


@dataclass(frozen=True)
class AutorateSummary:
    auto: int  # pairs auto-rated now
    left: int  # pairs of two good samples left for a person


def autorate_rest(
    session: Session,
    stop: threading.Event | None = None,
    progress: Callable[[int, int], object] | None = None,
) -> AutorateSummary:
    """Wait for every render, then auto-rate the remaining pairs that have a broken sample.

    Blocking (it waits for the renderer): run it off the UI thread. Returns early, writing
    nothing, when `stop` is set. A failed write raises JournalError with nothing written.
    """
    from rater.rating import outcome

    total = len(session.order)
    while not session.judging_done.wait(0.1):
        if progress is not None:
            progress(len(session.judged), total)
        if stop is not None and stop.is_set():
            return AutorateSummary(0, 0)
    pending = ([session.current] if session.current is not None else []) + list(session._queue)
    decisions: list[list[Rating]] = []
    left = 0
    for pair in _rest_pairs(session, pending, stop):
        ja, jb = session.judged_of(pair.a.id), session.judged_of(pair.b.id)
        if ja is None or jb is None:
            left += 1  # the renderer stopped early (error); nothing known about it
            continue
        ratings = outcome.auto_decide(pair, ja.verdict, jb.verdict, session.rater)
        if not ratings:
            left += 1
            continue
        for j in (ja, jb):
            if not j.verdict.ok:
                session.exclude(j.sample.id)
        decisions.append(ratings)
    if stop is not None and stop.is_set():
        return AutorateSummary(0, 0)
    if decisions:
        for written in session.journal.append_many(decisions):
            session.source.record(written)
    session.current = None
    session._queue.clear()
    session.auto += len(decisions)
    session.state = "done"
    return AutorateSummary(len(decisions), left)


def _rest_pairs(
    session: Session, pending: list[Pair], stop: threading.Event | None
) -> Iterator[Pair]:
    """The pairs still to come: those already taken from the source, then the source's own.

    A fixed schedule ends by itself. An adaptive source (no `remaining`) can propose a pair
    for every two usable samples, so it is asked for one round (n/2 pairs) and then only
    while some broken sample has not had its automatic record yet."""
    yield from pending
    source = session.source
    bounded = not hasattr(source, "remaining")
    limit = len(session.samples) // 2
    broken = {sid for sid in session.by_id if (j := session.judged_of(sid)) and not j.verdict.ok}
    pulled = 0
    while not (stop is not None and stop.is_set()):
        if bounded and pulled >= limit and not (broken - session.excluded):
            return
        pair = source.next_pair()
        if pair is None:
            return
        pulled += 1
        yield pair

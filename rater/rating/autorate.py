"""The `r` key, "stop and auto-rate the rest": the same rule as `rater autorate`.

Every remaining pair with a broken sample gets its automatic record; pairs of two good samples
are left for a person (nothing may invent a human preference) and counted. Pairs are pulled
from the pair source one at a time and go through `outcome.auto_rate_pairs`, the rule the
session applies pair by pair: a broken sample is excluded as soon as it is found, so
strategies that pair a sample with many partners (ab, prefix, active) give it one automatic
record, not one per scheduled partner. The records go to the journal in one write + fsync at
the end (`Session.end_with_auto`).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator

from rater.core.records import Pair
from rater.rating.outcome import AutorateSummary, auto_rate_pairs
from rater.rating.session import Session


def autorate_rest(
    session: Session,
    stop: threading.Event | None = None,
    progress: Callable[[int, int], object] | None = None,
) -> AutorateSummary:
    """Wait for every render, then auto-rate the remaining pairs that have a broken sample.

    Blocking (it waits for the renderer): run it off the UI thread. Returns early, writing
    nothing, when `stop` is set. A failed write raises JournalError with nothing written.
    """
    total = len(session.order)
    while not session.judging_done.wait(0.1):
        if progress is not None:
            progress(session.judging.count(), total)
        if stop is not None and stop.is_set():
            return AutorateSummary(0, 0)
    # A hidden re-check repeats a decided pair of two good samples: nothing to auto-rate.
    pending = itertools.chain(session.pending(), _source_rest(session, stop))
    pairs = (p for p in pending if not p.recheck_of)
    decisions, summary = auto_rate_pairs(
        pairs, session.verdict_of, session.rater, session.exclude, extra=session.record_fields()
    )
    if stop is not None and stop.is_set():
        return AutorateSummary(0, 0)
    written = session.end_with_auto(decisions)  # less if another process decided some
    both = sum(len(d) == 2 for d in written)
    return AutorateSummary(auto=len(written), left=summary.left, both_broken=both)


def _source_rest(session: Session, stop: threading.Event | None) -> Iterator[Pair]:
    """The pairs the source still has. A fixed schedule ends by itself. An adaptive source
    (`remaining` is None) can propose a pair for every two usable samples, so it is asked
    for one round (n/2 pairs) and then only while some broken sample has not had its
    automatic record yet."""
    source = session.source
    bounded = source.remaining is None
    limit = len(session.samples) // 2
    broken = session.judging.broken()
    pulled = 0
    while not (stop is not None and stop.is_set()):
        if bounded and pulled >= limit and not (broken - session.excluded):
            return
        pair = source.next_pair()
        if pair is None:
            return
        pulled += 1
        yield pair

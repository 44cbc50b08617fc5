"""One rating session, without a screen: pairs in, decisions to the journal, counters out.

The Textual app only turns keys into calls on `Session` and draws what it reports, so the
rules that matter for the data (every decision on disk before the next pair appears; broken
pairs auto-rated and never shown; undo takes back exactly the last decision; resume skips
decided pairs) live here and are tested without a terminal.

Rendering runs beside the person (`rater.rating.judging`): `advance` never waits for it, it
says WAITING and the caller asks again when another sample is judged (`Judging.listen`).

Undo takes back the last decision a *person* made, together with the auto-ratings written
after it (they are redone when their pairs come up again), so `u` never just re-creates
an automatic record. Skips write nothing: a skipped pair comes back in the next session.

"Stop and auto-rate the rest" is `rater.rating.autorate.autorate_rest`, which uses the
public methods below (`pending`, `exclude`, `verdict_of`, `end_with_auto`).

Other processes may write the journal too (`rater autorate`, other raters; the same rater
twice is refused by `rating.session_lock`): before it auto-rates or shows a pair the session
reads what they appended (`Journal.news`), so a pair decided elsewhere is skipped, and an
automatic record is written only if its pair is undecided under the journal's lock.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from rater.core import bpe
from rater.core.errors import JournalError, RaterError, SettingsError
from rater.core.records import Judged, Pair, Rating, Sample, Verdict
from rater.core.rules import broken_ids, recheck_of
from rater.core.settings import RateSettings
from rater.rating import outcome, pairing
from rater.rating.journal import Journal
from rater.rating.judging import JudgeFn, Judging, Listener, pair_order
from rater.rating.pairing.base import PairSource
from rater.rating.pairing.recheck import with_rechecks

if TYPE_CHECKING:
    from rater.rating.store.team_session import TeamJournal

Clock = Callable[[], float]
PREFETCH_PAIRS = 3  # pairs rendered in this process while the pool starts


class State(StrEnum):
    """Where the session is: a pair on screen, waiting for renders, or nothing left."""

    SHOWING = "showing"
    WAITING = "waiting"
    DONE = "done"


@dataclass(frozen=True)
class Counters:
    """What the status line shows; `remaining` includes the pair on screen."""

    rated: int
    auto: int
    skipped: int
    remaining: int | None
    elapsed: float
    judged: int
    total: int

    @property
    def per_hour(self) -> float:
        return self.rated * 3600.0 / self.elapsed if self.elapsed >= 1.0 else 0.0


class AutoRateError(JournalError):
    """The automatic record of a pair with a broken sample could not be written.

    Distinct from a failed human decision: when it follows `decide`, the person's rating IS
    on disk, and the screen must say so rather than "rating NOT saved"."""


@dataclass
class _Entry:
    pair: Pair
    auto: bool
    decision: str | None = None  # the journal's id for the lines this session wrote


class Session:
    """The state of one sitting: the pair on screen, the queue, the journal, the counters.

    Methods that change state (`advance`, `decide`, `skip`, `undo`, `end_with_auto`) are
    called from one thread at a time (the UI's, or the auto-rating worker while the UI
    waits); judging runs on other threads and only adds results.
    """

    def __init__(
        self,
        samples: Sequence[Sample],
        journal: Journal | TeamJournal,
        settings: RateSettings,
        *,
        judge: JudgeFn | None = None,
        clock: Clock = time.monotonic,
        defer_refit: bool = False,
        wrap_source: Callable[[PairSource], PairSource] | None = None,
    ) -> None:
        """`wrap_source`: the pairs come through this (a team project's leases or claims,
        `rating.store.team_session`) instead of straight from `settings.pairing`'s
        strategy."""
        self.samples = list(samples)
        self.by_id = {s.id: s for s in self.samples}
        self.journal = journal
        self.settings = settings
        self.rater = settings.rater
        self.clock = clock
        self.started = clock()
        history = journal.follow()  # records without tokens or texts: ids, outcome, reasons
        self.resumed = len(history)
        # Samples that already have their automatic record.
        self.excluded: set[str] = broken_ids(history)
        try:
            self.source = pairing.source(
                settings.pairing,
                self.samples,
                history,
                defer_refit=defer_refit,
                wait_for_ready=True,  # pair what is judged, not what the renders reach last
                render=settings.render,  # the `model` strategy reads the clips played
            )
        except RaterError as exc:  # an unusable strategy for these samples: the user's to fix
            if exc.field:
                raise
            strategy = settings.pairing.strategy
            raise SettingsError(f"{{field}} {strategy}: {exc}", field="strategy") from exc
        if wrap_source is not None:
            self.source = wrap_source(self.source)
        # hidden re-checks of this rater's decisions (only of samples judged good here)
        self.source = with_rechecks(self.source, self.samples, history, settings, self.verdict_of)
        self.order = pair_order(self.samples, self.source)
        self.judging = Judging(self.order, settings.render, settings.checks, judge)
        self._all_ready = False  # every sample was handed to the source as judged
        self.current: Pair | None = None
        self.state = State.WAITING
        self._queue: deque[Pair] = deque()
        self._log: list[_Entry] = []
        self.rated = self.auto = self.skipped = 0
        self.elsewhere = 0  # pairs that other processes decided while this session ran

    # -- background judging (see rater.rating.judging) ----------------------------------

    @property
    def judged(self) -> dict[str, Judged]:
        return self.judging.judged

    @property
    def judging_done(self) -> threading.Event:
        return self.judging.done

    def run_judging(
        self, stop: threading.Event | None = None, on_judged: Listener | None = None
    ) -> None:
        """Blocking: judge every sample, announcing each to `on_judged` (if given)."""
        if on_judged is not None:
            self.judging.listen(on_judged)
        self.judging.run(stop, first=self.source.upcoming(PREFETCH_PAIRS))

    def start_judging(self) -> threading.Thread:
        """`run_judging` on a daemon thread, for callers without a worker framework."""
        return self.judging.start(first=self.source.upcoming(PREFETCH_PAIRS))

    def prefetch_first(self) -> None:
        """Start rendering the first pairs in this process now (once), while the pool starts."""
        self.judging.prefetch(self.source.upcoming(PREFETCH_PAIRS))

    def judged_of(self, sample_id: str) -> Judged | None:
        return self.judging.judged_of(sample_id)

    def verdict_of(self, sample_id: str) -> Verdict | None:
        return self.judging.verdict_of(sample_id)

    # -- moving through pairs -------------------------------------------------------------

    def advance(self) -> State:
        """Move to the next pair a person must see; auto-rate broken pairs on the way.

        Returns SHOWING (self.current is set), WAITING (the next pair is not judged yet; call
        again when a sample is judged) or DONE.
        """
        if self.current is not None:
            self.state = State.SHOWING
            return self.state
        self._catch_up()
        while True:
            pair = self._queue.popleft() if self._queue else self._next_from_source()
            if pair is not None and not pair.recheck_of and self._decided_elsewhere(pair):
                self.elsewhere += 1  # another process decided it meanwhile (a re-check repeats
                continue  # this rater's own decision on purpose)
            if pair is None:
                # an adaptive source may only be waiting for samples still being judged
                self.state = State.WAITING if self.source.waiting else State.DONE
                return self.state
            if self.judging.is_lost(pair.a.id) or self.judging.is_lost(pair.b.id):
                continue  # the machine failed on one (the notice says): not shown, not recorded
            if self.judged_of(pair.a.id) is None or self.judged_of(pair.b.id) is None:
                self._queue.appendleft(pair)
                self.state = State.WAITING
                return self.state
            try:
                rated = self._auto_rate(pair)
            except Exception:
                self._queue.appendleft(pair)  # not written: it comes up again next time
                raise
            if rated:
                continue
            self.current = pair
            self.state = State.SHOWING
            return self.state

    def _decided_elsewhere(self, pair: Pair) -> bool:
        return self.journal.is_decided((pair.a.id, pair.b.id))

    def _catch_up(self) -> None:
        """Take in what other processes appended to the journal since we last looked."""
        try:
            news = self.journal.news()
        except RaterError as exc:  # retried like an automatic record that was not saved
            raise AutoRateError(f"journal could not be read ({exc}); retrying") from exc
        for sample_id in broken_ids(news):
            self.exclude(sample_id)
        self.source.record(news)

    def _next_from_source(self) -> Pair | None:
        """The source's next pair, after telling it which samples are judged; once judging
        has ended every sample counts, so nothing waits for a result that will not come."""
        if not self._all_ready:
            done = self.judging.done.is_set()
            self.source.mark_ready(self.judging.take_new())
            if done:
                self.source.mark_ready(s.id for s in self.samples)
                self._all_ready = True
        return self.source.next_pair()

    def _auto_rate(self, pair: Pair) -> bool:
        """The auto-rate rule for this pair (`outcome.auto_rate_pairs`); True if it applied."""
        decisions, _ = outcome.auto_rate_pairs([pair], self.verdict_of, self.rater, self.exclude)
        if not decisions:
            return False
        try:
            written = self._write(decisions[0], unless_decided=True)
        except (RaterError, OSError) as exc:
            raise AutoRateError(
                f"automatic rating of a pair with a broken sample was NOT saved ({exc}); retrying"
            ) from exc
        if not written:  # another process decided the pair meanwhile
            self.elsewhere += 1
            return True
        self._log.append(_Entry(pair, auto=True, decision=_decision_of(written)))
        self.auto += 1
        return True

    def _write(self, ratings: Sequence[Rating], unless_decided: bool = False) -> list[Rating]:
        written = list(self.journal.append(ratings, unless_decided=unless_decided))
        self.source.record(written)
        return written

    def decide(self, best: outcome.Best, extra: dict[str, Any] | None = None) -> list[Rating]:
        """Record the person's choice (on disk before returning), then move on. `extra`:
        metadata for the record (the listening data, `rater.rating.listening`)."""
        pair = self.current
        if pair is None:
            return []
        written = self._write(outcome.decide(pair, best, self.rater, extra=extra))
        self._log.append(_Entry(pair, auto=False, decision=_decision_of(written)))
        self.rated += 1
        self.current = None
        self.state = State.WAITING  # if advancing fails (auto-rating write), the next call retries
        try:
            self.advance()
        except AutoRateError as exc:
            raise AutoRateError(f"your rating was saved, but the {exc}") from exc
        return written

    def settle(self) -> None:
        """Idle-time work of the pairing strategy (active's deferred refit); the UI calls it
        once the next pair is on screen."""
        self.source.settle()

    def skip(self) -> None:
        """No record: the pair stays undecided and comes back in a later session."""
        if self.current is None:
            return
        self.skipped += 1
        self.current = None
        self.state = State.WAITING
        self.advance()

    def undo(self) -> bool:
        """Take back the last decision a person made and show that pair again.

        Auto-ratings written after it are taken back too (they are re-made when their pairs
        come up again), so the journal stays in pair order. Every line is taken back by the
        decision id this session wrote, so a line another process appended since is never
        removed (JournalError instead). With no decision in this session, the journal's last
        record is taken back if this rater made it on this corpus (undo after a restart).
        """
        humans = [i for i, e in enumerate(self._log) if not e.auto]
        if humans:
            start = humans[-1]
            entries = self._log[start:]
            self._undo_entries(entries)
            self.source.forget(e.decision for e in entries)
            del self._log[start:]
            self.rated = max(0, self.rated - 1)
            self.auto = max(0, self.auto - (len(entries) - 1))
            again = [e.pair for e in entries]
        else:
            records = self.journal.last_decision()  # read backwards: the last lines only
            if not records or records[-1].broken or records[-1].rater != self.rater:
                return False
            pair = self._pair_of(records[-1])
            if pair is None:
                return False
            undone = self.journal.undo(expect_decision=records[-1].extra.get("decision"))
            self.source.forget([_decision_of(undone)])
            again = [pair]
        self._queue = deque(again[1:] + self.pending())
        self.current = again[0]
        self.state = State.SHOWING
        return True

    def _undo_entries(self, entries: Sequence[_Entry]) -> None:
        """Newest first, each by its decision id. If one fails (another writer appended), the
        auto-ratings already taken back are forgotten and re-queued, then the error goes up."""
        undone = 0
        try:
            for entry in reversed(entries):
                if not self.journal.undo(expect_decision=entry.decision):
                    break
                undone += 1
        except RaterError:
            if undone:
                gone = list(entries[len(entries) - undone :])
                del self._log[len(self._log) - undone :]
                self.auto = max(0, self.auto - undone)
                self._queue = deque([e.pair for e in gone] + list(self._queue))
            raise

    def _pair_of(self, record: Rating) -> Pair | None:
        a, b = (self.by_id.get(i) for i in record.ids)
        if a is None or b is None:
            return None
        query = bpe.decode(record.query) if record.query else ""
        swapped = bool(record.extra.get("swapped", False))
        return Pair(a=a, b=b, query=query, swapped=swapped, recheck_of=recheck_of(record) or "")

    # -- the rest -------------------------------------------------------------------------

    def pending(self) -> list[Pair]:
        """Pairs already taken from the source and not decided: the one on screen, then the
        queue (taken back by undo, or waiting for renders)."""
        return ([self.current] if self.current is not None else []) + list(self._queue)

    def end_with_auto(self, decisions: Sequence[Sequence[Rating]]) -> list[list[Rating]]:
        """End the sitting with these automatic decisions (the `r` key): one write + fsync,
        then nothing is pending and the session is DONE. JournalError leaves it as it was.
        Returns those written: a pair another process decided meanwhile is left out."""
        written = self.journal.append_many(decisions, unless_decided=True) if decisions else []
        for records in written:
            self.source.record(records)
        self.current = None
        self._queue.clear()
        self.auto += len(written)
        self.state = State.DONE
        return written

    def exclude(self, sample_id: str) -> None:
        """A sample is broken and has its automatic record: no strategy pairs it again."""
        self.excluded.add(sample_id)
        self.source.exclude(sample_id)

    def counters(self) -> Counters:
        remaining = self.source.remaining
        if remaining is not None:
            remaining += len(self._queue) + (1 if self.current is not None else 0)
        judged = self.judging.count()
        return Counters(
            rated=self.rated,
            auto=self.auto,
            skipped=self.skipped,
            remaining=remaining,
            elapsed=max(0.0, self.clock() - self.started),
            judged=judged,
            total=len(self.order),
        )

    def verdicts(self) -> tuple[Judged | None, Judged | None]:
        """The judged samples of the pair on screen (for verdicts, clips, piano rolls)."""
        if self.current is None:
            return None, None
        return self.judged_of(self.current.a.id), self.judged_of(self.current.b.id)


def _decision_of(written: Sequence[Rating]) -> str | None:
    return written[0].extra.get("decision") if written else None

"""One rating session, without a screen: pairs in, decisions to the journal, counters out.

The Textual app only turns keys into calls on `Session` and draws what it reports, so the
rules that matter for the data (every decision on disk before the next pair appears; broken
pairs auto-rated and never shown; undo takes back exactly the last decision; resume skips
decided pairs) live here and are tested without a terminal.

Rendering runs beside the person: `run_judging` consumes `pipeline.judge_stream` over the
samples in pair order (first pairs first) and fills `judged`; `advance` never waits for it,
it says "waiting" and the caller asks again when another sample is judged. The render pool
takes a second or more to start (a fresh interpreter importing music21), so the first pairs
are also rendered in this process (`prefetch_first`); whichever result lands first is kept.

Undo takes back the last decision a *person* made, together with the auto-ratings written
after it (they are redone when their pairs come up again), so `u` never just re-creates
an automatic record. Skips write nothing: a skipped pair comes back in the next session.

"Stop and auto-rate the rest" (`autorate_rest`, in `rater.rating.autorest`) means what
`rater autorate` means: every remaining pair with a broken sample gets its automatic record;
pairs of two good samples are left for a person, and counted in the summary.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rater.core.errors import JournalError, RaterError
from rater.core.records import Judged, Pair, Rating, Sample
from rater.rating import autorest, prefetch
from rater.rating.autorest import AutorateSummary

if TYPE_CHECKING:
    from rater.rating.outcome import Best

Clock = Callable[[], float]
JudgeFn = Callable[[Sequence[Sample]], Iterable[Judged]]

SHOWING, WAITING, DONE = "showing", "waiting", "done"


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

    Methods that change state (`advance`, `decide`, `skip`, `undo`) are called from one thread
    (the UI's); `run_judging` runs on another and only adds to `judged`.
    """

    def __init__(
        self,
        samples: Sequence[Sample],
        journal: Any,
        *,
        rater: str,
        seed: int = 0,
        pairing: str = "halves",
        prefix_chars: int = 20,
        judge: JudgeFn | None = None,
        render_settings: Any = None,
        check_settings: Any = None,
        workers: int = 2,
        clock: Clock = time.monotonic,
        defer_refit: bool = False,
    ) -> None:
        from rater.rating import pairing as pairing_mod

        self.samples = list(samples)
        self.by_id = {s.id: s for s in self.samples}
        self.journal = journal
        self.rater = rater
        self.clock = clock
        self.started = clock()
        history = journal.records()
        self.resumed = len(history)
        # Samples that already have their automatic record (a broken record names its reasons).
        self.excluded: set[str] = {
            r.ids[k] for r in history if r.broken for k in (0, 1) if r.reasons[k]
        }
        try:
            self.source = pairing_mod.source(
                pairing,
                self.samples,
                seed=seed,
                history=history,
                prefix_chars=prefix_chars,
                defer_refit=defer_refit,
                wait_for_ready=True,  # pair what is judged, not what the renders reach last
            )
        except (RaterError, ValueError) as exc:  # unknown/unusable strategy: the user's to fix
            raise RaterError(f"--pairing {pairing}: {exc}") from exc
        # The pool needs a second or more to start (a fresh interpreter importing music21), so
        # with the real pipeline the first pairs are also rendered in this process, at once.
        self._inline = judge is None and render_settings is not None and check_settings is not None
        self._settings = (render_settings, check_settings)
        self._prefetching = False
        if judge is None:
            judge = _pipeline_judge(render_settings, check_settings, workers)
        self._judge = judge
        self.judged: dict[str, Judged] = {}
        # ids in the order judged, for `mark_ready`: `judged` has the same order, but
        # skipping into a dict is O(n) on every key press, slicing this list is O(new)
        self._judged_order: list[str] = []
        self._ready_sent = 0
        self._lock = threading.Lock()
        self.judging_done = threading.Event()
        self.judge_error: str = ""
        self.current: Pair | None = None
        self.state = WAITING
        self._queue: deque[Pair] = deque()
        self._log: list[_Entry] = []
        self.rated = self.auto = self.skipped = 0
        self.order = self.render_order()

    # -- background judging ---------------------------------------------------------------

    def render_order(self) -> list[Sample]:
        """Samples in the order pairs will come up, so the first pair is ready first."""
        upcoming = getattr(self.source, "upcoming", None)
        if upcoming is None:
            return list(self.samples)
        seen: set[str] = set()
        order: list[Sample] = []
        for pair in upcoming(getattr(self.source, "remaining", len(self.samples))):
            for s in (pair.a, pair.b):
                if s.id not in seen:
                    seen.add(s.id)
                    order.append(s)
        return order

    def run_judging(
        self,
        stop: threading.Event | None = None,
        on_judged: Callable[[Judged], object] | None = None,
    ) -> None:
        """Blocking: judge every sample (render + checks), filling `judged`. Run it in a thread.

        A RaterError (no SoundFont, no fluidsynth) is kept in `judge_error` for the UI to
        show, and re-raised so a non-UI caller sees it too.
        """
        self.prefetch_first(stop, on_judged)
        stream: Iterator[Judged] = iter(self._judge(self.order))
        try:
            for judged in stream:
                self._add(judged, on_judged)
                if stop is not None and stop.is_set():
                    break
        except RaterError as exc:
            self.judge_error = str(exc)
            raise
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
            self.judging_done.set()

    def _add(self, judged: Judged, on_judged: Callable[[Judged], object] | None) -> None:
        """Keep the first result for a sample (inline and pool may both deliver one)."""
        with self._lock:
            if judged.sample.id in self.judged:
                return
            self.judged[judged.sample.id] = judged
            self._judged_order.append(judged.sample.id)
        if on_judged is not None:
            on_judged(judged)

    def prefetch_first(
        self,
        stop: threading.Event | None = None,
        on_judged: Callable[[Judged], object] | None = None,
    ) -> None:
        """Start rendering the first pairs in-process now (once); callers poll `advance`."""
        if not self._inline or self._prefetching:
            return
        self._prefetching = True
        threading.Thread(
            target=prefetch.judge_first,
            args=(self, stop, on_judged),
            daemon=True,
            name="first-pair",
        ).start()

    def start_judging(self) -> threading.Thread:
        """`run_judging` on a daemon thread, for callers without a worker framework."""
        thread = threading.Thread(target=self._judge_quietly, daemon=True, name="judging")
        thread.start()
        return thread

    def _judge_quietly(self) -> None:
        try:
            self.run_judging()
        except RaterError:
            pass  # kept in judge_error for whoever polls

    def judged_of(self, sample_id: str) -> Judged | None:
        with self._lock:
            return self.judged.get(sample_id)

    # -- moving through pairs -------------------------------------------------------------

    def advance(self) -> str:
        """Move to the next pair a person must see; auto-rate broken pairs on the way.

        Returns SHOWING (self.current is set), WAITING (the next pair is not judged yet; call
        again when a sample is judged) or DONE.
        """
        if self.current is not None:
            self.state = SHOWING
            return self.state
        while True:
            pair = self._queue.popleft() if self._queue else self._next_from_source()
            if pair is None:
                # an adaptive source may only be waiting for samples still being judged
                self.state = WAITING if getattr(self.source, "waiting", False) else DONE
                return self.state
            ja, jb = self.judged_of(pair.a.id), self.judged_of(pair.b.id)
            if ja is None or jb is None:
                self._queue.appendleft(pair)
                self.state = WAITING
                return self.state
            try:
                rated = self._auto_rate(pair, ja, jb)
            except Exception:
                self._queue.appendleft(pair)  # not written: it comes up again next time
                raise
            if rated:
                continue
            self.current = pair
            self.state = SHOWING
            return self.state

    def _next_from_source(self) -> Pair | None:
        """The source's next pair, after telling it (if it asks) which samples are judged;
        once judging has ended every sample counts, so nothing waits for a result that
        will not come."""
        mark_ready = getattr(self.source, "mark_ready", None)
        if mark_ready is not None and self._ready_sent >= 0:
            done = self.judging_done.is_set()
            with self._lock:
                new = self._judged_order[self._ready_sent :]
                self._ready_sent = len(self._judged_order)
            mark_ready(new)
            if done:
                mark_ready(s.id for s in self.samples)
                self._ready_sent = -1  # everything is marked; nothing more to tell
        return self.source.next_pair()

    def _auto_rate(self, pair: Pair, ja: Judged, jb: Judged) -> bool:
        from rater.rating import outcome

        ratings = outcome.auto_decide(pair, ja.verdict, jb.verdict, self.rater)
        if not ratings:
            return False
        for j in (ja, jb):
            if not j.verdict.ok:
                self.exclude(j.sample.id)
        try:
            written = self._write(ratings)
        except (RaterError, OSError) as exc:
            raise AutoRateError(
                f"automatic rating of a pair with a broken sample was NOT saved ({exc}); retrying"
            ) from exc
        self._log.append(_Entry(pair, auto=True, decision=_decision_of(written)))
        self.auto += 1
        return True

    def _write(self, ratings: Sequence[Rating]) -> list[Rating]:
        written = list(self.journal.append(ratings))
        self.source.record(written)
        return written

    def decide(self, best: Best) -> list[Rating]:
        """Record the person's choice (on disk before returning), then move on."""
        from rater.rating import outcome

        pair = self.current
        if pair is None:
            return []
        written = self._write(outcome.decide(pair, best, self.rater))
        self._log.append(_Entry(pair, auto=False, decision=_decision_of(written)))
        self.rated += 1
        self.current = None
        self.state = WAITING  # if advancing fails (auto-rating write), the next call retries
        try:
            self.advance()
        except AutoRateError as exc:
            raise AutoRateError(f"your rating was saved, but the {exc}") from exc
        return written

    def settle(self) -> None:
        """Idle-time work of the pairing strategy (active's deferred refit); the UI calls it
        once the next pair is on screen."""
        settle = getattr(self.source, "settle", None)
        if settle is not None:
            settle()

    def skip(self) -> None:
        """No record: the pair stays undecided and comes back in a later session."""
        if self.current is None:
            return
        self.skipped += 1
        self.current = None
        self.state = WAITING
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
            del self._log[start:]
            self.rated = max(0, self.rated - 1)
            self.auto = max(0, self.auto - (len(entries) - 1))
            again = [e.pair for e in entries]
        else:
            records = self.journal.records()
            if not records or records[-1].broken or records[-1].rater != self.rater:
                return False
            pair = self._pair_of(records[-1])
            if pair is None:
                return False
            self.journal.undo(expect_decision=records[-1].extra.get("decision"))
            again = [pair]
        waiting = ([self.current] if self.current is not None else []) + list(self._queue)
        self._queue = deque(again[1:] + waiting)
        self.current = again[0]
        self.state = SHOWING
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
        from rater.core import bpe

        a, b = (self.by_id.get(i) for i in record.ids)
        if a is None or b is None:
            return None
        query = bpe.decode(record.query) if record.query else ""
        return Pair(a=a, b=b, query=query, swapped=bool(record.extra.get("swapped", False)))

    # -- the rest -------------------------------------------------------------------------

    def autorate_rest(
        self,
        stop: threading.Event | None = None,
        progress: Callable[[int, int], object] | None = None,
    ) -> AutorateSummary:
        """`r`: wait for every render, then auto-rate the remaining broken pairs (see
        `rater.rating.autorest`); blocking, so run it off the UI thread."""
        return autorest.autorate_rest(self, stop, progress)

    def exclude(self, sample_id: str) -> None:
        """A sample is broken and has its automatic record: no strategy pairs it again."""
        self.excluded.add(sample_id)
        self.source.exclude(sample_id)

    def counters(self) -> Counters:
        remaining = getattr(self.source, "remaining", None)
        if remaining is not None:
            remaining += len(self._queue) + (1 if self.current is not None else 0)
        with self._lock:
            judged = len(self.judged)
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


def _pipeline_judge(render_settings: Any, check_settings: Any, workers: int) -> JudgeFn:
    def judge(samples: Sequence[Sample]) -> Iterable[Judged]:
        from rater.audio import pipeline

        return pipeline.judge_stream(samples, render_settings, check_settings, workers=workers)

    return judge

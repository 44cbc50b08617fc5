"""Judging beside the person: every sample rendered and checked in the background, in the
order pairs will come up, results kept by sample id.

`run` consumes `audio.pipeline.judge_stream` (the render pool + cache) over the samples in
pair order, so the first pairs are ready first. The pool takes a second or more to start (a
fresh interpreter loading fluidsynth and a SoundFont), so with the real pipeline the first
pairs are also rendered in this process at once (`prefetch`), into the cache like the
pool's renders (a shared temp folder would be another place to trick); whichever result
lands first is kept, and the pool usually finds the first pairs cached.

Every new result is announced to the listener (`listen`), from whichever thread produced
it: that is the one way the TUI learns a sample is judged. A render cache that cannot be
written is not an error: judging goes on without it, and the one-line notice is kept in
`warnings` and announced to `on_warning`'s listener (the TUI shows it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence

from rater.audio import pipeline
from rater.audio.pipeline import not_judged
from rater.audio.store import Store
from rater.core import checks
from rater.core.errors import MACHINE_ERRORS, RaterError
from rater.core.records import Judged, Pair, Sample, Verdict
from rater.core.settings import CheckSettings, RenderSettings
from rater.rating.pairing.base import PairSource

JudgeFn = Callable[[Sequence[Sample]], Iterable[Judged]]
Listener = Callable[[Judged], object]
WarningListener = Callable[[str], object]

INLINE_MAX_CHARS = 4000  # first-pair renders in this process: typical tunes, not monsters


class Judging:
    """Judged results for one session; `run` fills them (on a thread), the rest read them.

    `judge` replaces the real pipeline (tests, benches); without it `render` and `checks`
    drive `judge_stream`, and the first pairs can be prefetched in this process.
    """

    def __init__(
        self,
        order: Sequence[Sample],
        render: RenderSettings,
        checks: CheckSettings,
        judge: JudgeFn | None = None,
    ) -> None:
        self.order = list(order)
        self._render, self._checks = render, checks
        self._inline = judge is None
        self._judge = judge if judge is not None else self._pipeline
        self.judged: dict[str, Judged] = {}
        # ids in the order judged, for `take_new`: `judged` has the same order, but
        # skipping into a dict is O(n) on every key press, slicing this list is O(new)
        self._ids: list[str] = []
        self._taken = 0
        self._lock = threading.Lock()
        self._listener: Listener | None = None
        self._warning_listener: WarningListener | None = None
        self.warnings: list[str] = []  # environment notices (an unwritable cache), once each
        self.lost: set[str] = set()  # samples the machine failed on: no verdict this run
        self._prefetching = False
        self.done = threading.Event()
        self.error = ""

    # -- reading --------------------------------------------------------------------------

    def judged_of(self, sample_id: str) -> Judged | None:
        with self._lock:
            return self.judged.get(sample_id)

    def verdict_of(self, sample_id: str) -> Verdict | None:
        judged = self.judged_of(sample_id)
        return judged.verdict if judged is not None else None

    def count(self) -> int:
        with self._lock:
            return len(self.judged)

    def take_new(self) -> list[str]:
        """Ids judged since the last call (for a pair source that pairs only judged samples)."""
        with self._lock:
            new = self._ids[self._taken :]
            self._taken = len(self._ids)
        return new

    def is_lost(self, sample_id: str) -> bool:
        """Whether the machine failed on this sample (no verdict will come this run)."""
        with self._lock:
            return sample_id in self.lost

    def broken(self) -> set[str]:
        """Samples judged broken so far."""
        with self._lock:
            return {sid for sid, j in self.judged.items() if not j.verdict.ok}

    # -- filling --------------------------------------------------------------------------

    def listen(self, listener: Listener | None) -> None:
        """Call `listener(judged)` for every result from now on (from the producing thread)."""
        self._listener = listener

    def on_warning(self, listener: WarningListener | None) -> None:
        """Call `listener(text)` for every new warning (from the producing thread)."""
        self._warning_listener = listener

    def warn(self, text: str) -> None:
        with self._lock:
            if text in self.warnings:
                return
            self.warnings.append(text)
        listener = self._warning_listener
        if listener is not None:
            listener(text)

    def lose(self, sample: Sample, why: str) -> None:
        """The machine failed on `sample` (`audio.pipeline.judge_stream`): its pairs are
        neither shown nor recorded this run, and the warning says so."""

        with self._lock:
            self.lost.add(sample.id)
        self.warn(not_judged(sample, why))

    def add(self, judged: Judged) -> None:
        """Keep the first result for a sample (inline and pool may both deliver one)."""
        with self._lock:
            if judged.sample.id in self.judged:
                return
            self.judged[judged.sample.id] = judged
            self._ids.append(judged.sample.id)
        listener = self._listener
        if listener is not None:
            listener(judged)

    def run(self, stop: threading.Event | None = None, first: Sequence[Pair] = ()) -> None:
        """Blocking: judge every sample (render + checks). Run it in a thread.

        `first` are the pairs to prefetch in this process if that has not started yet. A
        RaterError (no SoundFont, no fluidsynth) is kept in `error` for the UI to show, and
        re-raised so a non-UI caller sees it too.
        """
        self.prefetch(first, stop)
        stream: Iterator[Judged] = iter(self._judge(self.order))
        try:
            for judged in stream:
                self.add(judged)
                if stop is not None and stop.is_set():
                    break
        except RaterError as exc:
            self.error = str(exc)
            raise
        finally:
            close = getattr(stream, "close", None)  # a generator; a test's list has none
            if close is not None:
                close()
            self.done.set()

    def start(self, first: Sequence[Pair] = ()) -> threading.Thread:
        """`run` on a daemon thread, for callers without a worker framework."""
        thread = threading.Thread(target=self._run_quietly, args=(first,), daemon=True)
        thread.name = "judging"
        thread.start()
        return thread

    def _run_quietly(self, first: Sequence[Pair]) -> None:
        try:
            self.run(first=first)
        except RaterError:
            pass  # kept in `error` for whoever looks

    def _pipeline(self, samples: Sequence[Sample]) -> Iterable[Judged]:

        return pipeline.judge_stream(
            samples, self._render, self._checks, warn=self.warn, lost=self.lose
        )

    # -- the first pairs, in this process -------------------------------------------------

    def prefetch(self, pairs: Sequence[Pair], stop: threading.Event | None = None) -> None:
        """Start judging `pairs` in this process now (once, real pipeline only)."""
        if not self._inline or self._prefetching or not pairs:
            return
        self._prefetching = True
        thread = threading.Thread(target=self._judge_first, args=(list(pairs), stop), daemon=True)
        thread.name = "first-pair"
        thread.start()

    def _judge_first(self, pairs: list[Pair], stop: threading.Event | None) -> None:
        """Judge the pairs' samples in order; stop once one pair is good (it can be shown)."""

        store = Store(self._render, warn=self.warn)  # into the cache, like the pool's renders
        for pair in pairs:
            good = True
            for sample in (pair.a, pair.b):
                if stop is not None and stop.is_set():
                    return
                known = self.judged_of(sample.id)
                if known is None:
                    verdict = checks.text_verdict(sample, self._checks)
                    if len(sample.text) > INLINE_MAX_CHARS:
                        return  # no time limit off the main thread: long ones go to the pool
                    if verdict.ok and sample.kind != "text":
                        try:
                            result = store.render_one(sample)
                        except (RaterError, *MACHINE_ERRORS):
                            return  # the pool reports setup problems (and a machine failing)
                        known = Judged(sample, result, checks.judge(sample, result, self._checks))
                    else:
                        known = Judged(sample, None, verdict)
                    self.add(known)
                good = good and known.verdict.ok
            if good:
                return


def pair_order(samples: Sequence[Sample], source: PairSource) -> list[Sample]:
    """Samples in the order `source`'s pairs will come up, so the first pair is judged first
    (all of them as given when the source cannot say how many pairs remain)."""
    remaining = source.remaining
    if remaining is None:
        return list(samples)
    seen: set[str] = set()
    order: list[Sample] = []
    for pair in source.upcoming(remaining):
        for s in (pair.a, pair.b):
            if s.id not in seen:
                seen.add(s.id)
                order.append(s)
    return order

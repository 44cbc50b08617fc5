"""Judging beside the person: every sample read and checked in the background, in the
order pairs will come up, results kept by sample id.

`run` consumes `audio.pipeline.judge_stream` over the samples in pair order, so the first
pairs are ready first: each sample is judged by its reading alone (`audio.reading`, in the
pool's processes, niced, no audio). The pool takes a moment to start, so the first pairs are
also read in this process by the clip maker (`rating.clips`), which synthesises the clips of
the pairs about to be played; whichever reading lands first is kept. A clip's verdict (with
its sound: `silent`) replaces the reading's (`upgrade`).

Every new result is announced to the listener (`listen`), from whichever thread produced
it: that is the one way the TUI learns a sample is judged. A render cache that cannot be
written is not an error: judging goes on without it, and the one-line notice is kept in
`warnings` and announced to `on_warning`'s listener (the TUI shows it). A failure that
ends the session (no SoundFont, no fluidsynth) is kept in `error` and announced to
`on_failure`'s listener.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence

from rater.audio import pipeline
from rater.audio.pipeline import not_judged
from rater.core.errors import RaterError
from rater.core.records import Judged, Sample, Verdict
from rater.core.settings import CheckSettings, RenderSettings
from rater.rating.pairing.base import PairSource

JudgeFn = Callable[[Sequence[Sample]], Iterable[Judged]]
Listener = Callable[[Judged], object]
WarningListener = Callable[[str], object]

INLINE_MAX_CHARS = 4000  # read in this process (no time limit): typical tunes, not monsters
JUDGING_NICE = 5  # the background reading leaves the screen and the player the CPU


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
        self.render, self.checks = render, checks
        self.inline = judge is None  # the real pipeline: first readings and clips here too
        self._judge = judge if judge is not None else self._pipeline
        self.judged: dict[str, Judged] = {}
        # ids in the order judged, for `take_new`: `judged` has the same order, but
        # skipping into a dict is O(n) on every key press, slicing this list is O(new)
        self._ids: list[str] = []
        self._taken = 0
        self._lock = threading.Lock()
        self._listener: Listener | None = None
        self._warning_listener: WarningListener | None = None
        self._failure_listener: WarningListener | None = None
        self.warnings: list[str] = []  # environment notices (an unwritable cache), once each
        self.lost: set[str] = set()  # samples the machine failed on: no verdict this run
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

    def on_failure(self, listener: WarningListener | None) -> None:
        """Call `listener(text)` when judging cannot go on (from the failing thread)."""
        self._failure_listener = listener

    def fail(self, text: str) -> None:
        """Judging cannot go on (no SoundFont, no fluidsynth): kept in `error`, announced."""
        self.error = text
        listener = self._failure_listener
        if listener is not None:
            listener(text)

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

    def upgrade(self, judged: Judged) -> None:
        """A sample's clip is made: its verdict with the sound (`rating.clips`) replaces the
        reading's, and is announced like a new result."""
        with self._lock:
            if judged.sample.id not in self.judged:
                self._ids.append(judged.sample.id)
            self.judged[judged.sample.id] = judged
        listener = self._listener
        if listener is not None:
            listener(judged)

    def run(self, stop: threading.Event | None = None) -> None:
        """Blocking: judge every sample (its reading + checks). Run it in a thread.

        A RaterError is kept in `error` for the UI to show, and re-raised so a non-UI
        caller sees it too.
        """
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

    def start(self) -> threading.Thread:
        """`run` on a daemon thread, for callers without a worker framework."""
        thread = threading.Thread(target=self._run_quietly, daemon=True)
        thread.name = "judging"
        thread.start()
        return thread

    def _run_quietly(self) -> None:
        try:
            self.run()
        except RaterError:
            pass  # kept in `error` for whoever looks

    def _pipeline(self, samples: Sequence[Sample]) -> Iterable[Judged]:
        # text samples get the text checks only: here, as fast as a process would take to start
        workers = 0 if samples and samples[0].kind == "text" else None
        return pipeline.judge_stream(
            samples,
            self.render,
            self.checks,
            workers,
            warn=self.warn,
            lost=self.lose,
            nice=JUDGING_NICE,
        )


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

"""Clips for the pairs about to be played, made beside the person, one at a time.

A session judges its whole corpus by the reading alone (`rating.judging`, no audio), and
synthesises only what will be heard: the pair about to be shown and the next few
(`Session` says which, `want`). Synthesis is the one step that can give the verdicts that
need sound (`silent`, a synthesiser failure): such a late verdict replaces the sample's
reading verdict (`Judging.upgrade`), and the session auto-rates the pair as it does any pair
with a broken sample, before it is ever shown. A pair is shown only once both its clips are
made, so a late verdict never lands on the pair on screen.

One thread makes clips in the order they are wanted, into the render cache (`audio.store`:
a clip a rater heard yesterday is not synthesised again), in this process: the SoundFont is
loaded once, and synthesis (fluidsynth, C) does not hold the interpreter lock. A sample
wanted before its reading verdict is in is read here first (the first pairs of a session),
and never synthesised when the reading finds it broken.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from rater.audio import reading
from rater.audio.pool import in_process
from rater.audio.store import Store
from rater.core import checks
from rater.core.errors import RaterError
from rater.core.records import MACHINE_FAILURE, Judged, Sample
from rater.core.settings import CheckSettings, RenderSettings
from rater.rating.judging import INLINE_MAX_CHARS, Judging

Maker = Callable[[Sample, Judged], Judged]  # (sample, its reading) -> with its clip


class Clips:
    """The clip maker of one session (see the module docstring). `make` replaces the real
    synthesis (tests)."""

    def __init__(self, judging: Judging, make: Maker | None = None) -> None:
        self.judging = judging
        self._make = make if make is not None else _Synth(judging).make
        self._wanted: list[Sample] = []
        self._done: set[str] = set()  # made, found broken, or lost: never made again
        self._cv = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    def ready(self, sample: Sample) -> bool:
        """Whether `sample` can be shown: its clip is made (or it needs none)."""
        with self._cv:
            return sample.kind == "text" or sample.id in self._done

    def want(self, samples: Sequence[Sample]) -> None:
        """Make these clips next, in this order (before those wanted earlier and not made
        yet); a text sample (no clip) not judged yet is read here."""
        with self._cv:
            if self._closed:
                return
            first = [
                s
                for s in samples
                if s.id not in self._done
                and (s.kind != "text" or self.judging.judged_of(s.id) is None)
            ]
            ids = {s.id for s in first}
            self._wanted = first + [s for s in self._wanted if s.id not in ids]
            if self._wanted and self._thread is None:
                self._thread = threading.Thread(target=self._run, name="clips", daemon=True)
                self._thread.start()
            self._cv.notify()

    def close(self) -> None:
        with self._cv:
            self._closed = True
            self._wanted = []
            self._cv.notify()

    def _next(self) -> Sample | None:
        with self._cv:
            while not self._closed:
                while self._wanted:
                    sample = self._wanted.pop(0)
                    if sample.id not in self._done:
                        return sample
                self._cv.wait()
            return None

    def _run(self) -> None:
        while True:
            sample = self._next()
            if sample is None:
                return
            try:
                self._one(sample)
            except RaterError as exc:  # no SoundFont, no fluidsynth: the session cannot play
                self.judging.fail(str(exc))
                return

    def _one(self, sample: Sample) -> None:
        known = self.judging.judged_of(sample.id)
        if known is None:  # wanted before judging reached it: read it here first
            if len(sample.text) > INLINE_MAX_CHARS:
                return  # no time limit off the main thread: wanted again once judged
            self.judging.add(reading.in_process(sample, self.judging.render, self.judging.checks))
            known = self.judging.judged_of(sample.id)
            assert known is not None
        if sample.kind == "text" or not known.verdict.ok or self.judging.is_lost(sample.id):
            with self._cv:
                self._done.add(sample.id)
            return
        clipped = self._make(sample, known)
        with self._cv:
            self._done.add(sample.id)
        if clipped.render is not None and clipped.render.error == MACHINE_FAILURE:
            self.judging.lose(sample, clipped.render.detail)
        else:
            self.judging.upgrade(clipped)


class _Synth:
    """The real clip: synthesised into the render cache (`audio.store.Store`), judged with
    its sound (`checks.judge`, the reading's notes kept)."""

    def __init__(self, judging: Judging) -> None:
        self.render: RenderSettings = judging.render
        self.checks: CheckSettings = judging.checks
        self.store = Store(self.render, warn=judging.warn)

    def make(self, sample: Sample, known: Judged) -> Judged:
        """`known` is a good reading verdict (no clip is made otherwise): it stands for the
        text checks' part of the final verdict, which carries its notes over."""
        render = in_process(sample, self.store.render_one)
        if render.error == MACHINE_FAILURE:
            return Judged(sample, render, known.verdict)
        return Judged(sample, render, checks.judge(sample, render, self.checks, text=known.verdict))

"""A session's background judging as its users see it: what a screen hears (`Events`: a
sample was judged or its clip made, the machine failed) and what scripts and the `r` key
ask of it (`SessionJudging`: run it, the results by id).

Judging runs on other threads and calls these listeners from there, so a screen turns each
call into a message for its own thread (the rating app posts `SampleJudged`). The screen
talks to this small interface, never to `rating.judging` itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from rater.core.records import Judged, Pair, Verdict
from rater.rating.clips import Clips
from rater.rating.judging import Judging, Listener
from rater.rating.pairing.base import PairSource

PREFETCH_PAIRS = 3  # pairs read (and their clips made) in this process while the pool starts

OnJudged = Callable[[str], object]  # the sample id
OnWarning = Callable[[str], object]  # the one-line notice


class Events:
    """Listeners on one session's judging (see the module docstring)."""

    def __init__(self, judging: Judging) -> None:
        self._judging = judging

    def watch(
        self, on_judged: OnJudged, on_warning: OnWarning, on_failure: OnWarning | None = None
    ) -> None:
        """From now on: `on_judged(sample_id)` for every sample judged (or its clip made),
        `on_warning(text)` for every new notice and `on_failure(text)` when judging cannot
        go on (the clips cannot be made), called from the judging threads."""
        self._judging.listen(lambda judged: on_judged(judged.sample.id))
        self._judging.on_warning(on_warning)
        self._judging.on_failure(on_failure)
        if on_failure is not None and self._judging.error:  # before the screen watched
            on_failure(self._judging.error)

    def unwatch(self) -> None:
        """No more calls (judging threads may outlive a screen)."""
        self._judging.listen(None)
        self._judging.on_warning(None)
        self._judging.on_failure(None)

    @property
    def warnings(self) -> list[str]:
        """The notices so far, oldest first (some may predate `watch`: first-pair renders)."""
        return list(self._judging.warnings)


class SessionJudging:
    """The judging side of `rating.session.Session` (mixed in): it has `judging` and the
    pair `source` whose first pairs are rendered first."""

    judging: Judging
    clips: Clips | None  # None: the judge given is the whole pipeline (tests, benches)
    source: PairSource

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
        self.prefetch_first()
        self.judging.run(stop)

    def start_judging(self) -> threading.Thread:
        """`run_judging` on a daemon thread, for callers without a worker framework."""
        self.prefetch_first()
        return self.judging.start()

    def prefetch_first(self) -> None:
        """Read the first pairs (and make their clips) in this process now, while the pool
        starts."""
        if self.clips is not None and not self.judging.done.is_set():
            self.want_clips(self.source.upcoming(PREFETCH_PAIRS))

    def want_clips(self, pairs: list[Pair]) -> None:
        """Make the clips of these pairs next (of samples not judged broken)."""
        if self.clips is None:
            return
        self.clips.want([s for pair in pairs for s in (pair.a, pair.b) if self._clip_worth(s.id)])

    def _clip_worth(self, sample_id: str) -> bool:
        verdict = self.judging.verdict_of(sample_id)
        return verdict is None or verdict.ok

    def heard_ready(self, pair: Pair) -> bool:
        """Whether the pair's clips are made (or it needs none): it may be shown."""
        return self.clips is None or (self.clips.ready(pair.a) and self.clips.ready(pair.b))

    def judged_of(self, sample_id: str) -> Judged | None:
        return self.judging.judged_of(sample_id)

    def verdict_of(self, sample_id: str) -> Verdict | None:
        return self.judging.verdict_of(sample_id)

"""A session's background judging as its users see it: what a screen hears (`Events`: a
sample was judged, the machine failed) and what scripts and the `r` key ask of it
(`SessionJudging`: run it, the results by id).

Judging runs on other threads and calls these listeners from there, so a screen turns each
call into a message for its own thread (the rating app posts `SampleJudged`). The screen
talks to this small interface, never to `rating.judging` itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from rater.core.records import Judged, Verdict
from rater.rating.judging import Judging, Listener
from rater.rating.pairing.base import PairSource

PREFETCH_PAIRS = 3  # pairs rendered in this process while the pool starts

OnJudged = Callable[[str], object]  # the sample id
OnWarning = Callable[[str], object]  # the one-line notice


class Events:
    """Listeners on one session's judging (see the module docstring)."""

    def __init__(self, judging: Judging) -> None:
        self._judging = judging

    def watch(self, on_judged: OnJudged, on_warning: OnWarning) -> None:
        """From now on: `on_judged(sample_id)` for every sample judged and `on_warning(text)`
        for every new notice, called from the judging threads."""
        self._judging.listen(lambda judged: on_judged(judged.sample.id))
        self._judging.on_warning(on_warning)

    def unwatch(self) -> None:
        """No more calls (judging threads may outlive a screen)."""
        self._judging.listen(None)
        self._judging.on_warning(None)

    @property
    def warnings(self) -> list[str]:
        """The notices so far, oldest first (some may predate `watch`: first-pair renders)."""
        return list(self._judging.warnings)


class SessionJudging:
    """The judging side of `rating.session.Session` (mixed in): it has `judging` and the
    pair `source` whose first pairs are rendered first."""

    judging: Judging
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

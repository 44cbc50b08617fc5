"""What a screen hears from a session's background judging: a sample was judged, the
machine failed (an unwritable render cache).

Judging runs on other threads and calls these listeners from there, so a screen turns each
call into a message for its own thread (the rating app posts `SampleJudged`). The screen
talks to this small interface, never to `rating.judging` itself.
"""

from __future__ import annotations

from collections.abc import Callable

from rater.rating.judging import Judging

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

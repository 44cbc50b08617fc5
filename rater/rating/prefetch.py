"""The first pairs, rendered in this process while the render pool starts.

The pool needs a second or more to start (a fresh interpreter importing music21); rendering
the first pairs here at once shows the first pair sooner. The pool renders these samples too
(and caches them), so a slow or failing render here costs nothing but a little CPU; the
session keeps whichever result lands first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from rater.core.records import Judged

if TYPE_CHECKING:
    from rater.rating.session import Session

INLINE_MAX_CHARS = 4000  # first-pair renders in this process: typical tunes, not monsters


def judge_first(
    session: Session,
    stop: threading.Event | None,
    on_judged: Callable[[Judged], object] | None,
    max_pairs: int = 3,
) -> None:
    """Judge the first pairs' samples; stop once one pair is good (it can be shown)."""
    from rater.audio import render
    from rater.core import checks
    from rater.core.errors import RaterError

    upcoming = getattr(session.source, "upcoming", None)
    if upcoming is None:
        return
    render_settings, check_settings = session._settings
    for pair in upcoming(max_pairs):
        good = True
        for sample in (pair.a, pair.b):
            if stop is not None and stop.is_set():
                return
            known = session.judged_of(sample.id)
            if known is None:
                verdict = checks.text_verdict(sample, check_settings)
                if len(sample.text) > INLINE_MAX_CHARS:
                    return  # no time limit off the main thread: long ones go to the pool
                if verdict.ok and sample.kind != "text":
                    try:
                        result = render.render_one(sample, render_settings)
                    except RaterError:
                        return  # the pool reports setup problems
                    verdict = checks.judge(sample, result, check_settings)
                    known = Judged(sample, result, verdict)
                else:
                    known = Judged(sample, None, verdict)
                session._add(known, on_judged)
            good = good and known.verdict.ok
        if good:
            return

"""The rating app's thread workers: judging, the pairing's idle jobs (features, refits,
the next batch), "auto-rate the rest", warming the encoder.

They run off the event loop and only post `tui.messages` back, so the app's handlers (on the
loop) are the one place that changes the screen. Kept apart from `tui.app` so the app is the
keys and the drawing; `RaterApp` inherits them (`@work` needs the app's `run_worker`).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from textual import work

from rater.core import bpe
from rater.core.errors import RaterError
from rater.rating.autorate import autorate_rest
from rater.tui.messages import (
    AutorateDone,
    AutorateFailed,
    AutorateProgress,
    JobDone,
    JudgingFailed,
)

if TYPE_CHECKING:
    from textual.message import Message

    from rater.rating.pairing.base import Job
    from rater.rating.session import Session


class Workers:
    """Mixed into `RaterApp`, which provides `session`, `stop_event` and `post_message`."""

    session: Session
    stop_event: threading.Event

    if TYPE_CHECKING:

        def post_message(self, message: Message) -> bool: ...

    @work(thread=True, exclusive=True, group="judging", exit_on_error=False)
    def judge_samples(self) -> None:

        try:
            self.session.run_judging(stop=self.stop_event)
        except RaterError as exc:
            self.post_message(JudgingFailed(str(exc)))
        except Exception as exc:  # a bug, not bad input: end the session with it, never hang
            self.post_message(JudgingFailed(f"rendering stopped: {type(exc).__name__}: {exc}"))

    @work(thread=True, group="idle", exit_on_error=False)
    def run_idle_job(self, job: Job) -> None:
        """One idle job of the pairing strategy (`Session.idle_job`), off the event loop:
        the pair on screen stays live and its keys work while the model refits."""
        try:
            result = job()
        except Exception as exc:  # a bug, not bad input: the last fit stays in use
            self.post_message(JobDone(None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(JobDone(result))

    @work(thread=True, exclusive=True, group="autorate", exit_on_error=False)
    def autorate_rest(self) -> None:

        try:
            summary = autorate_rest(
                self.session,
                stop=self.stop_event,
                progress=lambda done, total: self.post_message(AutorateProgress(done, total)),
            )
        except (RaterError, OSError) as exc:
            self.post_message(AutorateFailed(f"auto-rating the rest failed: {exc}"))
            return
        except Exception as exc:  # a bug, not bad input: end with one line, never hang
            text = f"auto-rating the rest failed: {type(exc).__name__}: {exc}"
            self.post_message(AutorateFailed(text))
            return
        self.post_message(AutorateDone(summary))

    @work(thread=True, exclusive=True, group="warm")
    def warm_encoder(self) -> None:
        """Load the GPT-2 encoder (~1 s) while the first pair plays, not on the first key."""

        bpe.encoding()

"""`rating.offload`: the model pairing's child process. A screen that ends never waits for
a refit still running, a child that died is replaced, and the child runs below the
screen's CPU priority (so a busy machine serves the keys first)."""

from __future__ import annotations

import os
import threading
import time

import pytest

from rater.rating.offload import NICENESS, Offload


def test_close_drops_a_running_job_and_start_replaces_the_child() -> None:
    offload = Offload()
    offload.start()
    assert offload.call(os.getpriority, os.PRIO_PROCESS, 0) >= min(
        19, os.getpriority(os.PRIO_PROCESS, 0) + NICENESS
    )
    failed: list[BaseException] = []

    def long_job() -> None:
        try:
            offload.call(time.sleep, 60)
        except BaseException as exc:  # the child was stopped under it
            failed.append(exc)

    worker = threading.Thread(target=long_job)
    worker.start()
    time.sleep(1.0)  # the job is running in the child
    t = time.monotonic()
    offload.close()
    worker.join(20)
    assert time.monotonic() - t < 10 and failed, "closing waited for the running job"
    offload.start()  # a new child
    assert offload.call(sum, [1, 2, 3]) == 6
    offload.close()


def test_call_before_start_is_a_bug_said_plainly() -> None:
    with pytest.raises(RuntimeError, match="before start"):
        Offload().call(sum, [1])

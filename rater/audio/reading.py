"""What a sample's reading alone can say about it: every verdict but the ones that need
sound, without synthesising anything.

The text checks, `too-short`, `no-notes`, an unplayable tempo and the bar-level music
checks all come from the one reading of the tune (`rater.core.abc`): the text is read once
and that reading gives both the checks' bars and the clip's notes. Synthesis costs ten times
as much and a clip weighs ~0.4 MB, so a corpus is judged this way (`rater check`,
`autorate`, a rating session's background judging), and only the samples that will be heard
are synthesised: the verdicts that need the sound (`silent`, a synthesiser failure) come
when the clip is made (`rater.audio.store.Store.render_one`, then `checks.judge`).

`judge_one` runs in the pool's worker processes (`Work` of `read_work`), in batches; it
sends back the verdict and a Render without notes or audio (the clip's length), never the
sample's text.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import NamedTuple

from rater.audio.pool import Work
from rater.audio.render import clip_notes, limited
from rater.core import checks
from rater.core.records import Judged, Reason, Render, Sample, Verdict
from rater.core.settings import CheckSettings, RenderSettings

BATCH = 16  # samples sent to a worker at a time (a reading takes ~2 ms)
MAX_TASKS = 5000  # samples a reading worker reads before it is replaced (it grows slowly)


class Reading(NamedTuple):
    """What a worker sends back for one sample: its verdict and, for a sample whose notes
    were read, the clip's lengths (a Render without notes or audio)."""

    render: Render | None
    verdict: Verdict


def judge_one(
    render_settings: RenderSettings, check_settings: CheckSettings, sample: Sample, _: str = ""
) -> Reading:
    """The sample's verdict from its reading alone, under the render time limit."""

    def work() -> Reading:
        text, tune = checks.reading_verdict(sample, check_settings)
        if not text.ok or sample.kind == "text":
            return Reading(None, text)
        if check_settings.dialect != render_settings.dialect:
            tune = None  # read again, as it will be played
        render = clip_notes(sample, render_settings, tune)
        verdict = checks.judge(sample, render, check_settings, audio=False, text=text)
        return Reading(replace(render, notes=()), verdict)

    result = limited(sample, render_settings, work)
    return result if isinstance(result, Reading) else failed_reading(sample, result)


def failed_reading(sample: Sample, render: Render) -> Reading:
    """A reading that failed (a timeout, a reader bug put in words) as a verdict."""
    reason = render.error or Reason.UNPARSEABLE
    return Reading(render, Verdict(sample.id, False, (reason,), (render.detail or reason,)))


def judged(sample: Sample, result: Reading | Render) -> Judged:
    """A worker's result (or the pool's own failure: a stuck worker) for `sample`."""
    if isinstance(result, Render):
        result = failed_reading(sample, result)
    return Judged(sample, result.render, result.verdict)


def read_work(
    render_settings: RenderSettings, check_settings: CheckSettings, nice: int = 0
) -> Work:
    """The pool's work for judging by the reading alone: no SoundFont, batches of `BATCH`."""
    run = partial(judge_one, render_settings, check_settings)
    return Work(run, synth=False, batch=BATCH, nice=nice)


def in_process(
    sample: Sample, render_settings: RenderSettings, check_settings: CheckSettings
) -> Judged:
    """`judge_one` here (the first pairs of a session, `--workers 0`)."""
    return judged(sample, judge_one(render_settings, check_settings, sample))

"""Samples -> Judged: text checks, then renders for the survivors, then render-based checks.

This is the one entry point the rating screen, `autorate`, `check` and `render` share, so
they agree on what counts as broken and all benefit from the render cache.
"""

from __future__ import annotations

import argparse
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import closing
from pathlib import Path

from rater.core.checks import CheckSettings
from rater.core.records import Judged, RenderSettings, Sample


def judge_stream(
    samples: Iterable[Sample],
    render_settings: RenderSettings,
    check_settings: CheckSettings,
    workers: int = 2,
    cache_dir: str | Path | None = None,
) -> Iterator[Judged]:
    """Verdicts as they become known, roughly in input order.

    Samples that text checks already fail, and `kind="text"` samples, are never rendered:
    rendering costs a parse and a synthesis, and a rater will never hear them anyway.
    """
    from rater.audio.render import render_stream
    from rater.core import checks

    ready: deque[Judged] = deque()
    waiting: dict[str, list[Sample]] = {}

    def to_render() -> Iterator[Sample]:
        for sample in samples:
            verdict = checks.text_verdict(sample, check_settings)
            if not verdict.ok or sample.kind == "text":
                ready.append(Judged(sample, None, verdict))
                continue
            waiting.setdefault(sample.id, []).append(sample)
            yield sample

    # closing(): a consumer that stops early (the TUI quitting) must stop the render pool now,
    # not whenever the garbage collector gets to it.
    with closing(render_stream(to_render(), render_settings, workers, cache_dir)) as renders:
        for render in renders:
            while ready:
                yield ready.popleft()
            queue = waiting.get(render.sample_id)
            if not queue:
                continue
            sample = queue.pop(0)
            verdict = checks.judge(sample, render, check_settings)
            yield Judged(sample, render, verdict)
    while ready:
        yield ready.popleft()


def judge_all(
    samples: Iterable[Sample],
    render_settings: RenderSettings,
    check_settings: CheckSettings,
    workers: int = 2,
    cache_dir: str | Path | None = None,
) -> list[Judged]:
    """`judge_stream` collected back into input order (for batch commands)."""
    samples = list(samples)
    order = {id(s): i for i, s in enumerate(samples)}
    done = list(judge_stream(samples, render_settings, check_settings, workers, cache_dir))
    return sorted(done, key=lambda j: order.get(id(j.sample), len(order)))


def settings_from_args(args: argparse.Namespace) -> tuple[RenderSettings, CheckSettings]:
    """Render and check settings from the shared CLI options (see `cli._add_render_args`).

    The SoundFont is looked up here, before any work starts, so a missing one is reported
    once with an install hint rather than as thousands of failed renders.
    """
    from rater.audio.synth import find_soundfont
    from rater.core import checks
    from rater.core.errors import RaterError

    clip = float(getattr(args, "clip_seconds", 10.0))
    speed = float(getattr(args, "speed", 1.1))
    limit = float(getattr(args, "time_limit", 10.0))
    if clip <= 0:
        raise RaterError(f"--clip-seconds must be positive, got {clip:g}")
    if not 0.1 <= speed <= 10:
        raise RaterError(f"--speed must be between 0.1 and 10, got {speed:g}")
    explicit = getattr(args, "soundfont", None)
    # Text samples are never rendered: they must not need a SoundFont (or libfluidsynth).
    text_only = getattr(args, "kind", "abc") == "text"
    render = RenderSettings(
        soundfont=(explicit or "") if text_only else find_soundfont(explicit),
        clip_seconds=clip,
        speed=speed,
        time_limit=limit,
    )
    blacklist = checks.load_blacklist(getattr(args, "blacklist", None))
    return render, CheckSettings(blacklist=blacklist)

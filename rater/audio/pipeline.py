"""Samples -> Judged: a corpus through the process pool, read (and, when asked, rendered).

The layer above the audio pieces: `render` knows one sample, `reading` what its reading
alone tells, `pool` runs processes, `cache` stores clips, `store` chooses where clips go
(the cache, or a private folder once the cache cannot be written); this module wires them
into streams. `judge_stream` is the one entry point the rating screen, `autorate`, `check`
and `render` share, so they agree on what counts as broken. By default it judges by the
reading alone (no audio, nothing written: a million samples in minutes); `audio=True`
synthesises every clip into the cache too (`rater render`), and `render_stream` gives the
clips only (`rater play`).
"""

from __future__ import annotations

import itertools
import os
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing
from functools import partial
from pathlib import Path

from rater.audio import reading, synth
from rater.audio.pool import Pool, in_process
from rater.audio.store import Store, Warn
from rater.core import checks
from rater.core.errors import RenderError, SetupError
from rater.core.records import MACHINE_FAILURE, Judged, Render, Sample
from rater.core.settings import CheckSettings, RenderSettings


def render_stream(
    samples: Iterable[Sample],
    settings: RenderSettings,
    workers: int | None = None,
    cache_dir: str | Path | None = None,
    warn: Warn | None = None,
) -> Generator[Render, None, None]:
    """Renders for `samples`, cached ones at once, the rest from a process pool as they finish.

    `samples` is consumed lazily, in order, as workers free up, so a caller can feed a long
    or slow iterable and still get the first results in a fraction of a second. No process
    is started when everything is cached. Closing the generator stops the pool. `workers`
    overrides `settings.workers` (0: render in this process). A cache that cannot be written
    is reported to `warn` once and the run goes on without it (`rater.audio.store`); without
    `warn` it raises StorageError.
    """
    workers = settings.workers if workers is None else workers
    store = Store(settings, cache_dir or None, warn)
    inflight: dict[str, int] = {}
    source = _lookup(samples, store, inflight)
    first: Sample | None = None
    for item in source:
        if isinstance(item, Render):
            yield item
        else:
            first = item
            break
    if first is None:
        return
    synth.require_fluidsynth()
    if not os.path.isfile(settings.soundfont):
        raise SetupError(
            f"SoundFont not found: {settings.soundfont}; {synth.SOUNDFONT_HINT}", field="soundfont"
        )
    if workers <= 0:  # in-process: for debugging, and where processes cannot be started
        for item in itertools.chain([first], source):
            result = item if isinstance(item, Render) else in_process(item, store.render_one)
            for _ in range(1 if result.cached else inflight.pop(result.sample_id, 1)):
                yield result
        return
    pool = Pool(settings, store.folder(), workers=workers, on_storage=store.write_failed)
    try:
        for result in pool.run(itertools.chain([first], source)):
            if not result.cached:
                result = store.put(result)
                pool.out_dir = store.folder()  # the private folder once caching stopped
                for _ in range(inflight.pop(result.sample_id, 1)):
                    yield result
            else:
                yield result
    finally:
        pool.close()


def _lookup(
    samples: Iterable[Sample], store: Store, inflight: dict[str, int]
) -> Iterator[Sample | Render]:
    """Cache hits as Renders, misses as Samples; a repeat of a sample being rendered is only
    counted, so it is rendered once and yielded once per occurrence."""
    for sample in samples:
        if sample.id in inflight:
            inflight[sample.id] += 1
            continue
        hit = store.get(sample.id)
        if hit is not None:
            yield hit
        else:
            inflight[sample.id] = 1
            yield sample


Lost = Callable[[Sample, str], object]


def judge_stream(
    samples: Iterable[Sample],
    render_settings: RenderSettings,
    check_settings: CheckSettings,
    workers: int | None = None,
    cache_dir: str | Path | None = None,
    warn: Warn | None = None,
    lost: Lost | None = None,
    audio: bool = False,
    nice: int = 0,
) -> Iterator[Judged]:
    """Verdicts as they become known, roughly in input order.

    By default every verdict the reading can give, in `workers` processes (niced by `nice`),
    with no audio and nothing written (`rater.audio.reading`): `samples` is pulled as the
    workers free up, so memory stays flat however long it is. With `audio`, every sample
    the text checks pass is rendered too (cache, pool), and its verdict includes `silent`;
    text-broken and `kind="text"` samples are never rendered. `warn`: see `render_stream`.
    A sample the machine failed on (`MACHINE_FAILURE`: its process killed twice) gets no
    verdict: it is not yielded, and `lost(sample, why)` is told (by default `warn` is, with
    the sample named; without either, RenderError).
    """
    lost = lost or _say_lost(warn)
    if not audio:
        yield from _read_stream(samples, render_settings, check_settings, workers, lost, nice)
        return
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
    stream = render_stream(to_render(), render_settings, workers, cache_dir, warn)
    with closing(stream) as renders:
        for render in renders:
            while ready:
                yield ready.popleft()
            queue = waiting.get(render.sample_id)
            if not queue:
                continue
            sample = queue.pop(0)
            if render.error == MACHINE_FAILURE:
                lost(sample, render.detail)
                continue
            verdict = checks.judge(sample, render, check_settings)
            yield Judged(sample, render, verdict)
    while ready:
        yield ready.popleft()


def _read_stream(
    samples: Iterable[Sample],
    render_settings: RenderSettings,
    check_settings: CheckSettings,
    workers: int | None,
    lost: Lost,
    nice: int,
) -> Iterator[Judged]:
    """`judge_stream` without audio: each sample read once, in the pool's workers, and the
    verdicts given in input order (the workers' batches finish out of order; a sample still
    being read holds back only what was read after it)."""
    workers = render_settings.workers if workers is None else workers
    if workers <= 0:
        for sample in samples:
            result = in_process(sample, partial(reading.judge_one, render_settings, check_settings))
            if isinstance(result, Render) and result.error == MACHINE_FAILURE:
                lost(sample, result.detail)
            else:
                yield reading.judged(sample, result)
        return
    waiting: dict[str, list[tuple[int, Sample]]] = {}  # a repeated id is read once
    done: dict[int, Judged | None] = {}  # by place in the input, until it is their turn
    fed = 0

    def feed() -> Iterator[Sample]:
        nonlocal fed
        for sample in samples:
            fed += 1
            if sample.id in waiting:
                waiting[sample.id].append((fed - 1, sample))
                continue
            waiting[sample.id] = [(fed - 1, sample)]
            yield sample

    work = reading.read_work(render_settings, check_settings, nice)
    pool = Pool(render_settings, Path(os.devnull), workers, reading.MAX_TASKS, work=work)
    turn = 0
    try:
        for result in pool.run(feed()):
            read: Render | reading.Reading = result
            failure = isinstance(read, Render) and read.error == MACHINE_FAILURE
            sample_id = read.sample_id if isinstance(read, Render) else read.verdict.sample_id
            for place, sample in waiting.pop(sample_id, ()):
                if failure:
                    lost(sample, result.detail)
                    done[place] = None
                else:
                    done[place] = reading.judged(sample, result)
            while turn in done:
                judged = done.pop(turn)
                turn += 1
                if judged is not None:
                    yield judged
    finally:
        pool.close()


def not_judged(sample: Sample, why: str) -> str:
    """The one line that says the machine failed on a sample."""
    where = f"{os.path.basename(sample.source)}#{sample.number} ({sample.id})"
    return f"{where} was not judged: {why}; the machine failed, not the tune"


def _say_lost(warn: Warn | None) -> Lost:
    def say(sample: Sample, why: str) -> None:
        message = not_judged(sample, why)
        if warn is None:
            raise RenderError(message)
        warn(message)

    return say


def judge_all(
    samples: Iterable[Sample],
    render_settings: RenderSettings,
    check_settings: CheckSettings,
    workers: int | None = None,
    cache_dir: str | Path | None = None,
    warn: Warn | None = None,
    audio: bool = False,
) -> list[Judged]:
    """`judge_stream` collected back into input order (for batch commands); samples the
    machine failed on are left out (and told to `warn`)."""
    samples = list(samples)
    order = {id(s): i for i, s in enumerate(samples)}
    stream = judge_stream(
        samples, render_settings, check_settings, workers, cache_dir, warn, audio=audio
    )
    done = list(stream)
    return sorted(done, key=lambda j: order.get(id(j.sample), len(order)))

"""`rater model score` as a stream: a million samples scored in bounded memory.

Samples come from `core.corpus.iter_samples` (one file's texts at a time) in chunks of
`CHUNK`; each chunk is read, judged (`analysis.model.score.verdict`, no audio) and scored
by the model in a worker process, which gets the model once (`_start`) and sends back only
the scores and verdicts. At most `AHEAD` chunks per worker are out at once, so however long
the corpus, memory holds a few chunks' texts (the caller keeps what it needs of each
sample: `analysis.model.score.Ranking`). Results come back in input order.
"""

from __future__ import annotations

import multiprocessing as mp
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from rater.analysis.model.preference import PreferenceModel
from rater.analysis.model.rows import feature_rows
from rater.analysis.model.score import Scored, verdict
from rater.audio.render import parse_one
from rater.core.records import Render, Sample, Verdict
from rater.core.settings import CheckSettings
from rater.core.spawn import clean_start

CHUNK = 500  # samples per task (~1 s of work: a progress line moves, a worker stays busy)
AHEAD = 2  # chunks in flight per worker
MIN_PARALLEL = 2 * CHUNK  # fewer samples than this at the start: scored in this process

_state: tuple[PreferenceModel, CheckSettings] | None = None


def score_stream(
    samples: Iterable[Sample], model: PreferenceModel, settings: CheckSettings, workers: int
) -> Iterator[Scored]:
    """Each sample with its model score and its verdict (by its reading), in input order."""
    chunks = _chunks(samples)
    first = [next(chunks, [])]
    if len(first[0]) < CHUNK or workers <= 1:  # a small corpus: no processes to start
        _start(model, settings)
        for chunk in _chain(first, chunks):
            yield from _zip(chunk, _score(chunk))
        return
    with clean_start():
        pool = mp.get_context("spawn").Pool(workers, _start, (model, settings))
    try:
        waiting: deque[tuple[list[Sample], Any]] = deque()
        for chunk in _chain(first, chunks):
            waiting.append((chunk, pool.apply_async(_score, (chunk,))))
            if len(waiting) >= AHEAD * workers:
                done, result = waiting.popleft()
                yield from _zip(done, result.get())
        while waiting:
            done, result = waiting.popleft()
            yield from _zip(done, result.get())
    finally:
        pool.terminate()


def _chunks(samples: Iterable[Sample]) -> Iterator[list[Sample]]:
    chunk: list[Sample] = []
    for s in samples:
        chunk.append(s)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _chain(first: list[list[Sample]], rest: Iterator[list[Sample]]) -> Iterator[list[Sample]]:
    for chunk in first:
        if chunk:
            yield chunk
    yield from rest


def _zip(chunk: list[Sample], scored: list[tuple[float, Verdict]]) -> Iterator[Scored]:
    for sample, (score, v) in zip(chunk, scored, strict=True):
        yield Scored(sample, score, v)


def _start(model: PreferenceModel, settings: CheckSettings) -> None:
    """A worker's (or this process's) model and checks, set once."""
    global _state
    _state = (model, settings)


def _score(chunk: list[Sample]) -> list[tuple[float, Verdict]]:
    """One task: the chunk's scores and verdicts (its clips read without audio)."""
    assert _state is not None
    model, settings = _state
    f = model.features
    scores = model.score(feature_rows(chunk, f, workers=0)).tolist()
    clip = f.clips()
    out = []
    for sample, score in zip(chunk, scores, strict=True):
        render: Render | None = parse_one(sample, clip) if f.kind == "abc" else None
        out.append((float(score), verdict(sample, render, settings)))
    return out

"""Feature rows for many samples at once, in worker processes: the one builder every user
of the preference model calls (`rater model fit` and `score`, `rank --model`, the `model`
pairing strategy).

For 50,000 samples, reading every tune (`rater.core.abc`: about 3 ms each, parsing and
playing out the clip) and computing the music features is most of a cold `rater model fit`,
and the text features ~5 s more; two processes halve that. Each worker gets samples (id and
text) and returns both feature blocks: nothing is cached, since reading a tune again costs
less than a cache would. Workers start through `core.spawn.clean_start`, like the render
pool's.
"""

from __future__ import annotations

from collections.abc import Sequence

from rater.analysis.model.features import FeatureRows, rows_of
from rater.core.records import Sample
from rater.core.settings import FeatureSettings, FitSettings
from rater.core.spawn import clean_start

CHUNK = 2000  # samples per task
MIN_PARALLEL = 4000  # fewer samples: one process is faster than starting workers


def feature_rows(
    samples: Sequence[Sample], settings: FeatureSettings, workers: int = FitSettings.workers
) -> FeatureRows:
    """Both feature blocks of `samples`, in order, as `features.design` takes them."""
    chunks = [list(samples[k : k + CHUNK]) for k in range(0, len(samples), CHUNK)]
    if workers <= 1 or len(samples) < MIN_PARALLEL:
        parts = [rows_of(c, settings) for c in chunks]
    else:
        import multiprocessing as mp

        with clean_start():
            pool = mp.get_context("spawn").Pool(workers)
        try:
            parts = pool.starmap(rows_of, [(c, settings) for c in chunks])
        finally:
            pool.terminate()
    return FeatureRows.stack(parts) if parts else rows_of([], settings)

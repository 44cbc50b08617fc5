"""Feature rows for many samples at once, in worker processes.

For 50,000 samples, reading every tune (`rater.core.abc`: about 3 ms each, parsing and
playing out the clip) and computing the music features is most of a cold `rater model fit`,
and the text features ~5 s more; two processes halve that. Each worker gets samples (id and
text) and returns both feature blocks: nothing is cached, since reading a tune again costs
less than a cache would.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rater.core.records import Sample
from rater.core.settings import FeatureSettings, FitSettings

if TYPE_CHECKING:
    import numpy as np

CHUNK = 2000  # samples per task
MIN_PARALLEL = 4000  # fewer samples: one process is faster than starting workers


def feature_rows(
    samples: Sequence[Sample], features: FeatureSettings, workers: int = FitSettings.workers
) -> tuple[np.ndarray, Any]:
    """(raw music features, text matrix) of `samples`, in order, as `features.design`
    takes them."""
    import numpy as np
    import scipy.sparse as sp

    chunks = [list(samples[k : k + CHUNK]) for k in range(0, len(samples), CHUNK)]
    tasks = [(c, features) for c in chunks]
    if workers <= 1 or len(samples) < MIN_PARALLEL:
        parts = [_rows(*t) for t in tasks]
    else:
        import multiprocessing as mp

        from rater.audio.pool import clean_start

        with clean_start():
            pool = mp.get_context("spawn").Pool(workers)
        try:
            parts = pool.starmap(_rows, tasks)
        finally:
            pool.terminate()
    if not parts:
        return _rows([], features)
    return np.concatenate([p[0] for p in parts]), sp.vstack([p[1] for p in parts], format="csr")


def _rows(samples: list[Sample], features: FeatureSettings) -> tuple[np.ndarray, Any]:
    """One task: both feature blocks of `samples`."""
    import numpy as np
    import scipy.sparse as sp

    from rater.analysis.model import music
    from rater.analysis.model.features import contents, music_matrix, text_matrix

    items = contents(samples, features.kind)
    if features.use_music and features.kind == "abc":
        raw = music_matrix(items, features)
    else:
        raw = np.zeros((len(items), len(music.NAMES)))
    if features.use_text:
        text = text_matrix(items, features)
    else:
        text = sp.csr_matrix((len(items), 2**features.hash_bits))
    return raw, text

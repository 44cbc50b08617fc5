"""Feature rows for many samples at once, in worker processes that read the notes from the
caches themselves.

For 50,000 samples, reading the cached notes and computing the music features is ~20 s of
pure Python and the text features ~5 s more; two processes halve that. Handing notes to
workers would cost most of the gain (pickling 50,000 Renders took 6 s), so the parent only
makes sure every sample's notes are in a cache (`notes.ensure`) and sends each worker
samples (id and text).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rater.core.records import Sample
from rater.core.settings import FeatureSettings, NoteSettings

if TYPE_CHECKING:
    import numpy as np

CHUNK = 2000  # samples per task
MIN_PARALLEL = 4000  # fewer samples: one process is faster than starting workers


def feature_rows(
    samples: Sequence[Sample],
    features: FeatureSettings,
    notes: NoteSettings,
    cache_root: str | Path | None = None,
    workers: int = 2,
) -> tuple[np.ndarray, Any]:
    """(raw music features, text matrix) of `samples`, in order, as `features.design`
    takes them."""
    import numpy as np
    import scipy.sparse as sp

    chunks = [list(samples[k : k + CHUNK]) for k in range(0, len(samples), CHUNK)]
    root = str(cache_root) if cache_root else None
    tasks = [(c, features, notes, root) for c in chunks]
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
        return _rows([], features, notes, root)
    return np.concatenate([p[0] for p in parts]), sp.vstack([p[1] for p in parts], format="csr")


def _rows(
    samples: list[Sample], features: FeatureSettings, notes: NoteSettings, root: str | None
) -> tuple[np.ndarray, Any]:
    """One task: look the notes up (they are cached: a miss would be parsed here, in this
    process, without the render pool's guards) and compute both feature blocks."""
    from dataclasses import replace

    import numpy as np
    import scipy.sparse as sp

    from rater.analysis.model import music
    from rater.analysis.model.features import contents, music_matrix, text_matrix
    from rater.audio.notes import clip_notes

    renders = {}
    if features.use_music and features.kind == "abc":
        renders = clip_notes(samples, replace(notes, workers=0), root)
    items = contents(samples, renders, features.kind)
    if features.use_music and features.kind == "abc":
        raw = music_matrix(items)
    else:
        raw = np.zeros((len(items), len(music.NAMES)))
    if features.use_text:
        text = text_matrix(items, features)
    else:
        text = sp.csr_matrix((len(items), 2**features.hash_bits))
    return raw, text

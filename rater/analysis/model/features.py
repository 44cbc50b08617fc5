"""Samples -> feature rows: music features (standardised) beside hashed GPT-2 BPE n-grams.

The text is read as the GPT-2 BPE tokens the training data holds, and its token n-grams
are hashed into a fixed number of columns, so there is no vocabulary to fit or store and a
sample nobody has seen gets its features the same way as one in the journal. The hashing
is done on the token ids with numpy: scikit-learn's HashingVectorizer builds every n-gram
as a Python string, which took 20 s for the 50,000 samples `bench/model_speed.py` fits on
(numpy: ~1 s after tiktoken's encoding). Rows are counts scaled to unit length.

Music features are z-scored with the mean and spread of the samples the model was fitted on
(kept in the model file), missing values (a tune that does not parse) become that mean, and
extreme values are clipped so one absurd sample cannot dominate a fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from rater.analysis.model import content, music
from rater.core import abc, bpe
from rater.core.records import Sample
from rater.core.settings import FeatureSettings

if TYPE_CHECKING:
    import numpy as np

Z_CLIP = 5.0


@dataclass(frozen=True)
class Content:
    """What the model may read of one sample: its content text (the text block's n-grams)
    and, for ABC, the sample's text its music is read from (None: no music to read)."""

    text: str
    abc: str | None = None


def contents(samples: Sequence[Sample], kind: str = "abc") -> list[Content]:
    """Each sample's Content."""
    return [
        Content(content.content_text(s.text, kind), s.text if kind == "abc" else None)
        for s in samples
    ]


class FeatureRows(NamedTuple):
    """Both feature blocks of some samples, a row each, before `design` scales and joins
    them: the raw music features (NaN where unknown) and the hashed text n-grams (CSR)."""

    music: np.ndarray
    text: Any

    @classmethod
    def stack(cls, parts: Sequence[FeatureRows]) -> FeatureRows:
        """The rows of `parts`, one after another."""
        import numpy as np
        import scipy.sparse as sp

        return cls(
            np.concatenate([p.music for p in parts]), sp.vstack([p.text for p in parts], "csr")
        )


def rows_of(samples: Sequence[Sample], settings: FeatureSettings) -> FeatureRows:
    """Both feature blocks of `samples`, in this process (`rows.feature_rows` spreads many
    samples over worker processes)."""
    import numpy as np
    import scipy.sparse as sp

    items = contents(samples, settings.kind)
    if settings.use_music and settings.kind == "abc":
        raw = music_matrix(items, settings)
    else:
        raw = np.zeros((len(items), len(music.NAMES)))
    if settings.use_text:
        text = text_matrix(items, settings)
    else:
        text = sp.csr_matrix((len(items), 2**settings.hash_bits))
    return FeatureRows(raw, text)


def music_matrix(items: Sequence[Content], settings: FeatureSettings) -> np.ndarray:
    """Raw music features, one row per item (NaN where unknown): each tune read once
    (`rater.core.abc`, in `settings.dialect`) and its clip of `settings.clip_seconds` at
    `settings.speed`, the clip a rating session plays."""
    import numpy as np

    rows = []
    for c in items:
        _, body = content.split_header(c.text)
        tune = abc.parse(c.abc if c.abc is not None else "", settings.dialect)
        clip = abc.clip(abc.perform(tune, settings.clip_seconds), settings.clip_seconds,
                        settings.speed)  # fmt: skip
        rows.append(music.features(tune, clip, body))
    return np.array(rows, dtype=float).reshape(len(items), len(music.NAMES))


_MIX = (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB)  # splitmix64


def ngram_columns(tokens: np.ndarray, n: int, bits: int) -> np.ndarray:
    """Hashed column of every n-gram of `tokens` (one document, or several laid end to end:
    the caller drops windows that cross documents). Integer arithmetic only, so the same
    n-gram lands in the same column on every machine."""
    import numpy as np

    m = len(tokens) - n + 1
    if m <= 0:
        return np.zeros(0, dtype=np.int64)
    key = tokens[:m].astype(np.uint64)
    for k in range(1, n):
        key = key * np.uint64(50257) + tokens[k : k + m].astype(np.uint64)
    with np.errstate(over="ignore"):
        z = key + np.uint64(n) * np.uint64(_MIX[0])
        z = (z ^ (z >> np.uint64(30))) * np.uint64(_MIX[1])
        z = (z ^ (z >> np.uint64(27))) * np.uint64(_MIX[2])
        z = z ^ (z >> np.uint64(31))
    return (z & np.uint64(2**bits - 1)).astype(np.int64)


def tokens(texts: Sequence[str]) -> list[list[int]]:
    """GPT-2 BPE ids, text taken literally (tiktoken's batch call spends more on its thread
    pool than on encoding short texts)."""
    encode = bpe.encoding().encode_ordinary
    return [encode(t) for t in texts]


TEXT_CHUNK = 4096  # texts hashed at a time (bounds the memory of the n-gram arrays)


def text_matrix(items: Sequence[Content], settings: FeatureSettings) -> Any:
    """Hashed BPE token n-grams (1..ngram_max) of each content text, counts scaled to rows
    of unit length (CSR)."""
    import scipy.sparse as sp

    texts = [c.text for c in items]
    chunks = [
        _hashed(texts[k : k + TEXT_CHUNK], settings)
        for k in range(0, max(1, len(texts)), TEXT_CHUNK)
    ]
    return sp.vstack(chunks, format="csr")


def _hashed(texts: Sequence[str], settings: FeatureSettings) -> Any:
    import itertools

    import numpy as np
    import scipy.sparse as sp

    bits = settings.hash_bits
    ids = tokens(texts)
    lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
    flat = np.fromiter(itertools.chain.from_iterable(ids), dtype=np.int64, count=lengths.sum())
    del ids
    doc = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    left = np.cumsum(lengths)[doc] - np.arange(len(flat))  # tokens from here to the text's end
    keys = []
    for n in range(1, settings.ngram_max + 1):
        col = ngram_columns(flat, n, bits)
        inside = left[: len(col)] >= n  # windows never run from one text into the next
        keys.append((doc[: len(col)][inside] << bits) | col[inside])
    unique, counts = np.unique(np.concatenate(keys), return_counts=True)
    rows, cols = unique >> bits, unique & (2**bits - 1)
    norms = np.sqrt(np.bincount(rows, weights=counts.astype(float) ** 2, minlength=len(texts)))
    data = counts / norms[rows]
    indptr = np.searchsorted(rows, np.arange(len(texts) + 1))
    return sp.csr_matrix((data, cols, indptr), shape=(len(texts), 2**bits))


@dataclass(frozen=True)
class Scaling:
    """Per music feature: the mean and spread it is standardised with."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]

    @classmethod
    def fit(cls, raw: np.ndarray) -> Scaling:
        import numpy as np

        with np.errstate(all="ignore"):
            known = ~np.isnan(raw)
            count = known.sum(axis=0)
            mean = np.where(count > 0, np.nansum(raw, axis=0) / np.maximum(count, 1), 0.0)
            dev = np.where(known, raw - mean, 0.0)
            sd = np.sqrt((dev**2).sum(axis=0) / np.maximum(count, 1))
        scale = np.where(sd > 1e-9, sd, 1.0)
        return cls(tuple(mean.tolist()), tuple(scale.tolist()))

    def apply(self, raw: np.ndarray) -> np.ndarray:
        import numpy as np

        z = (raw - np.array(self.mean)) / np.array(self.scale)
        return np.clip(np.nan_to_num(z, nan=0.0), -Z_CLIP, Z_CLIP)


def design(
    rows: FeatureRows, settings: FeatureSettings, scaling: Scaling | None = None
) -> tuple[Any, Scaling]:
    """The feature matrix (CSR: music block, then text block) of `rows` and the scaling it
    used (fitted on `rows` unless given)."""
    import scipy.sparse as sp

    scaling = scaling or Scaling.fit(rows.music)
    raw = rows.music
    music_block = sp.csr_matrix(scaling.apply(raw) if settings.use_music else raw)
    return sp.hstack([music_block, rows.text * settings.text_weight], format="csr"), scaling

"""What the model rewards, in words a musician can read.

Music features are z-scored, so a weight is the effect of one standard deviation and
weights compare directly; a text column's weight is scaled by that column's spread over the
training samples to make it comparable. Hashed columns have no names, so the token n-grams
that land in the heaviest ones are recovered by hashing the n-grams of training texts the
same way (several n-grams can share a column; the commonest is shown, decoded to text).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rater.analysis.model import music
from rater.analysis.model.features import ngram_columns, tokens
from rater.core import bpe
from rater.core.settings import FeatureSettings

M = len(music.NAMES)
NAME_TEXTS = 10_000  # training texts scanned for the n-grams of heavy columns


@dataclass(frozen=True)
class Reason:
    phrase: str  # "more stepwise motion"
    weight: float  # logits per standard deviation of the feature (signed)


def top_reasons(
    weights: Any, x: Any, ngrams: dict[int, str], n: int = 10
) -> tuple[list[Reason], float]:
    """The n heaviest features as phrases, and the share of the score's spread over the
    training samples that comes from the text n-grams (the rest is music)."""
    import numpy as np

    w = np.asarray(weights)
    text_cols = np.flatnonzero(w[M:]) + M
    sub = x[:, text_cols]
    mean = np.asarray(sub.mean(axis=0)).ravel()
    sq = np.asarray(sub.multiply(sub).mean(axis=0)).ravel()
    sd = np.sqrt(np.maximum(sq - mean**2, 0.0))
    effect = np.r_[w[:M], w[text_cols] * sd]
    cols = np.r_[np.arange(M), text_cols]
    reasons = []
    for k in np.argsort(-np.abs(effect))[:n]:
        if effect[k] == 0:
            break
        reasons.append(Reason(_phrase(int(cols[k]), float(effect[k]), ngrams), float(effect[k])))
    music_part = np.asarray(x[:, :M] @ w[:M]).ravel()
    text_part = np.asarray(sub @ w[text_cols]).ravel()
    spread = music_part.var() + text_part.var()
    return reasons, float(text_part.var() / spread) if spread > 0 else 0.0


def _phrase(col: int, effect: float, ngrams: dict[int, str]) -> str:
    if col < M:
        f = music.FEATURES[col]
        return f.more if effect > 0 else f.less
    gram = ngrams.get(col - M)
    shown = repr(gram) if gram is not None else f"n-gram #{col - M}"
    return f"{'more' if effect > 0 else 'less'} {shown} in the notation"


def name_columns(
    texts: Sequence[str], columns: Sequence[int], settings: FeatureSettings
) -> dict[int, str]:
    """The commonest n-gram of `texts` hashed into each of `columns` (text-block indices),
    decoded back to text. Vectorised over all texts: every window is hashed, the ones that
    land in `columns` are counted per (column, n-gram)."""
    import itertools

    import numpy as np

    wanted = np.array(sorted(set(columns)), dtype=np.int64)
    if not len(wanted) or not texts:
        return {}
    ids = tokens(texts[:NAME_TEXTS])
    lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
    flat = np.fromiter(itertools.chain.from_iterable(ids), dtype=np.int64, count=lengths.sum())
    left = np.cumsum(lengths)[np.repeat(np.arange(len(ids)), lengths)] - np.arange(len(flat))
    best: dict[int, tuple[int, tuple[int, ...]]] = {}
    for n in range(1, settings.ngram_max + 1):
        cols = ngram_columns(flat, n, settings.hash_bits)
        at = np.flatnonzero(np.isin(cols, wanted) & (left[: len(cols)] >= n))
        gram = np.zeros(len(at), dtype=np.int64)  # the n-gram as one number, base N_VOCAB
        for k in range(n):
            gram = gram * bpe.N_VOCAB + flat[at + k]
        found, counts = np.unique(cols[at] * bpe.N_VOCAB**n + gram, return_counts=True)
        for key, count in zip(found.tolist(), counts.tolist(), strict=True):
            col, code = divmod(key, bpe.N_VOCAB**n)
            if count > best.get(col, (0, ()))[0]:
                digits = [(code // bpe.N_VOCAB**k) % bpe.N_VOCAB for k in range(n - 1, -1, -1)]
                best[col] = (count, tuple(digits))
    enc = bpe.encoding()
    return {col: enc.decode(list(gram)) for col, (_, gram) in best.items()}

"""Shared inputs for the preference-model tests: real tunes and journals written for real."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from pathlib import Path

import music21

from rater.core.corpus import read_samples
from rater.core.records import Pair, Sample
from rater.rating import outcome
from rater.rating.journal import Journal

CORPUS = Path(music21.__file__).parent / "corpus"


def real_tunes(n: int, seed: int = 0) -> list[Sample]:
    """n one-voice tunes from O'Neill's collection (human-written, they parse)."""
    tunes = read_samples([str(CORPUS / "oneills1850")])
    tunes = [t for t in tunes if "V:" not in t.text and 150 <= len(t.text) <= 900]
    return random.Random(seed).sample(tunes, n)


def write_journal(
    path: Path,
    samples: Sequence[Sample],
    n: int,
    prefer: Callable[[Sample, Sample, random.Random], int | str],
    seed: int = 0,
) -> Path:
    """n random pairs decided by `prefer(a, b, rng)` (0, 1 or "tie"), via the real journal."""
    rng = random.Random(seed)
    decisions = []
    for _ in range(n):
        a, b = rng.sample(list(samples), 2)
        decisions.append(outcome.decide(Pair(a, b), prefer(a, b, rng), "test"))  # type: ignore[arg-type]
    Journal(path).append_many(decisions)
    return path

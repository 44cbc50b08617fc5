"""Pairing strategies: which two samples a person compares next.

`halves` is the seed workflow: shuffle with a seeded RNG, split in halves, pair #i with
#i + n/2, so every sample is used once and no comparison repeats. The order is a pure
function of (sample ids, seed), which is what makes resume reproducible.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from rater.records import Pair, Sample


def halves(samples: Sequence[Sample], seed: int = 0) -> list[Pair]:
    """Seeded shuffle, then pair #i with #i + n/2 (an odd sample out is left unpaired)."""
    order = sorted(samples, key=lambda s: s.id)  # input order must not change the pairs
    random.Random(seed).shuffle(order)
    half = len(order) // 2
    return [Pair(a=order[i], b=order[i + half]) for i in range(half)]

"""Tunes for the preference-model benches: human-written ones from music21's corpora and
machine-made ones from an order-k character Markov chain, with a simulated rater.

The rater's taste is set by how a sample was made, never by its features: human-written
tunes > Markov at moderate temperature > low-temperature loops > high-temperature noise,
each decision with logistic noise (P(a beats b) = sigmoid(u_a - u_b)). Every sample gets a
real tune's title, so titles say nothing about origin (the model never reads them anyway).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from rater.core.corpus import read_samples, sample_id
from rater.core.demo import Markov, _split, music21_corpus_dir
from rater.core.records import Sample

UTILITY = {"human": 1.5, "markov": 0.5, "loops": -0.5, "noise": -1.5}
TEMPERATURES = {"markov": (0.7, 1.0), "loops": (0.05, 0.1, 0.2), "noise": (6.0, 12.0)}
COLLECTIONS = ("oneills1850", "ryansMammoth", "airdsAirs", "essenFolksong", "miscFolk")
MARKOV_TRAINING = 400


@dataclass(frozen=True)
class Tune:
    sample: Sample
    origin: str  # a key of UTILITY


def human_pool(collections: Sequence[str] = COLLECTIONS[:2], max_body: int = 1200) -> list[Sample]:
    """Real tunes of one voice with a body of 120 to `max_body` characters."""
    base = music21_corpus_dir()
    tunes = read_samples([str(base / c) for c in collections])
    return [t for t in tunes if 120 <= len(_split(t.text)[1]) <= max_body and "V:" not in t.text]


def build(
    seed: int,
    counts: dict[str, int],
    collections: Sequence[str] = COLLECTIONS[:2],
    temperatures: dict[str, tuple[float, ...]] | None = None,
    max_body: int = 1200,
) -> list[Tune]:
    """`counts[origin]` tunes of each origin (human: at most what the corpora hold)."""
    rng = random.Random(seed)
    pool = human_pool(collections, max_body)
    rng.shuffle(pool)
    training, humans = pool[:MARKOV_TRAINING], pool[MARKOV_TRAINING:]
    chain = Markov([_split(t.text)[1] for t in training])
    titles = [t.title for t in pool if t.title]
    temps = temperatures or TEMPERATURES
    out: list[Tune] = []

    def add(headers: list[str], body: str, origin: str) -> None:
        n = len(out) + 1
        text = "\n".join([f"X:{n}", f"T:{rng.choice(titles)}", *headers, body])
        out.append(Tune(Sample(sample_id(text), text, origin, n, ""), origin))

    for t in humans[: counts.get("human", 0)]:
        add(*_split(t.text), "human")
    for origin in ("markov", "loops", "noise"):
        for k in range(counts.get(origin, 0)):
            headers = _split(rng.choice(training).text)[0]
            body = chain.generate(rng, temps[origin][k % len(temps[origin])]) or "z4|"
            add(headers, body, origin)
    unique = {t.sample.id: t for t in out}
    return list(unique.values())


def decide(rng: random.Random, a: Tune, b: Tune) -> int:
    """The simulated rater: 0 if a wins, 1 if b wins."""
    import math

    p_a = 1.0 / (1.0 + math.exp(UTILITY[b.origin] - UTILITY[a.origin]))
    return 0 if rng.random() < p_a else 1

"""The `model` pairing strategy as a library: halves first, then the preference model's
pairs, refitted in `settle` when deferred; real tunes read for real, decisions written as
journal records."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from rater.core.corpus import read_samples
from rater.core.demo import demo_corpus
from rater.core.records import Pair, Rating, Sample
from rater.core.settings import PairingSettings
from rater.rating import outcome, pairing
from rater.rating.pairing import model as model_pairing
from rater.rating.pairing.model import BOOT, ModelSource
from rater.rating.pairing.schedule import halves


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Sample], set[str]]:
    """The demo corpus (40 real tunes, 40 Markov ones) and the real ones."""
    root = tmp_path_factory.mktemp("demo")
    corpus = demo_corpus(root / "corpus")
    origins = json.loads((root / "corpus" / "origins.json").read_text())
    samples = read_samples([str(corpus)])
    real = {s.id for s in samples if "markov" not in origins[s.id]}
    return samples, real


def decide(pair: Pair, real: set[str], rng: random.Random) -> list[Rating]:
    """A rater who prefers the real tunes (85% of the time), else flips a coin."""
    ra, rb = pair.a.id in real, pair.b.id in real
    if ra == rb:
        best = rng.choice([0, 1])
    else:
        best = (0 if ra else 1) if rng.random() < 0.85 else (1 if ra else 0)
    return outcome.decide(pair, best, "sim")  # type: ignore[arg-type]


def auc(scores: dict[str, float], real: set[str]) -> float:
    pos = [v for k, v in scores.items() if k in real]
    neg = [v for k, v in scores.items() if k not in real]
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def model_scores(source: ModelSource) -> dict[str, float]:
    values = source.model.scores(source._x)
    return {source._samples[k].id: float(values[r]) for r, k in enumerate(source._rows)}


def test_halves_first_then_model_pairs_that_learn_and_reach_new_samples(demo) -> None:
    samples, real = demo
    rng = random.Random(1)
    source = pairing.source(PairingSettings("model", seed=3), samples)
    assert isinstance(source, ModelSource)
    planned = {frozenset((p.a.id, p.b.id)) for p in halves(samples, 3)}
    asked: list[frozenset[str]] = []
    compared: set[str] = set()
    new_in_model_pairs = 0
    for k in range(60):
        pair = source.next_pair()
        assert pair is not None and pair.a.id != pair.b.id
        key = frozenset((pair.a.id, pair.b.id))
        if k < BOOT:
            assert source.model is None and key in planned  # the start is halves
        else:
            assert source.model is not None  # a fit exists once BOOT decisions are in
            new_in_model_pairs += len(key - compared)
        asked.append(key)
        compared |= key
        source.record(decide(pair, real, rng))
    assert len(set(asked)) == len(asked), "a pair was asked twice"
    assert new_in_model_pairs >= 10, "the model pairs never brought in uncompared samples"
    # the notes reached the features: every demo tune parses
    parsed = model_pairing_parsed(source)
    assert parsed > 0.9
    # 60 decisions about content: real tunes score above Markov ones over every sample
    assert auc(model_scores(source), real) > 0.75


def model_pairing_parsed(source: ModelSource) -> float:
    """Share of featured samples whose notes were read (the `parsed` music feature)."""
    import numpy as np

    from rater.analysis.model import music

    raw = np.concatenate(source._raw)
    return float(raw[:, music.NAMES.index("parsed")].mean())


def test_a_deferred_refit_happens_in_settle_never_in_next_pair(demo) -> None:
    samples, real = demo
    rng = random.Random(2)
    source = ModelSource(samples, 0, defer_refit=True)
    for _ in range(BOOT):
        source.record(decide(source.next_pair(), real, rng))
    assert source.model is None, "next_pair or record fitted on the key press"
    assert source._since == BOOT
    source.settle()
    first = source.model
    assert first is not None and source._since == 0
    source.record(decide(source.next_pair(), real, rng))
    source.next_pair()
    assert source.model is first and source._since == 1  # still the old fit
    source.settle()
    assert source.model is not first and source._since == 0


def test_stale_fits_are_refitted_once_too_many_decisions_wait(demo, monkeypatch) -> None:
    samples, real = demo
    monkeypatch.setattr(model_pairing, "STALE_LIMIT", BOOT + 2)
    rng = random.Random(3)
    source = ModelSource(samples, 0, defer_refit=True)
    for _ in range(BOOT + 2):
        source.record(decide(source.next_pair(), real, rng))
    assert source.model is None
    source.next_pair()
    assert source.model is not None and source._since == 0


def test_only_judged_and_usable_samples_are_paired(demo) -> None:
    samples, _ = demo
    source = ModelSource(samples, 0, wait_for_ready=True)
    assert source.next_pair() is None and source.waiting
    ready = [s.id for s in samples[:6]]
    source.mark_ready(ready)
    source.exclude(ready[0])
    seen = set()
    while (pair := source.next_pair()) is not None:
        key = frozenset((pair.a.id, pair.b.id))
        assert key <= set(ready[1:]) and key not in seen
        seen.add(key)
    assert len(seen) == 10  # every pair of the 5 usable samples, once
    assert source.waiting  # the other samples are still being judged


def test_an_undone_decision_leaves_the_fit(demo, tmp_path: Path) -> None:
    """`forget` (the session's undo) takes the decision out of the games the model fits."""
    from rater.rating.journal import Journal

    samples, real = demo
    rng = random.Random(4)
    journal = Journal(tmp_path / "r.jsonl")
    source = ModelSource(samples, 0, defer_refit=True)
    written = []
    for _ in range(BOOT + 2):
        written.append(journal.append(decide(source.next_pair(), real, rng)))
        source.record(written[-1])
    source.settle()
    before = source.model
    assert len(source._games) == BOOT + 2 and source._since == 0
    source.forget([written[-1][0].extra["decision"], None])
    assert len(source._games) == BOOT + 1 and source._since == 1
    source.settle()
    assert source.model is not before and source._since == 0
    source.forget(["no-such-decision"])
    assert len(source._games) == BOOT + 1 and source._since == 0


def test_a_settle_featurises_at_most_a_chunk_of_newly_judged_samples(demo, monkeypatch) -> None:
    """Thousands of samples judged at once (a resumed session, a warm cache) are featurised
    over several settles, so no single settle holds the screen for long."""
    samples, _ = demo
    monkeypatch.setattr(model_pairing, "FEATURE_CHUNK", 10)
    source = ModelSource(samples, 0, defer_refit=True, wait_for_ready=True)
    source.mark_ready(s.id for s in samples[:25])
    for featured in (10, 20, 25, 25):
        source.settle()
        assert len(source._rows) == featured

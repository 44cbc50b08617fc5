"""The `model` pairing strategy as a library: halves first, then the preference model's
pairs, refitted by jobs (`prepare` / `adopt`) when deferred; real tunes read for real,
decisions written as journal records."""

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
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Sample], dict, set[str]]:
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
    # 60 decisions about content: real tunes score above Markov ones over every sample
    scores = source.scores()
    assert len(scores) == len(samples)
    assert auc(scores, real) > 0.75


def test_a_job_reads_each_judged_tune(demo) -> None:
    """The features come from each tune's one reading (the clip the session plays): every
    demo tune has notes; a job run in a child process computes the same rows."""
    import numpy as np

    from rater.analysis.model import music
    from rater.analysis.model.rows import feature_rows

    samples, _ = demo
    source = ModelSource(samples, 0, defer_refit=True)
    job = source.prepare()
    assert job is not None
    result = job()
    assert isinstance(result, model_pairing.ModelFit)
    assert sorted(result.new) == list(range(len(samples))) and result.model is None
    parsed = result.rows.music[:, music.NAMES.index("parsed")]
    assert parsed.mean() > 0.9
    by_id = {s.id: s for s in samples}
    raw, _ = feature_rows([by_id[i] for i in result.ids], source.features, workers=0)
    assert np.array_equal(result.rows.music, raw, equal_nan=True)
    child = ModelSource(samples, 0, defer_refit=True, offload=True)
    try:
        offloaded = child.prepare()()
    finally:
        child.close()
    assert np.array_equal(offloaded.rows.music, result.rows.music, equal_nan=True)


def test_a_deferred_refit_is_a_job_never_next_pair(demo) -> None:
    samples, real = demo
    rng = random.Random(2)
    source = ModelSource(samples, 0, defer_refit=True)
    for _ in range(BOOT):
        source.record(decide(source.next_pair(), real, rng))
    assert source.model is None, "next_pair or record fitted on the key press"
    source.settle()  # the jobs, here on this thread
    first = source.model
    assert first is not None and source.prepare() is None
    source.record(decide(source.next_pair(), real, rng))
    assert source.prepare() is None  # one decision: the last fit's batch is still good
    for _ in range(model_pairing.BATCH - 1):
        source.record(decide(source.next_pair(), real, rng))
    source.next_pair()
    assert source.model is first  # still the old fit: the next comes from a job
    job = source.prepare()
    assert job is not None
    source.adopt(job())
    assert source.model is not first and source.prepare() is None


def test_pairs_never_wait_for_a_fit_that_is_not_in(demo) -> None:
    """Many decisions while the next fit is out: the last fit's batch and reserve, then the
    least-compared samples; no pair is asked twice and nothing is fitted on the key press."""
    samples, real = demo
    rng = random.Random(3)
    source = ModelSource(samples, 0, defer_refit=True)
    for _ in range(BOOT):
        source.record(decide(source.next_pair(), real, rng))
    source.settle()
    fit = source.model
    asked = set()
    for _ in range(3 * (model_pairing.BATCH + model_pairing.RESERVE)):
        pair = source.next_pair()
        assert pair is not None
        asked.add(frozenset((pair.a.id, pair.b.id)))
        source.record(decide(pair, real, rng))
    assert source.model is fit and len(asked) == 3 * (model_pairing.BATCH + model_pairing.RESERVE)


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
    source.forget(["no-such-decision"])
    assert source.prepare() is None  # nothing changed: nothing to refit
    source.forget([written[-1][0].extra["decision"], None])
    job = source.prepare()
    assert job is not None
    after = job()
    assert isinstance(after, model_pairing.ModelFit) and after.model is not None
    # refitted on one game fewer: the weights move
    assert after.model.music_weights != before.music_weights


def test_a_job_featurises_at_most_a_chunk_of_newly_judged_samples(demo, monkeypatch) -> None:
    """Thousands of samples judged at once (a resumed session, a warm cache) are featurised
    over several jobs, so a fit can come in between."""
    samples, _ = demo
    monkeypatch.setattr(model_pairing, "FEATURE_CHUNK", 10)
    source = ModelSource(samples, 0, defer_refit=True, wait_for_ready=True)
    source.mark_ready(s.id for s in samples[:25])
    for featured in (10, 20, 25):
        job = source.prepare()
        assert job is not None
        source.adopt(job())
        assert source.featured == featured
    assert source.prepare() is None

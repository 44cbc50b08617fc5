"""Pairing strategies: halves, blind A/B, shared-prefix and active pair choice."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rater.core import bpe
from rater.core.errors import PairingError, RaterError
from rater.core.records import Pair, Rating, Sample
from rater.core.settings import PairingSettings
from rater.rating import pairing
from rater.rating.pairing import active


def sample(name: str, source: str = "gen.abc", text: str | None = None) -> Sample:
    return Sample(id=f"id-{name}", text=text or f"X:1\nT:{name}\nK:C\n", source=source, number=1)


def decide(pair: Pair, best: int = 0, **kw: object) -> Rating:
    return Rating(
        query=[],
        sample0=[1],
        sample1=[2],
        best=best,
        ids=(pair.a.id, pair.b.id),
        texts=(pair.a.text, pair.b.text),
        **kw,
    )  # type: ignore[arg-type]


def drain(src: pairing.PairSource, limit: int = 10_000) -> list[Pair]:
    out: list[Pair] = []
    while (p := src.next_pair()) is not None and len(out) < limit:
        out.append(p)
        src.record([decide(p, 0 if p.a.id < p.b.id else 1)])
    return out


def key(p: Pair) -> frozenset[str]:
    return frozenset((p.a.id, p.b.id))


def test_halves_is_still_the_default_seed_workflow() -> None:
    samples = [sample(str(k)) for k in range(10)]
    pairs = drain(pairing.source(PairingSettings("halves", seed=3), samples))
    assert len(pairs) == 5 and len({s for p in pairs for s in key(p)}) == 10
    assert [key(p) for p in pairs] == [key(p) for p in pairing.halves(samples[::-1], seed=3)]


def test_unknown_strategy_is_a_rater_error() -> None:
    with pytest.raises(RaterError, match="unknown pairing strategy"):
        pairing.source(PairingSettings("best-first"), [sample("a"), sample("b")])


def ab_samples() -> list[Sample]:
    return [sample(f"a{k}", "gen-a.abc") for k in range(5)] + [
        sample(f"b{k}", "gen-b.abc") for k in range(7)
    ]


def test_ab_pairs_always_cross_sources_and_are_blind() -> None:
    src = pairing.source(PairingSettings("ab", seed=1), ab_samples())
    pairs = drain(src)
    assert len(pairs) == 35 and len({key(p) for p in pairs}) == 35  # every cross pair once
    assert all(p.a.source != p.b.source for p in pairs)
    # swapped says which was which: gen-a sits left exactly when not swapped
    assert all((p.a.source == "gen-b.abc") == p.swapped for p in pairs)
    assert 5 < sum(p.swapped for p in pairs) < 30  # both orders occur, by a coin
    first_round = pairs[:7]
    assert len({s for p in first_round for s in key(p)}) == 12  # everyone shown early


def test_ab_is_seeded_and_skips_decided_pairs() -> None:
    one = pairing.source(PairingSettings("ab", seed=5), ab_samples())
    two = pairing.source(PairingSettings("ab", seed=5), list(reversed(ab_samples())))
    first = one.next_pair()
    assert first == two.next_pair()
    assert first is not None
    resumed = drain(
        pairing.source(PairingSettings("ab", seed=5), ab_samples(), history=[decide(first)])
    )
    assert key(first) not in {key(p) for p in resumed} and len(resumed) == 34


@pytest.mark.parametrize("sources", [["gen-a.abc"], ["a.abc", "b.abc", "c.abc"]])
def test_ab_needs_exactly_two_sources(sources: list[str]) -> None:
    samples = [sample(f"s{k}", sources[k % len(sources)]) for k in range(6)]
    with pytest.raises(PairingError, match="exactly two sources"):
        pairing.source(PairingSettings("ab"), samples)


PROMPTS = ["X:1\nT:Reel\nM:4/4\nK:D\n|:d2", "X:1\nT:Jig\nM:6/8\nK:G\n|:G"]


def test_prefix_pairs_share_the_prompt_and_query_is_it() -> None:
    samples = [
        sample(f"r{k}", text=PROMPTS[0] + tail)
        for k, tail in enumerate(["fd ed|", "AF DF|", "fe dc|", "fd ec|"])
    ]
    samples += [
        sample(f"j{k}", text=PROMPTS[1] + tail) for k, tail in enumerate(["AB|", "Bd|", "GB|"])
    ]
    samples += [sample("lonely", text="X:1\nT:Hornpipe\nK:A\nabc")]
    pairs = drain(pairing.source(PairingSettings("prefix", seed=2, prefix_chars=20), samples))
    assert len(pairs) == 6 + 3  # all pairs within each group, none across
    for p in pairs:
        assert len(p.query) >= 20
        assert p.a.text.startswith(p.query) and p.b.text.startswith(p.query)
        for s in (p.a, p.b):  # the prompt and the rest tokenise as the whole text does
            assert bpe.encode(p.query) + bpe.encode(s.text[len(p.query) :]) == bpe.encode(s.text)
    assert "id-lonely" not in {s for p in pairs for s in key(p)}
    # "d2" ends a token in every reel; "|:G" does not ("|:GAB|" has the token "GAB"), so the
    # jigs' prompt is cut back to before the "G"
    assert {p.query for p in pairs} == {PROMPTS[0], PROMPTS[1][:-1]}


def test_clean_prompt_cuts_back_to_a_token_boundary_every_text_shares() -> None:
    texts = ["K:D\nabcdef edcB|", "K:D\nabcd efg|", "K:D\nabc\u00e9\u00e8|"]
    prefix = os.path.commonprefix(texts)
    assert prefix == "K:D\nabc"
    prompt = bpe.clean_prompt(texts, prefix)
    assert prompt == "K:D\n"  # "abc" is inside "abcdef", "abcd" and "abc\u00e9..." tokens
    for t in texts:
        assert bpe.encode(prompt) + bpe.encode(t[len(prompt) :]) == bpe.encode(t)
    accents = ["\u00e9\u00e8a", "\u00e9\u00e8b"]  # a cut never splits a character
    prompt = bpe.clean_prompt(accents, "\u00e9\u00e8")
    assert accents[0].startswith(prompt)
    assert bpe.encode(prompt) + bpe.encode(accents[0][len(prompt) :]) == bpe.encode(accents[0])
    assert bpe.clean_prompt([], "") == ""


def _longest_clean_start(texts: list[str], prefix: str) -> str:
    """The definition, by brute force over every start and the whole texts."""
    for end in range(len(prefix), -1, -1):
        start = prefix[:end]
        if all(bpe.encode(start) + bpe.encode(t[end:]) == bpe.encode(t) for t in texts):
            return start
    return ""


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet="ab AB|:2/\n\u00e9'-", max_size=30),
    st.lists(st.text(alphabet="ab AB|:2/\n\u00e9'-", max_size=12), min_size=2, max_size=4),
)
def test_clean_prompt_is_the_longest_clean_start(shared: str, tails: list[str]) -> None:
    texts = [shared + t for t in tails]
    prefix = os.path.commonprefix(texts)
    assert bpe.clean_prompt(texts, prefix) == _longest_clean_start(texts, prefix)


def test_prefix_without_any_shared_prefix_is_an_error() -> None:
    samples = [sample("a", text="X:1\nT:One\nK:C\nabc"), sample("b", text="X:1\nT:Two\nK:C\nc")]
    with pytest.raises(PairingError, match="share their first 20"):
        pairing.source(PairingSettings("prefix", prefix_chars=20), samples)


def test_active_never_repeats_a_decided_pair_and_ends_when_all_are() -> None:
    samples = [sample(f"{k:02d}") for k in range(12)]
    seen = {key(p) for p in pairing.halves(samples, seed=0)[:3]}
    history = [decide(p) for p in pairing.halves(samples, seed=0)[:3]]
    pairs = drain(pairing.source(PairingSettings("active", seed=4), samples, history=history))
    keys = [key(p) for p in pairs]
    assert len(keys) == len(set(keys)) == 66 - 3  # every other pair exactly once
    assert not seen & set(keys)


def test_active_skips_excluded_and_broken_samples() -> None:
    samples = [sample(f"{k:02d}") for k in range(8)]
    broken_pair = Pair(a=samples[0], b=samples[1])
    history = [decide(broken_pair, 1, broken=1, reasons=(("silent",), ()))]
    src = pairing.source(PairingSettings("active", seed=0), samples, history=history)
    src.exclude("id-07")
    ids = {s for p in drain(src) for s in key(p)}
    assert ids == {f"id-{k:02d}" for k in range(1, 7)}


def test_active_brings_the_least_compared_sample_in_next() -> None:
    """Balanced counts: a sample nobody has compared yet is in the very next pair."""
    samples = [sample(f"{k:02d}") for k in range(10)]
    history = [
        decide(Pair(a=samples[i], b=samples[j]), 0)
        for i in range(10)
        for j in (i + 1, i + 2)
        if j < 10 and 7 not in (i, j)
    ]  # everyone else has 2-4 comparisons and plenty of undecided partners
    for seed in range(5):
        p = pairing.source(
            PairingSettings("active", seed=seed), samples, history=history
        ).next_pair()
        assert p is not None and "id-07" in key(p)


def test_urgency_prefers_crowded_and_uncertain_samples() -> None:
    """After the balanced start, comparisons go where uncertainty costs the most order."""
    import numpy as np

    scores = np.array([0.0, 0.1, -0.1, 0.2, -0.2, 3.0])  # #5 is alone far out, #0 crowded
    var = np.full(6, 0.1)
    ok = np.ones(6, dtype=bool)
    u = active.urgency(scores, var, ok)
    assert u[0] > u[5] > 0
    wider = var.copy()
    wider[5] = 1.0  # same crowding, ten times the variance: far more urgent
    assert active.urgency(scores, wider, ok)[5] > 10 * u[5]
    ok[1:5] = False  # excluded samples do not crowd anyone
    assert active.urgency(scores, var, ok)[0] == pytest.approx(u[5])


def test_active_gives_crowded_samples_more_comparisons_after_the_balanced_start() -> None:
    """Every sample first gets BALANCE_FIRST comparisons; then the crowded middle of the
    quality scale gets more than the sparse extremes (simulated Bradley-Terry rater)."""
    import math
    import random

    samples = [sample(f"{k:02d}") for k in range(30)]
    quality = {s.id: (3.0 * (k - 14.5) / 14.5) ** 3 / 9 for k, s in enumerate(samples)}
    ranked = sorted(quality, key=quality.__getitem__)
    middle = ends = 0
    for seed in (1, 2, 3):
        coin = random.Random(seed)
        src = pairing.source(PairingSettings("active", seed=seed), samples)
        counts = dict.fromkeys(quality, 0)
        for t in range(240):
            p = src.next_pair()
            assert p is not None
            if t < active.BALANCE_FIRST * 15:
                assert min(counts.values()) >= (2 * t) // 30 - 1  # balanced while counts are low
            counts[p.a.id] += 1
            counts[p.b.id] += 1
            p_a = 1.0 / (1.0 + math.exp(quality[p.b.id] - quality[p.a.id]))
            src.record([decide(p, 0 if coin.random() < p_a else 1)])
        assert min(counts.values()) >= active.BALANCE_FIRST
        middle += sum(counts[s] for s in ranked[10:20])
        ends += sum(counts[s] for s in ranked[:5] + ranked[-5:])
    assert middle > 1.1 * ends  # balanced counts would give about the same


def test_active_partners_an_uncertain_sample_near_its_estimate() -> None:
    """A sample with no comparisons yet (prior variance 9) is paired near its estimate,
    not anywhere a full posterior draw could land: far partners are foregone conclusions."""
    import statistics

    import numpy as np

    samples = [sample(f"{k:02d}") for k in range(41)]
    history = [
        decide(Pair(a=samples[i], b=samples[j]), 0)  # the higher index always won
        for i in range(40)
        for j in range(max(0, i - 4), i)
    ]
    gaps = []
    for seed in range(20):
        src = pairing.ActiveSource(samples, seed=seed, history=history)
        p = src.next_pair()
        assert p is not None and "id-40" in key(p)  # the uncompared sample goes first
        other = p.b if p.a.id == "id-40" else p.a
        scores = src.scores()
        gaps.append(abs(scores[other.id]))
    assert float(np.ptp(list(scores.values()))) > 6  # the others' scores are spread widely
    assert statistics.mean(gaps) < 1.2  # an uncapped draw (sd 3) averages about 2.8


def test_active_deferred_refit_is_a_job_that_runs_on_another_thread() -> None:
    """With `defer_refit` neither `record` nor `next_pair` refits: the refit is a job (run
    here on a thread, as the rating screen does); pairs come from the last fit until its
    result is adopted, and decisions made while it ran make the next job."""
    import threading

    samples = [sample(f"{k:02d}") for k in range(30)]
    lazy = pairing.ActiveSource(samples, seed=1, defer_refit=True)
    eager = pairing.ActiveSource(samples, seed=1)
    for k in range(5):
        p = Pair(a=samples[k + 5], b=samples[k])
        lazy.record([decide(p, 0)])
        eager.record([decide(p, 0)])
    for _ in range(25):  # many more decisions than the old stale limit: still no refit
        lazy.next_pair()
    assert not any(lazy.scores().values()) and any(eager.scores().values())
    job = lazy.prepare()
    assert job is not None
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(job()))
    worker.start()
    lazy.record([decide(Pair(a=samples[20], b=samples[11]), 0)])  # while the job runs
    worker.join(30)
    assert not any(lazy.scores().values())  # not adopted yet: the last fit is in use
    lazy.adopt(result[0])
    got, want = lazy.scores(), eager.scores()
    assert all(abs(got[i] - want[i]) < 1e-3 for i in want)  # both fit to tol 1e-4
    assert lazy.prepare() is not None  # the decision made meanwhile is the next job
    lazy.settle()
    assert lazy.prepare() is None


def test_schedules_keep_excluding_samples_found_broken_in_earlier_sessions() -> None:
    from rater.rating.pairing import source

    samples = [
        Sample(id=f"{src}{i}", text=f"X:1\nK:D\n{src}{i}", source=src, number=i + 1)
        for src in ("a", "b")
        for i in range(4)
    ]
    broken = Rating(
        query=[],
        sample0=[1],
        sample1=[2],
        best=1,
        ids=("a0", "b3"),
        texts=("x", "y"),
        broken=1,
        reasons=(("blacklist",), ()),
    )
    src = source(PairingSettings("ab", seed=1), samples, history=[broken])
    pairs = []
    while (p := src.next_pair()) is not None:
        pairs.append(p)
    assert pairs and all("a0" not in (p.a.id, p.b.id) for p in pairs)
    assert any("b3" in (p.a.id, p.b.id) for p in pairs)  # only the broken side is excluded


def test_schedule_source_counts_and_skips_pairs_of_excluded_samples() -> None:
    """remaining/upcoming/next_pair agree after exclusions, before and after the cursor."""
    s = {name: sample(name) for name in "abcdef"}
    schedule = [Pair(s[x], s[y]) for x, y in ("ab", "cd", "ae", "cf", "be", "df")]
    src = pairing.ScheduleSource(schedule, history=[])
    assert src.remaining == 6 and src.upcoming(2) == schedule[:2]
    assert src.next_pair() == schedule[0]
    src.exclude("id-a")  # ab is served already; ae is not
    src.exclude("id-a")  # twice changes nothing
    assert src.remaining == 4
    assert src.upcoming(10) == [schedule[k] for k in (1, 3, 4, 5)]
    src.exclude("id-f")
    assert src.remaining == 2 and src.upcoming(10) == [schedule[1], schedule[4]]
    assert drain(src) == [schedule[1], schedule[4]] and src.remaining == 0
    assert src.upcoming(3) == [] and src.next_pair() is None

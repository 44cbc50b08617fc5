"""Pairing strategies: halves, blind A/B, shared-prefix and active pair choice."""

from __future__ import annotations

import os

import pytest

from rater import pairing
from rater.errors import RaterError
from rater.records import Pair, Rating, Sample


def sample(name: str, source: str = "gen.abc", text: str | None = None) -> Sample:
    return Sample(id=f"id-{name}", text=text or f"X:1\nT:{name}\nK:C\n", source=source, index=0)


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
    pairs = drain(pairing.source("halves", samples, seed=3))
    assert len(pairs) == 5 and len({s for p in pairs for s in key(p)}) == 10
    assert [key(p) for p in pairs] == [key(p) for p in pairing.halves(samples[::-1], seed=3)]


def test_unknown_strategy_is_a_rater_error() -> None:
    with pytest.raises(RaterError, match="unknown pairing strategy"):
        pairing.source("best-first", [sample("a"), sample("b")])


def ab_samples() -> list[Sample]:
    return [sample(f"a{k}", "gen-a.abc") for k in range(5)] + [
        sample(f"b{k}", "gen-b.abc") for k in range(7)
    ]


def test_ab_pairs_always_cross_sources_and_are_blind() -> None:
    src = pairing.source("ab", ab_samples(), seed=1)
    pairs = drain(src)
    assert len(pairs) == 35 and len({key(p) for p in pairs}) == 35  # every cross pair once
    assert all(p.a.source != p.b.source for p in pairs)
    # swapped says which was which: gen-a sits left exactly when not swapped
    assert all((p.a.source == "gen-b.abc") == p.swapped for p in pairs)
    assert 5 < sum(p.swapped for p in pairs) < 30  # both orders occur, by a coin
    first_round = pairs[:7]
    assert len({s for p in first_round for s in key(p)}) == 12  # everyone shown early


def test_ab_is_seeded_and_skips_decided_pairs() -> None:
    one = pairing.source("ab", ab_samples(), seed=5)
    two = pairing.source("ab", list(reversed(ab_samples())), seed=5)
    first = one.next_pair()
    assert first == two.next_pair()
    assert first is not None
    resumed = drain(pairing.source("ab", ab_samples(), seed=5, history=[decide(first)]))
    assert key(first) not in {key(p) for p in resumed} and len(resumed) == 34


@pytest.mark.parametrize("sources", [["gen-a.abc"], ["a.abc", "b.abc", "c.abc"]])
def test_ab_needs_exactly_two_sources(sources: list[str]) -> None:
    samples = [sample(f"s{k}", sources[k % len(sources)]) for k in range(6)]
    with pytest.raises(pairing.PairingError, match="exactly two sources"):
        pairing.source("ab", samples)


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
    pairs = drain(pairing.source("prefix", samples, seed=2, prefix_chars=20))
    assert len(pairs) == 6 + 3  # all pairs within each group, none across
    for p in pairs:
        assert len(p.query) >= 20
        assert p.a.text.startswith(p.query) and p.b.text.startswith(p.query)
        assert p.query == os.path.commonprefix(
            [s.text for s in samples if s.text[:20] == p.a.text[:20]]
        )
    assert "id-lonely" not in {s for p in pairs for s in key(p)}
    assert {p.query for p in pairs} == {PROMPTS[0], PROMPTS[1]}


def test_prefix_without_any_shared_prefix_is_an_error() -> None:
    samples = [sample("a", text="X:1\nT:One\nK:C\nabc"), sample("b", text="X:1\nT:Two\nK:C\nc")]
    with pytest.raises(pairing.PairingError, match="share their first 20"):
        pairing.source("prefix", samples, prefix_chars=20)


def test_active_never_repeats_a_decided_pair_and_ends_when_all_are() -> None:
    samples = [sample(f"{k:02d}") for k in range(12)]
    seen = {key(p) for p in pairing.halves(samples, seed=0)[:3]}
    history = [decide(p) for p in pairing.halves(samples, seed=0)[:3]]
    pairs = drain(pairing.source("active", samples, seed=4, history=history))
    keys = [key(p) for p in pairs]
    assert len(keys) == len(set(keys)) == 66 - 3  # every other pair exactly once
    assert not seen & set(keys)


def test_active_skips_excluded_and_broken_samples() -> None:
    samples = [sample(f"{k:02d}") for k in range(8)]
    broken_pair = Pair(a=samples[0], b=samples[1])
    history = [decide(broken_pair, 1, broken=1, reasons=(("silent",), ()))]
    src = pairing.source("active", samples, seed=0, history=history)
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
        p = pairing.source("active", samples, seed=seed, history=history).next_pair()
        assert p is not None and "id-07" in key(p)

"""Rater quality in `rater stats`, from simulated raters rating through the real session.

Each simulated rater rates a text corpus through `Session` (real judging, a real journal on
disk, hidden re-checks at rate 1.0 so every first decision is re-asked once, about half of
all decisions), deciding by a policy: `consistent` prefers the sample of higher hidden
quality every time, `noisy` does so 90% of the time, `coin` picks a side at random (seeded).
The figures then come from `rater stats` itself, as a user reads them, and from `--json`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from rater.analysis.quality import FLAG_BELOW, rater_quality
from rater.cli.main import main
from rater.core import corpus
from rater.core.records import Pair, Rating
from rater.core.settings import CheckSettings, PairingSettings, RateSettings
from rater.rating.journal import Journal
from rater.rating.session import Session, State

N_SAMPLES = 400  # 200 first decisions + 200 re-checks per rater


def poems(n: int) -> list[str]:
    words = "heron frost chimney lantern stone honey swallow bridge tide ember moss".split()
    return [
        f"verse {i}: {words[i % 11]} over {words[i * 5 % 11]}, {words[i * 7 % 11]} {i * 31 % 101}"
        for i in range(n)
    ]


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> list:
    path = tmp_path_factory.mktemp("corpus") / "verses.txt"
    path.write_text("\n===\n".join(poems(N_SAMPLES)) + "\n")
    return corpus.read_samples([str(path)], kind="text")


Policy = Callable[[Pair], object]


def simulate(samples: list, journal: Path, rater: str, policy: Policy, hasty: bool) -> None:
    settings = RateSettings(
        rater=rater, pairing=PairingSettings(seed=7), checks=CheckSettings(), recheck=1.0
    )
    s = Session(samples, Journal(journal), settings)
    s.start_judging()
    listening = (
        {"heard": [1.5, 0.0], "decide_seconds": 1.5, "replays": 0}
        if hasty
        else {"heard": [9.0, 9.0], "decide_seconds": 21.0, "replays": 1}
    )
    while True:
        while s.advance() == State.WAITING:
            s.judging_done.wait(0.01)
        if s.state == State.DONE:
            return
        s.decide(policy(s.current), dict(listening))


@pytest.fixture(scope="module")
def journals(samples, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    quality = {s.id: random.Random(s.id).random() for s in samples}  # hidden, per sample
    coin = random.Random(11)
    noise = random.Random(12)

    def better(pair: Pair) -> int:
        return 0 if quality[pair.a.id] > quality[pair.b.id] else 1

    policies: dict[str, tuple[Policy, bool]] = {
        "consistent": (better, False),
        "noisy": (lambda p: better(p) if noise.random() < 0.9 else 1 - better(p), False),
        "coin": (lambda p: coin.randrange(2), True),
    }
    base = tmp_path_factory.mktemp("journals")
    out = {}
    for name, (policy, hasty) in policies.items():
        out[name] = base / f"{name}.jsonl"
        simulate(samples, out[name], name, policy, hasty)
    return out


def test_self_agreement_of_simulated_raters(journals) -> None:
    ratings = [r for path in journals.values() for r in Journal(path, read_only=True).records()]
    rows = {q.rater: q for q in rater_quality(ratings)}
    assert set(rows) == {"consistent", "noisy", "coin"}
    for q in rows.values():
        assert q.decisions == N_SAMPLES  # 200 first decisions, each re-checked once
        assert q.rechecks == N_SAMPLES // 2
    assert rows["consistent"].self_agreement == 1.0
    assert not rows["consistent"].flagged
    # 90% right twice: agreement 0.9^2 + 0.1^2 = 0.82
    assert 0.74 <= rows["noisy"].self_agreement <= 0.90 and not rows["noisy"].flagged
    coin = rows["coin"]
    lo, hi = coin.interval
    assert 0.40 <= coin.self_agreement <= 0.60 and lo < 0.5 < hi  # n = 200: sd 0.035
    assert hi < FLAG_BELOW and coin.flagged
    assert coin.median_decide_seconds == 1.5 and coin.early == coin.listened == N_SAMPLES
    assert rows["consistent"].median_decide_seconds == 21.0 and rows["consistent"].early == 0


def test_stats_prints_every_line_and_flags_only_the_coin(journals, capsys) -> None:
    paths = [str(journals[name]) for name in ("consistent", "noisy", "coin")]
    assert main(["stats", *paths]) == 0
    out = capsys.readouterr().out
    blocks = out.split("Rater quality: ")[1:]
    assert [b.split()[0] for b in blocks] == ["coin", "consistent", "noisy"]
    for block in blocks:
        for label in (
            "decisions",
            "median decide time",
            "decided before B played 2 s",
            "self-agreement on re-checks",
            "ties",
            "ratings per hour",
        ):
            assert label in block, (label, block)
    coin, consistent, noisy = blocks
    assert "200 of 200" in consistent and "400 of 400 (100%)" in coin
    assert "FLAG" in coin and "FLAG" not in consistent and "FLAG" not in noisy
    assert "21.0 s" in consistent and "1.5 s" in coin

    assert main(["stats", "--json", *paths]) == 0
    report = json.loads(capsys.readouterr().out)
    quality = {q["rater"]: q for q in report["quality"]}
    assert quality["consistent"]["self_agreement"] == 1.0
    assert quality["coin"]["flagged"] is True and quality["noisy"]["flagged"] is False
    assert report["decisions"] == 3 * N_SAMPLES and report["raters"]["coin"] == N_SAMPLES


def record(rater: str, when: str, best: int = 0, tie=False, broken=0, **extra) -> Rating:
    return Rating(
        query=[],
        sample0=[1],
        sample1=[2],
        best=best,
        ids=("a", "b"),
        texts=("x", "y"),
        rater=rater,
        time=when,
        tie=tie,
        broken=broken,
        extra=extra,
    )


def test_figures_from_hand_made_records() -> None:
    """Median, early share, ties, pace and a few re-checks, computed by hand."""
    t = "2024-05-01T10:{:02d}:00+00:00"
    ratings = [
        record("ann", t.format(0), decide_seconds=4.0, heard=[4.0, 0.0], decision="d1"),
        record("ann", t.format(1), decide_seconds=30.0, heard=[9.0, 9.0], decision="d2"),
        record("ann", t.format(2), decide_seconds=10.0, heard=[9.0, 1.0], decision="d3"),
        record("ann", t.format(3), best=1, decision="d4", recheck_of="d1"),  # b won: disagrees
        record("ann", t.format(4), best=1, tie=True, decision="d5", recheck_of="d2"),
        record("ann", t.format(4), best=0, tie=True, decision="d5", recheck_of="d2"),
        record("ann", t.format(9), decision="d6", broken=1),  # auto-rated: not ann's choice
        record("bob", t.format(0), decision="e1"),
        record("bob", t.format(1), decision="e2", recheck_of="e1"),  # agrees
        record("bob", t.format(2), best=1, decision="e3", recheck_of="ann's d3"),  # no original
    ]
    ann, bob = rater_quality(ratings)
    assert ann.decisions == 5 and ann.ties == 1 and ann.tie_rate == 0.2
    assert ann.median_decide_seconds == 10.0 and (ann.early, ann.listened) == (2, 3)
    assert (ann.agreed, ann.rechecks) == (0, 2)  # d1: a, then b; d2: a, then a tie
    assert ann.per_hour == pytest.approx(5 / (4 / 60))  # 5 decisions in 4 active minutes
    # 0 of 2: the Wilson interval is 0-0.66, wholly below 0.7, so even two re-checks flag
    assert ann.interval[1] < FLAG_BELOW and ann.flagged
    assert (bob.agreed, bob.rechecks) == (1, 1) and not bob.flagged
    assert bob.median_decide_seconds is None and bob.early_share is None  # no listening data

"""The rating session without a screen: real pipeline, real journal on disk.

Text samples (`kind="text"`) keep these tests fast: they go through the real judge_stream
(text checks, no rendering), so every rule about pairs, the journal and the counters is
exercised exactly as in the TUI.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from rater.core import corpus
from rater.core.settings import CheckSettings, PairingSettings, RateSettings, RenderSettings
from rater.rating.autorate import autorate_rest
from rater.rating.journal import Journal
from rater.rating.session import Session, State

GOOD = [
    "the river bends where the old mill stood, and the heron waits",
    "a quiet morning; frost on the gate and smoke from one chimney",
    "we counted the boats coming in until the light went out",
    "under the bridge the water speaks in a language of stones",
    "she kept the letters in a tin box that smelled of tea",
    "the bus was late again so we walked along the seafront",
    "rain on the tin roof all night, and in the morning, swallows",
    "he painted the door blue and the neighbours all complained",
    "in the market a man sold honey from a cart with one wheel",
    "the lighthouse keeper's cat slept on the warm lens housing",
]
BROKEN = [
    "la la la " * 40,
    "ok ok ok ok " * 30,
    "buy now! " * 50,
    "",
]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def samples(tmp_path: Path) -> list:
    path = tmp_path / "texts.txt"
    path.write_text("\n===\n".join(GOOD + BROKEN[:3]) + "\n")
    return corpus.read_samples([str(path)], kind="text")


@pytest.fixture
def settings() -> tuple:
    return RenderSettings(), CheckSettings()  # no blacklist; text samples need no SoundFont


def rate(rs: RenderSettings, cs: CheckSettings, rater: str = "tester", **pairing) -> RateSettings:
    return RateSettings(rater=rater, pairing=PairingSettings(**pairing), render=rs, checks=cs)


def make(
    samples: list, journal: Path, settings: tuple, clock: Clock | None = None, seed: int = 0
) -> Session:
    rs, cs = settings
    s = Session(samples, Journal(journal), rate(rs, cs, seed=seed), clock=clock or time.monotonic)
    s.start_judging()
    return s


def ready(session: Session, timeout: float = 20.0) -> str:
    end = time.monotonic() + timeout
    while session.advance() == "waiting":
        assert time.monotonic() < end, "judging never delivered the next pair"
        time.sleep(0.01)
    return session.state


def lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_every_shown_pair_is_ok_and_broken_pairs_are_auto_rated(
    samples, settings, tmp_path: Path
) -> None:
    journal = tmp_path / "r.jsonl"
    s = make(samples, journal, settings)
    shown = []
    while ready(s) == State.SHOWING:
        pair = s.current
        shown.append(pair)
        before = len(lines(journal))
        s.decide(1)
        after = lines(journal)
        # The person's record is on disk when decide() returns, right after the old lines.
        human = after[before]
        assert human["ids"] == [pair.a.id, pair.b.id] and human["best"] == 1
        assert "broken" not in human and "tie" not in human
    assert s.state == State.DONE
    verdict = {sid: j.verdict for sid, j in s.judged.items()}
    for pair in shown:
        assert verdict[pair.a.id].ok and verdict[pair.b.id].ok
    records = lines(journal)
    auto = [r for r in records if r.get("broken") == 1]
    auto_pairs = {tuple(r["ids"]) for r in auto}
    assert len(auto_pairs) == s.auto > 0
    for r in auto:
        ok0, ok1 = verdict[r["ids"][0]].ok, verdict[r["ids"][1]].ok
        assert not (ok0 and ok1)
        if ok0 != ok1:
            assert r["best"] == (0 if ok0 else 1) and "tie" not in r
        else:
            assert r.get("tie") is True
    both_broken = [p for p in auto_pairs if not verdict[p[0]].ok and not verdict[p[1]].ok]
    assert len(auto) == len(auto_pairs) + len(both_broken)  # a tie is two records
    assert s.rated == len(shown)
    c = s.counters()
    assert c.remaining == 0 and c.rated == len(shown) and c.auto == len(auto_pairs)
    for r in records:
        assert r["sample0"] and all(isinstance(t, int) for t in r["sample0"] + r["sample1"])
        assert r["texts"] == [next(x.text for x in samples if x.id == i) for i in r["ids"]]


def test_tie_skip_undo(samples, settings, tmp_path: Path) -> None:
    journal = tmp_path / "r.jsonl"
    s = make(samples, journal, settings)
    assert ready(s) == State.SHOWING
    first = s.current
    s.decide("tie")
    ties = [r for r in lines(journal) if r.get("tie") and not r.get("broken")]
    assert sorted(r["best"] for r in ties) == [0, 1]
    assert all(r["ids"] == [first.a.id, first.b.id] for r in ties)
    assert ready(s) == State.SHOWING
    second = s.current
    n = len(lines(journal))
    s.skip()
    assert s.skipped == 1
    skipped_lines = lines(journal)[n:]
    assert all(r.get("broken") == 1 for r in skipped_lines)  # only auto-ratings, if any
    assert second not in (s.current,)
    ready(s)
    third = s.current
    s.decide(0)
    assert s.undo()
    # The last human decision is gone (with any auto-ratings after it) and its pair is back.
    assert s.current == third
    human = [r for r in lines(journal) if not r.get("broken")]
    assert [r["best"] for r in human] == [0, 1]  # only the tie remains
    assert s.rated == 1
    assert s.undo()  # now the tie: both lines go
    assert s.current == first
    assert [r for r in lines(journal) if not r.get("broken")] == []
    assert s.rated == 0


def test_undo_with_nothing_to_undo(samples, settings, tmp_path: Path) -> None:
    s = make(samples, tmp_path / "r.jsonl", settings)
    ready(s)
    shown = s.current
    assert s.undo() is None
    assert s.current == shown


def test_resume_skips_decided_pairs(samples, settings, tmp_path: Path) -> None:
    journal = tmp_path / "r.jsonl"
    s = make(samples, journal, settings)
    decided = []
    for _ in range(2):
        assert ready(s) == State.SHOWING
        decided.append(frozenset((s.current.a.id, s.current.b.id)))
        s.decide(0)
    records = lines(journal)
    again = make(samples, journal, settings)
    assert again.resumed == len(records)
    assert ready(again) == State.SHOWING
    assert frozenset((again.current.a.id, again.current.b.id)) not in decided
    done = {frozenset(r["ids"]) for r in records}
    while again.state == State.SHOWING:
        assert frozenset((again.current.a.id, again.current.b.id)) not in done
        again.skip()
        ready(again)
    after = lines(journal)
    assert after[: len(records)] == records
    new = after[len(records) :]
    assert all(r.get("broken") == 1 for r in new)  # skips write nothing; only later auto pairs
    assert not {frozenset(r["ids"]) for r in new} & done  # decided pairs are not redone


def test_autorate_rest_rates_broken_pairs_and_leaves_good_ones(
    samples, settings, tmp_path: Path
) -> None:
    journal = tmp_path / "r.jsonl"
    s = make(samples, journal, settings, seed=3)
    assert ready(s) == State.SHOWING
    s.decide(0)
    before = lines(journal)
    summary = autorate_rest(s)
    after = lines(journal)
    new = after[len(before) :]
    verdict = {sid: j.verdict for sid, j in s.judged.items()}
    assert all(r.get("broken") == 1 for r in new)
    new_pairs = {tuple(r["ids"]) for r in new}
    assert summary.auto == len(new_pairs)
    decided = {tuple(r["ids"]) for r in after}
    # Every pair is either decided or made of two good samples (left for a person).
    from rater.rating.pairing import halves

    left = [p for p in halves(samples, 3) if (p.a.id, p.b.id) not in decided]
    assert all(verdict[p.a.id].ok and verdict[p.b.id].ok for p in left)
    assert summary.left == len(left)
    assert s.state == State.DONE


def test_counters_use_the_injected_clock(samples, settings, tmp_path: Path) -> None:
    clock = Clock()
    s = make(samples, tmp_path / "r.jsonl", settings, clock=clock)
    ready(s)
    total = s.counters().remaining
    assert total is not None and total >= 1
    clock.now += 60.0
    s.decide(0)
    ready(s)
    c = s.counters()
    assert c.elapsed == 60.0
    assert c.per_hour == pytest.approx(60.0)
    assert c.remaining == total - 1 - c.auto


def write_texts(path: Path, texts: list[str]) -> list:
    path.write_text("\n===\n".join(texts) + "\n")
    return corpus.read_samples([str(path)], kind="text")


def wait_judged(session: Session, timeout: float = 20.0) -> None:
    assert session.judging_done.wait(timeout), "judging never finished"


def test_autorate_rest_rates_a_broken_sample_once_not_per_partner(settings, tmp_path: Path):
    """ab pairing schedules every sample against every partner: a broken one gets ONE record,
    as when the pairs come up one by one (it is excluded once found)."""
    rs, cs = settings
    left = write_texts(tmp_path / "gen-a.txt", GOOD[:4] + [BROKEN[0]])
    right = write_texts(tmp_path / "gen-b.txt", GOOD[4:9])
    journal = tmp_path / "r.jsonl"
    s = Session(left + right, Journal(journal), rate(rs, cs, "t", strategy="ab"))
    s.start_judging()
    wait_judged(s)
    summary = autorate_rest(s)
    auto = [r for r in lines(journal) if r.get("broken") == 1]
    broken_id = next(x.id for x in left if x.text.startswith("la la"))
    assert len(auto) == 1 and broken_id in auto[0]["ids"]
    assert summary.auto == 1 and s.auto == 1
    assert summary.left == 4 * 5  # every good cross pair, none of them with the broken sample


def test_undo_after_a_restart_keeps_the_prefix_query(settings, tmp_path: Path) -> None:
    rs, cs = settings
    prompt = "Once upon a time, by the sea, "
    samples = write_texts(tmp_path / "c.txt", [prompt + g for g in GOOD[:4]])
    journal = tmp_path / "r.jsonl"

    def session() -> Session:
        s = Session(
            samples, Journal(journal), rate(rs, cs, "t", strategy="prefix", prefix_chars=10)
        )
        s.start_judging()
        return s

    first = session()
    assert ready(first) == State.SHOWING
    shown = first.current
    query = prompt.rstrip()  # GPT-2 tokens carry the space before a word: " X" is one token
    assert shown.query == query
    first.decide(1)
    query_tokens = lines(journal)[0]["query"]
    assert query_tokens
    again = session()
    assert again.undo()
    assert lines(journal) == []
    assert again.current.query == query and {again.current.a.id, again.current.b.id} == {
        shown.a.id,
        shown.b.id,
    }
    again.decide(0)
    assert lines(journal)[0]["query"] == query_tokens


def test_undo_never_takes_back_another_writers_line(samples, settings, tmp_path: Path) -> None:
    from rater.core.errors import JournalError
    from rater.core.records import Pair
    from rater.rating import outcome

    journal = tmp_path / "r.jsonl"
    s = make(samples, journal, settings)
    assert ready(s) == State.SHOWING
    s.decide(0)
    assert ready(s) == State.SHOWING
    shown = s.current
    other = Journal(journal)  # a second rater appending to the same file
    other.append(outcome.decide(Pair(a=samples[0], b=samples[1]), 1, "someone-else"))
    before = lines(journal)
    with pytest.raises(JournalError, match="not yours"):
        s.undo()
    assert lines(journal) == before  # their line and mine are both still there
    assert s.current == shown and s.rated == 1


def test_undo_after_a_restart_leaves_another_raters_decision(samples, settings, tmp_path):
    from rater.core.records import Pair
    from rater.rating import outcome

    journal = tmp_path / "r.jsonl"
    Journal(journal).append(outcome.decide(Pair(a=samples[0], b=samples[1]), 1, "someone-else"))
    s = make(samples, journal, settings)
    ready(s)
    before = lines(journal)
    assert s.undo() is None
    assert lines(journal) == before


def test_unusable_pairing_names_the_setting(samples, settings, tmp_path: Path) -> None:
    """The library names the field; the CLI turns it into `--pairing` (test_cli)."""
    from rater.core.errors import RaterError

    rs, cs = settings
    with pytest.raises(RaterError, match=r"^strategy ab: .*two sources") as info:
        Session(samples, Journal(tmp_path / "r.jsonl"), rate(rs, cs, "t", strategy="ab"))
    assert info.value.named("--pairing").startswith("--pairing ab: ")


def test_saved_rating_then_failed_auto_rating_says_so(settings, tmp_path: Path) -> None:
    """The person's record is on disk; the auto-rating after it fails: the error must say the
    rating was saved, and that pair must not stay current as if undecided."""
    from rater.rating.pairing import halves
    from rater.rating.session import AutoRateError

    rs, cs = settings
    samples = write_texts(tmp_path / "c.txt", GOOD[:2] + BROKEN[:2])
    good = {x.id for x in samples if x.text in GOOD}
    seed = next(
        k for k in range(100) if {halves(samples, k)[0].a.id, halves(samples, k)[0].b.id} == good
    )
    journal = tmp_path / "r.jsonl"
    s = make(samples, journal, settings, seed=seed)
    wait_judged(s)
    assert ready(s) == State.SHOWING
    real_record = s.source.record

    def record_then_break_the_disk(written) -> None:  # after the person's line is written
        real_record(written)
        if written and not written[0].broken:
            journal.rename(tmp_path / "saved.jsonl")
            journal.mkdir()  # the next write (the auto-rating) fails for real

    s.source.record = record_then_break_the_disk
    with pytest.raises(AutoRateError, match="your rating was saved"):
        s.decide(0)
    assert [r["best"] for r in lines(tmp_path / "saved.jsonl")] == [0]
    assert s.current is None and s.state == State.WAITING and s.rated == 1
    journal.rmdir()
    (tmp_path / "saved.jsonl").rename(journal)
    assert ready(s) == State.DONE  # the auto-rating is retried and written now
    assert [r.get("broken", 0) for r in lines(journal)] == [0, 1, 1]


def test_active_pairs_only_judged_samples_and_waits_for_more(tmp_path: Path) -> None:
    """With --pairing active, a pair never waits on a sample the renders reach last: the
    source pairs what is judged, waits (not done) while more is coming, then uses it."""
    import threading

    from rater.core.records import Judged, Verdict

    path = tmp_path / "texts.txt"
    path.write_text("\n===\n".join(f"{g} ({k})" for k, g in enumerate(GOOD * 2)) + "\n")
    samples = corpus.read_samples([str(path)], kind="text")
    first = samples[:4]
    go_on = threading.Event()

    def judge(order):
        assert [s.id for s in order] == [s.id for s in samples]
        for k, s in enumerate(order):
            if k == len(first):
                go_on.wait(30)  # the renders of the rest take a while
            yield Judged(s, None, Verdict(s.id, True))

    settings = RateSettings(rater="t", pairing=PairingSettings("active"))
    s = Session(samples, Journal(tmp_path / "r.jsonl"), settings, judge=judge)
    s.start_judging()
    early = {x.id for x in first}
    shown = []
    assert ready(s) == State.SHOWING
    while s.state == State.SHOWING:  # every pair among the four judged ones, then "waiting"
        shown.append(s.current)
        assert {s.current.a.id, s.current.b.id} <= early
        s.decide(0)  # moves on: the next pair, or waiting
        assert len(shown) <= 6
    assert len(shown) == 6 and s.advance() == "waiting"
    go_on.set()
    assert ready(s) == State.SHOWING
    assert not {s.current.a.id, s.current.b.id} <= early

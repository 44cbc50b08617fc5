"""Hidden re-checks through the real session: real judging (text checks), a real journal.

Text samples keep it fast; the rules are the same for tunes (the Pilot test in
test_tui_quality.py drives the app). A re-check repeats a decision of this rater with the
sides swapped, says which (`recheck_of`), and is undone, resumed, ranked and exported by
the rules of the issue.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from rater.analysis.export import export_oa, export_text, export_trl
from rater.analysis.rank import fit, games
from rater.core import corpus
from rater.core.errors import SettingsError
from rater.core.settings import CheckSettings, ExportOptions, PairingSettings, RateSettings
from rater.rating.autorate import autorate_rest
from rater.rating.journal import Journal
from rater.rating.session import Session, State

WORDS = "river heron frost chimney boat lantern stone letter honey swallow gate bridge".split()


def texts(n: int) -> list[str]:
    """n distinct short lines that pass every text check."""
    out = []
    for i in range(n):
        a, b, c = WORDS[i % 12], WORDS[(i // 12) % 12], WORDS[(i * 7 + 3) % 12]
        out.append(f"poem {i}: the {a} and the {b} under a {c}, counted {i * 13 % 97} times")
    return out


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> list:
    path = tmp_path_factory.mktemp("corpus") / "poems.txt"
    path.write_text("\n===\n".join(texts(80)) + "\n")
    return corpus.read_samples([str(path)], kind="text")


def settings(recheck: float, seed: int = 0, rater: str = "tester") -> RateSettings:
    return RateSettings(
        rater=rater,
        pairing=PairingSettings(seed=seed),
        checks=CheckSettings(),
        recheck=recheck,
    )


def session(samples: list, journal: Path, recheck: float, **kw) -> Session:
    s = Session(samples, Journal(journal), settings(recheck, **kw))
    s.start_judging()
    return s


def ready(s: Session, timeout: float = 20.0) -> str:
    end = time.monotonic() + timeout
    while s.advance() == State.WAITING:
        assert time.monotonic() < end, "judging never delivered the next pair"
        time.sleep(0.01)
    return s.state


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def rate_n(s: Session, n: int, choose=lambda pair: 0) -> list:
    shown = []
    for _ in range(n):
        assert ready(s) == State.SHOWING
        shown.append(s.current)
        s.decide(choose(s.current))
    return shown


def test_rechecks_repeat_own_decisions_with_sides_swapped(samples, tmp_path: Path) -> None:
    journal = tmp_path / "r.jsonl"
    shown = rate_n(session(samples, journal, 0.5), 20)
    records = lines(journal)
    assert len(records) == 20
    by_decision = {r["decision"]: r for r in records}
    rechecks = [r for r in records if "recheck_of" in r]
    assert rechecks, "no re-check in 20 decisions at --recheck 0.5"
    assert len(rechecks) < 20
    for r in rechecks:
        first = by_decision[r["recheck_of"]]
        assert "recheck_of" not in first and first["rater"] == r["rater"]
        assert r["ids"] == first["ids"][::-1] and r["texts"] == first["texts"][::-1]
        assert records.index(first) < records.index(r) - 2  # never the pair just decided
    # each first decision is re-checked at most once, and shows on screen like any pair
    assert len({r["recheck_of"] for r in rechecks}) == len(rechecks)
    assert sum(p.recheck_of != "" for p in shown) == len(rechecks)


def test_same_seed_same_rechecks_and_zero_turns_them_off(samples, tmp_path: Path) -> None:
    def run(journal: Path, recheck: float, seed: int = 0) -> list[tuple]:
        rate_n(session(samples, journal, recheck, seed=seed), 16)
        return [(tuple(r["ids"]), "recheck_of" in r) for r in lines(journal)]

    one, two = run(tmp_path / "1.jsonl", 0.5), run(tmp_path / "2.jsonl", 0.5)
    assert one == two and any(flag for _, flag in one)
    assert not any(flag for _, flag in run(tmp_path / "3.jsonl", 0.0))
    with pytest.raises(SettingsError) as err:
        settings(1.5)
    assert err.value.field == "recheck"


def test_undo_and_resume_treat_a_recheck_like_any_decision(samples, tmp_path: Path) -> None:
    journal = tmp_path / "r.jsonl"
    s = session(samples, journal, 0.5)
    for _ in range(40):
        assert ready(s) == State.SHOWING
        recheck = s.current.recheck_of
        s.decide(1)
        if recheck:
            break
    else:
        pytest.fail("no re-check in 40 decisions")
    last = lines(journal)[-1]
    assert last["recheck_of"] == recheck
    assert s.undo()  # the re-check comes back on screen, still a re-check
    assert s.current.recheck_of == recheck
    assert "recheck_of" not in lines(journal)[-1] or lines(journal)[-1] != last
    s.decide(0)
    assert lines(journal)[-1]["recheck_of"] == recheck

    # After a restart, undo of a re-check (the journal's last line) keeps it a re-check,
    # and a resumed session never re-checks a decision twice.
    again = session(samples, journal, 0.5)
    assert again.undo()
    assert again.current.recheck_of == recheck
    again.decide(1)
    rate_n(again, 20)
    targets = [r["recheck_of"] for r in lines(journal) if "recheck_of" in r]
    assert len(targets) == len(set(targets)) and recheck in targets


def test_an_undone_decision_is_never_rechecked(samples, tmp_path: Path) -> None:
    journal = tmp_path / "r.jsonl"
    s = session(samples, journal, 1.0)
    rate_n(s, 3)
    undone = lines(journal)[-1]["decision"]
    assert s.undo()
    rate_n(s, 30)
    assert undone not in {r.get("recheck_of") for r in lines(journal)}
    assert any("recheck_of" in r for r in lines(journal))


def test_rechecks_are_only_of_this_raters_decisions(samples, tmp_path: Path) -> None:
    journal = tmp_path / "r.jsonl"
    rate_n(session(samples, journal, 0.0, rater="alice"), 10)
    bob = session(samples, journal, 1.0, rater="bob")
    rate_n(bob, 3)
    assert all("recheck_of" not in r for r in lines(journal))  # alice's are not bob's to redo
    rate_n(bob, 3)
    mine = {r["decision"] for r in lines(journal) if r["rater"] == "bob"}
    assert {r["recheck_of"] for r in lines(journal) if "recheck_of" in r} <= mine


def test_rank_counts_each_pair_once_and_exports_leave_rechecks_out(samples, tmp_path: Path) -> None:
    journal = tmp_path / "r.jsonl"
    rate_n(session(samples, journal, 0.5), 20, choose=lambda pair: 1)
    ratings = Journal(journal, read_only=True).records()
    n_rechecks = sum("recheck_of" in r.extra for r in ratings)
    assert n_rechecks
    assert len(games(ratings)) == len(ratings) - n_rechecks
    assert fit(ratings).games == len(ratings) - n_rechecks
    for export in (export_oa, export_trl, export_text):
        out = tmp_path / f"{export.__name__}.out"
        left_out = export(ratings, out, ExportOptions())
        kept = export(ratings, out, ExportOptions(keep_rechecks=True))
        assert left_out.written == len(ratings) - n_rechecks
        assert kept.written == len(ratings)
        assert sum(left_out.dropped.values()) == n_rechecks


def test_r_key_never_auto_rates_or_counts_a_recheck(samples, tmp_path: Path) -> None:
    journal = tmp_path / "r.jsonl"
    s = session(samples, journal, 1.0)
    rate_n(s, 6)
    ready(s)
    before = len(lines(journal))
    summary = autorate_rest(s)
    assert lines(journal)[before:] == []  # every sample is good: nothing to auto-rate
    firsts = sum("recheck_of" not in r for r in lines(journal))
    assert firsts < 6  # some of the six were re-checks
    assert summary.left == 40 - firsts  # the schedule's pairs left, no re-checks among them


def test_only_pairs_judged_good_are_rechecked(samples) -> None:
    """Decisions from an earlier session whose samples are not judged (good) yet wait;
    once they are, they come up like the rest, each once, sides swapped."""
    from rater.core.records import Rating
    from rater.rating.pairing.recheck import RecheckSource
    from rater.rating.pairing.schedule import ScheduleSource

    def decided(k: int) -> Rating:
        a, b = samples[2 * k], samples[2 * k + 1]
        return Rating(
            query=[],
            sample0=[1],
            sample1=[2],
            best=0,
            ids=(a.id, b.id),
            texts=(a.text, b.text),
            rater="tester",
            extra={"decision": f"d{k}"},
        )

    history = [decided(k) for k in range(10)]
    waiting = {samples[0].id, samples[7].id}  # in d0 and d3
    source = RecheckSource(
        ScheduleSource([], history),
        samples,
        history,
        rater="tester",
        rate=1.0,
        seed=3,
        usable=lambda sample_id: sample_id not in waiting,
    )
    asked = []
    while (pair := source.next_pair()) is not None:
        asked.append(pair)
    assert sorted(p.recheck_of for p in asked) == sorted(
        f"d{k}" for k in range(10) if k not in (0, 3)
    )
    for p in asked:
        original = history[int(p.recheck_of[1:])]
        assert (p.a.id, p.b.id) == original.ids[::-1] and p.swapped
    waiting.clear()
    later = [source.next_pair(), source.next_pair(), source.next_pair()]
    assert sorted(p.recheck_of for p in later[:2]) == ["d0", "d3"] and later[2] is None

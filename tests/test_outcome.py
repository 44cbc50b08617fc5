"""Decisions -> records: the shapes the journal and training code rely on."""

from __future__ import annotations

from datetime import datetime

import pytest

from rater.core import bpe
from rater.core.records import Pair, Sample, Verdict
from rater.rating.outcome import auto_decide, decide

A = Sample(id="a" * 16, text="X:1\nT:Left\nK:D\nABcd efga|", source="gen.abc", number=1)
B = Sample(id="b" * 16, text="X:2\nT:Right\nK:G\nGABc dedB|", source="ref.abc", number=4)
OK_A, OK_B = Verdict(A.id, True), Verdict(B.id, True)
BAD_A = Verdict(A.id, False, ("repetitive",), ("bar x12",))
BAD_B = Verdict(B.id, False, ("silent", "too-short"), ("", ""))


def test_decide_a_and_b() -> None:
    pair = Pair(A, B, query="X:")
    for best in (0, 1):
        (r,) = decide(pair, best, "ann")
        assert r.best == best and not r.tie and not r.broken
        # the query "X:" starts both texts: samples hold only what follows it
        assert r.sample0 == bpe.encode(A.text[2:]) and r.sample1 == bpe.encode(B.text[2:])
        assert r.query == [55, 25]
        assert r.ids == (A.id, B.id) and r.texts == (A.text, B.text)
        assert r.sources == ("gen.abc", "ref.abc") and r.rater == "ann"
        t = datetime.fromisoformat(r.time)
        assert t.utcoffset() is not None and t.utcoffset().total_seconds() == 0
        assert "swapped" not in r.extra


def test_tie_is_two_records() -> None:
    rs = decide(Pair(A, B), "tie", "ann")
    assert [r.best for r in rs] == [0, 1]
    assert all(r.tie for r in rs) and rs[0].sample0 == rs[1].sample0
    assert rs[0].query == []


def test_swapped_pair_is_noted_and_bad_best_rejected() -> None:
    (r,) = decide(Pair(B, A, swapped=True), 0, "ann")
    assert r.extra["swapped"] is True and r.ids == (B.id, A.id)
    assert r.to_json()["swapped"] is True
    with pytest.raises(ValueError):
        decide(Pair(A, B), 2, "ann")  # type: ignore[arg-type]


def test_prefix_query_is_not_stored_twice() -> None:
    """Prefix pairing: the prompt is the shared start of both texts; training feeds
    query + sample, which must give back each full text, prompt once."""
    prompt = "X:1\nT:Left\nK:D\n"
    a = Sample(id="c" * 16, text=prompt + "ABcd efga|", source="gen.abc", number=1)
    b = Sample(id="d" * 16, text=prompt + "fedc BAGF|", source="gen.abc", number=2)
    for best in (0, 1, "tie"):
        for r in decide(Pair(a, b, query=prompt), best, "ann"):  # type: ignore[arg-type]
            assert r.query == bpe.encode(prompt)
            assert bpe.decode(r.query + r.sample0) == a.text
            assert bpe.decode(r.query + r.sample1) == b.text
            assert r.texts == (a.text, b.text)
            assert bpe.decode(r.sample0) == "ABcd efga|"
    # a query the texts do not start with (a separate prompt) leaves the samples whole
    (r,) = decide(Pair(a, b, query="Z:"), 0, "ann")
    assert r.sample0 == bpe.encode(a.text) and r.query == bpe.encode("Z:")


def test_query_tokens_override() -> None:
    (r,) = decide(Pair(A, B, query="ignored"), 1, "ann", query_tokens=[1, 2, 3])
    assert r.query == [1, 2, 3]


def test_auto_decide_rules() -> None:
    pair = Pair(A, B)
    assert auto_decide(pair, OK_A, OK_B, "auto") == []
    (r,) = auto_decide(pair, BAD_A, OK_B, "auto")
    assert r.best == 1 and r.broken == 1 and not r.tie
    assert r.reasons == (("repetitive",), ())
    (r,) = auto_decide(pair, OK_A, BAD_B, "auto")
    assert r.best == 0 and r.reasons == ((), ("silent", "too-short"))
    rs = auto_decide(pair, BAD_A, BAD_B, "auto")
    assert [x.best for x in rs] == [0, 1]
    assert all(x.tie and x.broken == 1 for x in rs)
    d = rs[0].to_json()
    assert (
        d["broken"] == 1
        and d["tie"] is True
        and d["reasons"] == [["repetitive"], ["silent", "too-short"]]
    )

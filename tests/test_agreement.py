"""Rater agreement on shared pairs: counts and Cohen's kappa against hand-computed values."""

from __future__ import annotations

import pytest

from rater.analysis.agreement import AgreementRow, agreement_summary, cohen_kappa
from rater.core.records import Rating


def rec(a: str, b: str, best: int, rater: str, *, tie: bool = False, broken: int = 0) -> Rating:
    return Rating(
        query=[],
        sample0=[1],
        sample1=[2],
        best=best,
        ids=(a, b),
        texts=("", ""),
        rater=rater,
        tie=tie,
        broken=broken,
    )


def decision(a: str, b: str, label: str, rater: str, flip: bool = False) -> list[Rating]:
    """label F: a wins, S: b wins, T: tie; flip writes the pair the other way round."""
    if label == "T":
        out = [rec(a, b, 0, rater, tie=True), rec(a, b, 1, rater, tie=True)]
    else:
        out = [rec(a, b, 0 if label == "F" else 1, rater)]
    if flip:
        out = [Rating(**{**r.__dict__, "ids": (b, a), "best": 1 - r.best}) for r in out]
    return out


def journal(rater: str, labels: str, flip: bool = False) -> list[Rating]:
    out: list[Rating] = []
    for k, label in enumerate(labels):
        out += decision(f"p{k:02d}", f"q{k:02d}", label, rater, flip)
    return out


def test_perfect_agreement_is_kappa_one_whatever_the_orientation() -> None:
    rows = agreement_summary(journal("ann", "FSTFS") + journal("bob", "FSTFS", flip=True))
    assert rows == [AgreementRow("ann", "bob", 5, 5, pytest.approx(1.0))]


def test_hand_computed_two_category_example() -> None:
    # ann: 6 F, 4 S; bob: 5 F, 5 S; they agree on 7 of 10.
    # chance = .6*.5 + .4*.5 = .5, kappa = (.7 - .5) / (1 - .5) = .4
    (row,) = agreement_summary(journal("ann", "FFFFFFSSSS") + journal("bob", "FFFFSSSSSF"))
    assert (row.shared_pairs, row.agreements) == (10, 7)
    assert row.kappa == pytest.approx(0.4)


def test_ties_are_a_third_category() -> None:
    # ann F S T T, bob F S T F: observed .75; chance .25*.5 + .25*.25 + .5*.25 = .3125
    (row,) = agreement_summary(journal("ann", "FSTT") + journal("bob", "FSTF"))
    assert (row.shared_pairs, row.agreements) == (4, 3)
    assert row.kappa == pytest.approx((0.75 - 0.3125) / (1 - 0.3125))


def test_only_shared_pairs_count_and_latest_decision_wins() -> None:
    ann = journal("ann", "FS") + [rec("p00", "q00", 1, "ann")]  # ann changes her mind on p00
    bob = journal("bob", "SS") + [rec("x", "y", 0, "bob")]  # x-y is not shared
    (row,) = agreement_summary(ann + bob)
    assert (row.shared_pairs, row.agreements) == (2, 2)


def test_auto_ratings_are_left_out_by_default() -> None:
    ratings = [rec("a", "b", 0, "ann", broken=1), rec("a", "b", 0, "bob", broken=1)]
    assert agreement_summary(ratings) == []
    (row,) = agreement_summary(ratings, include_broken=True)
    assert row.agreements == 1 and row.kappa is None  # one category only: undefined


def test_three_raters_give_three_rows() -> None:
    rows = agreement_summary(journal("a", "FS") + journal("b", "FF") + journal("c", "SS"))
    assert [(r.rater_a, r.rater_b, r.agreements) for r in rows] == [
        ("a", "b", 1),
        ("a", "c", 1),
        ("b", "c", 0),
    ]


def test_cohen_kappa_edge_cases() -> None:
    assert cohen_kappa([], []) is None
    assert cohen_kappa(["first", "second"], ["second", "first"]) == pytest.approx(-1.0)

"""Decisions -> journal records, and the one rule for pairs with a broken sample.

One place turns "A wins / B wins / equal / one is broken" into best_of_2 records, so the TUI
and `rater autorate` write exactly the same shape. A tie is two records (each sample winning
once, both flagged) because best_of_2 training data has no tie label; together they cancel.

The auto-rate rule (one broken: the other wins; both broken: a tie) is `auto_decide`;
`auto_rate_pairs` applies it to many pairs. The session's per-pair auto-rating, the `r`
key and `rater autorate` all go through these two.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from rater.core import bpe
from rater.core.records import Pair, Rating, Verdict
from rater.core.rules import broken_ids, continuation, elides

Best = Literal[0, 1, "tie"]


@functools.lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[int, ...]:
    """The TUI builds records on every key press; each tune is encoded once per process."""
    return tuple(bpe.encode(text))


def _response(text: str, query: str) -> list[int]:
    """BPE of the continuation; byte-level BPE decodes query + continuation to the full text."""
    return list(_tokens(continuation(text, query)))


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _records(
    pair: Pair,
    winners: Sequence[int],
    rater: str,
    *,
    tie: bool,
    broken: int = 0,
    reasons: tuple[tuple[str, ...], tuple[str, ...]] = ((), ()),
    query_tokens: Sequence[int] | None = None,
    extra: dict[str, Any] | None = None,
    elide: tuple[int, ...] = (),
) -> list[Rating]:
    """`elide`: sides kept by id and reasons only (`rules.elides`), never encoded."""
    query = list(query_tokens) if query_tokens is not None else list(_tokens(pair.query))
    texts = ("" if 0 in elide else pair.a.text, "" if 1 in elide else pair.b.text)
    sample0, sample1 = (_response(t, pair.query) if t else [] for t in texts)
    note: dict[str, Any] = dict(extra or {})
    if elide:
        note["elided"] = list(elide)
    if pair.swapped:
        # sample0 is what was shown on the left; blind A/B needs to know it was randomised.
        note["swapped"] = True
    if pair.recheck_of:
        # a hidden re-check: which earlier decision it repeats (exports leave it out)
        note["recheck_of"] = pair.recheck_of
    time = now()
    return [
        Rating(
            query=query,
            sample0=sample0,
            sample1=sample1,
            best=w,
            ids=(pair.a.id, pair.b.id),
            texts=texts,
            sources=(pair.a.source, pair.b.source),
            numbers=(pair.a.number, pair.b.number),
            rater=rater,
            time=time,
            broken=broken,
            tie=tie,
            reasons=reasons,
            extra=dict(note),
        )
        for w in winners
    ]


def decide(
    pair: Pair,
    best: Best,
    rater: str,
    query_tokens: Sequence[int] | None = None,
    extra: dict[str, Any] | None = None,
) -> list[Rating]:
    """A person's decision: 0 (A, sample0, wins), 1 (B wins) or "tie" (two records).

    With a `pair.query` the texts start with, sample0/sample1 hold only the continuations
    (`texts` keep the full tunes). `extra` adds metadata fields to every record (the
    listening data and note of `rater.rating.listening`)."""
    if best == "tie":
        return _records(pair, (0, 1), rater, tie=True, query_tokens=query_tokens, extra=extra)
    if best not in (0, 1):
        raise ValueError(f"best must be 0, 1 or 'tie', got {best!r}")
    return _records(pair, (best,), rater, tie=False, query_tokens=query_tokens, extra=extra)


def auto_decide(
    pair: Pair,
    verdict_a: Verdict,
    verdict_b: Verdict,
    rater: str,
    query_tokens: Sequence[int] | None = None,
    extra: dict[str, Any] | None = None,
) -> list[Rating]:
    """The rule for broken samples: the working one wins; two broken ones tie; [] if both ok.
    A sample too long to be useful is recorded by id and reasons only (`rules.elides`).
    `extra`: metadata fields for the records (how the pairs were chosen)."""
    if verdict_a.ok and verdict_b.ok:
        return []
    reasons = (tuple(verdict_a.reasons), tuple(verdict_b.reasons))
    if not verdict_a.ok and not verdict_b.ok:
        winners: tuple[int, ...] = (0, 1)
    else:
        winners = (1,) if not verdict_a.ok else (0,)
    return _records(
        pair,
        winners,
        rater,
        tie=len(winners) == 2,
        broken=1,
        reasons=reasons,
        query_tokens=query_tokens,
        extra=extra,
        elide=tuple(k for k, v in enumerate((verdict_a, verdict_b)) if elides(v)),
    )


@dataclass(frozen=True)
class AutorateSummary:
    """What `auto_rate_pairs` did: pairs auto-rated (both broken among them) and pairs left."""

    auto: int  # pairs auto-rated
    left: int  # pairs of two good samples (or not judged), left for a person
    both_broken: int = 0  # of `auto`: ties, two records each


def auto_rate_pairs(
    pairs: Iterable[Pair],
    verdict_of: Callable[[str], Verdict | None],
    rater: str,
    exclude: Callable[[str], object] | None = None,
    extra: dict[str, Any] | None = None,
) -> tuple[list[list[Rating]], AutorateSummary]:
    """`auto_decide` over `pairs`: the records of every pair with a broken sample, one list
    per decision, in pair order. A pair whose sample has no verdict yet counts as left.

    `exclude` is told each broken sample as soon as its record exists, before the next pair
    is taken from `pairs` (a lazy pair source then stops pairing it with new partners).
    `extra`: metadata fields for every record (`auto_decide`).
    """
    decisions: list[list[Rating]] = []
    left = both = 0
    for pair in pairs:
        verdict_a, verdict_b = verdict_of(pair.a.id), verdict_of(pair.b.id)
        if verdict_a is None or verdict_b is None:
            left += 1
            continue
        ratings = auto_decide(pair, verdict_a, verdict_b, rater, extra=extra)
        if not ratings:
            left += 1
            continue
        if exclude is not None:
            for sample_id in broken_ids(ratings):
                exclude(sample_id)
        decisions.append(ratings)
        both += len(ratings) == 2
    return decisions, AutorateSummary(len(decisions), left, both)

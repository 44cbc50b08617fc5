"""Rules about rating records that more than one stage applies, each written once.

Which journal lines make one decision and what identifies it (so it counts once, however
often it is read), which pairs are decided, which samples an automatic rating found broken,
which part of a text continues its prompt, which records are hidden re-checks, and how a
record's pairs were chosen: the session, the pair sources, the exports, the statistics and
the team store all ask these questions and must agree.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from rater.core.records import Rating, Reason, Verdict
from rater.core.settings import PairingSettings


def iter_decisions(ratings: Iterable[Rating]) -> Iterator[list[Rating]]:
    """Records grouped by decision (a tie's two records together), in order, as a stream.

    A decision's lines are written in one locked write, so they are adjacent and share a
    `"decision"` id; lines written before there were ids pair up as consecutive tie records
    of the same two samples with different winners.
    """
    group: list[Rating] = []
    for r in ratings:
        prev = group[-1] if group else None
        did = r.extra.get("decision")
        if prev is not None:
            if did is not None and prev.extra.get("decision") == did:
                group.append(r)
                continue
            if (
                did is None
                and prev.extra.get("decision") is None
                and r.tie
                and prev.tie
                and len(group) == 1
                and frozenset(r.ids) == frozenset(prev.ids)
                and r.best != prev.best
            ):
                group.append(r)
                continue
            yield group
        group = [r]
    if group:
        yield group


def decision_id(records: Sequence[Rating]) -> str:
    """The id of the decision `records` make (a tie's two records together): its
    `"decision"` field, which every journal line has carried since decisions had ids, else
    one made from its content - "c" and 15 hex digits of a sha256 of the records without
    their texts and token ids (which follow from the sample ids) - so the same old decision
    read twice, or imported twice into a team project, has the same id however it is read."""
    did = records[0].extra.get("decision")
    if isinstance(did, str) and did:
        return did
    digest = hashlib.sha256()
    for r in records:
        d = r.to_json()
        for key in ("query", "sample0", "sample1", "texts"):
            d.pop(key, None)
        line = json.dumps(d, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        digest.update(line.encode("utf-8", "backslashreplace") + b"\n")
    return "c" + digest.hexdigest()[:15]


class Unique:
    """Each decision once, however often it is read: the same decision given twice - in one
    journal (a repeated line) or in two (a backup copy beside a journal: `rank J J`) - is
    counted once, and `dropped` says how many records were left out.

    A record is identified by its decision's id and which side won (a tie's two records share
    an id and differ in the winner), so a repeated line is dropped as it is read and a
    decision never grows past its two records; a decision without an id is identified by its
    content (`decision_id`). Holds one small integer per decision seen.
    """

    def __init__(self) -> None:
        self._seen: set[int] = set()
        self.dropped = 0

    def __call__(self, records: Iterable[Rating]) -> Iterator[Rating]:
        for group in iter_decisions(self._by_id(records)):
            if group[0].extra.get("decision") is None:
                key = hash(decision_id(group))
                if key in self._seen:
                    self.dropped += len(group)
                    continue
                self._seen.add(key)
            yield from group

    def _by_id(self, records: Iterable[Rating]) -> Iterator[Rating]:
        for r in records:
            did = r.extra.get("decision")
            if did is None:
                yield r  # identified by content once grouped
                continue
            key = hash((did, r.best))
            if key in self._seen:
                self.dropped += 1
                continue
            self._seen.add(key)
            yield r


def decisions(ratings: Iterable[Rating]) -> list[list[Rating]]:
    """`iter_decisions` as a list."""
    return list(iter_decisions(ratings))


def decided_pairs(ratings: Iterable[Rating]) -> set[frozenset[str]]:
    """Pairs (as id sets, either order) that already have a decision: what resume skips."""
    return {frozenset(r.ids) for r in ratings}


def broken_ids(ratings: Iterable[Rating]) -> set[str]:
    """Samples an automatic rating found broken (each side's reasons say which): they have
    their record and are not paired again."""
    return {r.ids[k] for r in ratings if r.broken for k in (0, 1) if r.reasons[k]}


def continuation(text: str, prompt: str) -> str:
    """The part of `text` after `prompt`: training feeds prompt + sample, so a sample that
    repeated the prompt (prefix pairing, where the prompt is the texts' shared start) would
    train on the prompt twice. A text that does not start with the prompt is kept whole."""
    return text[len(prompt) :] if prompt and text.startswith(prompt) else text


def elides(verdict: Verdict) -> bool:
    """Whether an automatic record keeps this broken sample by id and reasons only: a sample
    over the checks' `max_chars` is too long to be useful, and its text and tokens would make
    one journal line as large as the sample (a 50 MB tune, a 181 MB line)."""
    return not verdict.ok and Reason.TOO_LONG in verdict.reasons


def elided(record: Rating) -> tuple[int, ...]:
    """The sides (0, 1) whose text and tokens an automatic record left out (`elides`)."""
    return tuple(record.extra.get("elided", ()))


def recheck_of(rating: Rating) -> str | None:
    """The decision a hidden re-check repeats (sides swapped), or None for a first decision.

    Re-checks measure a rater's consistency; as training data or games they would count
    the same pair twice, so exports leave them out by default and ranks never count them.
    """
    value = rating.extra.get("recheck_of")
    return value if isinstance(value, str) and value else None


def pairing_fields(settings: PairingSettings) -> dict[str, Any]:
    """The fields with which a record remembers how its pairs were chosen (`"pairing"`, the
    strategy, and `"seed"`), so a later `rater rate` or `rater autorate` on the journal pairs
    the same way unless told otherwise."""
    return {"pairing": settings.strategy, "seed": settings.seed}


def pairing_of(record: Rating) -> tuple[str, int] | None:
    """(strategy, seed) that a record was paired with, or None (a record written before
    journals remembered it, or one that does not say)."""
    strategy, seed = record.extra.get("pairing"), record.extra.get("seed")
    if isinstance(strategy, str) and strategy and type(seed) is int:
        return strategy, seed
    return None

"""What a journal's records so far tell a session that starts on it, without the records.

A session needs few facts from a journal: which pairs are decided (resume skips them), which
samples an automatic record found broken, how many decisions there are (people's, each
rater's: the status line), which decisions a hidden re-check may repeat. A 200 MB journal
holds ~80,000 records, and reading them all took 3.2 s before the first pair; these facts
of the same journal take a few MB, so they are kept in a side index (`rating.journal_index`)
and a start reads only what was appended since. `History` is those facts, made from records
(`of`, `add`) or read back from the index (`from_json`, validated: the index is untrusted
like every cache file). The strategies that fit on every decision (`active`, `model`) still
read the records themselves (`records()`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from rater.core.records import Rating
from rater.core.rules import iter_decisions, recheck_of
from rater.rating.follow import pair_key

MAX_NAME = 256  # a rater name or id longer than this is not one rater wrote
COUNTS = ("lines", "decisions", "people")


class Choice(NamedTuple):
    """A person's decision a hidden re-check may repeat (not itself a re-check)."""

    decision: str
    a: str  # ids as written (sample0, sample1)
    b: str
    swapped: bool
    query: tuple[int, ...] = ()  # token ids of the shared prompt (known for new decisions)


def choice_of(record: Rating) -> Choice | None:
    """The decision `record` starts, as a re-check candidate (None if it cannot be one)."""
    decision = record.extra.get("decision")
    if record.broken or recheck_of(record) is not None or not isinstance(decision, str):
        return None
    swapped = bool(record.extra.get("swapped", False))
    return Choice(decision, record.ids[0], record.ids[1], swapped, tuple(record.query))


class History:
    """The facts of a journal's records (see the module docstring)."""

    def __init__(self, records: Callable[[], list[Rating]] | None = None) -> None:
        self.lines = 0  # records
        self.decisions = 0  # a tie's two records are one
        self.people = 0  # decisions not automatic
        self.raters: Counter[str] = Counter()  # people's decisions, by rater
        self.pairs: Counter[tuple[str, str]] = Counter()  # records per pair (`pair_key`)
        self.broken: set[str] = set()  # samples an automatic record found broken
        self.asked: set[str] = set()  # decisions a re-check repeated
        self.choices: dict[str, list[Choice]] = {}  # re-check candidates, by rater
        self._records = records

    @classmethod
    def of(cls, records: History | Sequence[Rating]) -> History:
        """The history of these records (kept: `records()` gives them back)."""
        if isinstance(records, History):
            return records
        kept = list(records)
        history = cls(lambda: kept)
        history.add(kept)
        return history

    def records(self) -> list[Rating]:
        """The records themselves, without token ids or texts (read again from the journal
        when this history came from its index: for the strategies that fit on them)."""
        return self._records() if self._records is not None else []

    def decided(self, ids: Iterable[str]) -> bool:
        return self.pairs[pair_key(ids)] > 0

    def add(self, records: Sequence[Rating]) -> None:
        """Take in more records (whole decisions: a journal is written a decision at a time)."""
        for r in records:
            self.lines += 1
            self.pairs[pair_key(r.ids)] += 1
            if r.broken:
                self.broken.update(r.ids[k] for k in (0, 1) if r.reasons[k])
        for group in iter_decisions(records):
            first = group[0]
            self.decisions += 1
            if first.broken:
                continue
            self.people += 1
            self.raters[first.rater] += 1
            done = recheck_of(first)
            if done is not None:
                self.asked.add(done)
            choice = choice_of(first)
            if choice is not None:
                self.choices.setdefault(first.rater, []).append(choice._replace(query=()))

    # -- the side index's form (`rating.journal_index`) -----------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "decisions": self.decisions,
            "people": self.people,
            "raters": dict(self.raters),
            "pairs": [[a, b, n] for (a, b), n in self.pairs.items()],
            "broken": sorted(self.broken),
            "asked": sorted(self.asked),
            "choices": {
                rater: [[c.decision, c.a, c.b, c.swapped] for c in found]
                for rater, found in self.choices.items()
            },
        }

    @classmethod
    def from_json(cls, data: Any, records: Callable[[], list[Rating]]) -> History:
        """The history an index holds; ValueError when any part of it is not what
        `to_json` writes."""
        if not isinstance(data, dict):
            raise ValueError("not an object")
        h = cls(records)
        h.lines, h.decisions, h.people = (_count(data.get(k)) for k in COUNTS)
        raters = data.get("raters")
        if not isinstance(raters, dict):
            raise ValueError("raters")
        h.raters = Counter({_name(k): _count(v) for k, v in raters.items()})
        for item in _list(data.get("pairs")):
            if not isinstance(item, list) or len(item) != 3:
                raise ValueError("pairs")
            a, b, n = _name(item[0]), _name(item[1]), _count(item[2])
            h.pairs[pair_key((a, b))] += n
        h.broken = {_name(x) for x in _list(data.get("broken"))}
        h.asked = {_name(x) for x in _list(data.get("asked"))}
        choices = data.get("choices")
        if not isinstance(choices, dict):
            raise ValueError("choices")
        for rater, found in choices.items():
            h.choices[_name(rater)] = [_choice(x) for x in _list(found)]
        if h.people > h.decisions or h.decisions > h.lines:
            raise ValueError("counts")
        return h


def _count(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise ValueError("not a count")
    return value


def _name(value: Any) -> str:
    if not isinstance(value, str) or len(value) > MAX_NAME:
        raise ValueError("not a name")
    return value


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError("not a list")
    return value


def _choice(value: Any) -> Choice:
    if not isinstance(value, list) or len(value) != 4 or not isinstance(value[3], bool):
        raise ValueError("not a choice")
    return Choice(_name(value[0]), _name(value[1]), _name(value[2]), value[3])

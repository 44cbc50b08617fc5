"""Journal records as games: who beat whom, a tie's two records folded into one game.

The rule (`folded`) is one: a decisive record is a game; a tie is two records (one each way)
matched per (rater, unordered pair), and a lone tie record (its partner lost to a torn
line) still counts once; hidden re-checks are left out (the pair counts once, by its first
decision). `games` gives `Game` records, as the model and the pair sources use them;
`GameTable` holds the same games compactly - integer arrays, each sample, source and rater
name once - for readers of journals with millions of records (`rater rank`, `rater stats`,
`rater ab-report`), whose memory must stay well under the journal's size.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from rater.core.corpus import title_of
from rater.core.records import Rating
from rater.core.rules import recheck_of


@dataclass(frozen=True)
class Game:
    """One decision: a decisive game, or a tie folded from its two journal records."""

    winner: str
    loser: str
    tie: bool
    sources: tuple[str, str]  # (winner's source, loser's source)
    rater: str
    broken: bool
    texts: tuple[str, str] = ("", "")
    numbers: tuple[int, int] = (0, 0)  # (winner's, loser's) number in its source


def folded(ratings: Iterable[Rating], include_broken: bool = True) -> Iterator[Rating]:
    """The record that stands for each game (see the module docstring), as a stream; only
    tie records still waiting for their partner are held."""
    pending: dict[tuple[str, frozenset[str]], list[Rating]] = {}
    for r in ratings:
        if r.broken and not include_broken:
            continue
        if recheck_of(r) is not None:  # a hidden re-check repeats a game: each counts once
            continue
        if r.best not in (0, 1) or not r.ids[0] or not r.ids[1] or r.ids[0] == r.ids[1]:
            continue
        if not r.tie:
            yield r
            continue
        key = (r.rater, frozenset(r.ids))
        waiting = pending.setdefault(key, [])
        winner = r.ids[r.best]
        match = next((w for w in waiting if w.ids[w.best] != winner), None)
        if match is None:
            waiting.append(r)
            continue
        waiting.remove(match)
        if not waiting:
            del pending[key]
        yield match
    for waiting in pending.values():
        yield from waiting


def games(ratings: Iterable[Rating], include_broken: bool = True) -> list[Game]:
    """Journal records -> games, folding the two records of each tie into one."""
    return [_game(r) for r in folded(ratings, include_broken)]


def _game(r: Rating) -> Game:
    w, lo = r.best, 1 - r.best
    return Game(
        winner=r.ids[w],
        loser=r.ids[lo],
        tie=r.tie,
        sources=(r.sources[w], r.sources[lo]),
        rater=r.rater,
        broken=bool(r.broken),
        texts=(r.texts[w], r.texts[lo]),
        numbers=(r.numbers[w], r.numbers[lo]),
    )


class _Names:
    """Each distinct string once, by number."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.names: list[str] = []

    def __call__(self, name: str) -> int:
        k = self.index.get(name)
        if k is None:
            k = self.index[name] = len(self.names)
            self.names.append(name)
        return k


class GameTable:
    """Games as arrays: winner, loser, winner's and loser's source, rater (numbers into
    `samples`, `sources`, `raters`), tie and broken flags: about 26 bytes a game.

    Each sample also keeps the source (and its number there) and the title of the first
    record that named one (titles only when the records were read with their texts).
    """

    def __init__(self) -> None:
        self.samples, self.sources, self.raters = _Names(), _Names(), _Names()
        self.win, self.los = array("i"), array("i")
        self.win_source, self.los_source = array("i"), array("i")
        self.rater = array("i")
        self.tie, self.broken = bytearray(), bytearray()
        self.source_of: dict[int, tuple[str, int]] = {}  # sample -> first (source, number)
        self.title_of: dict[int, str] = {}

    @classmethod
    def collect(cls, ratings: Iterable[Rating], include_broken: bool = True) -> GameTable:
        table = cls()
        for r in folded(ratings, include_broken):
            table.add(r)
        return table

    def add(self, r: Rating) -> None:
        """One game's record (as `folded` gives it)."""
        w, lo = r.best, 1 - r.best
        sides = (self.samples(r.ids[w]), self.samples(r.ids[lo]))
        for k, side in zip((w, lo), sides, strict=True):
            if r.sources[k] and side not in self.source_of:
                self.source_of[side] = (r.sources[k], r.numbers[k])
            if r.texts[k] and side not in self.title_of:
                self.title_of[side] = title_of(r.texts[k], first_line=True)
        self.win.append(sides[0])
        self.los.append(sides[1])
        self.win_source.append(self.sources(r.sources[w]))
        self.los_source.append(self.sources(r.sources[lo]))
        self.rater.append(self.raters(r.rater))
        self.tie.append(r.tie)
        self.broken.append(bool(r.broken))

    def __len__(self) -> int:
        return len(self.win)

    def arrays(self, include_broken: bool = True) -> dict[str, Any]:
        """numpy views of the columns (games by broken records left out unless asked)."""
        import numpy as np

        keep = slice(None) if include_broken else ~np.array(self.broken, dtype=bool)
        columns = {
            "win": self.win,
            "los": self.los,
            "win_source": self.win_source,
            "los_source": self.los_source,
            "rater": self.rater,
        }
        out = {k: np.array(v, dtype=np.int32)[keep] for k, v in columns.items()}
        out["tie"] = np.array(self.tie, dtype=bool)[keep]
        return out

    def __iter__(self) -> Iterator[Game]:
        ids, sources = self.samples.names, self.sources.names
        for k in range(len(self)):
            yield Game(
                winner=ids[self.win[k]],
                loser=ids[self.los[k]],
                tie=bool(self.tie[k]),
                sources=(sources[self.win_source[k]], sources[self.los_source[k]]),
                rater=self.raters.names[self.rater[k]],
                broken=bool(self.broken[k]),
            )

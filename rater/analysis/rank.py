"""Bradley-Terry scores with standard errors, and win rates per source (blind A/B).

Journal records become games here, and games a `Ranking`; the arithmetic (MAP fit under a
Gaussian prior, standard errors per connected component) is `rater.analysis.bt`.

People first: a headline figure counts people's decisions, with the automatic ones (a broken
sample lost) beside it, never mixed in unannounced (`PeopleFirst`: "people 5/9, with
automatic 11/15"): "the working sample beat the broken one" says nothing about which
generator people prefer.

A tie is stored in the journal as two records (one each way, both `tie: true`); `games`
folds that pair back into one tie game, which counts as half a win for each side.
`Ranking.se_method` says "approx" when any block's standard errors were approximated.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from rater.analysis.best import DRAWS, best_k, laplace_draws
from rater.analysis.bt import PRIOR_SD, fit_arrays, hessian, variances
from rater.analysis.games import Game, GameTable, games
from rater.core.errors import RankError
from rater.core.records import Rating

__all__ = ["Game", "GameTable", "games", "fit", "Ranking", "Score", "WinRate", "wilson"]

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Score:
    id: str
    score: float
    se: float
    wins: int
    losses: int
    ties: int
    source: str
    title: str = ""
    number: int = 0  # where the sample is in its source, from 1 (0: not known)
    p_best: float | None = None  # probability of being among the best K (`fit(best=K)`)

    @property
    def interval(self) -> tuple[float, float]:
        """The score's 95% interval (normal, from its standard error)."""
        return self.score - Z95 * self.se, self.score + Z95 * self.se


@dataclass(frozen=True)
class Best:
    """The best K as a set (see `analysis.best`): its ids (highest p_best first), how sure
    the set is (its expected precision), from how many posterior draws and which way."""

    k: int
    ids: tuple[str, ...]
    sure: float
    draws: int
    method: str


@dataclass(frozen=True)
class Ranking:
    """Scores sorted best first. `se_method` is "exact" or "approx" (see module docstring)."""

    rows: tuple[Score, ...]
    games: int
    prior_sd: float
    se_method: str
    best: Best | None = None  # with `fit(best=K)`

    def by_id(self) -> dict[str, Score]:
        return {r.id: r for r in self.rows}


def table_of(ratings: Iterable[Rating] | GameTable, include_broken: bool = True) -> GameTable:
    """The games of `ratings` (a GameTable as it is, when given one)."""
    if isinstance(ratings, GameTable):
        return ratings
    return GameTable.collect(ratings, include_broken)


def fit(
    ratings: Iterable[Rating] | GameTable,
    prior_sd: float = PRIOR_SD,
    include_broken: bool = True,
    extra_ids: Iterable[str] = (),
    prior_mean: Mapping[str, float] | None = None,
    titles: Mapping[str, str] | None = None,
    best: int = 0,
    draws: int = DRAWS,
    seed: int = 0,
) -> Ranking:
    """Bradley-Terry MAP fit of journal records (or of their GameTable, read as a stream);
    `extra_ids` adds never-compared samples. `prior_mean`: each sample's prior mean by id
    (a preference model's scores; missing: 0), which decides where a sample with few
    comparisons sits. `titles` (id -> title) stands in for titles the records' texts would
    give (a reader that left the texts out). `best` > 0: each sample's probability of being
    among the best `best` from `draws` posterior draws (`analysis.best`; `seed` makes them
    repeatable)."""
    import numpy as np

    table = table_of(ratings, include_broken)
    cols = table.arrays(include_broken)
    if not len(cols["win"]):
        raise RankError("no usable rating records to rank")
    names = table.samples
    used = np.unique(np.concatenate([cols["win"], cols["los"]]))  # samples with a game
    ids = [names.names[k] for k in used.tolist()]
    index = {sid: k for k, sid in enumerate(ids)}
    for sid in extra_ids:
        index.setdefault(sid, len(index))
    n = len(index)
    remap = np.full(len(names.names), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    win, los, tie = remap[cols["win"]], remap[cols["los"]], cols["tie"]
    mean = None
    if prior_mean is not None:
        mean = np.fromiter((prior_mean.get(sid, 0.0) for sid in index), dtype=float, count=n)
    scores = fit_arrays(n, win, los, tie, prior_sd, mean=mean)
    var, method = variances(n, win, los, np.ones(len(win)), scores, prior_sd)
    p_best: list[float | None] = [None] * n
    top: Best | None = None
    if best > 0:
        h = hessian(n, win, los, np.ones(len(win)), scores, prior_sd)
        chunks, how = laplace_draws(h, scores, draws, np.random.default_rng(seed))
        answer = best_k(scores, chunks, best, how)
        p_best = answer.p_best.tolist()
        every = list(index)
        chosen = tuple(every[k] for k in answer.chosen.tolist())
        top = Best(answer.k, chosen, answer.sure, answer.draws, answer.method)
    wins = np.bincount(win[~tie], minlength=n)
    losses = np.bincount(los[~tie], minlength=n)
    ties = np.bincount(win[tie], minlength=n) + np.bincount(los[tie], minlength=n)
    rows = []
    for k, (sid, sc, v, w, lo, t) in enumerate(
        zip(
            index,
            scores.tolist(),
            var.tolist(),
            wins.tolist(),
            losses.tolist(),
            ties.tolist(),
            strict=True,
        )
    ):
        at = names.index.get(sid, -1) if k >= len(used) else int(used[k])
        source, number = table.source_of.get(at, ("", 0))
        title = (titles or {}).get(sid, "") or table.title_of.get(at, "")
        score = Score(sid, sc, math.sqrt(v), w, lo, t, source, title, number, p_best[k])
        rows.append(score)
    rows.sort(key=lambda r: (-r.score, r.id))
    return Ranking(tuple(rows), len(win), prior_sd, method, top)


@dataclass(frozen=True)
class WinRate:
    """k wins of n decisive cross-source games, with a Wilson 95% interval; ties apart."""

    source: str
    opponent: str  # "" = all other sources together
    wins: int
    losses: int
    ties: int

    @property
    def decisive(self) -> int:
        return self.wins + self.losses

    @property
    def rate(self) -> float | None:
        return self.wins / self.decisive if self.decisive else None

    @property
    def ci(self) -> tuple[float, float] | None:
        return wilson(self.wins, self.decisive)

    def sentence(self) -> str:
        label = self.source or "(no source)"
        if not self.decisive:
            text = f"{label}: no decisive games"
        else:
            lo, hi = self.ci or (0.0, 0.0)
            text = (
                f"{label} won {self.wins} of {self.decisive} "
                f"({100 * (self.rate or 0):.1f}%, 95% CI {100 * lo:.1f}–{100 * hi:.1f}%)"
            )
        if self.opponent:
            text += f" against {self.opponent}"
        return text + f"; {self.ties} tie{'s' if self.ties != 1 else ''}"


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval: sane at 0 of n and n of n, unlike the normal approximation."""
    if n <= 0:
        return None
    ph = k / n
    den = 1 + z * z / n
    mid = (ph + z * z / (2 * n)) / den
    half = z * math.sqrt(ph * (1 - ph) / n + z * z / (4 * n * n)) / den
    return max(0.0, mid - half), min(1.0, mid + half)


def source_winrates(
    ratings: Iterable[Rating] | GameTable, include_broken: bool = True
) -> list[WinRate]:
    """Per source, its record in games against a different source (same-source games and
    games with an unknown source say nothing about which generator is better)."""
    tally: dict[str, list[int]] = {}
    for sources, tie in _cross(ratings, include_broken):
        for k, src in enumerate(sources):
            t = tally.setdefault(src, [0, 0, 0])
            t[2 if tie else k] += 1
    return [WinRate(s, "", w, lo, t) for s, (w, lo, t) in sorted(tally.items())]


def head_to_head(
    ratings: Iterable[Rating] | GameTable, include_broken: bool = True
) -> list[WinRate]:
    """One row per pair of sources that met (the blind A/B report), from the first
    source's (alphabetical) side."""
    tally: dict[tuple[str, str], list[int]] = {}
    for sources, tie in _cross(ratings, include_broken):
        a, b = sorted(sources)
        t = tally.setdefault((a, b), [0, 0, 0])
        t[2 if tie else (0 if sources[0] == a else 1)] += 1
    return [WinRate(a, b, w, lo, t) for (a, b), (w, lo, t) in sorted(tally.items())]


def _cross(
    ratings: Iterable[Rating] | GameTable, include_broken: bool
) -> Iterator[tuple[tuple[str, str], bool]]:
    """((winner's source, loser's source), tie) of each game between two known sources."""
    table = table_of(ratings, include_broken)
    names = table.sources.names
    for w, lo, tie, broken in zip(
        table.win_source, table.los_source, table.tie, table.broken, strict=True
    ):
        if (broken and not include_broken) or w == lo or not names[w] or not names[lo]:
            continue
        yield (names[w], names[lo]), bool(tie)


@dataclass(frozen=True)
class PeopleFirst:
    """One pair of sources (or a source against all others): people's decisions, and the
    same with the automatic ones added."""

    people: WinRate
    with_auto: WinRate
    dropped: bool = False  # the automatic ones were left out (`--drop-broken`)

    def sentence(self) -> str:
        """e.g. "model_a against model_b: people 5/9 (55.6%, 95% CI 26.7-81.1%; 0 ties), with
        automatic 11/15 (73.3%, ...)"."""
        p = self.people
        label = p.source or "(no source)"
        head = f"{label} against {p.opponent or 'the other sources'}: "
        text = head + "people " + _share(p)
        if self.dropped:
            text += ", automatic decisions left out"
        elif self.with_auto.decisive != p.decisive or self.with_auto.ties != p.ties:
            text += ", with automatic " + _share(self.with_auto)
        else:
            text += ", no automatic decisions"
        return text


def _share(w: WinRate) -> str:
    ties = f"{w.ties} tie{'s' if w.ties != 1 else ''}"
    if not w.decisive:
        return f"0/0 ({ties})"
    lo, hi = w.ci or (0.0, 0.0)
    return (
        f"{w.wins}/{w.decisive} ({100 * (w.rate or 0):.1f}%, 95% CI "
        f"{100 * lo:.1f}–{100 * hi:.1f}%; {ties})"
    )


def people_first(
    rows: Callable[[Iterable[Rating] | GameTable, bool], list[WinRate]],
    ratings: Sequence[Rating] | GameTable,
    include_broken: bool = True,
) -> list[PeopleFirst]:
    """`rows` (`head_to_head` or `source_winrates`) of people's decisions beside the same
    with the automatic ones (without them when `include_broken` is False)."""
    people = {(w.source, w.opponent): w for w in rows(ratings, False)}
    both = rows(ratings, True) if include_broken else list(people.values())
    out = []
    for w in both:
        mine = people.get((w.source, w.opponent), WinRate(w.source, w.opponent, 0, 0, 0))
        out.append(PeopleFirst(mine, w, dropped=not include_broken))
    return out


def people_counts(table: GameTable) -> tuple[dict[str, tuple[int, int, int]], int]:
    """Each sample's wins, losses and ties in people's games (the automatic ones left out),
    and how many games those are: `record_counts` from the table's arrays."""
    import numpy as np

    cols = table.arrays(include_broken=False)
    win, los, tie = cols["win"], cols["los"], cols["tie"]
    n = len(table.samples.names)
    wins = np.bincount(win[~tie], minlength=n)
    losses = np.bincount(los[~tie], minlength=n)
    ties = np.bincount(win[tie], minlength=n) + np.bincount(los[tie], minlength=n)
    names = table.samples.names
    counts = {
        names[k]: (int(wins[k]), int(losses[k]), int(ties[k]))
        for k in np.flatnonzero(wins + losses + ties).tolist()
    }
    return counts, len(win)


def record_counts(gs: Iterable[Game]) -> dict[str, tuple[int, int, int]]:
    """Each sample's wins, losses and ties in `gs`."""
    out: dict[str, list[int]] = {}
    for g in gs:
        if g.tie:
            for sid in (g.winner, g.loser):
                out.setdefault(sid, [0, 0, 0])[2] += 1
        else:
            out.setdefault(g.winner, [0, 0, 0])[0] += 1
            out.setdefault(g.loser, [0, 0, 0])[1] += 1
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}

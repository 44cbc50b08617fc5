"""Bradley-Terry scores with standard errors, and win rates per source (blind A/B).

Journal records become games here, and games a `Ranking`; the arithmetic (MAP fit under a
Gaussian prior, standard errors per connected component) is `rater.analysis.bt`.

A tie is stored in the journal as two records (one each way, both `tie: true`); `games`
folds that pair back into one tie game, which counts as half a win for each side.
`Ranking.se_method` says "approx" when any block's standard errors were approximated.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rater.analysis.best import DRAWS, best_k, laplace_draws
from rater.analysis.bt import PRIOR_SD, fit_arrays, hessian, variances
from rater.core.corpus import title_of
from rater.core.errors import RankError
from rater.core.records import Rating
from rater.core.rules import recheck_of

Z95 = 1.959963984540054


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


def games(ratings: Iterable[Rating], include_broken: bool = True) -> list[Game]:
    """Journal records -> games, folding the two records of each tie into one.

    Tie records are matched per (rater, unordered pair) with the partner that has the other
    winner; a lone tie record (e.g. its partner was lost to a torn line) still counts once.
    Hidden re-checks are left out: the pair counts once, by its first decision.
    """
    out: list[Game] = []
    pending: dict[tuple[str, frozenset[str]], list[Rating]] = {}
    for r in ratings:
        if r.broken and not include_broken:
            continue
        if recheck_of(r) is not None:  # a hidden re-check repeats a game: each counts once
            continue
        if r.best not in (0, 1) or not r.ids[0] or not r.ids[1] or r.ids[0] == r.ids[1]:
            continue
        if not r.tie:
            out.append(_game(r))
            continue
        key = (r.rater, frozenset(r.ids))
        waiting = pending.setdefault(key, [])
        winner = r.ids[r.best]
        match = next((w for w in waiting if w.ids[w.best] != winner), None)
        if match is None:
            waiting.append(r)
        else:
            waiting.remove(match)
            out.append(_game(match))
    out.extend(_game(r) for waiting in pending.values() for r in waiting)
    return out


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


def fit(
    ratings: Sequence[Rating],
    prior_sd: float = PRIOR_SD,
    include_broken: bool = True,
    extra_ids: Iterable[str] = (),
    prior_mean: Mapping[str, float] | None = None,
    titles: Mapping[str, str] | None = None,
    best: int = 0,
    draws: int = DRAWS,
    seed: int = 0,
) -> Ranking:
    """Bradley-Terry MAP fit of journal records; `extra_ids` adds never-compared samples.
    `prior_mean`: each sample's prior mean by id (a preference model's scores; missing: 0),
    which decides where a sample with few comparisons sits. `titles` (id -> title) stands in
    for the records' texts, which a large journal's reader leaves out (`rater rank` collects
    the titles as it streams). `best` > 0: each sample's probability of being among the
    best `best` from `draws` posterior draws (`analysis.best`; `seed` makes them repeatable)."""
    import numpy as np

    gs = games(ratings, include_broken)
    if not gs:
        raise RankError("no usable rating records to rank")
    index: dict[str, int] = {}
    meta: dict[str, tuple[str, str, int]] = {}
    for g in gs:
        for k, sid in enumerate((g.winner, g.loser)):
            index.setdefault(sid, len(index))
            if sid not in meta or not meta[sid][0]:
                title = titles.get(sid, "") if titles is not None else ""
                title = title or title_of(g.texts[k], first_line=True)
                meta[sid] = (g.sources[k], title, g.numbers[k])
    for sid in extra_ids:
        index.setdefault(sid, len(index))
    n = len(index)
    win = np.fromiter((index[g.winner] for g in gs), dtype=np.int64, count=len(gs))
    los = np.fromiter((index[g.loser] for g in gs), dtype=np.int64, count=len(gs))
    tie = np.fromiter((g.tie for g in gs), dtype=bool, count=len(gs))
    mean = None
    if prior_mean is not None:
        mean = np.fromiter((prior_mean.get(sid, 0.0) for sid in index), dtype=float, count=n)
    scores = fit_arrays(n, win, los, tie, prior_sd, mean=mean)
    var, method = variances(n, win, los, np.ones(len(gs)), scores, prior_sd)
    p_best: list[float | None] = [None] * n
    top: Best | None = None
    if best > 0:
        h = hessian(n, win, los, np.ones(len(gs)), scores, prior_sd)
        chunks, how = laplace_draws(h, scores, draws, np.random.default_rng(seed))
        answer = best_k(scores, chunks, best, how)
        p_best = answer.p_best.tolist()
        ids = list(index)
        chosen = tuple(ids[k] for k in answer.chosen.tolist())
        top = Best(answer.k, chosen, answer.sure, answer.draws, answer.method)
    wins = np.bincount(win[~tie], minlength=n)
    losses = np.bincount(los[~tie], minlength=n)
    ties = np.bincount(win[tie], minlength=n) + np.bincount(los[tie], minlength=n)
    none = ("", "", 0)
    rows = [
        Score(sid, sc, math.sqrt(v), w, lo, t, *meta.get(sid, none), p_best=pb)
        for sid, sc, v, w, lo, t, pb in zip(
            index,
            scores.tolist(),
            var.tolist(),
            wins.tolist(),
            losses.tolist(),
            ties.tolist(),
            p_best,
            strict=True,
        )
    ]
    rows.sort(key=lambda r: (-r.score, r.id))
    return Ranking(tuple(rows), len(gs), prior_sd, method, top)


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


def source_winrates(ratings: Sequence[Rating], include_broken: bool = True) -> list[WinRate]:
    """Per source, its record in games against a different source (same-source games and
    games with an unknown source say nothing about which generator is better)."""
    tally: dict[str, list[int]] = {}
    for g in _cross(ratings, include_broken):
        for k, src in enumerate(g.sources):
            t = tally.setdefault(src, [0, 0, 0])
            t[2 if g.tie else k] += 1
    return [WinRate(s, "", w, lo, t) for s, (w, lo, t) in sorted(tally.items())]


def head_to_head(ratings: Sequence[Rating], include_broken: bool = True) -> list[WinRate]:
    """One row per pair of sources that met (the blind A/B report), from the first
    source's (alphabetical) side."""
    tally: dict[tuple[str, str], list[int]] = {}
    for g in _cross(ratings, include_broken):
        a, b = sorted(g.sources)
        t = tally.setdefault((a, b), [0, 0, 0])
        t[2 if g.tie else (0 if g.sources[0] == a else 1)] += 1
    return [WinRate(a, b, w, lo, t) for (a, b), (w, lo, t) in sorted(tally.items())]


def _cross(ratings: Sequence[Rating], include_broken: bool) -> list[Game]:
    return [
        g
        for g in games(ratings, include_broken)
        if g.sources[0] and g.sources[1] and g.sources[0] != g.sources[1]
    ]

"""The `top` strategy (`--pairing top --best K`): find the best K with the fewest ratings.

Thompson-sampling racing over the Bradley-Terry posterior (`analysis.race`): each batch
compares the samples whose membership in the best K is least certain with their closest
challengers across the boundary of a posterior draw. The preference model, fitted from the
same decisions as the `model` strategy fits it, gives every sample its prior mean, so a
sample never compared sits where the model puts it and enters the race when the model
ranks it high. Before there is a model (BOOT decisions) the pairs come from `halves`.

The work is the `model` strategy's job (`prepare` / `adopt`: off the screen's thread, in a
child process on the rating screen): features of newly judged samples, the model's refit
when the games grew by MODEL_GROWTH since the last (or BATCH), then the race. `sure` is how
sure the current best K are (`analysis.best`: their expected precision), for the status bar
("top 10: 87% sure") and `--until`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rater.analysis import bt
from rater.analysis.race import model_prior, race
from rater.core.records import Rating, Sample
from rater.core.settings import DEFAULT_C, PairingSettings, RenderSettings
from rater.rating.pairing.model import (
    BATCH,
    RESERVE,
    ModelFit,
    ModelSource,
    Snapshot,
    features,
    fit_model,
)

MODEL_GROWTH = 0.1  # the model is refitted once the games grew by this share (at least BATCH)


@dataclass(frozen=True)
class Racing:
    """What the race part of a job reads beside the model's snapshot."""

    best: int
    batch: int
    scores: Any  # the last model's scores of the samples featured then, by row (None: none)
    refit: bool  # fit the model again first
    warm: Any  # the last Bradley-Terry scores by sample index (None: none)


@dataclass(frozen=True)
class TopFit:
    """A job's result: the model's part, the race's pairs and its best K."""

    fit: ModelFit
    queue: tuple[tuple[int, int], ...]
    sure: float | None
    chosen: tuple[int, ...]  # sample indices, highest p_best first
    scores: Any  # Bradley-Terry MAP by sample index (the next race's warm start)
    model_games: int  # the games the model in `fit` was fitted on (-1: not refitted)


class TopSource(ModelSource):
    """Racing pairs for the best `best` samples (see the module docstring). `batch`: pairs
    raced per job (the rating screen runs one after every BATCH decisions)."""

    def __init__(
        self,
        samples: Sequence[Sample],
        seed: int = PairingSettings.seed,
        history: Sequence[Rating] = (),
        *,
        best: int = PairingSettings.best,
        until: float = PairingSettings.until,
        render: RenderSettings | None = None,
        defer_refit: bool = False,
        wait_for_ready: bool = False,
        C: float = DEFAULT_C,
        offload: bool = False,
        batch: int = BATCH,
    ) -> None:
        self.best = best
        self.until = until
        self.batch = batch
        self.sure: float | None = None  # None until the first race
        self.chosen: tuple[str, ...] = ()  # the best K by p_best, highest first
        self._model_games = 0  # games the current model was fitted on
        self._warm: Any = None
        super().__init__(
            samples,
            seed,
            history,
            render=render,
            defer_refit=defer_refit,
            wait_for_ready=wait_for_ready,
            C=C,
            offload=offload,
        )

    @property
    def status(self) -> str:
        if self.sure is None:
            return f"top {self.best}: …"
        return f"top {self.best}: {_percent(self.sure)} sure"

    @property
    def reached(self) -> bool:
        return self.until > 0 and self.sure is not None and self.sure >= self.until

    def _refill(self, usable: Any) -> None:
        """The race's pairs are used up (without `defer_refit`): race again now."""
        self._fitted = -1  # the next job races, whatever came in since
        self.settle()

    def _job(self, snapshot: Snapshot) -> tuple[Any, ...]:
        games = len(snapshot.games)
        grown = games - self._model_games >= max(BATCH, MODEL_GROWTH * self._model_games)
        racing = Racing(
            self.best, self.batch, self._scores, self.model is None or grown, self._warm
        )
        return (_race_work, snapshot, racing)

    def adopt(self, result: object) -> None:
        assert isinstance(result, TopFit)
        super().adopt(result.fit)
        if result.model_games >= 0:
            self._model_games = result.model_games
        if result.sure is not None:
            self.sure = result.sure
            self.chosen = tuple(self._samples[k].id for k in result.chosen)
            self._warm = result.scores
            self._queue = list(result.queue)


def _percent(p: float) -> str:
    """87%, never 100% short of certainty (0.996 is 99%, not 100%)."""
    return f"{math.floor(100 * p)}%"


def _race_work(s: Snapshot, r: Racing) -> TopFit:
    """One job (any thread): features of the new samples, the model when due, then (when
    the snapshot asks for a fit) the race among the usable samples."""
    import numpy as np

    ids, new_rows = features(s)
    if not s.fit:
        return TopFit(ModelFit(s.new, ids, new_rows, False, s.version), (), None, (), None, -1)
    scores, refitted = r.scores, -1
    base = ModelFit(s.new, ids, new_rows, True, s.version)
    fitted = fit_model(s, new_rows) if r.refit else None
    if fitted is not None:  # the model's scores of every sample featured now
        model, x = fitted
        scores, refitted = model.scores(x), len(s.games)
        kept_x = x if s.keep_x else None
        base = ModelFit(s.new, ids, new_rows, True, s.version, model, scores, (), kept_x)
    rows = s.rows + s.new
    sub = np.flatnonzero(s.usable)
    if len(sub) < 2:
        return TopFit(base, (), None, (), r.warm, refitted)
    n = len(s.usable)
    local = np.full(n, -1)
    local[sub] = np.arange(len(sub))
    kept = [(local[a], local[b], t) for a, b, t, _ in s.games if local[a] >= 0 and local[b] >= 0]
    arr = np.array(kept, dtype=np.int64).reshape(-1, 3)
    win, los, tie = arr[:, 0], arr[:, 1], arr[:, 2].astype(bool)
    mean: Any = None
    sd: Any = bt.PRIOR_SD
    if scores is not None:  # the model's scores, where it has them (0 elsewhere)
        guide = np.zeros(len(sub))
        featured = np.array(rows[: len(scores)], dtype=np.int64)
        has = local[featured] >= 0
        guide[local[featured[has]]] = scores[has]
        mean, sd = model_prior(len(sub), win, los, tie, guide - guide.mean())
    partners: list[set[int]] = [set() for _ in sub]
    for a, b in s.edges:
        if local[a] >= 0 and local[b] >= 0:
            partners[local[a]].add(int(local[b]))
            partners[local[b]].add(int(local[a]))
    warm = None if r.warm is None else np.asarray(r.warm)[sub]
    out = race(
        len(sub),
        win,
        los,
        tie,
        r.best,
        r.batch + RESERVE,
        prior_mean=mean,
        prior_sd=sd,
        partners=partners,
        x0=warm,
        seed=s.seed + len(s.games),
    )
    every = np.zeros(n) if r.warm is None else np.asarray(r.warm, dtype=float).copy()
    every[sub] = out.scores
    queue = tuple((int(sub[a]), int(sub[b])) for a, b in out.pairs)
    chosen = tuple(int(sub[k]) for k in out.best.chosen)
    return TopFit(base, queue, out.best.sure, chosen, every, refitted)

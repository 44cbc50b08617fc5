"""The `model` strategy: the pairs the preference model (`analysis/model`) is least sure of.

Bradley-Terry learns about the two samples of a comparison only; the preference model
learns about every sample that shares their features, so the comparison worth asking is the
one that takes the most off the uncertainty of the scores of the whole pool
(`analysis.model.choose`: V-optimal, each sample at most once per batch, half the anchors
drawn from the least-compared samples, so samples never compared keep entering).
bench/model_sim.py measures how many fewer ratings than random pairs it needs.

Before there is a model (fewer than BOOT decided comparisons) the pairs come from `halves`
(each sample once, a seeded random partner). Features are computed once per sample, when it
is judged, from its one reading (`rater.core.abc`) and the clip the session's render
settings play (`render`).

All the heavy work (features of newly judged samples, the refit, choosing the next batch)
is one job (`prepare` / `adopt`, see `pairing.base`), which the rating screen runs in a
worker thread: a key press only takes the next pair of the batch chosen by the last
finished fit. With `offload`, the job's work runs in a child process (`rating.offload`):
reading the tunes and the Python work of the features never hold the screen's interpreter
lock.

Each fit chooses BATCH pairs and RESERVE more; the reserve is used only while the next fit
is still running, and once it is used up too the least-compared judged samples are paired
(as before the first fit), so a key press never waits for a fit. Without `defer_refit`
(simulations, scripts) every decision refits at once, as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

from rater.analysis import rank
from rater.analysis.model.choose import choose_pairs
from rater.analysis.model.features import FeatureRows, design
from rater.analysis.model.fit import Games
from rater.analysis.model.learn import final_model
from rater.analysis.model.rows import feature_rows
from rater.core.records import Pair, Rating, Sample
from rater.core.rules import decisions
from rater.core.settings import DEFAULT_C, FeatureSettings, PairingSettings, RenderSettings
from rater.rating.offload import Offload
from rater.rating.pairing.adaptive import AdaptiveSource
from rater.rating.pairing.base import Job
from rater.rating.pairing.schedule import halves

BOOT = 10  # decided comparisons before the first fit (bench/model_sim.py --boot)
BATCH = 2  # pairs chosen per fit (bench/model_sim.py --batch: refit every 2 ratings)
RESERVE = 6  # further pairs of the same fit, used only while the next fit is running
FEATURE_CHUNK = 1024  # samples featurised per job (~0.5 ms each), so a fit comes between


class Game(NamedTuple):
    """One decided comparison between samples (indices): `first` won unless `tie`."""

    first: int
    second: int
    tie: bool
    decision: str | None  # its decision id, so that an undone decision leaves the fit


@dataclass(frozen=True)
class Snapshot:
    """What one job reads: taken on the owner's thread, never changed afterwards."""

    new: list[int]  # samples to featurise (indices)
    samples: list[Sample]
    features: FeatureSettings
    rows: list[int]  # samples featurised before, in row order
    blocks: list[FeatureRows]  # their feature rows, in blocks
    fit: bool
    games: list[Game]
    usable: Any
    count: Any
    edges: list[tuple[int, int]]
    C: float
    seed: int
    version: int
    keep_x: bool  # return the design matrix (kept in this process to choose pairs again)


@dataclass(frozen=True)
class ModelFit:
    """One job's result: the new feature rows, and (when it fitted) the model, the scores of
    every featured sample, the pairs it chose and (in this process) its design matrix."""

    new: list[int]
    ids: tuple[str, ...]  # of the new rows' samples
    rows: FeatureRows | None  # theirs (None: no new samples)
    fitted: bool  # the games of `version` were looked at (a model needs BOOT of them)
    version: int
    model: Any = None
    scores: Any = None
    queue: tuple[tuple[int, int], ...] = ()
    x: Any = None


class ModelSource(AdaptiveSource):
    """Pairs chosen by the preference model, refitted as decisions arrive (see the module
    docstring). `render`: the settings of the clips the session plays (their notes are the
    note features; default `RenderSettings()`); `offload`: jobs run in a child process (with
    `defer_refit`)."""

    def __init__(
        self,
        samples: Sequence[Sample],
        seed: int = PairingSettings.seed,
        history: Sequence[Rating] = (),
        *,
        render: RenderSettings | None = None,
        defer_refit: bool = False,
        wait_for_ready: bool = False,
        C: float = DEFAULT_C,
        offload: bool = False,
    ) -> None:
        import numpy as np

        super().__init__(samples, wait_for_ready)
        kind = self._samples[0].kind if self._samples else "abc"
        self.features = FeatureSettings.of_clips(render or RenderSettings(), kind)
        self._seed = seed
        self._C = C
        self._rng = np.random.default_rng(seed)
        self._games: list[Game] = []
        self._halves = [
            (self._index[p.a.id], self._index[p.b.id]) for p in halves(self._samples, seed)
        ]
        self._rows: list[int] = []  # featured samples, in the order of their feature rows
        self._row_of: dict[int, int] = {}
        self._blocks: list[FeatureRows] = []  # the feature rows, a block per job
        self._x: Any = None  # the design matrix at the last fit (fitted in this process)
        self._scores: Any = None  # the last fit's scores of the rows featured then
        self.model: Any = None  # the current PreferenceModel (None: still in the halves start)
        self._queue: list[tuple[int, int]] = []
        self._defer = defer_refit
        self._offload = Offload() if offload and defer_refit else None
        self._version = 0  # changes whenever the games do
        self._fitted = -1  # the version the last finished job looked at
        self.record(history)
        if not defer_refit:
            self.settle()

    # -- feedback ------------------------------------------------------------------------

    def record(self, ratings: Sequence[Rating]) -> None:
        self._note_pairs(ratings)
        for group in decisions(ratings):  # each game keeps its decision id, for `forget`
            did = group[0].extra.get("decision")
            for g in rank.games(group):
                if g.winner in self._index and g.loser in self._index:
                    i, j = self._index[g.winner], self._index[g.loser]
                    self._games.append(Game(i, j, g.tie, did))
                    self._version += 1
        if not self._defer and self._fitted != self._version:
            self.settle()

    def forget(self, decision_ids: Iterable[str | None]) -> None:
        """Undone decisions leave the fit (at the next refit)."""
        gone = {d for d in decision_ids if d is not None}
        kept = [g for g in self._games if g.decision not in gone]
        if len(kept) != len(self._games):
            self._games = kept
            self._version += BATCH  # refitted by the next job, like BATCH new decisions
            if not self._defer:
                self.settle()

    def upcoming(self, n: int) -> list[Pair]:
        """Before the first fit: the next halves pairs (the session renders them first)."""
        if self.model is not None:
            return []
        out: list[Pair] = []
        for i, j in self._halves:
            if len(out) >= n:
                break
            if self._ok[i] and self._ok[j] and j not in self._partners[i]:
                out.append(Pair(a=self._samples[i], b=self._samples[j]))
        return out

    @property
    def featured(self) -> int:
        """Samples whose features are computed."""
        return len(self._rows)

    def scores(self) -> dict[str, float]:
        """The current model's score of every sample featured at its fit ({} before one)."""
        if self._scores is None:
            return {}
        rows = self._rows[: len(self._scores)]
        return {self._samples[k].id: float(self._scores[r]) for r, k in enumerate(rows)}

    def close(self) -> None:
        if self._offload is not None:
            self._offload.close()

    # -- idle work: features of newly judged samples, the refit, the next batch -----------

    def prepare(self) -> Job | None:
        import numpy as np

        new = [int(k) for k in np.flatnonzero(self._ready) if int(k) not in self._row_of]
        new = new[:FEATURE_CHUNK]  # the rest in the next jobs: a fit comes in between
        pending = self._fitted != self._version
        # deferred: a refit every BATCH decisions (bench/model_sim.py), or when the last
        # fit's pairs are used up; at once otherwise
        due = self._version - self._fitted >= BATCH or not self._queue or not self._defer
        fit = (pending and due) or (self.model is None and bool(new))
        fit = fit and len(self._games) >= BOOT
        if not new and not fit:
            if len(self._games) < BOOT:
                self._fitted = self._version  # nothing to fit yet: nothing is pending
            return None
        snapshot = Snapshot(
            new=new,
            samples=[self._samples[k] for k in new],
            features=self.features,
            rows=list(self._rows),
            blocks=list(self._blocks),
            fit=fit,
            games=list(self._games),
            usable=self._ok & self._ready,
            count=self._count.copy(),
            edges=list(self._edges),
            C=self._C,
            seed=self._seed,
            version=self._version,
            keep_x=self._offload is None,
        )
        work, *args = self._job(snapshot)
        if self._offload is None:
            return partial(work, *args)
        self._offload.start()
        return partial(self._offload.call, work, *args)

    def _job(self, snapshot: Snapshot) -> tuple[Any, ...]:
        """The job's function and its arguments: a module-level function (it may run in the
        child process). A strategy built on this one chooses its pairs its own way here."""
        return (_work, snapshot)

    def adopt(self, result: object) -> None:
        assert isinstance(result, ModelFit)
        if result.new:
            for k in result.new:
                self._row_of[k] = len(self._rows)
                self._rows.append(k)
            if result.rows is not None:
                self._blocks.append(result.rows)
        if result.fitted:
            self._fitted = result.version
        if result.model is not None:
            self.model, self._x, self._scores = result.model, result.x, result.scores
            self._queue = list(result.queue)

    # -- pairs ---------------------------------------------------------------------------

    def next_pair(self) -> Pair | None:
        usable = self._ok & self._ready
        if int(usable.sum()) < 2:
            return None
        pick = self._from_queue(usable) if self.model is not None else None
        if pick is None and self.model is not None and not self._defer:
            self._refill(usable)
            pick = self._from_queue(usable)
        if pick is None:
            pick = self._from_halves(usable)
        if pick is None:
            return None
        i, j = pick
        self._pair_up(i, j)
        a, b = self._samples[i], self._samples[j]
        if self._rng.random() < 0.5:
            a, b = b, a
        return Pair(a=a, b=b)

    def _refill(self, usable: Any) -> None:
        """The last fit's pairs are used up (without `defer_refit`): choose more now."""
        seed = self._seed + len(self._games)
        self._queue = _choose(
            self.model, self._x, self._rows, usable, self._count, self._edges, BATCH, seed
        )

    def _fresh(self, i: int, j: int, usable: Any) -> bool:
        return i != j and bool(usable[i] and usable[j]) and j not in self._partners[i]

    def _from_queue(self, usable: Any) -> tuple[int, int] | None:
        """The next pair the last fit chose that can still be asked."""
        while self._queue:
            i, j = self._queue.pop(0)
            if self._fresh(i, j, usable):
                return i, j
        return None

    def _from_halves(self, usable: Any) -> tuple[int, int] | None:
        """The next halves pair with both samples judged; else the two least-compared judged
        samples not yet paired (so the rater never waits on the halves order)."""
        import numpy as np

        for i, j in self._halves:
            if self._fresh(i, j, usable):
                return i, j
        order = np.lexsort((self._rng.random(len(usable)), self._count))
        ids = [int(k) for k in order if usable[k]]
        for x, i in enumerate(ids):
            for j in ids[x + 1 :]:
                if j not in self._partners[i]:
                    return i, j
        return None


def features(s: Snapshot) -> tuple[tuple[str, ...], FeatureRows | None]:
    """The ids and the feature rows of the snapshot's new samples (None: none), each tune's
    reading made in whichever process the job runs."""
    ids = tuple(x.id for x in s.samples)
    if not s.new:
        return ids, None
    return ids, feature_rows(s.samples, s.features, workers=0)


def fit_model(s: Snapshot, new_rows: FeatureRows | None) -> tuple[Any, Any] | None:
    """The preference model on every featured sample and its design matrix, or None when
    there is nothing to learn a direction from (fewer than BOOT games, or ties only)."""
    import numpy as np

    rows = s.rows + s.new
    row_of = {k: r for r, k in enumerate(rows)}
    kept = [
        (row_of[g.first], row_of[g.second], g.tie)
        for g in s.games
        if g.first in row_of and g.second in row_of
    ]
    if len(kept) < BOOT or all(t for _, _, t in kept):
        return None
    arr = np.array(kept, dtype=np.int64)
    games = Games(arr[:, 0], arr[:, 1], arr[:, 2].astype(bool))
    blocks = s.blocks + ([new_rows] if new_rows is not None else [])
    x, scaling = design(FeatureRows.stack(blocks), s.features)
    return final_model(x, games, s.C, s.features, scaling, s.seed), x


def _work(s: Snapshot) -> ModelFit:
    """One job (any thread): features of the new samples, then, when asked, the refit on
    every featured sample and the next batch of pairs."""
    ids, new_rows = features(s)
    if not s.fit:
        return ModelFit(s.new, ids, new_rows, fitted=False, version=s.version)
    fitted = fit_model(s, new_rows)
    if fitted is None:  # nothing to learn a direction from
        return ModelFit(s.new, ids, new_rows, fitted=True, version=s.version)
    model, x = fitted
    rows = s.rows + s.new
    seed = s.seed + len(s.games)
    queue = _choose(model, x, rows, s.usable, s.count, s.edges, BATCH, seed)
    # the reserve: asked only if the next fit is not in by then (never one of these pairs)
    queue += _choose(model, x, rows, s.usable, s.count, s.edges + queue, RESERVE, seed + 1)
    scores = model.scores(x)
    kept_x = x if s.keep_x else None
    return ModelFit(s.new, ids, new_rows, True, s.version, model, scores, tuple(queue), kept_x)


def _choose(
    model: Any,
    x: Any,
    rows: Sequence[int],
    usable: Any,
    count: Any,
    edges: Sequence[tuple[int, int]],
    n: int,
    seed: int,
) -> list[tuple[int, int]]:
    """`n` pairs from `model` among the usable samples of the design matrix `x` (whose rows
    are the samples `rows`), never a pair already made (`edges`)."""
    import numpy as np

    index = np.array(rows[: x.shape[0]], dtype=np.int64)
    local = np.full(len(usable), -1, dtype=np.int64)  # sample -> its row (no dict of 50,000)
    local[index] = np.arange(len(index))
    pairs = np.array(edges, dtype=np.int64).reshape(-1, 2)
    both = local[pairs]
    decided = {frozenset(map(int, p)) for p in both[(both >= 0).all(axis=1)]}
    chosen = choose_pairs(model, x, n, count[index], decided, seed=seed, usable=usable[index])
    return [(int(index[a]), int(index[b])) for a, b in chosen]

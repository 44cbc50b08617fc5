"""The `model` strategy: the pairs the preference model (`analysis/model`) is least sure of.

Bradley-Terry learns about the two samples of a comparison only; the preference model
learns about every sample that shares their features, so the comparison worth asking is the
one that takes the most off the uncertainty of the scores of the whole pool
(`analysis.model.choose`: V-optimal, each sample at most once per batch, half the anchors
drawn from the least-compared samples, so samples never compared keep entering). In
bench/model_sim.py this reached held-out AUC 0.9 with 0.27 of random pairs' ratings.

Before there is a model (fewer than BOOT decided comparisons) the pairs come from `halves`
(each sample once, a seeded random partner). Features are computed once per sample, when it
is judged, from its one reading (`rater.core.abc`) and the clip the session's render
settings play (`render`).

With `defer_refit` (the TUI) nothing heavy happens in `next_pair`: the key press only takes
the next pair of the batch chosen at the last refit (or, when that is used up, chooses one
from the current model); the features of newly judged samples, the refit and the choice of
the next batch run in `settle`, which the TUI calls once the next pair is on screen (as
for `active`). `next_pair` refits anyway once STALE_LIMIT
decisions are waiting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rater.core.records import Pair, Rating, Sample
from rater.core.rules import decisions
from rater.core.settings import DEFAULT_C, FeatureSettings, PairingSettings, RenderSettings
from rater.rating.pairing.adaptive import AdaptiveSource
from rater.rating.pairing.schedule import halves

BOOT = 10  # decided comparisons before the first fit (bench/model_sim.py --boot)
BATCH = 2  # pairs chosen per fit (bench/model_sim.py --batch: refit every 2 ratings)
STALE_LIMIT = 20  # with deferred refits: decisions a fit may lag before next_pair refits
FEATURE_CHUNK = 256  # samples featurised per settle (~0.5 ms each: music + text features)


class ModelSource(AdaptiveSource):
    """Pairs chosen by the preference model, refitted as decisions arrive (see the module
    docstring). `render`: the settings of the clips the session plays (their notes are the
    note features; default `RenderSettings()`)."""

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
    ) -> None:
        import numpy as np

        super().__init__(samples, wait_for_ready)
        kind = self._samples[0].kind if self._samples else "abc"
        r = render or RenderSettings()
        self.features = FeatureSettings(
            kind=kind,
            use_music=kind == "abc",
            clip_seconds=r.clip_seconds,
            speed=r.speed,
            dialect=r.dialect,
        )
        self._seed = seed
        self._C = C
        self._rng = np.random.default_rng(seed)
        # (winner or first, loser, tie, decision id)
        self._games: list[tuple[int, int, bool, str | None]] = []
        self._halves = [
            (self._index[p.a.id], self._index[p.b.id]) for p in halves(self._samples, seed)
        ]
        self._rows: list[int] = []  # featured samples, in the order of their feature rows
        self._row_of: dict[int, int] = {}
        self._raw: list[Any] = []  # raw music features per row
        self._text: list[Any] = []  # hashed text rows (CSR blocks)
        self._x: Any = None  # the design matrix of self._rows at the last fit
        self.model: Any = None  # the current PreferenceModel (None: still in the halves start)
        self._queue: list[tuple[int, int]] = []
        self._defer = defer_refit
        self._since = 0
        self.record(history)
        if not defer_refit:
            self.settle()

    # -- feedback ------------------------------------------------------------------------

    def record(self, ratings: Sequence[Rating]) -> None:
        from rater.analysis import rank

        self._note_pairs(ratings)
        for group in decisions(ratings):  # each game keeps its decision id, for `forget`
            did = group[0].extra.get("decision")
            for g in rank.games(group):
                if g.winner in self._index and g.loser in self._index:
                    i, j = self._index[g.winner], self._index[g.loser]
                    self._games.append((i, j, g.tie, did))
                    self._since += 1
        if self._since and not self._defer:
            self.settle()

    def forget(self, decision_ids: Iterable[str | None]) -> None:
        """Undone decisions leave the fit (at the next refit)."""
        gone = {d for d in decision_ids if d is not None}
        kept = [g for g in self._games if g[3] not in gone]
        if len(kept) != len(self._games):
            self._since += len(self._games) - len(kept)
            self._games = kept
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

    # -- idle work: features of newly judged samples, the refit --------------------------

    def settle(self) -> None:
        """Features of the samples judged since, then a refit if decisions arrived."""
        self._featurize()
        if self._since or (self.model is None and self._fit_games() is not None):
            self._refit()

    def _featurize(self) -> None:
        import numpy as np

        from rater.analysis.model import music
        from rater.analysis.model.features import contents, music_matrix, text_matrix

        new = [k for k in np.flatnonzero(self._ready) if int(k) not in self._row_of]
        new = new[:FEATURE_CHUNK]  # the rest at the next settles: none blocks the screen long
        if not new:
            return
        samples = [self._samples[int(k)] for k in new]
        items = contents(samples, self.features.kind)
        if self.features.use_music:
            self._raw.append(music_matrix(items, self.features))
        else:
            self._raw.append(np.zeros((len(items), len(music.NAMES))))
        self._text.append(text_matrix(items, self.features))
        for k in new:
            self._row_of[int(k)] = len(self._rows)
            self._rows.append(int(k))

    def _fit_games(self) -> Any:
        """The decisions between featured samples as `fit.Games`, or None when too few
        (fewer than BOOT, or ties only: nothing to learn a direction from)."""
        import numpy as np

        from rater.analysis.model.fit import Games

        kept = [(self._row_of[a], self._row_of[b], t) for a, b, t, _ in self._games
                if a in self._row_of and b in self._row_of]  # fmt: skip
        if len(kept) < BOOT or all(t for _, _, t in kept):
            return None
        arr = np.array(kept, dtype=np.int64)
        return Games(arr[:, 0], arr[:, 1], arr[:, 2].astype(bool))

    def _refit(self) -> None:
        import numpy as np
        import scipy.sparse as sp

        from rater.analysis.model.features import design
        from rater.analysis.model.learn import final_model

        self._since = 0
        games = self._fit_games()
        if games is None:
            return
        rows = (np.concatenate(self._raw), sp.vstack(self._text, format="csr"))
        x, scaling = design([], self.features, rows=rows)
        self.model = final_model(x, games, self._C, self.features, scaling, self._seed)
        self._x = x
        # the next batch is chosen here too, so the key press only takes it from the queue
        self._queue = self._choose(self._ok & self._ready)

    # -- pairs ---------------------------------------------------------------------------

    def next_pair(self) -> Pair | None:
        usable = self._ok & self._ready
        if int(usable.sum()) < 2:
            return None
        if self._since >= STALE_LIMIT or (self._since and not self._defer):
            self.settle()
        pick = self._from_model(usable) if self.model is not None else None
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

    def _fresh(self, i: int, j: int, usable: Any) -> bool:
        return i != j and bool(usable[i] and usable[j]) and j not in self._partners[i]

    def _from_model(self, usable: Any) -> tuple[int, int] | None:
        for attempt in range(2):  # the batch chosen in the last settle, else one chosen now
            while self._queue:
                i, j = self._queue.pop(0)
                if self._fresh(i, j, usable):
                    return i, j
            if attempt == 0:
                self._queue = self._choose(usable)
        return None

    def _choose(self, usable: Any) -> list[tuple[int, int]]:
        """A batch of pairs from the current model among the usable featured samples."""
        import numpy as np

        from rater.analysis.model.choose import choose_pairs

        rows = np.array(self._rows[: self._x.shape[0]], dtype=np.int64)
        local = {int(k): r for r, k in enumerate(rows)}
        decided = {
            frozenset((local[i], local[j]))
            for i in rows
            for j in self._partners[int(i)]
            if j in local and i < j
        }
        chosen = choose_pairs(
            self.model,
            self._x,
            BATCH,
            self._count[rows],
            decided,
            seed=self._seed + len(self._games),
            usable=usable[rows],
        )
        return [(int(rows[a]), int(rows[b])) for a, b in chosen]

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

"""Journal records -> a fitted PreferenceModel and a report on how learnable the ratings are.

The model sees each sample as its content only: a sample is identified here by the hash of
its text (`corpus.sample_id`), never by the id, source or rater a record names, and its
features come from `rater.analysis.model.features`. Records without texts cannot be learned from
and are counted apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from rater.analysis.games import games as rated_games
from rater.analysis.model import explain, fit
from rater.analysis.model.features import FeatureRows, Scaling, contents, design
from rater.analysis.model.preference import PreferenceModel, laplace_precision
from rater.analysis.model.rows import feature_rows
from rater.core.corpus import sample_id
from rater.core.errors import ModelError
from rater.core.records import Rating, Sample
from rater.core.settings import FeatureSettings, FitSettings

TOP = 10
NAMED_COLUMNS = 40


@dataclass(frozen=True)
class ContentGames:
    """Journal decisions as games between content-identified samples."""

    samples: list[Sample]  # one per distinct content, in first-seen order
    games: fit.Games
    ties: int
    skipped: dict[str, int] = field(default_factory=dict)  # why records were not used


def content_games(
    ratings: Iterable[Rating], kind: str = "abc", drop_broken: bool = False
) -> ContentGames:
    """Games from journal records (ties folded, as `rater rank` folds them), each side the
    sample of its content."""
    import numpy as np

    index: dict[str, int] = {}
    samples: list[Sample] = []
    first: list[int] = []
    second: list[int] = []
    tie: list[bool] = []
    skipped: dict[str, int] = {}
    for g in rated_games(ratings):
        if g.broken and drop_broken:
            why = "automatic (a broken sample lost; --with-auto learns from them too)"
            skipped[why] = skipped.get(why, 0) + 1
            continue
        if not g.texts[0].strip() or not g.texts[1].strip():
            why = "no sample texts in the record"
            skipped[why] = skipped.get(why, 0) + 1
            continue
        ids = []
        for text in g.texts:
            sid = sample_id(text)
            if sid not in index:
                index[sid] = len(samples)
                samples.append(Sample(sid, text, "", len(samples), kind=kind))
            ids.append(index[sid])
        if ids[0] == ids[1]:
            why = "the same content on both sides"
            skipped[why] = skipped.get(why, 0) + 1
            continue
        first.append(ids[0])
        second.append(ids[1])
        tie.append(g.tie)
    gs = fit.Games(np.array(first, int), np.array(second, int), np.array(tie, bool))
    return ContentGames(samples, gs, int(sum(tie)), skipped)


@dataclass(frozen=True)
class Report:
    """What `rater model fit` prints: is it learnable, would more ratings help, what counts."""

    games: int
    samples: int
    ties: int
    C: float
    folds: int
    accuracy: fit.Accuracy
    curve: tuple[fit.Accuracy, ...]
    reasons: tuple[explain.Reason, ...]
    text_share: float
    seconds: dict[str, float] = field(default_factory=dict)  # time per phase


def fit_model(
    samples: Sequence[Sample],
    games: fit.Games,
    features: FeatureSettings | None = None,
    settings: FitSettings | None = None,
    progress: Callable[[str], None] | None = None,
    rows: FeatureRows | None = None,
) -> tuple[PreferenceModel, Report]:
    """Fit on every game (between `samples`, by index), after measuring on held-out samples
    how well that works. `rows`: the samples' feature rows when computed already (else read
    here, in `settings.workers` processes)."""
    import time

    features = features or FeatureSettings()
    settings = settings or FitSettings()
    say = progress or (lambda _msg: None)
    seconds: dict[str, float] = {}
    if not len(games) or bool(games.tie.all()):
        raise ModelError("no usable ratings: need at least one decided (non-tie) comparison")
    t0 = time.perf_counter()
    if rows is None:
        say("reading the tunes")
        rows = feature_rows(samples, features, settings.workers)
        seconds["reading and features"] = time.perf_counter() - t0
    x, scaling = design(rows, features)
    seconds["matrix"] = time.perf_counter() - t0 - sum(seconds.values())
    say("cross-validating")
    C = settings.C
    folds = fit.folds_for(len(games), settings.folds)
    prepared = fit.rows(x, games, settings.seed)
    curve = [
        fit.cross_validate(x, games, C, folds, settings.seed, share, prepared)
        for share in sorted(set(settings.curve) | {1.0})
    ]
    accuracy = curve[-1]
    seconds["cross-validation"] = time.perf_counter() - t0 - sum(seconds.values())
    say("fitting")
    model = final_model(x, games, C, features, scaling, settings.seed, prepared)
    heavy = sorted(model.text_columns, key=lambda c: -abs(model.weights[len(scaling.mean) + c]))
    texts = [c.text for c in contents(samples[: explain.NAME_TEXTS], features.kind)]
    ngrams = explain.name_columns(texts, heavy[:NAMED_COLUMNS], features)
    reasons, text_share = explain.top_reasons(model.weights, x, ngrams, TOP)
    seconds["final fit"] = time.perf_counter() - t0 - sum(seconds.values())
    summary = {
        "ratings": int(len(games)),
        "samples": len(samples),
        "accuracy": accuracy.value if accuracy.n else None,  # None: nothing to test on
        "accuracy_interval": list(accuracy.interval) if accuracy.n else None,
    }
    model = replace(model, ngrams={int(k): v for k, v in ngrams.items()}, summary=summary)
    report = Report(
        games=len(games),
        samples=len(samples),
        ties=int(games.tie.sum()),
        C=C,
        folds=folds,
        accuracy=accuracy,
        curve=tuple(curve),
        reasons=tuple(reasons),
        text_share=text_share,
        seconds=seconds,
    )
    return model, report


def final_model(
    x: Any,
    games: fit.Games,
    C: float,
    features: FeatureSettings,
    scaling: Scaling,
    seed: int = 0,
    prepared: fit.Rows | None = None,
) -> PreferenceModel:
    """The model fitted on every game (rows of `x` are the samples the games index), with
    its Laplace precision; no report (the pairing strategy refits with this)."""
    import numpy as np

    r = prepared if prepared is not None else fit.rows(x, games, seed)
    w = fit.fit_rows(r, C)
    p = 1.0 / (1.0 + np.exp(-np.asarray(r.diff @ w).ravel()))
    m = len(scaling.mean)
    columns = np.flatnonzero(w[m:])
    music_prec, text_prec = laplace_precision(r.diff, p, r.weight, C, columns)
    return PreferenceModel(
        features=features,
        scaling=scaling,
        music_weights=tuple(w[:m].tolist()),
        text_columns=tuple(columns.tolist()),
        text_weights=tuple(w[m:][columns].tolist()),
        C=C,
        music_precision=tuple(tuple(r) for r in music_prec.tolist()),
        text_precision=tuple(text_prec.tolist()),
    )

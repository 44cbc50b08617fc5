"""Scoring samples nobody rated: best first, broken ones last, as a table, CSV or samples file.

Broken samples (by the same checks a rating session uses) rank below every usable one
whatever the model thinks of them: a reward model must never prefer a tune that does not
play. Samples are judged on their reading, without audio (no silence check).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from rater.analysis import samplesfile
from rater.analysis.model.preference import PreferenceModel
from rater.analysis.model.rows import feature_rows
from rater.core.checks import judge, text_verdict
from rater.core.errors import ModelError
from rater.core.files import write_output
from rater.core.records import Render, Sample, Verdict
from rater.core.settings import CheckSettings, FitSettings

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Scored:
    sample: Sample
    score: float
    verdict: Verdict


def verdict(sample: Sample, render: Render | None, settings: CheckSettings) -> Verdict:
    if render is None:
        return text_verdict(sample, settings)
    return judge(sample, render, settings, audio=render.wav_path is not None)


def scores_of(
    model: PreferenceModel, samples: Sequence[Sample], workers: int = FitSettings.workers
) -> np.ndarray:
    """The model's score of each sample, in order: each read as the model reads (its
    feature settings), in `workers` processes (`rows.feature_rows`)."""
    return model.score(feature_rows(samples, model.features, workers))


def prior_means(
    model: PreferenceModel, texts: Mapping[str, str], workers: int = FitSettings.workers
) -> dict[str, float]:
    """Each sample's score (centred), by id, from its id and text: the prior means of
    Bradley-Terry scores (`rater rank --model`), so a sample with few comparisons sits
    where the model puts it."""
    if not texts:
        return {}
    kind = model.features.kind
    samples = [Sample(sid, text, "", 0, kind=kind) for sid, text in texts.items()]
    scores = scores_of(model, samples, workers)
    scores = scores - scores.mean()
    return {s.id: float(v) for s, v in zip(samples, scores, strict=True)}


def rank_samples(
    model: PreferenceModel,
    samples: Sequence[Sample],
    renders: Mapping[str, Render],
    settings: CheckSettings,
    workers: int = FitSettings.workers,
) -> list[Scored]:
    """Every sample with its score and verdict: usable ones best first, then broken ones.
    `renders`: each sample's clip as read without audio (`rater.audio.render.parse_one`)."""
    scores = scores_of(model, samples, workers).tolist()
    scored = [
        Scored(s, float(x), verdict(s, renders.get(s.id), settings))
        for s, x in zip(samples, scores, strict=True)
    ]
    scored.sort(key=lambda r: (not r.verdict.ok, -r.score, r.sample.id))
    return scored


def write_csv(rows: Sequence[Scored], path: str) -> None:
    """`id,score,ok,reasons,source`, reasons joined by ';'."""

    def write(f: IO[str]) -> None:
        out = csv.writer(f)
        out.writerow(["id", "score", "ok", "reasons", "source"])
        for r in rows:
            reasons = ";".join(r.verdict.reasons)
            out.writerow([r.sample.id, f"{r.score:.6f}", r.verdict.ok, reasons, r.sample.source])

    write_output(path, write, ModelError, newline="")


def write_samples(rows: Sequence[Scored], path: str, kind: str = "abc") -> None:
    """The rows' samples as a samples file (`analysis.samplesfile`), best first."""
    samplesfile.write_samples([r.sample.text for r in rows], path, ModelError, kind)

"""Scoring samples nobody rated: best first, broken ones last, as a table, CSV or samples file.

Broken samples (by the same checks a rating session uses) rank below every usable one
whatever the model thinks of them: a reward model must never prefer a tune that does not
play. Samples are judged on their reading, without audio (no silence check).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from rater.analysis import samplesfile
from rater.analysis.model.features import contents
from rater.analysis.model.preference import PreferenceModel
from rater.core.checks import judge, text_verdict
from rater.core.errors import ModelError
from rater.core.files import write_output
from rater.core.records import Render, Sample, Verdict
from rater.core.settings import CheckSettings

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


def rank_samples(
    model: PreferenceModel,
    samples: Sequence[Sample],
    renders: Mapping[str, Render],
    settings: CheckSettings,
    rows: tuple[np.ndarray, Any] | None = None,
) -> list[Scored]:
    """Every sample with its score and verdict: usable ones best first, then broken ones.
    `renders`: each sample's clip as read without audio (`rater.audio.render.parse_one`);
    `rows`: the samples' raw features when computed already (`rater.rating.gather`)."""
    scores = model.score(contents(samples, model.features.kind), rows).tolist()
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

"""Scoring samples nobody rated: best first, broken ones last, as a table, CSV or samples file.

Broken samples (by the same checks a rating session uses) rank below every usable one
whatever the model thinks of them: a reward model must never prefer a tune that does not
play. Samples are judged on their reading, without audio (no silence check).
"""

from __future__ import annotations

import csv
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

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


class Ranking:
    """What `rater model score` keeps of each sample as the scores stream in
    (`rater.rating.scoring`): its id, score, verdict's reasons and source, compactly (a
    million samples take ~100 MB), and the texts of only the best `keep` samples of each
    kind (usable, broken): what `--out` writes and the table shows.

    The order is the ranking's: usable samples best first, then broken ones, ties by id.
    """

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.ids: list[str] = []
        self.scores = array("d")
        self.broken = array("b")
        self.reasons: list[tuple[str, ...]] = []
        self.sources: list[str] = []
        self._shared: dict[Any, Any] = {}  # one object per distinct reasons / source
        self._best: list[Scored] = []

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, row: Scored) -> None:
        self.ids.append(row.sample.id)
        self.scores.append(row.score)
        self.broken.append(not row.verdict.ok)
        self.reasons.append(self._shared.setdefault(row.verdict.reasons, row.verdict.reasons))
        self.sources.append(self._shared.setdefault(row.sample.source, row.sample.source))
        self._best.append(row)
        if len(self._best) > 4 * self.keep + 64:
            self._trim()

    def best(self) -> list[Scored]:
        """The best `keep` usable samples then the best `keep` broken ones, texts and all."""
        self._trim()
        return self._best

    def rows(self) -> Iterator[Scored]:
        """Every sample in ranking order (without its text: for the CSV)."""
        import numpy as np

        ids = np.array(self.ids)
        scores = np.frombuffer(self.scores, dtype=np.float64)
        for k in np.lexsort((ids, -scores, np.frombuffer(self.broken, dtype=np.int8))):
            k = int(k)
            reasons = self.reasons[k]
            sample = Sample(self.ids[k], "", self.sources[k], 0)
            ok = not self.broken[k]
            yield Scored(sample, float(scores[k]), Verdict(self.ids[k], ok, reasons))

    def _trim(self) -> None:
        self._best.sort(key=_rank)
        usable = [r for r in self._best if r.verdict.ok][: self.keep]
        self._best = usable + [r for r in self._best if not r.verdict.ok][: self.keep]


def _rank(r: Scored) -> tuple[bool, float, str]:
    return (not r.verdict.ok, -r.score, r.sample.id)


def write_csv(rows: Iterable[Scored], path: str) -> None:
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

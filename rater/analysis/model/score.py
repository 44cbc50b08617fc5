"""Scoring samples nobody rated: best first, broken ones last, as a table, CSV or samples file.

Broken samples (by the same checks a rating session uses) rank below every usable one
whatever the model thinks of them: a reward model must never prefer a tune that does not
play. Samples are judged on their reading, without audio (no silence check).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from rater.core.checks import judge, text_verdict
from rater.core.errors import ModelError
from rater.core.files import write_output
from rater.core.records import Render, Sample, Verdict
from rater.core.settings import CheckSettings


@dataclass(frozen=True)
class Scored:
    sample: Sample
    score: float
    verdict: Verdict


def verdict(sample: Sample, render: Render | None, settings: CheckSettings) -> Verdict:
    if render is None:
        return text_verdict(sample, settings)
    return judge(sample, render, settings, audio=render.wav_path is not None)


class Ranking:
    """What `rater model score` keeps of each sample as the scores stream in
    (`rater.rating.scoring`): its id, score, verdict's reasons and source, compactly (a
    million samples take ~100 MB), and the texts of only the best `keep` samples of each
    kind (usable, broken): what `--out` writes and the table shows.

    The order is the ranking's: usable samples best first, then broken ones, ties by id.
    """

    def __init__(self, keep: int) -> None:
        from array import array

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
    """A samples file `rater` reads back with the same ids: ABC tunes each starting with an
    `X:` line (added where missing; ids ignore it), text samples separated by `===` lines,
    or JSON lines when the file name ends in .jsonl."""
    texts = [r.sample.text for r in rows]

    def write(f: IO[str]) -> None:
        put = f.write
        for n, text in enumerate(texts, 1):
            if path.endswith((".jsonl", ".ndjson")):
                put(json.dumps({"text": text}, ensure_ascii=False) + "\n")
            elif kind == "abc":
                has_x = any(line.startswith("X:") for line in text.split("\n"))
                put(("" if has_x else f"X:{n}\n") + text + "\n\n")
            else:
                put(text + "\n===\n")

    write_output(path, write, ModelError)

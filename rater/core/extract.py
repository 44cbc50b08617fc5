"""Samples out of a training log, a sampler dump or a transcript, for rating what a run made.

Training scripts interleave generated samples with their own output, so those lines are cut
out first; each one also ends the sample above it, because logs rarely leave a blank line
between a sample and the next status line. `rater.core.loglines` lists what is cut.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rater.core.corpus import sample_id
from rater.core.formats import EOT, NEWLINE_MARK, clean_text
from rater.core.loglines import is_log_line
from rater.core.settings import CorpusSettings

_X_LINE = re.compile(r"^X:")


@dataclass(frozen=True)
class Extraction:
    """What `extract_samples` found: the samples, and what it left out."""

    samples: tuple[str, ...]  # unique, in the order found
    dropped_lines: int  # log, progress, header and separator lines cut out
    short: int  # pieces shorter than min_chars
    duplicates: int  # samples already found earlier


def _chunks(text: str, dropped: list[int]) -> Iterator[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace(NEWLINE_MARK, "\n")
    text = text.replace(EOT, "\n\n")
    current: list[str] = []
    for line in text.split("\n"):
        log = is_log_line(line)
        dropped[0] += log
        if log or not line.strip():
            if current:
                yield "\n".join(current)
            current = []
        elif _X_LINE.match(line) and current:
            yield "\n".join(current)  # a new tune starts without a blank line before it
            current = [line]
        else:
            current.append(line)
    if current:
        yield "\n".join(current)


def extract_samples(texts: Iterable[str], min_chars: int = CorpusSettings.min_chars) -> Extraction:
    """Unique samples (by sample id, first kept) of at least `min_chars` characters.

    A blank line inside a sample splits it; in practice generated tunes have none, and
    splitting keeps log noise from gluing unrelated samples together.
    """
    seen: set[str] = set()
    out: list[str] = []
    dropped, short, duplicates = [0], 0, 0
    for text in texts:
        for chunk in _chunks(text, dropped):
            sample = clean_text(chunk)
            if len(sample) < min_chars:
                short += 1
                continue
            sid = sample_id(sample)
            if sid in seen:
                duplicates += 1
                continue
            seen.add(sid)
            out.append(sample)
    return Extraction(tuple(out), dropped[0], short, duplicates)


def format_samples(samples: Iterable[str]) -> str:
    """`===`-separated text that `corpus.read_samples` reads back as the same samples."""
    return "".join(f"{s}\n===\n" for s in samples)

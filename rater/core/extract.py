"""Samples out of a training log or terminal transcript, for rating what a run produced.

Training scripts interleave generated samples with progress lines (PPO step, KL, scores),
so those lines are cut out first; each one also ends the sample above it, because logs
rarely leave a blank line between a sample and the next status line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rater.core.corpus import EOT, NEWLINE_MARK, clean_text, sample_id
from rater.core.settings import CorpusSettings

_LOG_LINE = re.compile(r"\bppo|k =|score =|kl =|total =", re.IGNORECASE)  # not "T:Opposite"
_SEP_LINE = re.compile(r"^\s*(={3,}|-{3,})\s*$")
_X_LINE = re.compile(r"^X:")


def _chunks(text: str) -> Iterable[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace(NEWLINE_MARK, "\n")
    text = text.replace(EOT, "\n\n")
    current: list[str] = []
    for line in text.split("\n"):
        if _LOG_LINE.search(line) or _SEP_LINE.match(line) or not line.strip():
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


def extract_samples(texts: Iterable[str], min_chars: int = CorpusSettings.min_chars) -> list[str]:
    """Unique samples (by sample id, first kept) of at least `min_chars` characters.

    A blank line inside a sample splits it; in practice generated tunes have none, and
    splitting keeps log noise from gluing unrelated samples together.
    """
    seen: set[str] = set()
    out: list[str] = []
    for text in texts:
        for chunk in _chunks(text):
            sample = clean_text(chunk)
            if len(sample) < min_chars:
                continue
            sid = sample_id(sample)
            if sid not in seen:
                seen.add(sid)
                out.append(sample)
    return out


def format_samples(samples: Iterable[str]) -> str:
    """`===`-separated text that `corpus.read_samples` reads back as the same samples."""
    return "".join(f"{s}\n===\n" for s in samples)

"""One file's text -> sample texts, in whatever shape the generator wrote them.

The shapes, tried in this order (the first that fits the file is used):

- JSON and JSONL (`rater.core.structured`): an object per line or an array of objects,
  one sample per text field or per OpenAI-style choice;
- the GPT-2 sampler dump: samples headed by `==== SAMPLE N ====` lines (nshepperd's
  `generate_unconditional_samples.py` and `interactive_conditional_samples.py`, and the
  samples `train.py` writes every few hundred steps);
- `<|endoftext|>` / `===` separated text;
- one sample per line, with newlines written as `⏎`;
- multi-tune `.abc` (a tune starts at `X:`; ABC kind only);
- blank-line separated blocks (folk-rnn writes its tunes so, without `X:`).

A sampler runs on for its whole length whatever it writes, so one sample may carry on past
`<|endoftext|>` into another tune: everywhere `<|endoftext|>` ends a sample, and what
follows it is the next one.
"""

from __future__ import annotations

import re

from rater.core import structured
from rater.core.loglines import SAMPLE_HEADER, is_log_line

NEWLINE_MARK = "⏎"
EOT = "<|endoftext|>"

SEP_LINE = re.compile(r"^\s*={3,}\s*$")
_X_LINE = re.compile(r"^X:")
_BLANK_SPLIT = re.compile(r"\n[ \t]*\n")
_LOOKS_ABC = re.compile(r"\||^[A-Za-z]:", re.MULTILINE)


def clean_text(text: str) -> str:
    """Newlines unified, `⏎` expanded, trailing spaces and edge blank lines dropped.

    Lone surrogates (JSON allows "\\ud800") become U+FFFD: they cannot be hashed, written
    to a journal or encoded, and no real sample needs them.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace(NEWLINE_MARK, "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    first = next((i for i, line in enumerate(lines) if line), len(lines))
    last = next((i for i in range(len(lines) - 1, -1, -1) if lines[i]), -1)
    return "\n".join(lines[first : last + 1])


def split_eot(texts: list[str]) -> list[str]:
    """Each text cut at every `<|endoftext|>`: a sample that ran on past it is two."""
    return [part for text in texts for part in text.split(EOT)]


def _split_separators(text: str) -> list[str]:
    """Generator dumps: `<|endoftext|>` anywhere and lines of `===` end a sample."""
    text = text.replace(NEWLINE_MARK, "\n").replace(EOT, "\n===\n")
    chunks: list[str] = []
    current: list[str] = []
    for line in text.split("\n"):
        if SEP_LINE.match(line):
            chunks.append("\n".join(current))
            current = []
        else:
            current.append(line)
    chunks.append("\n".join(current))
    return chunks


def _split_dump(lines: list[str]) -> list[str]:
    """The GPT-2 sampler dump: a header line starts each sample; what comes before the first
    (the prompt, log lines) is not a sample, nor what follows a bare `====` line (the
    interactive sampler's closing rule) or a log line (`train.py`'s samples are followed by
    its training log) up to the next header."""
    samples: list[list[str]] = []
    current: list[str] | None = None
    for line in lines:
        if SAMPLE_HEADER.match(line):
            current = []
            samples.append(current)
        elif SEP_LINE.match(line) or is_log_line(line):
            current = None  # after the closing rule: the next prompt; after a log line: more log
        elif current is not None:
            current.append(line)
    return split_eot(["\n".join(s) for s in samples])


def _split_x(text: str) -> list[str]:
    """Tunes start at `X:`; text before the first one and trailing free text are dropped.

    Within a tune, a blank-line block is kept only if it looks like ABC (a bar line or a
    header field), so prose between tunes does not stick to the tune above it.
    """
    tunes: list[list[str]] = []
    for line in text.split("\n"):
        if _X_LINE.match(line):
            tunes.append([line])
        elif tunes:
            tunes[-1].append(line)
    out = []
    for lines in tunes:
        blocks = _BLANK_SPLIT.split("\n".join(lines))
        kept = [blocks[0]] + [b for b in blocks[1:] if _LOOKS_ABC.search(b)]
        out.append("\n\n".join(kept))
    return out


def split_text(
    text: str, source: str = "<text>", kind: str = "abc", text_field: str = ""
) -> list[str]:
    """One file's text -> sample texts (cleaned, empty ones dropped), format sniffed.

    `text_field` names the field that holds the sample in JSON records (default: the known
    names, or a record's only text field). Raises `CorpusError` for JSON that breaks off.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    raw = structured.json_texts(text, source, text_field)
    if raw is not None:
        raw = split_eot(raw)
    elif any(SAMPLE_HEADER.match(line) for line in lines):
        raw = _split_dump(lines)
    elif EOT in text or any(SEP_LINE.match(line) for line in lines):
        raw = _split_separators(text)
    elif NEWLINE_MARK in text:  # one sample per line, its newlines written as "⏎"
        raw = lines
    elif kind == "abc" and any(_X_LINE.match(line) for line in lines):
        raw = _split_x(text)
    else:
        raw = _BLANK_SPLIT.split(text)
    return tidy(raw, kind)


def tidy(raw: list[str], kind: str) -> list[str]:
    """Sample texts cleaned (`clean_text`), empty ones and (ABC) comment-only ones dropped."""
    out = [c for c in (clean_text(r) for r in raw) if c]
    if kind == "abc":  # a block of only comment lines (e.g. "%abc-2.1") is not a tune
        out = [c for c in out if not all(line.startswith("%") for line in c.split("\n"))]
    return out

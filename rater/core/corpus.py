"""Samples files -> `Sample` records, whatever shape the generator wrote them in.

Generators dump samples in many shapes (multi-tune .abc, blank-line separated tunes without
`X:`, `===` / `<|endoftext|>` dumps with `⏎` for newlines, JSONL), so the format is sniffed
per file rather than declared. Every sample's id is a hash of its normalised text, so the
same tune read twice (from two files, or with a different `X:` number) is one sample, and
caches and journals keyed on the id survive re-reading.

Encoding decision: files are decoded as UTF-8 (a BOM is dropped); a file that is not valid
UTF-8 is decoded as Latin-1 instead of being refused, because old ABC collections are often
Latin-1 and every byte sequence is valid Latin-1, so such a file still yields its tunes
(accented titles may look wrong). Files with NUL bytes are binary and refused.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from rater.core.errors import CorpusError
from rater.core.files import walk
from rater.core.records import Sample
from rater.core.settings import CorpusSettings

MAX_FILE_BYTES = 200 * 1024 * 1024
KINDS = ("abc", "text")  # abc: rendered and played; text: shown only (poems, replies)
NEWLINE_MARK = "⏎"
EOT = "<|endoftext|>"
JSON_TEXT_FIELDS = ("text", "sample", "completion", "abc")
# Files read when a directory is given; anything else there (MIDI, WAV, LICENSE, README)
# is skipped. A file given explicitly is always read, whatever its name.
DIR_SUFFIXES = {".abc", ".txt", ".text", ".jsonl", ".ndjson"}
DIR_SKIP = re.compile(r"^(readme|license|licence|copying|changelog)\b", re.IGNORECASE)

_SEP_LINE = re.compile(r"^\s*={3,}\s*$")
_X_LINE = re.compile(r"^X:")
_TITLE = re.compile(r"^T:[ \t]*(.*?)\s*$", re.MULTILINE)
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


def normalise(text: str) -> str:
    """The form ids are computed from: `clean_text` minus `X:` lines (tune numbers differ).

    Applied to every kind, so a poem line starting with "X:" is ignored by the id too.
    """
    lines = clean_text(text).split("\n")
    return clean_text("\n".join(line for line in lines if not _X_LINE.match(line)))


def sample_id(text: str) -> str:
    """16 hex chars of sha256 of the normalised text: the sample's identity everywhere."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()[:16]


def title_of(text: str, first_line: bool = False) -> str:
    """A tune's first `T:` field. With `first_line`, a text without one is named by its
    first non-empty line (rank reports name every sample, poems too). `⏎` is a newline."""
    text = text.replace(NEWLINE_MARK, "\n")
    m = _TITLE.search(text)
    if m:
        return m.group(1)
    if first_line:
        return next((line.strip() for line in text.splitlines() if line.strip()), "")
    return ""


def _split_separators(text: str) -> list[str]:
    """Generator dumps: `<|endoftext|>` anywhere and lines of `===` end a sample."""
    text = text.replace(NEWLINE_MARK, "\n").replace(EOT, "\n===\n")
    chunks: list[str] = []
    current: list[str] = []
    for line in text.split("\n"):
        if _SEP_LINE.match(line):
            chunks.append("\n".join(current))
            current = []
        else:
            current.append(line)
    chunks.append("\n".join(current))
    return chunks


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


def _split_jsonl(text: str, source: str) -> list[str]:
    out = []
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{source}: line {n}: not valid JSON ({exc.msg})") from None
        if isinstance(obj, str):
            out.append(obj)
            continue
        if not isinstance(obj, dict):
            raise CorpusError(f"{source}: line {n}: expected a JSON object with a text field")
        for key in JSON_TEXT_FIELDS:
            if isinstance(obj.get(key), str):
                out.append(obj[key])
                break
        else:
            raise CorpusError(
                f"{source}: line {n}: no text field (looked for {', '.join(JSON_TEXT_FIELDS)})"
            )
    return out


def _is_jsonl(text: str) -> bool:
    first = next((line for line in text.split("\n") if line.strip()), "")
    if not first.lstrip().startswith("{"):
        return False
    try:
        return isinstance(json.loads(first), dict)
    except json.JSONDecodeError:
        return False


def split_text(text: str, source: str = "<text>", kind: str = CorpusSettings.kind) -> list[str]:
    """One file's text -> sample texts (cleaned, empty ones dropped), format sniffed.

    Order of precedence: JSONL, then `===` / `<|endoftext|>` separators, then one sample
    per line if newlines are written as `⏎`, then (ABC only) `X:` tune starts, then
    blank-line separation.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _is_jsonl(text):
        raw = _split_jsonl(text, source)
    elif EOT in text or any(_SEP_LINE.match(line) for line in text.split("\n")):
        raw = _split_separators(text)
    elif NEWLINE_MARK in text:  # one sample per line, its newlines written as "⏎"
        raw = text.split("\n")
    elif kind == "abc" and any(_X_LINE.match(line) for line in text.split("\n")):
        raw = _split_x(text)
    else:
        raw = _BLANK_SPLIT.split(text)
    out = [c for c in (clean_text(r) for r in raw) if c]
    if kind == "abc":  # a block of only comment lines (e.g. "%abc-2.1") is not a tune
        out = [c for c in out if not all(line.startswith("%") for line in c.split("\n"))]
    return out


def _decode(data: bytes, path: str) -> str:
    if b"\x00" in data:
        raise CorpusError(f"{path}: binary file (contains NUL bytes), not a samples file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _read_file(path: Path, source: str) -> str:
    if not path.is_file():  # a FIFO or device would block or never end
        raise CorpusError(f"{source}: not a regular file")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CorpusError(
                f"{source}: file too large ({size // 2**20} MB; limit "
                f"{MAX_FILE_BYTES // 2**20} MB) - split it first"
            )
        data = path.read_bytes()
    except PermissionError:
        raise CorpusError(f"{source}: permission denied") from None
    except OSError as exc:
        raise CorpusError(f"{source}: cannot read ({exc.strerror or exc})") from None
    return _decode(data, source)


def read_text(path: str) -> str:
    """One file's text (decoded as described in the module doc), or a one-line CorpusError."""
    p = Path(path)
    if not p.exists():
        raise CorpusError(f"{path}: no such file or directory")
    return _read_file(p, path)


def _files(path: Path) -> list[Path]:
    return sorted(
        p
        for p in walk(path)  # not rglob, which recurses: a folder 1,500 levels deep
        if p.is_file()
        and p.suffix.lower() in DIR_SUFFIXES
        and not DIR_SKIP.match(p.name)
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )


def _samples_of(path: Path, source: str, kind: str) -> Iterable[Sample]:
    texts = split_text(_read_file(path, source), source, kind)
    for i, text in enumerate(texts):
        yield Sample(
            id=sample_id(text),
            text=text,
            source=source,
            index=i,
            title=title_of(text) if kind == "abc" else "",
            kind=kind,
        )


def read_samples(paths: Sequence[str] | str, kind: str = CorpusSettings.kind) -> list[Sample]:
    """All samples of the given files/directories, duplicates collapsed (first one wins).

    Raises `CorpusError` (one line, naming the file) for a missing, unreadable, binary or
    oversized file, and for a path that yields no samples at all.
    """
    if kind not in KINDS:
        raise CorpusError(f"unknown sample kind {kind!r} (expected 'abc' or 'text')")
    if isinstance(paths, str):
        paths = [paths]
    if not paths:
        raise CorpusError("no samples files given")
    seen: set[str] = set()
    out: list[Sample] = []
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise CorpusError(f"{given}: no such file or directory")
        count = 0
        if path.is_dir():
            for f in _files(path):
                for s in _samples_of(f, str(f), kind):
                    count += 1
                    if s.id not in seen:
                        seen.add(s.id)
                        out.append(s)
        else:
            for s in _samples_of(path, given, kind):
                count += 1
                if s.id not in seen:
                    seen.add(s.id)
                    out.append(s)
        if count == 0:
            raise CorpusError(f"no samples found in {given}")
    return out

"""Samples files -> `Sample` records, whatever shape the generator wrote them in.

Generators dump samples in many shapes (`rater.core.formats` lists them: sampler dumps,
JSON from APIs and pipelines, datasets, multi-tune .abc, folk-rnn's blank-line blocks), so
the format is sniffed per file rather than declared. Every sample's id is a hash of its
normalised text, so the same tune read twice (from two files, or with a different `X:`
number) is one sample, and caches and journals keyed on the id survive re-reading.

Every sample also keeps where it came from: its file and its number there, counting from 1
in the order the file holds its samples. This is the one place that number is made; the
check table, `check --json`, the rating screen, the journal and `rank` all show it as it is.

Encoding decision: files are decoded as UTF-8 (a BOM is dropped); a file that is not valid
UTF-8 is decoded as Latin-1 instead of being refused, because old ABC collections are often
Latin-1 and every byte sequence is valid Latin-1, so such a file still yields its tunes
(accented titles may look wrong). Files with NUL bytes are binary and refused.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from rater.core import structured
from rater.core.errors import CorpusError
from rater.core.files import walk
from rater.core.formats import NEWLINE_MARK, clean_text, split_eot, split_text, tidy
from rater.core.records import Sample
from rater.core.settings import CorpusSettings

MAX_FILE_BYTES = structured.MAX_FILE_BYTES
KINDS = ("abc", "text")  # abc: rendered and played; text: shown only (poems, replies)
# Files read when a directory is given; anything else there (MIDI, WAV, LICENSE, README)
# is skipped. A file given explicitly is always read, whatever its name.
DIR_SUFFIXES = {".abc", ".txt", ".text", ".json", ".jsonl", ".ndjson", ".parquet"}
DIR_NAMES = re.compile(r"^samples-\d+$")  # what nshepperd's train.py writes every N steps
# Hugging Face `save_to_disk` folders keep their metadata in these JSON files.
DIR_SKIP = re.compile(
    r"^(readme|license|licence|copying|changelog)\b|^(dataset_info|dataset_dict|state)\.json$",
    re.IGNORECASE,
)

_X_LINE = re.compile(r"^X:")
_TITLE = re.compile(r"^T:[ \t]*(.*?)\s*$", re.MULTILINE)


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


def _decode(data: bytes, path: str) -> str:
    if b"\x00" in data:
        raise CorpusError(f"{path}: binary file (contains NUL bytes), not a samples file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _read_bytes(path: Path, source: str) -> bytes:
    if not path.is_file():  # a FIFO or device would block or never end
        raise CorpusError(f"{source}: not a regular file")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CorpusError(
                f"{source}: file too large ({size // 2**20} MB; limit "
                f"{MAX_FILE_BYTES // 2**20} MB) - split it first"
            )
        return path.read_bytes()
    except PermissionError:
        raise CorpusError(f"{source}: permission denied") from None
    except OSError as exc:
        raise CorpusError(f"{source}: cannot read ({exc.strerror or exc})") from None


def read_text(path: str) -> str:
    """One file's text (decoded as described in the module doc), or a one-line CorpusError."""
    p = Path(path)
    if not p.exists():
        raise CorpusError(f"{path}: no such file or directory")
    return _decode(_read_bytes(p, path), path)


def _files(path: Path) -> list[Path]:
    return sorted(
        p
        for p in walk(path)  # not rglob, which recurses: a folder 1,500 levels deep
        if p.is_file()
        and (p.suffix.lower() in DIR_SUFFIXES or DIR_NAMES.match(p.name) is not None)
        and not DIR_SKIP.match(p.name)
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )


def file_texts(path: Path, source: str, kind: str, text_field: str = "") -> list[str]:
    """One file's sample texts, in the file's order (Parquet by its magic or suffix)."""
    data = _read_bytes(path, source)
    if structured.is_parquet(path, data[:4]):
        return tidy(split_eot(structured.parquet_texts(path, source, text_field)), kind)
    return split_text(_decode(data, source), source, kind, text_field)


def _samples_of(path: Path, source: str, kind: str, text_field: str) -> Iterable[Sample]:
    for number, text in enumerate(file_texts(path, source, kind, text_field), 1):
        yield Sample(
            id=sample_id(text),
            text=text,
            source=source,
            number=number,
            title=title_of(text) if kind == "abc" else "",
            kind=kind,
        )


def read_samples(
    paths: Sequence[str] | str,
    kind: str = CorpusSettings.kind,
    text_field: str = CorpusSettings.text_field,
) -> list[Sample]:
    """All samples of the given files/directories, duplicates collapsed (first one wins).

    The one entry point for reading samples (`iter_samples` as a list). `text_field`: the
    field of JSON records and the Parquet column that holds the sample (default: found by
    name, see `structured`). Raises `CorpusError` (one line, naming the file) for a missing,
    unreadable, binary or oversized file, and for a path that yields no samples at all.
    """
    return list(iter_samples(paths, kind, text_field))


def iter_samples(
    paths: Sequence[str] | str,
    kind: str = CorpusSettings.kind,
    text_field: str = CorpusSettings.text_field,
) -> Iterator[Sample]:
    """`read_samples` as a stream, for a corpus judged once (`rater check`): one file's
    texts at a time, and of the samples before only their ids (as 8-byte integers), so a
    million samples cost tens of MB. The paths are checked before the first sample."""
    if kind not in KINDS:
        raise CorpusError(f"unknown sample kind {kind!r} (expected 'abc' or 'text')")
    if isinstance(paths, str):
        paths = [paths]
    if not paths:
        raise CorpusError("no samples files given")
    for given in paths:
        if not Path(given).exists():
            raise CorpusError(f"{given}: no such file or directory")
    return _stream(paths, kind, text_field)


def _stream(paths: Sequence[str], kind: str, text_field: str) -> Iterator[Sample]:
    seen: set[int] = set()
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise CorpusError(f"{given}: no such file or directory")
        files = [(f, str(f)) for f in _files(path)] if path.is_dir() else [(path, given)]
        count = 0
        for f, source in files:
            for s in _samples_of(f, source, kind, text_field):
                count += 1
                key = int(s.id, 16)
                if key not in seen:
                    seen.add(key)
                    yield s
        if count == 0:
            raise CorpusError(f"no samples found in {given}")

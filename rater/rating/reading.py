"""Several journals read as one stream of records, for the commands that only read them.

`rank`, `stats`, `ab-report` and `export` never hold a whole journal in memory: they iterate
`JournalRecords`, which reads the files line by line each time it is iterated (export reads
twice when it cuts to a batch size), optionally without token ids or texts. Readers never
change a journal: a torn tail is read around, with one warning per file.

Each decision counts once (`core.rules.Unique`, by decision id): a backup copy among the
journals given (`ratings/*.jsonl`), the same journal named twice, or a line repeated a
million times would otherwise train and rank on duplicates without a word. How many
records were dropped is said in one line.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from rater.core.errors import JournalError
from rater.core.records import Rating
from rater.core.rules import Unique
from rater.rating.journal import Journal
from rater.rating.scan import not_a_file


def _stderr(message: str) -> None:
    print(f"rater: {message}", file=sys.stderr)


def checked_paths(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """Every path names an existing regular file; else one error naming the first that
    does not (before any output is written)."""
    out = []
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise JournalError(f"{path}: no such ratings journal")
        why = not_a_file(path)
        if why:
            raise JournalError(f"{path}: {why}")
        out.append(path)
    return out


class JournalRecords:
    """The records of several journals in the order given, read anew on every iteration.

    `tokens=False` leaves token ids out (`lines.parse_head`) and `texts=False` the texts,
    for readers that need neither; `count` is how many records the last full pass gave, and
    `duplicates` how many it left out (decisions already read).
    """

    def __init__(
        self,
        paths: Sequence[str | os.PathLike[str]],
        *,
        tokens: bool = True,
        texts: bool = True,
        warn: Callable[[str], None] = _stderr,
    ) -> None:
        self.paths = checked_paths(paths)
        self.tokens = tokens
        self.texts = texts
        self.warn = warn
        self.count = 0
        self.duplicates = 0
        self._warned: set[int] = set()

    def __iter__(self) -> Iterator[Rating]:
        count = 0
        unique = Unique()
        for record in unique(self._records()):
            count += 1
            yield record
        self.count = count
        if unique.dropped and unique.dropped != self.duplicates:
            self.warn(
                f"{unique.dropped} duplicate records dropped: decisions read before (the same "
                "decision id, from a copy of a journal or a repeated line) count once"
            )
        self.duplicates = unique.dropped

    def _records(self) -> Iterator[Rating]:
        for k, path in enumerate(self.paths):
            journal = Journal(path, read_only=True)
            yield from journal.iter_records(tokens=self.tokens, texts=self.texts)
            if journal.torn_ignored and k not in self._warned:
                self._warned.add(k)
                self.warn(f"{path}: torn last line ignored (it is set aside when rating resumes)")


def read_journals(
    paths: Sequence[str | os.PathLike[str]],
    warn: Callable[[str], None] = _stderr,
    *,
    tokens: bool = True,
    texts: bool = True,
) -> list[Rating]:
    """Records of several journals, in the order given, as one list (small journals)."""
    return list(JournalRecords(paths, tokens=tokens, texts=texts, warn=warn))

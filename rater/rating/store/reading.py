"""A team project's decisions read as one stream of records, for the commands that read.

`ProjectRecords` is to a project what `rating.reading.JournalRecords` is to journal files:
re-iterable (export reads twice when it cuts to a batch size), read in batches (never a
whole project in memory), optionally without token ids or texts, and `count` says how many
records the last full pass read. `rank`, `stats`, `ab-report`, `export` and `model fit`
take either.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from rater.core.records import Rating
from rater.core.settings import TeamSettings
from rater.rating.store.connect import connect
from rater.rating.store.team import TeamStore


class ProjectRecords:
    """Every decision of `project` not undone, in the order written (see module docstring)."""

    def __init__(
        self,
        url: str,
        project: str,
        *,
        tokens: bool = True,
        texts: bool = True,
        settings: TeamSettings = TeamSettings(),
    ) -> None:
        self.store = TeamStore(connect(url, settings), project, rater="")
        self.tokens = tokens
        self.texts = texts
        self.count = 0
        self.paths = [f"project {project}"]  # what the commands name as their input

    def __iter__(self) -> Iterator[Rating]:
        count = 0
        for _, records in self.store.records():
            for r in records:
                if not self.tokens:
                    r = replace(r, query=[], sample0=[], sample1=[])
                if not self.texts:
                    r = replace(r, texts=("", ""))
                count += 1
                yield r
        self.count = count

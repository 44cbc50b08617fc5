"""Where a reading command's ratings come from: journal files, or a team project (`--db`).

One rule for `export`, `rank`, `stats`, `ab-report` and `model fit`: journals named on the
command line are read; with none named, `--db URL` (or `$RATER_DB`) and `--project NAME`
read the project's decisions from the team database instead. `model score` takes its
samples the same way (`samples_of`).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import Protocol

from rater.core.corpus import read_samples
from rater.core.errors import CorpusError, JournalError, StoreError
from rater.core.records import Rating, Sample
from rater.rating.reading import JournalRecords
from rater.rating.store.connect import URL_ENV, connect, url_from
from rater.rating.store.reading import ProjectRecords
from rater.rating.store.team import TeamStore


class Ratings(Protocol):
    """What the commands need of either source: re-iterable records and their count."""

    count: int

    def __iter__(self) -> Iterator[Rating]: ...


def ratings_of(args: argparse.Namespace, *, tokens: bool = True, texts: bool = True) -> Ratings:
    """The records the command reads (see the module docstring)."""
    if args.ratings and args.db:
        raise StoreError("--db reads a team project: name no journals beside it")
    url = None if args.ratings else url_from(args.db)
    if url is None:
        if not args.ratings:
            raise JournalError(
                f"no ratings: name journals, or --db URL (or {URL_ENV}) with --project NAME"
            )
        return JournalRecords(args.ratings, tokens=tokens, texts=texts)
    if not args.project:
        raise StoreError("--db needs --project NAME (the team project to read)")

    return ProjectRecords(url, args.project, tokens=tokens, texts=texts)


def samples_of(args: argparse.Namespace, kind: str) -> list[Sample]:
    """Samples files named on the command line, else (`--db`) every sample of the project."""
    url = None if args.samples else url_from(args.db)
    if url is None:
        if not args.samples:
            raise CorpusError(
                f"no samples: name samples files, or --db URL (or {URL_ENV}) with --project NAME"
            )
        return read_samples(args.samples, kind=kind, text_field=args.text_field)
    if not args.project:
        raise StoreError("--db needs --project NAME (the team project to read)")

    with connect(url) as conn:
        return TeamStore(conn, args.project, "").all_samples()


def input_names(args: argparse.Namespace) -> str:
    """The inputs as a message names them."""
    if args.ratings:
        return ", ".join(args.ratings)
    return f"project {args.project}"

"""Journals into a team project and back: both ways idempotent by decision id.

`import_journals` writes each decision of the journals (a tie's two records together)
under its id, so importing a journal twice, or a backup copy beside it, adds it once.
`export_journal` appends to a journal file the project's decisions it does not hold yet,
in the order they were written, through the file journal itself (`Journal.append_many`:
one write + fsync per batch), so the file is a journal every command reads.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, NamedTuple

from rater.core.records import Rating
from rater.core.rules import decision_id, iter_decisions
from rater.rating.journal import Journal
from rater.rating.reading import JournalRecords
from rater.rating.store.team import TeamStore, Written

BATCH = 500  # decisions per write (export) or per progress step (import)


class Moved(NamedTuple):
    written: int  # decisions written now
    present: int  # decisions the target already held (same id)


def with_id(records: Sequence[Rating]) -> list[Rating]:
    """The decision's records, all carrying its id (kept, else made from the content by the
    one rule every reader keys on: `core.rules.decision_id`)."""
    did = records[0].extra.get("decision")
    if isinstance(did, str) and did:
        return list(records)
    did = decision_id(records)
    return [replace(r, extra={**r.extra, "decision": did}) for r in records]


def import_journals(conn: Any, project: str, paths: Sequence[str | os.PathLike[str]]) -> Moved:
    """Every decision of the journals into `project` (admin: any rater's records)."""
    store = TeamStore(conn, project, rater="")
    written = present = 0
    for records in iter_decisions(JournalRecords(paths)):
        if store.decide(with_id(records)) == Written.WRITTEN:
            written += 1
        else:
            present += 1
    return Moved(written, present)


def export_journal(conn: Any, project: str, out: str | os.PathLike[str]) -> Moved:
    """The project's decisions appended to the journal `out` (made if missing), leaving
    out those it already holds; returns how many were written and how many were there."""
    store = TeamStore(conn, project, rater="")
    journal = Journal(out)
    have = {r.extra.get("decision") for r in journal.iter_records(tokens=False, texts=False)}
    have.discard(None)
    written = present = 0
    batch: list[list[Rating]] = []
    for _, records in store.records():
        if records[0].extra.get("decision") in have:
            present += 1
            continue
        batch.append(records)
        if len(batch) >= BATCH:
            written += len(journal.append_many(batch))
            batch = []
    if batch:
        written += len(journal.append_many(batch))
    return Moved(written, present)

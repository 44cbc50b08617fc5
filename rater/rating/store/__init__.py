"""Where a rating session's decisions go: the file journal, or the team's PostgreSQL server.

    DecisionStore   the small interface a writer of decisions needs; `rating.journal.Journal`
                    (the embedded default) and `client.TeamClient` (`--db URL`) both have it
    schema          numbered SQL migrations (migrations/*.sql) and `migrate` (`rater db init`)
    connect         psycopg, reached only with `--db`; lost connection -> OfflineError
    team            one rater's view of a project: lease, decide, undo, progress (SQL)
    client          a TeamClient: leases held ahead, the fsync'd spool while offline, replay
    projects        admin: samples and schedule into a project, login roles (`db add`, `db grant`)
    transfer        journals <-> a project, idempotent by decision id (`db import`, `db export`)

psycopg is imported only inside `connect`, so nothing here costs anything without `--db`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from rater.core.records import Rating


class DecisionStore(Protocol):
    """Write a decision durably, read back one's own last one, take it back."""

    def append(self, records: Sequence[Rating]) -> list[Rating]: ...

    def last_decision(self) -> list[Rating]: ...

    def undo(self, expect_decision: str | None = None) -> list[Rating]: ...

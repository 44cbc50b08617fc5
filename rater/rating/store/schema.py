"""The team store's schema: numbered migrations checked in as SQL files beside this module.

`migrate` applies, in order and each in its own transaction, every file whose number is
above the database's version (`rater_migrations`), under a transaction-level advisory lock
so two `rater db init` at once apply each file once. A database newer than this rater is
refused rather than written to by code that does not know its tables.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any, NamedTuple

from rater.core.errors import StoreError

_LOCK_KEY = 0x7261746572  # "rater": the advisory lock `db init` holds while migrating
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class Migration(NamedTuple):
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """Every migration file, by version (package data: works from an installed wheel)."""
    folder = resources.files("rater.rating.store").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        m = _NAME.match(entry.name)
        if m:
            found.append(Migration(int(m.group(1)), m.group(2), entry.read_text("utf-8")))
    return sorted(found)


LATEST = migrations()[-1].version


def version(conn: Any) -> int:
    """The database's schema version (0: never initialised)."""
    row = conn.execute("SELECT to_regclass('rater_migrations') IS NOT NULL").fetchone()
    if not row[0]:
        return 0
    row = conn.execute("SELECT coalesce(max(version), 0) FROM rater_migrations").fetchone()
    return int(row[0])


def require_current(conn: Any) -> None:
    """One line unless the database holds exactly this rater's schema."""
    have = version(conn)
    if have == LATEST:
        return
    if have == 0:
        raise StoreError("the team database has no rater schema: run `rater db init` first")
    if have < LATEST:
        raise StoreError(
            f"the team database has schema version {have}, this rater needs {LATEST}: "
            "run `rater db init` to migrate it"
        )
    raise StoreError(
        f"the team database has schema version {have}, newer than this rater knows "
        f"({LATEST}): upgrade rater"
    )


def migrate(conn: Any, target: int | None = None) -> tuple[int, int]:
    """Bring the schema up to `target` (default: the latest); returns (before, after)."""
    target = LATEST if target is None else target
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS rater_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL,"
            " applied timestamptz NOT NULL DEFAULT now())"
        )
    before = version(conn)
    if before > LATEST:
        require_current(conn)
    for m in migrations():
        if m.version > target:
            break
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            if version(conn) >= m.version:
                continue  # another `db init` applied it meanwhile
            conn.execute(m.sql)
            conn.execute(
                "INSERT INTO rater_migrations (version, name) VALUES (%s, %s)",
                (m.version, m.name),
            )
    return before, version(conn)

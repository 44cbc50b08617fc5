"""What an admin does to the team database: load a corpus into a project, make roles.

`add_samples` keeps each sample by its content id (`core.corpus.sample_id`), text, file and
number, and appends the project's schedule for the samples new to it: the project's pairing
strategy and seed decide the pairs, exactly as `rater rate` would on the same samples, so
adding the same file twice adds nothing. Each pair gets `overlap` slots (see `team`).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any, NamedTuple

from rater.core.errors import StoreError
from rater.core.records import Pair, Sample
from rater.core.settings import PairingSettings, TeamSettings
from rater.rating.pairing.schedule import ab_pairs, halves, prefix_pairs
from rater.rating.store.connect import guarded
from rater.rating.store.schema import require_current
from rater.rating.store.team import ADAPTIVE, Project, load_project

FIXED = ("halves", "ab", "prefix")  # strategies whose pairs are a schedule made up front


class Added(NamedTuple):
    samples: int  # new to the project
    pairs: int  # new pairs appended to its schedule
    project: Project


def schedule(samples: Sequence[Sample], pairing: PairingSettings) -> list[Pair]:
    """The pairs `rater rate` would show for these samples, in its order."""
    if pairing.strategy == "halves":
        return halves(samples, pairing.seed)
    if pairing.strategy == "ab":
        return list(ab_pairs(samples, pairing.seed))
    if pairing.strategy == "prefix":
        return list(prefix_pairs(samples, pairing.seed, pairing.prefix_chars))
    if pairing.strategy in ADAPTIVE:
        return []  # chosen as the rating goes, and claimed (`TeamStore.claim`)
    raise StoreError(
        f"pairing {pairing.strategy!r}: a team project uses {', '.join(FIXED + ADAPTIVE)}",
        field="pairing",
    )


def ensure_project(
    conn: Any, name: str, pairing: PairingSettings, team: TeamSettings, kind: str
) -> Project:
    """The project, made with these settings if it is new (an existing one keeps its own)."""
    if pairing.strategy not in FIXED + ADAPTIVE:
        schedule([], pairing)  # the error naming the strategies a project can use
    with guarded():
        require_current(conn)
        conn.execute(
            "INSERT INTO projects (name, pairing, seed, kind, overlap, lease_seconds)"
            " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (name) DO NOTHING",
            (name, pairing.strategy, pairing.seed, kind, team.overlap, team.lease_seconds),
        )
        return load_project(conn, name)


def add_samples(
    conn: Any,
    name: str,
    samples: Sequence[Sample],
    pairing: PairingSettings = PairingSettings(),
    team: TeamSettings = TeamSettings(),
    kind: str = "abc",
) -> Added:
    """Load samples into project `name` (made if new) and schedule the new ones' pairs."""
    project = ensure_project(conn, name, pairing, team, kind)
    stored = PairingSettings(
        strategy=project.pairing, seed=project.seed, prefix_chars=pairing.prefix_chars
    )
    with guarded(), conn.transaction():
        conn.execute("SELECT id FROM projects WHERE id = %s FOR UPDATE", (project.id,))
        known = {
            r[0] for r in conn.execute("SELECT id FROM samples WHERE project = %s", (project.id,))
        }
        fresh = [s for s in samples if s.id not in known]
        with conn.cursor().copy(
            "COPY samples (project, id, text, source, number, title, kind) FROM STDIN"
        ) as copy:
            for s in fresh:
                copy.write_row((project.id, s.id, s.text, s.source, s.number, s.title, s.kind))
        paired = {
            r[0]
            for r in conn.execute(
                "SELECT a FROM pairs WHERE project = %(p)s UNION SELECT b FROM pairs"
                " WHERE project = %(p)s",
                {"p": project.id},
            )
        }
        pairs = schedule([s for s in samples if s.id not in paired], stored)
        start = conn.execute(
            "SELECT coalesce(max(pair), 0) FROM pairs WHERE project = %s", (project.id,)
        ).fetchone()[0]
        with conn.cursor().copy(
            "COPY pairs (project, pair, a, b, query, swapped) FROM STDIN"
        ) as copy:
            for n, p in enumerate(pairs, start + 1):
                copy.write_row((project.id, n, p.a.id, p.b.id, p.query, p.swapped))
        conn.execute(
            "INSERT INTO slots (project, pair, slot)"
            " SELECT %(p)s, pair, k FROM pairs, generate_series(0, %(k)s - 1) k"
            " WHERE project = %(p)s AND pair > %(start)s",
            {"p": project.id, "k": project.overlap, "start": start},
        )
    return Added(len(fresh), len(pairs), project)


def grant(conn: Any, name: str, *, admin: bool = False, password: str | None = None) -> str:
    """A login role `name` for a rater (member of rater_team: writes only as itself) or an
    admin (rater_admin: adds samples, exports). Returns its password (made if not given):
    an existing role gets the new password and the membership."""
    from psycopg import sql

    password = password or secrets.token_urlsafe(18)
    group = "rater_admin" if admin else "rater_team"
    with guarded():
        require_current(conn)
        exists = conn.execute("SELECT FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(
            sql.SQL("{} ROLE {} LOGIN PASSWORD {}").format(
                sql.SQL(verb), sql.Identifier(name), sql.Literal(password)
            )
        )
        conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(name)))
    return password

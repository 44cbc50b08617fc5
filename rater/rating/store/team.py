"""One rater's view of a team project: lease the next pair, write a decision, undo it.

Pairs are handed out through `slots`: a pair of a project with overlap K has K slots, each
free, leased to one rater until a deadline, or decided. `lease` takes the first free slot
in schedule order with `FOR UPDATE SKIP LOCKED`, so raters leasing at once never wait for
each other nor get the same slot, and never a slot of a pair they hold or decided. A lease
past its deadline is free again (its rater vanished). `decide` inserts the decision under
the id the client made (`ON CONFLICT DO NOTHING`: a retry after a timeout is a no-op) and
fills the rater's slot in the same transaction (`rater_decide`, migrations 0003 and 0005:
one round trip; a second automatic record of a broken pair is not written). Undo marks
one's own last decision undone and leases its slot back to the rater, as the file
journal's undo shows the pair again.

Every method is one short transaction; a lost connection is `OfflineError` (the caller
spools), a refusal `StoreError`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any, NamedTuple

from rater.core.errors import StoreError
from rater.core.records import Pair, Rating, Sample
from rater.core.rules import recheck_of
from rater.core.words import counted
from rater.rating.store.connect import guarded
from rater.rating.store.schema import require_current


@dataclass(frozen=True)
class Project:
    """A project's row: how its pairs were made and are handed out."""

    id: int
    name: str
    pairing: str
    seed: int
    kind: str
    overlap: int
    lease_seconds: float


class Written(IntEnum):
    """What `decide` did (the server's `rater_decide` code)."""

    PRESENT = 0
    WRITTEN = 1
    SUPERSEDED = 2


class Lease(NamedTuple):
    """A pair held by this rater until `expires` (server time)."""

    pair: int
    slot: int
    expires: datetime
    shown: Pair


class Progress(NamedTuple):
    """The team's progress on a project: what the screen's "team:" line says."""

    raters: int  # raters with a decision or a live lease
    done: int  # pairs decided by `overlap` distinct raters
    total: int  # pairs in the schedule (so far, for a project whose pairs are chosen)
    decisions: int  # decisions (undone ones left out)
    open_ended: bool = False  # pairs chosen as the rating goes (`active`, `model`, `top`)

    def line(self) -> str:
        if self.open_ended:
            return f"team: {counted(self.raters, 'rater')}, {counted(self.decisions, 'decision')}"
        return f"team: {counted(self.raters, 'rater')}, {self.done:,}/{counted(self.total, 'pair')}"


ADAPTIVE = ("active", "model", "top")  # strategies whose pairs are chosen, and claimed, as they go


# The lease query (DESIGN.md shows its plan): the first open slot in schedule order that is
# free, expired, or this rater's own live lease not already held by the client, of a pair
# whose other slots this rater never held. SKIP LOCKED: a slot being leased right now by
# someone else is passed over, not waited for.
LEASE_SQL = """
WITH pick AS (
    SELECT s.pair, s.slot
    FROM slots s
    WHERE s.project = %(project)s
      AND s.decision IS NULL
      AND (s.rater IS NULL OR s.expires < now() OR s.rater = %(rater)s)
      AND s.pair <> ALL(%(held)s)
      AND NOT EXISTS (
          SELECT FROM slots o
          WHERE o.project = s.project AND o.pair = s.pair
            AND o.slot <> s.slot AND o.rater = %(rater)s)
    ORDER BY s.pair, s.slot
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
UPDATE slots s
SET rater = %(rater)s, expires = now() + make_interval(secs => %(seconds)s)
FROM pick
WHERE s.project = %(project)s AND s.pair = pick.pair AND s.slot = pick.slot
RETURNING s.pair, s.slot, s.expires
"""
# The lease and the pair it gives, both samples included: one round trip.
_LEASE_PAIR_SQL = f"""
WITH leased AS ({LEASE_SQL})
SELECT l.pair, l.slot, l.expires, p.query, p.swapped,
       x.id, x.text, x.source, x.number, x.title, x.kind,
       y.id, y.text, y.source, y.number, y.title, y.kind
FROM leased l
JOIN pairs p ON p.project = %(project)s AND p.pair = l.pair
JOIN samples x ON x.project = p.project AND x.id = p.a
JOIN samples y ON y.project = p.project AND y.id = p.b
"""


def _sample(row: Sequence[Any]) -> Sample:
    sid, text, source, number, title, kind = row
    return Sample(id=sid, text=text, source=source, number=number, title=title, kind=kind)


def rating_of(record: dict[str, Any]) -> Rating:
    """A stored journal line as a `Rating` (the store wrote it from one)."""
    return Rating.from_json(record)


class TeamStore:
    """A connection to one project as one rater (see the module docstring)."""

    def __init__(self, conn: Any, project: str, rater: str) -> None:
        """`rater` "": the login role's name (a rater role's may be no other)."""
        self.conn = conn
        self.rater = rater
        self._samples: dict[str, Sample] = {}
        with guarded():
            require_current(conn)
            self.project = load_project(conn, project)
            self.role, self.rater = _only_as(conn, rater)

    # -- handing out pairs ----------------------------------------------------------------

    def lease(self, held: Iterable[int] = ()) -> Lease | None:
        """The next pair for this rater (None: nothing left for it), leased for the
        project's `lease_seconds`; `held` are pairs the caller already holds."""
        params = {
            "project": self.project.id,
            "rater": self.rater,
            "held": list(held),
            "seconds": self.project.lease_seconds,
        }
        row = self._one(_LEASE_PAIR_SQL, params)
        if row is None:
            return None
        pair, slot, expires, query, swapped = row[:5]
        a, b = _sample(row[5:11]), _sample(row[11:17])
        return Lease(pair, slot, expires, Pair(a=a, b=b, query=query, swapped=swapped))

    def claim(self, pair: Pair) -> Lease | None:
        """Lease a slot of this pair, made the first time anyone claims it (`rater_claim`,
        migration 0004): how an adaptive strategy's chosen pair is taken. None when the
        pair has no slot left for this rater."""
        row = self._one(
            "SELECT pair, slot, expires FROM rater_claim(%s, %s, %s, %s, %s)",
            (self.project.id, pair.a.id, pair.b.id, self.rater, self.project.lease_seconds),
        )
        return Lease(row[0], row[1], row[2], pair) if row else None

    def release(self, pair: int) -> None:
        """Give a lease back (skip, exit): the pair returns to the queue at once."""
        self._run(
            "UPDATE slots SET rater = NULL, expires = NULL WHERE project = %s AND pair = %s"
            " AND rater = %s AND decision IS NULL",
            (self.project.id, pair, self.rater),
        )

    def renew(self, held: Iterable[int]) -> None:
        """Push the deadline of leases still held (a long look at one pair)."""
        self._run(
            "UPDATE slots SET expires = now() + make_interval(secs => %s)"
            " WHERE project = %s AND pair = ANY(%s) AND rater = %s AND decision IS NULL",
            (self.project.lease_seconds, self.project.id, list(held), self.rater),
        )

    def samples(self, ids: Sequence[str]) -> dict[str, Sample]:
        """Samples by id (kept once fetched: a sample is in several pairs)."""
        missing = [i for i in ids if i not in self._samples]
        if missing:
            rows = self._all(
                "SELECT id, text, source, number, title, kind FROM samples"
                " WHERE project = %s AND id = ANY(%s)",
                (self.project.id, missing),
            )
            for row in rows:
                self._samples[row[0]] = _sample(row)
        return {i: self._samples[i] for i in ids if i in self._samples}

    def open_pairs(self, limit: int | None = None) -> list[Pair]:
        """The schedule's pairs with a slot still undecided, in order, samples included."""
        rows = self._all(
            "SELECT p.a, p.b, p.query, p.swapped FROM pairs p WHERE p.project = %s"
            " AND EXISTS (SELECT FROM slots s WHERE s.project = p.project AND s.pair = p.pair"
            " AND s.decision IS NULL) ORDER BY p.pair LIMIT %s",
            (self.project.id, limit),
        )
        found = self.samples(list(dict.fromkeys(i for row in rows for i in row[:2])))
        return [Pair(a=found[a], b=found[b], query=q, swapped=w) for a, b, q, w in rows]

    def all_samples(self, limit: int | None = None) -> list[Sample]:
        """The project's samples by number."""
        rows = self._all(
            "SELECT id, text, source, number, title, kind FROM samples WHERE project = %s"
            " ORDER BY number, id LIMIT %s",
            (self.project.id, limit),
        )
        return [_sample(row) for row in rows]

    # -- decisions ------------------------------------------------------------------------

    def decide(self, records: Sequence[Rating]) -> Written:
        """Write one decision (its records share a `"decision"` id): WRITTEN; PRESENT when
        that id was written before (a retry, a replayed spool), which changes nothing;
        SUPERSEDED for an automatic record of a pair that already has one."""
        decision = records[0].extra.get("decision")
        if not isinstance(decision, str) or not decision:
            raise StoreError('a decision needs its id (the records\' "decision" field)')
        first = records[0]
        params = {
            "project": self.project.id,
            "decision": decision,
            "rater": first.rater,
            "a": first.ids[0],
            "b": first.ids[1],
            "recheck": recheck_of(first) is not None,
            "broken": bool(first.broken),
            "records": _jsonb([r.to_json() for r in records]),
        }
        row = self._one(
            "SELECT rater_decide(%(project)s, %(decision)s, %(rater)s, %(a)s, %(b)s,"
            " %(recheck)s, %(broken)s, %(records)s)",
            params,
        )
        return Written(row[0])

    def last_decision(self) -> list[Rating]:
        """This rater's last decision that is not undone ([] if none)."""
        row = self._one(
            "SELECT records FROM decisions WHERE project = %s AND rater = %s"
            " AND undone IS NULL ORDER BY seq DESC LIMIT 1",
            (self.project.id, self.rater),
        )
        return [rating_of(r) for r in row[0]] if row else []

    def undo(self, expect_decision: str | None = None) -> list[Rating]:
        """Undo this rater's last decision (only if it is `expect_decision`, when given);
        its slot is leased back to the rater. Returns the records undone."""
        with guarded(), self.conn.transaction():
            row = self.conn.execute(
                "SELECT decision, pair, records FROM decisions"
                " WHERE project = %s AND rater = %s AND undone IS NULL"
                " ORDER BY seq DESC LIMIT 1 FOR UPDATE",
                (self.project.id, self.rater),
            ).fetchone()
            if row is None:
                return []
            decision, pair, records = row
            if expect_decision is not None and decision != expect_decision:
                raise StoreError("your last decision on the server is another one; nothing undone")
            self.conn.execute(
                "UPDATE decisions SET undone = now() WHERE project = %s AND decision = %s",
                (self.project.id, decision),
            )
            if pair is not None:
                self.conn.execute(
                    "UPDATE slots SET decision = NULL,"
                    " rater = CASE WHEN rater = %(rater)s THEN rater END,"
                    " expires = CASE WHEN rater = %(rater)s"
                    "   THEN now() + make_interval(secs => %(seconds)s) END"
                    " WHERE project = %(project)s AND pair = %(pair)s"
                    " AND decision = %(decision)s",
                    {
                        "rater": self.rater,
                        "seconds": self.project.lease_seconds,
                        "project": self.project.id,
                        "pair": pair,
                        "decision": decision,
                    },
                )
        return [rating_of(r) for r in records]

    # -- reading --------------------------------------------------------------------------

    def records(self, after: int = 0, *, batch: int = 500) -> Iterator[tuple[int, list[Rating]]]:
        """(seq, records) of every decision not undone, in the order written, from `after`
        on: read in batches, so a large project is never held in memory."""
        while True:
            rows = self._all(
                "SELECT seq, records FROM decisions WHERE project = %s AND seq > %s"
                " AND undone IS NULL ORDER BY seq LIMIT %s",
                (self.project.id, after, batch),
            )
            for seq, records in rows:
                yield seq, [rating_of(r) for r in records]
            if len(rows) < batch:
                return
            after = rows[-1][0]

    def progress(self) -> Progress:
        """Raters, fully decided pairs, all pairs, decisions: the screen's "team:" line."""
        row = self._one(
            """
            SELECT
              (SELECT count(*) FROM (
                 SELECT rater FROM decisions WHERE project = %(p)s AND undone IS NULL
                 UNION
                 SELECT rater FROM slots WHERE project = %(p)s AND decision IS NULL
                   AND rater IS NOT NULL AND expires >= now()) r),
              (SELECT count(*) FROM (
                 SELECT pair FROM slots WHERE project = %(p)s AND decision IS NOT NULL
                 GROUP BY pair HAVING count(*) >= %(k)s) d),
              (SELECT count(*) FROM pairs WHERE project = %(p)s),
              (SELECT count(*) FROM decisions WHERE project = %(p)s AND undone IS NULL)
            """,
            {"p": self.project.id, "k": self.project.overlap},
        )
        assert row is not None
        raters, done, total, decisions = (int(x) for x in row)
        return Progress(raters, done, total, decisions, self.project.pairing in ADAPTIVE)

    # -- plumbing -------------------------------------------------------------------------

    def _one(self, sql: str, params: Any) -> Any:
        with guarded():
            return self.conn.execute(sql, params).fetchone()

    def _all(self, sql: str, params: Any) -> list[Any]:
        with guarded():
            return list(self.conn.execute(sql, params).fetchall())

    def _run(self, sql: str, params: Any) -> None:
        with guarded():
            self.conn.execute(sql, params)


def load_project(conn: Any, name: str) -> Project:
    row = conn.execute(
        "SELECT id, name, pairing, seed, kind, overlap, lease_seconds FROM projects"
        " WHERE name = %s",
        (name,),
    ).fetchone()
    if row is None:
        raise StoreError(f"no project {name!r} in the team database (rater db add ... --project)")
    return Project(*row)


def _only_as(conn: Any, rater: str) -> tuple[str, str]:
    """The login role; a rater role (not an admin) may rate only under its own name, which
    row-level security enforces on the server: this says so before the first write."""
    role, team, admin = conn.execute(
        "SELECT current_user, pg_has_role('rater_team', 'MEMBER'),"
        " pg_has_role('rater_admin', 'MEMBER')"
    ).fetchone()
    if team and not admin:
        if rater and rater != role:
            raise StoreError(
                f"--rater {rater}: this connection logs in as {role}, and a rater role writes "
                "only its own decisions"
            )
    return str(role), rater or str(role)


def _jsonb(value: Any) -> Any:
    from psycopg.types.json import Jsonb

    return Jsonb(value, dumps=lambda v: json.dumps(v, ensure_ascii=False))

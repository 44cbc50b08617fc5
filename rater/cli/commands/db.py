"""`rater db init|add|import|export|grant`: the team database, administered from the CLI.

Each action is one library call (`rating.store`); this module only turns options into
arguments and prints what was done.
"""

from __future__ import annotations

import argparse
from typing import Any

from rater.cli import options
from rater.core.corpus import read_samples
from rater.core.errors import StoreError
from rater.core.printable import printable
from rater.rating.store import schema
from rater.rating.store.connect import URL_ENV, connect, url_from
from rater.rating.store.projects import add_samples, grant
from rater.rating.store.transfer import Moved, export_journal, import_journals


def database(args: argparse.Namespace) -> str:
    """`--db`, else `$RATER_DB`; one line when neither is set."""
    url = url_from(args.db)
    if url is None:
        raise StoreError(f"no team database: pass --db URL or set {URL_ENV}")
    return url


def run(args: argparse.Namespace) -> int:
    with connect(database(args)) as conn:
        return int(ACTIONS[args.db_command](conn, args))


def _init(conn: Any, args: argparse.Namespace) -> int:
    before, after = schema.migrate(conn)
    if before == after:
        print(f"team database: schema version {after}, up to date")
    else:
        print(f"team database: schema version {before} -> {after}")
    return 0


def _add(conn: Any, args: argparse.Namespace) -> int:
    pairing, team = options.project_settings(args)
    samples = read_samples(args.samples, kind=args.kind, text_field=args.text_field)
    added = add_samples(conn, args.project, samples, pairing, team, kind=args.kind)
    p = added.project
    print(
        f"project {printable(p.name)}: {added.samples} new samples, {added.pairs} new pairs "
        f"({p.pairing}, seed {p.seed}, overlap {p.overlap}, leases {p.lease_seconds:g} s)"
    )
    return 0


def _import(conn: Any, args: argparse.Namespace) -> int:
    moved = import_journals(conn, args.project, args.ratings)
    print(f"project {printable(args.project)}: imported {_moved(moved)}")
    return 0


def _export(conn: Any, args: argparse.Namespace) -> int:
    moved = export_journal(conn, args.project, args.out)
    print(f"{printable(args.out)}: wrote {_moved(moved)} (project {printable(args.project)})")
    return 0


def _moved(moved: Moved) -> str:
    return f"{moved.written} decisions, {moved.present} already there"


def _grant(conn: Any, args: argparse.Namespace) -> int:
    password = grant(conn, args.name, admin=args.admin)
    role = "admin" if args.admin else "rater"
    print(f"{role} role {printable(args.name)}: password {password}")
    print("  (shown once; give it to them privately, or change it with ALTER ROLE)")
    return 0


ACTIONS = {
    "init": _init,
    "add": _add,
    "import": _import,
    "export": _export,
    "grant": _grant,
}

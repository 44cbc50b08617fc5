"""The team store's options: `rater db ...`, and `--db URL --project NAME` on the commands
that read or write ratings. Apart from `main` so the parser module stays small; the
defaults come from `TeamSettings` like every other option's."""

from __future__ import annotations

import argparse

from rater.core.corpus import KINDS
from rater.core.settings import RANGES, CorpusSettings, PairingSettings, TeamSettings

DB_HELP = "team database URL (postgresql://...; default $RATER_DB): ratings live there"


def add_db_option(p: argparse.ArgumentParser, *, rater: bool = False) -> None:
    """`--db URL --project NAME` on a command that reads (or, with `rater`, writes) ratings."""
    p.add_argument("--db", metavar="URL", help=DB_HELP)
    p.add_argument("--project", metavar="NAME", help="the team project (with --db)")
    if rater:
        p.add_argument(
            "--spool", metavar="FILE",
            help="with --db: where decisions wait while the server is unreachable "
            "(default ratings/<project>.<rater>.spool)",
        )  # fmt: skip


def add_db_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="team rating on PostgreSQL: init, add, import, export, grant")
    actions = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    team = TeamSettings()

    actions.add_parser("init", help="create the schema, or migrate an older one")
    a = actions.add_parser("add", help="load samples into a project (made if new)")
    a.add_argument("samples", nargs="+", metavar="SAMPLES", help="samples files or directories")
    a.add_argument("--kind", choices=list(KINDS), default=CorpusSettings.kind)
    a.add_argument(
        "--text-field", metavar="NAME", default=CorpusSettings.text_field,
        help="the JSON field or Parquet column that holds each sample",
    )  # fmt: skip
    a.add_argument(
        "--pairing", choices=["halves", "ab", "prefix", "active", "model", "top"],
        default=PairingSettings.strategy,
        help="how a new project's pairs are made: a schedule up front (halves, ab, prefix), "
        "or chosen as the team rates, from every rater's decisions (active, model, top)",
    )  # fmt: skip
    a.add_argument(
        "--seed", type=int, default=PairingSettings.seed, help=f"pairing seed ({RANGES['seed']})"
    )
    a.add_argument(
        "--prefix-chars", type=int, default=PairingSettings.prefix_chars,
        help=f"prefix pairing: shared chars ({RANGES['prefix_chars']})",
    )  # fmt: skip
    a.add_argument(
        "--overlap", type=int, default=team.overlap,
        help=f"distinct raters who decide each pair (default {team.overlap}; "
        f"{RANGES['overlap']})",
    )  # fmt: skip
    a.add_argument(
        "--lease-seconds", type=float, default=team.lease_seconds,
        help="a pair leased to a rater who vanished returns to the queue after this "
        f"(default {team.lease_seconds:g}; {RANGES['lease_seconds']})",
    )  # fmt: skip
    i = actions.add_parser("import", help="journals -> a project (idempotent by decision id)")
    i.add_argument("ratings", nargs="+", metavar="JOURNAL")
    e = actions.add_parser("export", help="a project -> a journal (appends what it lacks)")
    e.add_argument("--out", metavar="FILE.jsonl", required=True)
    g = actions.add_parser("grant", help="a login role for a rater (or --admin)")
    g.add_argument("name", metavar="NAME")
    g.add_argument("--admin", action="store_true", help="may add samples and export")
    for q in (a, i, e):
        q.add_argument("--project", metavar="NAME", required=True)
    for q in actions.choices.values():
        q.add_argument("--db", metavar="URL", help=DB_HELP)

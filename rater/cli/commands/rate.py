"""`rater rate SAMPLES...`: the rating TUI on a corpus; the journal is written as you go.

`rater rate --db URL --project NAME`: the same screen on a team project, no local samples
file needed. The client (`rating.store.client`) is opened first, so an unreachable server,
a missing project or a rater role typed as someone else is one line before the screen.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from rater.cli.options import default_rater, rate_settings
from rater.core import corpus
from rater.core.errors import CorpusError, StoreError
from rater.core.files import make_folders
from rater.core.printable import printable
from rater.core.settings import TeamSettings
from rater.rating.provenance import follow
from rater.rating.store.connect import connect, url_from
from rater.rating.store.screen_client import ScreenClient
from rater.rating.store.team import TeamStore

if TYPE_CHECKING:
    from rater.tui.app import RaterApp


def default_journal(paths: list[str]) -> Path:
    """`ratings/<first corpus file stem>.jsonl` under the current directory."""
    first = Path(paths[0].rstrip("/"))
    return Path("ratings") / f"{first.stem or first.name or 'ratings'}.jsonl"


def run_tui(
    args: argparse.Namespace, paths: list[str], ratings: Path, kind: str, text_field: str = ""
) -> int:
    """Shared by `rate` and `demo`: everything that can fail on input fails before the screen."""
    from rater.tui.build import make_app

    settings = rate_settings(args, kind)  # every option checked before the samples are read
    samples = corpus.read_samples(paths, kind=kind, text_field=text_field)
    if len(samples) < 2:
        raise CorpusError(
            f"{paths[0]}: need at least 2 distinct samples to rate, found {len(samples)}"
        )
    followed = follow(ratings, args.pairing, args.seed, args.prefix_chars)
    racing = settings.pairing
    pairing = replace(followed.settings, best=racing.best, until=racing.until)
    app = make_app(samples, ratings, replace(settings, pairing=pairing))
    if followed.line:  # how this sitting pairs, when the journal had a say
        print(f"rater: {printable(followed.line)}", file=sys.stderr)
    return run_app(app)


def run_app(app: RaterApp) -> int:
    """Run a built app; its warnings, the journal it resumes and errors go to stderr, its
    summary to stdout."""

    # above the screen, and after it in the scrollback
    for line in [*app.lifecycle.warnings, app.session.resume_line(app.journal_path)]:
        if line:
            print(f"rater: {printable(line)}", file=sys.stderr)
    summary = app.run()
    if app.error:
        print(f"rater: {printable(app.error)}", file=sys.stderr)
        return 2
    if summary:
        print(summary)
    return app.return_code or 0


def run(args: argparse.Namespace) -> int:

    url = None if args.samples else url_from(args.db)
    if url is not None:
        return run_team(args, url)
    if args.db:
        raise CorpusError("rate --db takes its samples from the project: name no samples files")
    if not args.samples:
        raise CorpusError("nothing to rate: name samples files, or --db URL --project NAME")
    ratings = Path(args.ratings) if args.ratings else default_journal(args.samples)
    return run_tui(args, list(args.samples), ratings, args.kind, args.text_field)


def spool_path(project: str, rater: str) -> Path:
    """`ratings/<project>.<rater>.spool`, with anything but letters, digits, `.-_` as `_`
    (both names come from elsewhere: the command line, the server's role)."""
    safe = [re.sub(r"[^A-Za-z0-9._-]", "_", x).lstrip(".") or "_" for x in (project, rater)]
    return Path("ratings") / f"{safe[0]}.{safe[1]}.spool"


def run_team(args: argparse.Namespace, url: str) -> int:
    from rater.tui.team import make_team_app

    if not args.project:
        raise StoreError("--db needs --project NAME (the team project to rate)")
    with connect(url) as conn:  # who is rating, before a spool is named after them
        rater = TeamStore(conn, args.project, args.rater or "").rater
    if not args.rater and rater in ("postgres", ""):
        rater = default_rater()  # an administrator's connection: rate under the login name
    spool = Path(args.spool) if args.spool else spool_path(args.project, rater)
    make_folders(spool.parent)
    client = ScreenClient(url, args.project, rater, spool, TeamSettings())
    try:
        assert client.store is not None
        kind = client.store.project.kind
        args.rater = client.rater
        app = make_team_app(client, rate_settings(args, kind))
    except BaseException:
        client.close()
        raise
    return run_app(app)

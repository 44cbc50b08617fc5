"""`rater autorate`: rate every pair that has a broken sample, without a screen.

Pairs are the ones the journal's sessions see: the pairing and seed its records remember
(`rating.provenance`; `--pairing` / `--seed` to pair otherwise, which is a new pass that
pairs the samples again), else the seed workflow's (`halves`, seed 0). So a later `rater
rate` on the same corpus and journal shows people exactly the pairs left over, and autorate
after a session writes no records for other pairs of the samples that session already
auto-rated. The adaptive strategies (`active`, `model`, `top`) choose pairs as they go, so for
them autorate takes the `halves` pairs of the same seed (the model's first pairs), and never
pairs a sample that already has its automatic record again. The rule is the session's and
the `r` key's (`outcome.auto_rate_pairs`). A rating session may write the same journal
meanwhile: a pair it decided while the corpus was being judged is left out (checked under
the journal's lock), so no pair gets a second automatic record. `--db URL --project NAME`
applies the same rule to a team project's open pairs (`run_project`).
"""

from __future__ import annotations

import argparse
import sys

from rater.audio.pipeline import judge_all
from rater.cli import options
from rater.core.corpus import read_samples
from rater.core.errors import JournalError, StoreError
from rater.core.printable import printable
from rater.core.records import Pair, Rating, Sample
from rater.core.rules import pairing_fields
from rater.core.settings import PairingSettings, check_option
from rater.rating.journal import Journal, with_decision
from rater.rating.outcome import auto_rate_pairs
from rater.rating.pairing.schedule import ScheduleSource, ab_pairs, halves, prefix_pairs
from rater.rating.provenance import follow
from rater.rating.store.connect import connect, url_from
from rater.rating.store.team import TeamStore, Written


def schedule(
    samples: list[Sample], settings: PairingSettings, history: list[Rating]
) -> ScheduleSource:
    """The pairs a session with `settings` would see, as a schedule (see the docstring)."""
    if settings.strategy == "ab":
        pairs: list[Pair] = list(ab_pairs(samples, settings.seed))
    elif settings.strategy == "prefix":
        pairs = list(prefix_pairs(samples, settings.seed, settings.prefix_chars))
    else:
        pairs = halves(samples, settings.seed)
    once = settings.strategy == "halves"  # each sample in one pair: nothing to exclude
    return ScheduleSource(pairs, history, exclude_known_broken=not once, limit=None)


def run(args: argparse.Namespace) -> int:

    url = None if args.samples else url_from(args.db)
    if url is not None:
        return run_project(args, url)
    if not args.samples or not args.ratings:
        raise JournalError("autorate needs SAMPLES and --ratings FILE, or --db URL --project NAME")
    check_option("seed", args.seed)
    render_settings, check_settings = options.render_and_checks(args, args.kind)
    samples = read_samples(args.samples, kind=args.kind, text_field=args.text_field)
    journal = Journal(args.ratings)
    journal.check_writable()  # now, not after minutes of rendering
    if journal.set_aside:
        print(f"rater: {journal.torn_warning()}", file=sys.stderr)
    followed = follow(args.ratings, args.pairing, args.seed)
    settings = followed.settings
    if followed.line:
        print(f"rater: {printable(followed.line)}", file=sys.stderr)
    history = journal.iter_records(tokens=False, texts=False)
    source = schedule(samples, settings, list(history))
    todo = source.upcoming(source.remaining)
    # Judge only samples of undecided pairs: a resumed run renders nothing it already used.
    needed = list({s.id: s for p in todo for s in (p.a, p.b)}.values())
    judged = judge_all(needed, render_settings, check_settings, warn=options.warn)
    verdicts = {j.sample.id: j.verdict for j in judged}
    found, summary = auto_rate_pairs(
        iter(source.next_pair, None),  # lazily: a broken sample is excluded once rated
        verdicts.get,
        args.rater,
        source.exclude,
        extra=pairing_fields(settings),
    )
    written = journal.append_many(found, unless_decided=True)
    meanwhile = len(found) - len(written)
    both_broken = sum(len(d) == 2 for d in written)
    one_broken = len(written) - both_broken
    total = len(halves(samples, settings.seed)) if settings.strategy == "halves" else None
    print(
        f"{len(samples)} samples, pairing {settings.strategy} (seed {settings.seed})"
        + (f", {total} pairs" if total is not None else "")
        + (", 1 sample left unpaired" if total is not None and len(samples) % 2 else "")
    )
    if total is not None:
        print(f"  already decided:            {total - len(todo)}")
    if meanwhile:
        print(f"  decided meanwhile elsewhere: {meanwhile} (left as they are)")
    print(f"  auto-rated, one broken:     {one_broken}")
    print(f"  auto-rated, both broken:    {both_broken} (tie, two records each)")
    print(f"  left for people:            {summary.left}")
    print(f"  journal: {journal.path} (+{one_broken + 2 * both_broken} records)")
    return 0


def run_project(args: argparse.Namespace, url: str) -> int:
    """The same rule on a team project's open pairs (its schedule), written to the server:
    a pair that already has its automatic record is not given another."""

    if not args.project:
        raise StoreError("--db needs --project NAME (the team project to auto-rate)")
    with connect(url) as conn:
        store = TeamStore(conn, args.project, args.rater)
        pairs = store.open_pairs()
        needed = list({s.id: s for p in pairs for s in (p.a, p.b)}.values())
        kind = store.project.kind
        render_settings, check_settings = options.render_and_checks(args, kind)
        judged = judge_all(needed, render_settings, check_settings, warn=options.warn)
        verdicts = {j.sample.id: j.verdict for j in judged}
        decisions, summary = auto_rate_pairs(pairs, verdicts.get, store.rater)
        done = [store.decide(with_decision(d)) for d in decisions]
    written = sum(1 for w in done if w == Written.WRITTEN)
    print(f"project {printable(args.project)}: {len(pairs)} open pairs")
    print(f"  auto-rated:                 {written}")
    print(f"  had their automatic record: {len(done) - written} (left as they are)")
    print(f"  left for people:            {summary.left}")
    return 0

"""`rater autorate`: rate every seed pair that has a broken sample, without a screen.

Pairs are the seed workflow's (`pairing.halves` with `--seed`), so a later `rater rate` with
the same corpus, journal and seed shows people exactly the pairs left over. The rule is the
session's and the `r` key's (`outcome.auto_rate_pairs`). A rating session may write the same
journal meanwhile: a pair it decided while the corpus was being judged is left out (checked
under the journal's lock), so no pair gets a second automatic record.
"""

from __future__ import annotations

import argparse
import sys

from rater.cli import options
from rater.core.errors import JournalError, StoreError
from rater.core.printable import printable
from rater.rating.journal import Journal
from rater.rating.outcome import auto_rate_pairs
from rater.rating.pairing.schedule import halves
from rater.rating.store.connect import url_from


def run(args: argparse.Namespace) -> int:
    from rater.audio.pipeline import judge_all
    from rater.core.corpus import read_samples

    url = None if args.samples else url_from(args.db)
    if url is not None:
        return run_project(args, url)
    if not args.samples or not args.ratings:
        raise JournalError("autorate needs SAMPLES and --ratings FILE, or --db URL --project NAME")
    samples = read_samples(args.samples, kind=args.kind, text_field=args.text_field)
    pairs = halves(samples, args.seed)
    journal = Journal(args.ratings)
    journal.check_writable()  # now, not after minutes of rendering
    if journal.set_aside:
        print(f"rater: {journal.torn_warning()}", file=sys.stderr)
    done = journal.decided()
    todo = [p for p in pairs if frozenset((p.a.id, p.b.id)) not in done]
    # Judge only samples of undecided pairs: a resumed run renders nothing it already used.
    needed = list({s.id: s for p in todo for s in (p.a, p.b)}.values())
    render_settings, check_settings = options.render_and_checks(args, args.kind)
    judged = judge_all(needed, render_settings, check_settings, warn=options.warn)
    verdicts = {j.sample.id: j.verdict for j in judged}
    decisions, summary = auto_rate_pairs(todo, verdicts.get, args.rater)
    written = journal.append_many(decisions, unless_decided=True)
    meanwhile = len(decisions) - len(written)
    both_broken = sum(len(d) == 2 for d in written)
    one_broken = len(written) - both_broken
    print(
        f"{len(samples)} samples, {len(pairs)} pairs (seed {args.seed})"
        + (", 1 sample left unpaired" if len(samples) % 2 else "")
    )
    print(f"  already decided:            {len(pairs) - len(todo)}")
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
    from rater.audio.pipeline import judge_all
    from rater.rating.journal import with_decision
    from rater.rating.store.connect import connect
    from rater.rating.store.team import TeamStore, Written

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

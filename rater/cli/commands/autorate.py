"""`rater autorate`: rate every seed pair that has a broken sample, without a screen.

Pairs are the seed workflow's (`pairing.halves` with `--seed`), so a later `rater rate` with
the same corpus, journal and seed shows people exactly the pairs left over.
"""

from __future__ import annotations

import argparse

from rater.core.records import Rating
from rater.rating.journal import Journal
from rater.rating.outcome import auto_decide
from rater.rating.pairing import halves


def run(args: argparse.Namespace) -> int:
    from rater.audio.pipeline import judge_all, settings_from_args
    from rater.core.corpus import read_samples

    samples = read_samples(args.samples, kind=args.kind)
    pairs = halves(samples, args.seed)
    journal = Journal(args.ratings)
    done = journal.decided()
    todo = [p for p in pairs if frozenset((p.a.id, p.b.id)) not in done]
    # Judge only samples of undecided pairs: a resumed run renders nothing it already used.
    needed = list({s.id: s for p in todo for s in (p.a, p.b)}.values())
    render_settings, check_settings = settings_from_args(args)
    workers = getattr(args, "workers", 2)
    verdicts = {
        j.sample.id: j.verdict
        for j in judge_all(needed, render_settings, check_settings, workers=workers)
    }
    decisions: list[list[Rating]] = []
    one_broken = both_broken = 0
    for p in todo:
        records = auto_decide(p, verdicts[p.a.id], verdicts[p.b.id], args.rater)
        if records:
            decisions.append(records)
            both_broken += len(records) == 2
            one_broken += len(records) == 1
    journal.append_many(decisions)
    print(
        f"{len(samples)} samples, {len(pairs)} pairs (seed {args.seed})"
        + (", 1 sample left unpaired" if len(samples) % 2 else "")
    )
    print(f"  already decided:            {len(pairs) - len(todo)}")
    print(f"  auto-rated, one broken:     {one_broken}")
    print(f"  auto-rated, both broken:    {both_broken} (tie, two records each)")
    print(f"  left for people:            {len(todo) - one_broken - both_broken}")
    print(f"  journal: {journal.path} (+{one_broken + 2 * both_broken} records)")
    return 0

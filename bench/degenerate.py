"""How much of a generated degenerate corpus the auto-fail checks catch, per family and reason.

The corpus comes from `bench/degenerate_corpus.py` (seeded: the same samples every run).
Seeds 12, 13 and 14 were used to build and check the rules (issue 12); 15 to 20 were
first run on the finished rules, as held-out corpora (full pipeline, blacklist off: every
family at least 95% except markov-low at seed 15; markov-low 94.0 / 96.5 / 96.0 / 98.5 /
95.0 / 99.0%). Use new seeds to check a changed rule, not these.
Issue 27 made repetition one rule (whole bars and phrases are only `loop`'s; `repetitive`
keeps the short character stretches): text checks at seeds 12, 21 and 22 catch the same
samples of every family before and after (92.3% of seed 12's 2,200).
By default the blacklist is off, so the figures are what the checks themselves catch; the
full pipeline (text checks, then render and render checks for the survivors) runs with the
shared render cache unless `--text-only`.

    nice -n 10 .venv/bin/python bench/degenerate.py [--per-family 200] [--text-only]
        [--blacklist none|FILE] [--show FAMILY]

Prints, per family: samples, caught, the share caught, and how many samples each reason
flags (a sample can have several); then, per reason, how many samples it is the only
reason for (what would slip through without it).
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter, defaultdict

from degenerate_corpus import FAMILIES, corpus

from rater.core.checks import CheckSettings, load_blacklist, text_verdict
from rater.core.corpus import sample_id
from rater.core.records import Sample, Verdict


def verdicts(
    samples: list[Sample], settings: CheckSettings, text_only: bool, workers: int
) -> list[Verdict]:
    if text_only:
        return [text_verdict(s, settings) for s in samples]
    from rater.audio.pipeline import judge_all
    from rater.audio.synth import find_soundfont
    from rater.core.settings import RenderSettings

    rs = RenderSettings(soundfont=find_soundfont())
    return [j.verdict for j in judge_all(samples, rs, settings, workers=workers)]


def table(labelled: list[tuple[str, Verdict]]) -> list[str]:
    """Confusion rows: family x reason, with the share caught."""
    by_family: dict[str, list[Verdict]] = defaultdict(list)
    for family, v in labelled:
        by_family[family].append(v)
    reasons = sorted({r for _, v in labelled for r in v.reasons})
    head = f"{'family':<18}{'n':>5}{'caught':>8}{'%':>7}  " + " ".join(
        f"{r[:11]:>11}" for r in reasons
    )
    rows = [head]
    total = caught = 0
    for family in [f for f in FAMILIES if f in by_family] + sorted(set(by_family) - set(FAMILIES)):
        vs = by_family[family]
        got = sum(1 for v in vs if not v.ok)
        counts = Counter(r for v in vs for r in v.reasons)
        total, caught = total + len(vs), caught + got
        rows.append(
            f"{family:<18}{len(vs):>5}{got:>8}{100 * got / len(vs):>6.1f}%  "
            + " ".join(f"{counts.get(r, 0):>11}" for r in reasons)
        )
    rows.append(f"{'all':<18}{total:>5}{caught:>8}{100 * caught / max(1, total):>6.1f}%")
    only = Counter(v.reasons[0] for _, v in labelled if len(set(v.reasons)) == 1)
    rows.append(
        "only reason (caught by nothing else): "
        + ", ".join(f"{r} {n}" for r, n in only.most_common())
    )
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-family", type=int, default=200)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--text-only", action="store_true", help="text checks only, no rendering")
    ap.add_argument("--blacklist", default="none", help="blacklist file, or none (default)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--show", default=None, help="print the missed samples of this family")
    args = ap.parse_args()

    t0 = time.monotonic()
    labelled = corpus(args.per_family, args.seed)
    samples = [Sample(sample_id(t), t, f"generated/{f}", i) for i, (f, t) in enumerate(labelled)]
    settings = CheckSettings(blacklist=load_blacklist([args.blacklist]))
    vs = verdicts(samples, settings, args.text_only, args.workers)
    elapsed = time.monotonic() - t0
    mode = "text checks only" if args.text_only else "full pipeline (shared render cache)"
    load = os.getloadavg()[0]
    print(
        f"degenerate corpus: {len(samples)} samples, {args.per_family} per family, seed "
        f"{args.seed}; blacklist {args.blacklist}; {mode}; {elapsed:.1f} s; load {load:.2f}"
    )
    labels = [(f, v) for (f, _), v in zip(labelled, vs, strict=True)]
    for row in table(labels):
        print(row)
    if args.show:
        for (family, text), v in zip(labelled, vs, strict=True):
            if family == args.show and v.ok:
                print(f"--- missed {family}\n{text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Weigh every blacklist entry: what it catches, and what it wrongly fails.

For each snippet of the blacklist files (default: the repository's `blacklists/*.txt`):
- real: real tunes it matches (O'Neill's 1850, Ryan's Mammoth, Nottingham, Essen, Aird's
  Airs, miscFolk as shipped with music21) - every one of these is a false failure;
- folk-rnn: folk-rnn samples it matches (a generator of human quality: should pass);
- degenerate: generated degenerate samples (`bench/degenerate_corpus.py`) it matches, and
  how many of those nothing else fails (the checks with the blacklist off, text only).
Prints the entries with any hit, then totals.

    nice -n 10 .venv/bin/python bench/blacklist_review.py [--blacklist FILE] [--per-family 200]
"""

from __future__ import annotations

import argparse
import os
from collections import Counter

from _shared_data import folk_rnn, missing_reason  # bench/_shared_data.py
from degenerate_corpus import corpus

from rater.core.checks import CheckSettings, load_blacklist, text_verdict
from rater.core.corpus import read_samples, sample_id
from rater.core.demo import music21_corpus_dir
from rater.core.records import Sample

REAL = (
    "oneills1850",
    "ryansMammoth",
    "nottingham-dataset",
    "essenFolksong",
    "airdsAirs",
    "miscFolk",
)


def hits(snippets: tuple[str, ...], texts: list[str]) -> Counter[str]:
    lowered = [t.lower() for t in texts]
    return Counter({s: sum(1 for t in lowered if s in t) for s in snippets})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blacklist", default=None, help="blacklist file (default: repository's)")
    ap.add_argument("--per-family", type=int, default=200)
    args = ap.parse_args()
    snippets = load_blacklist([args.blacklist] if args.blacklist else None)
    base = music21_corpus_dir()
    real = {name: [s.text for s in read_samples([str(base / name)])] for name in REAL}
    folk_dir = folk_rnn()
    folk = [s.text for s in read_samples([str(folk_dir)])] if folk_dir else []
    if folk_dir is None:
        print(f"folk-rnn: skipped, {missing_reason('folk-rnn')}")
    generated = corpus(args.per_family)
    off = CheckSettings()
    missed = [
        t for _, t in generated if text_verdict(Sample(sample_id(t), t, "generated", 0), off).ok
    ]
    by_set = {name: hits(snippets, texts) for name, texts in real.items()}
    folk_hits = hits(snippets, folk)
    gen_hits = hits(snippets, [t for _, t in generated])
    only_hits = hits(snippets, missed)
    n_real = sum(len(t) for t in real.values())
    print(
        f"{len(snippets)} snippets; {n_real} real tunes, {len(folk)} folk-rnn samples, "
        f"{len(generated)} generated degenerate ({len(missed)} passing every other text "
        f"check); load {os.getloadavg()[0]:.2f}"
    )
    print(f"{'snippet':<36}{'real':>6}{'folk-rnn':>9}{'degen':>7}{'only':>6}  real sets hit")
    totals = Counter()
    for s in snippets:
        r = sum(c[s] for c in by_set.values())
        row = (r, folk_hits[s], gen_hits[s], only_hits[s])
        totals.update(dict(zip(("real", "folk", "degen", "only"), row, strict=True)))
        if any(row):
            where = ", ".join(f"{n} {c[s]}" for n, c in by_set.items() if c[s])
            print(
                f"{s.replace(chr(10), chr(92) + 'n')!r:<36}{r:>6}{row[1]:>9}{row[2]:>7}"
                f"{row[3]:>6}  {where}"
            )
    silent = sum(
        1
        for s in snippets
        if not (sum(c[s] for c in by_set.values()) or folk_hits[s] or gen_hits[s])
    )
    print(f"entries with no hit anywhere: {silent}")
    real_failed = {
        name: sum(1 for t in texts if any(s in t.lower() for s in snippets))
        for name, texts in real.items()
    }

    def failed(texts: list[str]) -> int:
        return sum(1 for t in texts if any(s in t.lower() for s in snippets))

    print("real tunes failed by the list: " + ", ".join(f"{k} {v}" for k, v in real_failed.items()))
    print(f"folk-rnn samples failed by the list: {failed(folk)}")
    print(f"degenerate samples only the list catches: {failed(missed)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The data behind `incoherent` and the whole-phrase loop rule: how often each weak sign
(`rater.core.musiccheck.signs`) shows in real tunes and in each generated family, and how
often the signs add up.

Real sets are the development ones of `bench/false_broken.py` by default (tuning,
essen-dev, ryans-rest) plus the 256 folk-rnn samples; `--sets` adds others (the held-out
essen-test, airds, miscfolk: look only once the rule is fixed). Generated families come
from `bench/degenerate_corpus.py` with `--seed` (12 was used to build the rule, 13 to
check it, 14 was kept for the final run; 15-20 are held out, see `bench/degenerate.py`).
Counts are over all samples of a set, whatever other reason fails them; "incoherent" is
what the rule fails, "new" what no other check fails; "off-meter" (most inner bars miss
the meter in many lengths, or a bar runs on) is shown alongside since the rhythm sign is
either half of it.

Also printed per real set: the tunes a phrase written out `whole_phrase_copies` times,
making up at least a given share of the bars, would fail at several shares (the
whole-phrase loop rule uses `whole_phrase_share`), and the same count for the
phrase-loop-whole family.

    nice -n 10 .venv/bin/python bench/signs.py [--seed 14] [--sets tuning,essen-dev,...]
"""

from __future__ import annotations

import argparse
import os
from collections import Counter

from _shared_data import folk_rnn, missing_reason  # bench/_shared_data.py
from degenerate_corpus import FAMILIES, corpus
from false_broken import real_tunes

from rater.core.abc import parse
from rater.core.checks import text_verdict
from rater.core.corpus import read_samples, sample_id
from rater.core.features import Features, features
from rater.core.musiccheck import signs
from rater.core.records import Sample
from rater.core.settings import CheckSettings

SIGNS = ("rhythm", "truncated", "slurs", "short repeats", "fragment")
SHARES = (0.6, 0.7, 0.8, 0.9)


def sign_names(f: Features, s: CheckSettings) -> list[str]:
    names = []
    for detail in signs(f, s):
        if "add up" in detail or "lengths" in detail or "times the meter" in detail:
            names.append("rhythm")
        elif "stops inside" in detail:
            names.append("truncated")
        elif "slur" in detail:
            names.append("slurs")
        elif "fragment" in detail:
            names.append("fragment")
        else:
            names.append("short repeats")
    return names


def row(name: str, samples: list[Sample], s: CheckSettings) -> tuple[str, Counter]:
    counts: Counter = Counter()
    combos: Counter = Counter()
    whole: Counter = Counter()
    for sample in samples:
        f = features(parse(sample.text), s.max_phrase_bars)
        found = sign_names(f, s)
        counts.update(found)
        v = text_verdict(sample, s)
        counts["off-meter"] += "off-meter" in v.reasons
        if len(found) >= s.incoherent_signs:
            counts["incoherent"] += 1
            combos["+".join(found)] += 1
            counts["new"] += set(v.reasons) == {"incoherent"}
        for share in SHARES:
            whole[share] += f.phrase[1] >= s.whole_phrase_copies and f.phrase_share >= share
    cells = " ".join(f"{counts[k]:>9}" for k in (*SIGNS, "incoherent", "new", "off-meter"))
    line = f"{name:<18}{len(samples):>6} {cells}"
    line += "   " + " ".join(f"{whole[share]:>4}" for share in SHARES)
    return line, combos


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="tuning,essen-dev,ryans-rest")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--per-family", type=int, default=200)
    args = ap.parse_args()
    s = CheckSettings()
    print(f"load average {os.getloadavg()[0]:.2f}; generated seed {args.seed}")
    names = (*SIGNS, "incoher.", "new", "off-meter")
    head = f"{'set':<18}{'n':>6} " + " ".join(f"{k[:9]:>9}" for k in names)
    head += "   whole phrase x3, share >= " + "/".join(f"{x}" for x in SHARES)
    print(head)
    groups = [(name, real_tunes(name)) for name in args.sets.split(",")]
    folk = folk_rnn()
    if folk is not None:
        groups.append(("folk-rnn", read_samples([str(folk)])))
    else:
        print(f"folk-rnn: skipped, {missing_reason('folk-rnn')}")
    labelled = corpus(args.per_family, args.seed)
    for family in FAMILIES:
        texts = [t for f, t in labelled if f == family]
        groups.append((family, [Sample(sample_id(t), t, family, i) for i, t in enumerate(texts)]))
    real_combos: Counter = Counter()
    for name, samples in groups:
        line, combos = row(name, samples, s)
        print(line)
        if name not in FAMILIES:
            real_combos.update(combos)
    print("signs of the real tunes that add up: " + (str(dict(real_combos)) or "none"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

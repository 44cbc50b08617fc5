"""oa export speed: 25,000 records vs a plain json.dump of the same records, same run.

Records are realistic: real tunes from music21's O'Neill's 1850 collection, encoded with the
real GPT-2 BPE, paired at random, with ties and broken records mixed in. The baseline is
`json.dump` of the already padded oa dicts (plus the same fsync), i.e. the least work any
exporter has to do; the target is export time <= 3x the baseline.

    .venv/bin/python bench/export_speed.py [N]
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from importlib.util import find_spec
from pathlib import Path

from rater.analysis.export import ExportOptions, export_oa
from rater.core import bpe
from rater.core.records import Rating

N = int(sys.argv[1]) if len(sys.argv) > 1 else 25_000
Q, R = 64, 512


def real_tunes() -> list[str]:
    spec = find_spec("music21")
    assert spec and spec.origin
    folder = Path(spec.origin).parent / "corpus" / "oneills1850"
    out: list[str] = []
    for f in sorted(folder.glob("*.abc")):
        text = f.read_text(encoding="utf-8", errors="replace")
        out += ["X:" + t for t in text.split("\nX:")[1:]]
    return out


def main() -> None:
    rng = random.Random(0)
    t0 = time.perf_counter()
    tunes = real_tunes()
    ids = [bpe.encode(t) for t in tunes]
    query = bpe.encode("X:")
    records = []
    for k in range(N):
        i, j = rng.randrange(len(tunes)), rng.randrange(len(tunes))
        records.append(
            Rating(
                query=query,
                sample0=ids[i],
                sample1=ids[j],
                best=rng.randint(0, 1),
                ids=(f"{i:016x}", f"{j:016x}"),
                texts=(tunes[i], tunes[j]),
                rater="bench",
                time="2026-11-23T12:00:00+00:00",
                broken=int(k % 20 == 0),
                tie=k % 50 == 1,
            )
        )
    lengths = [len(x) for x in ids]
    print(
        f"{len(tunes)} real tunes encoded, {N} records built in {time.perf_counter() - t0:.1f} s"
        f" (tokens per tune: median {sorted(lengths)[len(lengths) // 2]}, max {max(lengths)})"
    )

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "plain.json"
        padded = [
            {
                "query": bpe.pad_to(r.query, Q),
                "sample0": bpe.pad_to(r.sample0, R),
                "sample1": bpe.pad_to(r.sample1, R),
                "best": r.best,
            }
            for r in records
        ]
        t0 = time.perf_counter()
        with open(base, "w") as f:
            json.dump(padded, f)
            f.flush()
            os.fsync(f.fileno())
        t_base = time.perf_counter() - t0

        t0 = time.perf_counter()  # stricter reference: the C encoder in one shot
        with open(Path(tmp) / "dumps.json", "w") as f:
            f.write(json.dumps(padded))
            f.flush()
            os.fsync(f.fileno())
        t_dumps = time.perf_counter() - t0

        out = Path(tmp) / "oa.json"
        t0 = time.perf_counter()
        res = export_oa(records, out, ExportOptions(query_length=Q, response_length=R))
        t_oa = time.perf_counter() - t0

        assert json.load(open(out)) == padded  # same content as the baseline
        size = out.stat().st_size / 1e6
    print(f"json.dump baseline: {t_base:.2f} s")
    print(f"json.dumps one-shot (C encoder) + write: {t_dumps:.2f} s")
    print(
        f"rater oa export:    {t_oa:.2f} s  ({res.written} records, {size:.0f} MB, "
        f"query {Q} + 2x{R} tokens)"
    )
    ratio = t_oa / t_base
    print(f"ratio vs json.dump: {ratio:.2f}x (target <= 3) {'OK' if ratio <= 3 else 'OVER'}")
    print(f"ratio vs json.dumps one-shot: {t_oa / t_dumps:.2f}x")


if __name__ == "__main__":
    main()

"""GPT-2 encoder load time: the merge-table cache as a pickle (before) and as hash-checked
plain bytes (now), against parsing GPT-2's published files, in one run.

    .venv/bin/python bench/bpe_load.py [--repeat 15]

Each figure is the median of `--repeat` loads in this process (rounds interleaved), warm
page cache:
(a) pickle: `pickle.load` of the table (the old cache, written here to a temp folder);
(b) ranks file: read + sha256 check + unpack (`bpe._cached_ranks`, the cache now);
(c) published files: tiktoken's loader over encoder.json + vocab.bpe (no cache at all);
and each of (a) and (b) again with `tiktoken.Encoding` built on top, which is what a first
key press waits for. Ratios are against (a) measured in the same run, because the machine
is shared (the load average is printed).
"""

from __future__ import annotations

import argparse
import os
import pickle
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rater.core import bpe  # noqa: E402


def medians_ms(fns: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    """Median time of each function; rounds interleave them, so a burst of someone else's
    load hits all of them alike rather than whichever happened to run then."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) * 1000 for name, t in times.items()}


def build(ranks: dict[bytes, int]) -> Any:
    import tiktoken

    return tiktoken.Encoding(
        name="gpt2-bench",
        pat_str=bpe.GPT2_PATTERN,
        mergeable_ranks=ranks,
        special_tokens={bpe.ENDOFTEXT: bpe.ENDOFTEXT_ID},
        explicit_n_vocab=bpe.N_VOCAB,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["RATER_CACHE_DIR"] = tmp
        ranks = bpe._load_ranks()
        pickled = Path(tmp) / "ranks.pkl"
        pickled.write_bytes(pickle.dumps(ranks, protocol=pickle.HIGHEST_PROTOCOL))
        bpe._store_ranks(ranks)
        assert bpe._cached_ranks() == ranks, "the ranks file does not round-trip"

        def from_pickle() -> dict[bytes, int]:
            with open(pickled, "rb") as f:
                return pickle.load(f)  # noqa: S301 - the old format, measured, own file

        rows = medians_ms(
            {
                "(a) pickle (before)": from_pickle,
                "(b) ranks file (now)": bpe._cached_ranks,
                "(a) + Encoding": lambda: build(from_pickle()),
                "(b) + Encoding": lambda: build(bpe._cached_ranks()),
            },
            args.repeat,
        )
        rows.update(medians_ms({"(c) published files": bpe._load_ranks}, max(3, args.repeat // 5)))
        sizes = (pickled.stat().st_size, bpe._ranks_cache().stat().st_size)
    base = rows["(a) pickle (before)"]
    print(f"load average: {os.getloadavg()[0]:.2f} (1 min); median of {args.repeat} loads")
    for name, ms in rows.items():
        print(f"  {name:<22} {ms:7.1f} ms   x{ms / base:5.2f} of (a)")
    print(f"  file size: pickle {sizes[0] / 1e3:.0f} kB, ranks file {sizes[1] / 1e3:.0f} kB")


if __name__ == "__main__":
    main()

"""`rater extract LOG... --out FILE`: a samples file from training logs / transcripts."""

from __future__ import annotations

import argparse

from rater.core.corpus import read_text
from rater.core.errors import CorpusError
from rater.core.extract import extract_samples, format_samples
from rater.core.files import check_output, write_output
from rater.core.settings import check_option


def run(args: argparse.Namespace) -> int:
    check_option("min_chars", args.min_chars)
    check_output(args.out, CorpusError, args.logs, what="input log")  # before reading them
    texts = [read_text(log) for log in args.logs]
    found = extract_samples(texts, min_chars=args.min_chars)
    if not found.samples:
        raise CorpusError(
            f"no samples of at least {args.min_chars} chars found in {', '.join(args.logs)} "
            f"({found.dropped_lines} log lines dropped)"
        )
    text = format_samples(found.samples)
    write_output(args.out, lambda f: f.write(text), CorpusError)
    left = [f"{found.dropped_lines} log, progress and header line{_s(found.dropped_lines)}"]
    if found.short:
        left.append(f"{found.short} piece{_s(found.short)} under {args.min_chars} chars")
    if found.duplicates:
        left.append(f"{found.duplicates} repeated sample{_s(found.duplicates)}")
    print(
        f"found {len(found.samples)} unique samples of >= {args.min_chars} chars; "
        f"dropped {', '.join(left)}; wrote {args.out}"
    )
    return 0


def _s(n: int) -> str:
    return "" if n == 1 else "s"

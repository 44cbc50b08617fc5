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
    samples = extract_samples(texts, min_chars=args.min_chars)
    if not samples:
        raise CorpusError(
            f"no samples of at least {args.min_chars} chars found in {', '.join(args.logs)}"
        )
    text = format_samples(samples)
    write_output(args.out, lambda f: f.write(text), CorpusError)
    print(f"found {len(samples)} unique samples of >= {args.min_chars} chars; wrote {args.out}")
    return 0

"""`rater encode`: stdin text -> GPT-2 BPE ids as a JSON array, for shell scripts."""

from __future__ import annotations

import argparse
import json
import sys

from rater.core import bpe
from rater.core.errors import RaterError
from rater.core.settings import check_option


def run(args: argparse.Namespace) -> int:
    check_option("length", args.length)
    data = sys.stdin.buffer.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RaterError(f"stdin is not UTF-8 text (byte {exc.start})") from exc
    if text.endswith("\n") and not args.keep_newline:
        text = text[:-1]  # `echo TEXT | rater encode` should encode TEXT
    ids = bpe.encode(text, length=args.length, pad_token=args.pad_token, special=args.special)
    sys.stdout.write(json.dumps(ids) + "\n")
    return 0

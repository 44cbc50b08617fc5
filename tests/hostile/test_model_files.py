"""Item 8: a hostile model file is one line naming the file, never a traceback or NaN scores.

`'[' * 100000` raised RecursionError, an n-gram key "²" ValueError; finite weights of 1e308
scored every sample NaN (and `--top` picked at random); errors in the file were reported
under this run's option names (`--hash-bits must be ...`); a directory or /dev/zero was
"no such model file".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Inputs
from hostile import one_line_error, rater


def edited(model: dict, change: Callable[[dict], object]) -> dict:
    copy = json.loads(json.dumps(model))
    change(copy)
    return copy


def big_weights(m: dict) -> None:
    m["text_weights"] = [1e308] * len(m["text_weights"])


CASES: dict[str, tuple[Callable[[dict], object] | str, str]] = {
    "deep": ("[" * 100_000, "nested more than"),
    "not UTF-8": ('{"format": "\udcff"}', "not a model file"),
    "ngram key ²": (lambda m: m["ngrams"].update({"²": "x"}), "ngrams must map"),
    "weights 1e308": (big_weights, "text_weights must hold numbers between"),
    "hash_bits 99": (
        lambda m: m["features"].update(hash_bits=99),
        "features.hash_bits must be between 4 and 24",
    ),
    "scale 0": (
        lambda m: m["scaling"].update(scale=[0.0] * len(m["scaling"]["scale"])),
        "scaling.scale must hold numbers above",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_model_file_is_one_line(inputs: Inputs, tmp_path: Path, case: str) -> None:
    change, words = CASES[case]
    path = tmp_path / "m.json"
    if isinstance(change, str):
        path.write_bytes(change.encode("utf-8", "surrogateescape"))
    else:
        path.write_text(json.dumps(edited(json.loads(inputs.model.read_text()), change)))
    done = rater("model", "score", str(inputs.samples), "--model", str(path), "--workers", "0")
    one_line_error(done, str(path), words)
    assert "--hash-bits" not in done.stderr


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: p.mkdir(), "is a directory, not a model file"),
        (lambda p: p.symlink_to("/dev/zero"), "is a device, not a model file"),
    ],
    ids=["directory", "dev-zero"],
)
def test_a_model_path_that_is_not_a_file_says_what_it_is(
    inputs: Inputs, tmp_path: Path, make: Callable[[Path], object], words: str
) -> None:
    path = tmp_path / "m.json"
    make(path)
    done = rater("model", "score", str(inputs.samples), "--model", str(path), "--workers", "0")
    one_line_error(done, words)
    done = rater("rank", str(inputs.journal), "--model", str(path))
    one_line_error(done, words)


def test_the_fixture_model_scores(inputs: Inputs, tmp_path: Path) -> None:
    """The unedited model works, so each case above fails for its own edit alone."""
    done = rater("model", "score", str(inputs.samples), "--model", str(inputs.model), "--top", "3")
    assert done.returncode == 0, done.stderr

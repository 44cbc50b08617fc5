"""Fuzz: 10,000 generated journal lines and 10,000 generated model files through every
reader. Each one is read, or refused with rater's own one-line error; nothing else escapes
(no traceback) and nothing hangs (each reading runs under an alarm).

The lines are mutations of real records (fields dropped, retyped, made huge, negative, not
finite, deeply nested, cut short, repeated, padded with fields rater does not read); the
model files are mutations of a real fitted model, as JSON values and as raw bytes. Lines go
through `lines.parse_line` and `parse_head` one by one, then every line that reads goes,
together, through every journal reader (export oa/trl/text, rank, agreement, stats, rater
quality, the model's decisions), and a sample of the refused ones through those readers in
a journal of their own, which must name the file and line.
"""

from __future__ import annotations

import copy
import json
import random
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import Inputs

from rater.analysis import quality
from rater.analysis.agreement import agreement_summary
from rater.analysis.export import FORMATS
from rater.analysis.model import modelfile
from rater.analysis.model.learn import content_games
from rater.analysis.model.rows import feature_rows
from rater.analysis.rank import fit, head_to_head, source_winrates
from rater.analysis.stats import summarise
from rater.core.corpus import sample_id
from rater.core.errors import RaterError
from rater.core.records import Sample
from rater.core.settings import ExportOptions
from rater.rating.lines import parse_head, parse_line
from rater.rating.reading import JournalRecords

LINES = 10_000
MODELS = 10_000
ALARM = 60  # seconds one reading may take before it counts as a hang


class Hang(Exception):
    pass


@contextmanager
def alarm(seconds: int = ALARM) -> Iterator[None]:
    def ring(signum: int, frame: Any) -> None:
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


NASTY: list[Any] = [
    None, True, -1, -5, 0, 1, 2, 10**30, 99_999_999, 50_257, 50_259, 2**63, -(2**63) - 1,
    1e308, -1e308, 1e-320, 0.5, "", "x" * 10_000, "\u202e\x1b[31m", "\udcff", [], {},
    [[[[[[[[[[1]]]]]]]]]], {"a": {"b": {"c": [1, {"d": None}]}}}, [1, "2", None], ["a", "b"],
    ["a", "b", "c"], [0.5, -1], [[], []], [["x"], ["y"]],
]  # fmt: skip


def nasty(rng: random.Random) -> Any:
    return copy.deepcopy(rng.choice(NASTY))  # a fresh one: mutations never make a cycle


RAW = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "9" * 5000, "[" * 5000 + "]" * 5000]


def mutate_line(record: dict, rng: random.Random) -> str:
    d = json.loads(json.dumps(record))
    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        key = rng.choice([*d.keys(), "x", "decision", "recheck_of", "heard", "elided"])
        if kind < 0.25:
            d.pop(key, None)
        elif kind < 0.7:
            d[key] = nasty(rng)
        elif kind < 0.85 and isinstance(d.get(key), list) and d[key]:
            d[key][rng.randrange(len(d[key]))] = nasty(rng)
        else:
            d[key] = "@RAW@"
    text = json.dumps(d, separators=(",", ":"), ensure_ascii=rng.random() < 0.5)
    text = text.replace('"@RAW@"', rng.choice(RAW))
    roll = rng.random()
    if roll < 0.05:
        text = text[: rng.randrange(len(text))]  # cut short
    elif roll < 0.08:
        text = text.replace(",", ", ")  # another spelling: the slow path
    elif roll < 0.1:
        text = "[" + text + "]"
    return text


@pytest.fixture(scope="module")
def fuzzed(inputs: Inputs) -> list[bytes]:
    records = [json.loads(line) for line in inputs.journal.read_text().splitlines()]
    rng = random.Random(22)
    return [
        mutate_line(rng.choice(records), rng).encode("utf-8", "surrogatepass") for _ in range(LINES)
    ]


def test_fuzzed_lines_read_or_fail_with_the_reason(fuzzed: list[bytes]) -> None:
    read = 0
    with alarm():
        for raw in fuzzed:
            outcomes = []
            for parse in (parse_line, lambda b: parse_head(b, texts=False, names={})):
                try:
                    parse(raw)
                    outcomes.append(True)
                except ValueError:
                    outcomes.append(False)
            assert outcomes[0] == outcomes[1], raw[:300]  # both readers agree on a line
            read += outcomes[0]
    assert 0 < read < len(fuzzed)  # the mutations make both kinds


def readers(tmp_path: Path) -> dict[str, Callable[[Path], object]]:
    def export(name: str) -> Callable[[Path], object]:
        return lambda j: FORMATS[name].export(
            JournalRecords([j], warn=lambda _: None), tmp_path / f"out.{name}", ExportOptions()
        )

    def records(j: Path, **kw: bool) -> JournalRecords:
        return JournalRecords([j], warn=lambda _: None, **kw)

    return {
        "export oa": export("oa"),
        "export trl": export("trl"),
        "export text": export("text"),
        "rank": lambda j: fit(records(j, tokens=False)),
        "win rates": lambda j: (source_winrates(records(j)), head_to_head(records(j))),
        "agreement": lambda j: agreement_summary(records(j, tokens=False, texts=False)),
        "stats": lambda j: summarise(records(j, tokens=False, texts=False)),
        "quality": lambda j: quality.rater_quality(records(j, tokens=False, texts=False)),
        "model fit": lambda j: content_games(list(records(j, tokens=False)), kind="text"),
    }


@pytest.fixture(scope="module")
def split(fuzzed: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """(the lines that read, the lines refused)."""
    good, bad = [], []
    for raw in fuzzed:
        try:
            parse_line(raw)
            good.append(raw)
        except ValueError:
            bad.append(raw)
    return good, bad


def test_every_reader_reads_the_lines_that_parse(split: tuple, tmp_path: Path) -> None:
    good = split[0]
    journal = tmp_path / "good.jsonl"
    journal.write_bytes(b"".join(g + b"\n" for g in good))
    for name, read in readers(tmp_path).items():
        with alarm():
            try:
                read(journal)
            except RaterError as exc:  # "nothing to export", say: one line
                assert "\n" not in str(exc), (name, str(exc))


def test_every_reader_names_the_line_it_refuses(split: tuple, tmp_path: Path) -> None:
    good, bad = split
    for k, raw in enumerate(random.Random(3).sample(bad, 40)):
        journal = tmp_path / f"bad{k}.jsonl"
        journal.write_bytes(good[0] + b"\n" + raw + b"\n")
        for name, read in readers(tmp_path).items():
            with alarm(), pytest.raises(RaterError) as info:
                read(journal)
            message = str(info.value)
            assert "\n" not in message and f"{journal}:2:" in message, (name, message)


def mutate_model(model: dict, rng: random.Random) -> bytes:
    if rng.random() < 0.3:  # raw bytes: cut, spliced, garbage
        text = json.dumps(model).encode()
        roll = rng.random()
        if roll < 0.4:
            return text[: rng.randrange(len(text))]
        if roll < 0.7:
            at = rng.randrange(len(text))
            return text[:at] + rng.choice(RAW).encode() + text[at:]
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
    m = json.loads(json.dumps(model))
    for _ in range(rng.randint(1, 3)):
        where: Any = m
        path = rng.choice(
            [["C"], ["version"], ["format"], ["scaling", "mean"], ["scaling", "scale"],
             ["music_weights"], ["text_weights"], ["text_columns"], ["ngrams"],
             ["features", "hash_bits"], ["features", "ngram_max"], ["features", "kind"],
             ["features", "text_weight"], ["text_precision"], ["music_precision"], ["summary"],
             ["extra"]]
        )  # fmt: skip
        for key in path[:-1]:
            where = where.setdefault(key, {}) if isinstance(where, dict) else {}
        last = path[-1]
        if not isinstance(where, dict):
            continue
        value = where.get(last)
        if isinstance(value, list) and value and rng.random() < 0.6:
            value[rng.randrange(len(value))] = nasty(rng)
        elif isinstance(value, dict) and rng.random() < 0.6:
            value[rng.choice(["²", "1", "-1", "999999999", "x"])] = nasty(rng)
        elif rng.random() < 0.2:
            where.pop(last, None)
        else:
            where[last] = nasty(rng)
    text = json.dumps(m, ensure_ascii=rng.random() < 0.5)
    return text.encode("utf-8", "surrogatepass")


def test_fuzzed_model_files_load_and_score_or_fail_in_one_line(
    inputs: Inputs, tmp_path: Path
) -> None:
    model = json.loads(inputs.model.read_text())
    rng = random.Random(22)
    poems = ["poem 1: the sea and the sky", "poem 2: hill"]
    texts = [Sample(sample_id(t), t, "", k, kind="text") for k, t in enumerate(poems)]
    path = tmp_path / "m.json"
    loaded = 0
    with alarm(300):
        for _ in range(MODELS):
            path.write_bytes(mutate_model(model, rng))
            try:
                loaded_model = modelfile.load(path)
                scores = loaded_model.score(feature_rows(texts, loaded_model.features, 0))
            except RaterError as exc:
                assert "\n" not in str(exc) and str(path) in str(exc), str(exc)
                continue
            loaded += 1
            assert all(abs(s) < float("inf") for s in scores.tolist())
    assert 0 < loaded < MODELS

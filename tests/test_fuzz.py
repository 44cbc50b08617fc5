"""Bad input never escapes as anything but a Verdict or a CorpusError, and never hangs.

Over a thousand garbage inputs (hypothesis-generated plus hand-picked nasties) go through
corpus reading and the text checks; a sample of them is also rendered in-process with a
short time limit, because rendering everything through music21 would take minutes.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rater.core.checks import default_settings, judge, text_verdict
from rater.core.corpus import read_samples, sample_id
from rater.core.errors import CorpusError
from rater.core.records import Sample, Verdict
from rater.core.settings import RenderSettings

CHECKS = default_settings()
RENDER_ERRORS = {None, "unparseable", "unrenderable", "timeout", "no-notes"}
STEP_LIMIT = 5.0  # seconds one input may take through corpus + checks (a hang guard)
TOKENS = [
    "A",
    "B",
    "c",
    "d'",
    "e,",
    "z",
    "x",
    "2",
    "/",
    "3/2",
    "|",
    "||",
    ":|",
    "|:",
    "[1",
    "[2",
    "(3",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "^",
    "_",
    "=",
    "<",
    ">",
    "-",
    "~",
    ".",
    "!trill!",
    '"Am"',
    "\n",
    " ",
    "X:1\n",
    "T:t\n",
    "M:4/4\n",
    "M:0/0\n",
    "L:1/0\n",
    "K:G\n",
    "K:Hp\n",
    "Q:1/4=99999999\n",
    "V:1\n",
    "V:2\n",
    "%",
    "w: la la\n",
    "&",
    "\\",
    "<|endoftext|>",
    "===\n",
    "⏎",
    "\x00",
    "\xff",
    '{"text": 1}\n',
]
_counter = {"n": 0}


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


def through_corpus_and_checks(workdir: Path, data: bytes) -> list[Verdict] | CorpusError:
    _counter["n"] += 1
    path = workdir / f"in{_counter['n'] % 7}.abc"
    path.write_bytes(data)
    start = time.monotonic()
    try:
        samples = read_samples([str(path)])
    except CorpusError as exc:
        assert str(exc) and "\n" not in str(exc)
        return exc
    verdicts = [text_verdict(s, CHECKS) for s in samples]
    assert time.monotonic() - start < STEP_LIMIT
    assert all(isinstance(v, Verdict) and v.ok == (not v.reasons) for v in verdicts)
    return verdicts


soup = st.lists(st.sampled_from(TOKENS), max_size=300).map("".join)
inputs = st.one_of(
    st.binary(max_size=3000),
    soup.map(lambda s: s.encode("utf-8")),
    st.text(max_size=2000).map(lambda s: s.encode("utf-8", "surrogatepass")),
    soup.map(lambda s: s.encode("latin-1", "replace")),
)


@pytest.mark.slow
@settings(
    max_examples=900,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=inputs)
def test_garbage_through_corpus_and_checks(workdir: Path, data: bytes) -> None:
    through_corpus_and_checks(workdir, data)


def nasty_inputs() -> list[bytes]:
    head = "X:1\nT:nasty\nM:4/4\nL:1/8\nK:C\n"
    tune = "CDEF GABc|dcBA GFED|EGce gfed|cBAG FEDC|DFAc BAGF|EDCB, A,B,CD|]\n"
    voices = "".join(f"V:{i}\nCDEF GABc|\n" for i in range(300))
    cases = [
        b"",
        b"\x00\x01\x02binary",
        bytes(range(1, 256)) * 20,
        b"X:1\nT:\xff\xfe caf\xe9\nK:C\nCDEF|\n",
        ("CDEF GABc|" * 500_000).encode(),  # a 5 MB single line
        (head + "(" * 5000 + "A" + ")" * 5000).encode(),
        (head + "[" * 3000 + "A" + "]" * 3000).encode(),
        (head + "{" * 3000 + "g" + "}" * 3000 + "A").encode(),
        (head.replace("K:C", "K:C\n" + voices)).encode(),
        (head + voices).encode(),
        (head + "".join(f"V:{i}\n{tune}" for i in range(40))).encode(),
        (head + "(((((((((((A)))))))))) [[[[C]]]] {{{{g}}}}A " + tune).encode(),
    ]
    for field in (
        "Q:1/4=100000000",
        "Q:1/4=0",
        "Q:-5",
        "Q:1/4=1",
        "L:1/100000",
        "L:1000/1",
        "L:1/0",
        "L:0/0",
        "L:1/256",
        "M:1000000/1",
        "M:0/0",
        "M:64/64",
        "M:1/1",
    ):
        cases.append((head.replace("L:1/8" if field[0] != "M" else "M:4/4", field) + tune).encode())
    cases += [
        (head + "C99999999 D/99999999|" + tune).encode(),
        (head + "z" * 5000).encode(),
        ("\n" * 10000 + "X:1\n" * 1000).encode(),
    ]
    rng = random.Random(11)
    tokens = [t for t in TOKENS if t != "\x00"]  # NUL makes the whole file binary
    for _ in range(120):
        cases.append("".join(rng.choice(tokens) for _ in range(rng.randrange(1, 400))).encode())
    return cases


def _render_child(texts: list[str], time_limit: float, out_dir: str, queue) -> None:
    from rater.audio.render import render_one
    from rater.audio.synth import find_soundfont

    rsettings = RenderSettings(soundfont=find_soundfont(), clip_seconds=3.0, time_limit=time_limit)
    for i, text in enumerate(texts):
        sample = Sample(id=sample_id(text), text=text, source="fuzz", number=i + 1)
        start = time.monotonic()
        try:
            render = render_one(sample, rsettings, out_dir=out_dir)
            verdict = judge(sample, render, CHECKS)
            queue.put((i, render.error, isinstance(verdict, Verdict), time.monotonic() - start))
        except BaseException as exc:  # reported to the parent, which fails the test
            queue.put((i, f"raised {type(exc).__name__}: {exc}", False, 0.0))


@pytest.mark.slow
def test_nasty_inputs_and_renders(workdir: Path) -> None:
    """Hand-picked nasties through corpus + checks; the text-ok ones (what the pipeline
    would render) also through `render_one` in a child process, so a hang fails the test
    with the input named instead of stalling the suite."""
    import multiprocessing

    outcomes, to_render = [], []
    for i, data in enumerate(nasty_inputs()):
        result = through_corpus_and_checks(workdir, data)
        outcomes.append(type(result).__name__)
        if isinstance(result, CorpusError):
            continue
        path = workdir / f"in{_counter['n'] % 7}.abc"
        for sample, verdict in zip(read_samples([str(path)]), result, strict=True):
            if verdict.ok and (i < 30 or i % 2 == 0):
                to_render.append(sample.text)
    assert outcomes.count("CorpusError") >= 3  # empty, binary, NUL-laden files
    assert len(to_render) >= 30

    time_limit = 2.0
    queue = multiprocessing.get_context("fork").Queue()
    child = multiprocessing.get_context("fork").Process(
        target=_render_child, args=(to_render, time_limit, str(workdir), queue), daemon=True
    )
    child.start()
    try:
        for n in range(len(to_render)):
            try:
                i, error, judged, elapsed = queue.get(timeout=time_limit + 20)
            except Exception:  # queue.Empty: the render hung past its time limit
                pytest.fail(f"render hung on input {n}: {to_render[n][:200]!r}")
            assert error in RENDER_ERRORS, (error, to_render[i][:200])
            assert judged and elapsed < time_limit + 5, (elapsed, to_render[i][:200])
    finally:
        child.kill()
        child.join()

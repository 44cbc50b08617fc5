"""Failures of the reader and the renderer are verdicts in words (`rater.core.failures`):
never an exception's class or message, malformed header fields are `bad-header`, and a
broken install is the machine's problem, not a verdict."""

from __future__ import annotations

import importlib
import random
import re
from pathlib import Path

import pytest

from rater.audio.pool import in_process
from rater.audio.render import parse_one, render_one
from rater.core.checks import default_settings, judge
from rater.core.corpus import read_samples, sample_id
from rater.core.errors import SetupError
from rater.core.failures import Failure, Stage, failure, machine_failure
from rater.core.records import MACHINE_FAILURE, Render, Sample
from rater.core.settings import RenderSettings

PYTHON_TEXT = re.compile(r"[A-Z][a-zA-Z]+(Error|Exception)")
CHECKS = default_settings()
SETTINGS = RenderSettings(time_limit=10.0)
TUNE = "X:1\nT:t\nM:6/8\nL:1/8\nK:D\nABc def|gfe dcB|ABc def|gfe d3|]"


def sample(text: str, number: int = 1) -> Sample:
    return Sample(id=sample_id(text), text=text, source="broken.abc", number=number)


ISSUE = [
    # the issue's reproductions: music21 raised `ValueError: too many values to unpack
    # (expected 2)`, `MeterException: Cannot set partition by 3 (3/2221...)`,
    # `ABCHandlerException: Bad chord indicator`
    (TUNE.replace("M:6/8", "M:6/8/8/8 3/4 K:"), "bad-header", "M:6/8/8/8 3/4 K: is not a meter"),
    (TUNE.replace("M:6/8", "M:3/2221"), "bad-header", "M:3/2221 is not a meter"),
    (TUNE + "\n[ABC d2|", "unparseable", "a chord ([...) is never closed"),
    (TUNE + '\n[a"Am"b|', "unparseable", "a chord ([...) is never closed"),
]


@pytest.mark.parametrize(("text", "reason", "detail"), ISSUE)
def test_the_issue_failures_read_as_sentences(text: str, reason: str, detail: str) -> None:
    """The sentence a failure of these texts gets (the renderer's sound stage still fails
    in words), and no reading failure: the shared reader never raises and plays them as
    abc2midi does (`M:6/8/8/8 3/4 K:` as 6/8, an unclosed chord as its notes)."""
    assert failure(ValueError("too many values"), text, Stage.SOUND) == (reason, detail)
    render = parse_one(sample(text), SETTINGS)
    assert render.error is None and render.notes
    verdict = judge(sample(text), render, CHECKS, audio=False)
    said = [*verdict.reasons, *verdict.details]
    assert not any(PYTHON_TEXT.search(x) for x in said)
    # the one whose meter is absurd is not music: the checks say so in words
    assert verdict.ok == ("3/2221" not in text), verdict


def test_a_broken_install_is_not_a_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    """`AttributeError: module 'mido' has no attribute ...` was a tune's verdict."""
    import mido

    monkeypatch.delattr(mido, "MetaMessage")
    from rater.audio.synth import find_soundfont

    with pytest.raises(SetupError, match=r"the installed mido has no 'MetaMessage'.*reinstall"):
        render_one(sample(TUNE), RenderSettings(soundfont=find_soundfont()))


def test_failure_never_shows_the_exception() -> None:
    cases = [
        ValueError("too many values to unpack (expected 2)"),
        KeyError("abcHandler"),
        IndexError("list index out of range"),
        TypeError("'NoneType' object is not subscriptable"),
        ZeroDivisionError("float division by zero"),
        RecursionError("maximum recursion depth exceeded"),
        type("ABCHandlerException", (Exception,), {})("Bad chord indicator"),
        type("MeterException", (Exception,), {})("Cannot set partition by 3 (3/2221)"),
    ]
    for exc in cases:
        for stage in Stage:
            got = failure(exc, TUNE, stage)
            assert isinstance(got, Failure) and got.reason in ("unparseable", "unrenderable")
            assert not PYTHON_TEXT.search(got.detail)
            assert not str(exc) or str(exc) not in got.detail
    for machine in (ModuleNotFoundError("No module named 'mido'", name="mido"), MemoryError()):
        with pytest.raises(type(machine)):  # the machine's: raised again, never a verdict
            failure(machine, TUNE)


def test_a_machine_failure_is_said_in_words() -> None:
    """The line that says a sample was not judged names what the machine did, not the
    exception's class (it said "MemoryError: " and "ModuleNotFoundError: No module...")."""

    def out_of_memory(s: Sample) -> Render:
        bytearray(1 << 62)  # a real MemoryError
        raise AssertionError("allocated 4 EiB")

    def no_library(s: Sample) -> Render:
        importlib.import_module("rater_no_such_library")
        raise AssertionError("imported a library that does not exist")

    def no_folder(s: Sample) -> Render:
        open("/nonexistent-rater-folder/clip.wav", "rb")
        raise AssertionError("opened a file in a folder that does not exist")

    got = [in_process(sample(TUNE), work) for work in (out_of_memory, no_library, no_folder)]
    assert [r.error for r in got] == [MACHINE_FAILURE] * 3
    assert [r.detail for r in got] == [
        "out of memory (tried 2 times)",
        "the library rater_no_such_library could not be loaded: "
        "reinstall with scripts/setup (or pip install -e .) (tried 2 times)",
        "an operating-system error: no such file or directory (tried 2 times)",
    ]
    assert not any(PYTHON_TEXT.search(r.detail) for r in got)
    assert machine_failure(OSError()) == "an operating-system error"


# -- fuzz: real tunes broken in the ways generators break them -------------------------

HEADER_GARBAGE = {
    "M": ["6/8/8/8 3/4 K:", "3/2221", "4/4 3", "12/8/", "x/y", "C||", "6/8 |abc", "2/0"],
    "K": ["Zb", "D|abc", "Gmajor minor dorian", "^f^c", "K:D"],
    "L": ["1/8/8", "1//8", "abc", "1/8 1/4", "/8"],
    "Q": ["1/4==120", "fast", "1/4=120=3", "=", "1/4 120 3/8"],
}
BODY_GARBAGE = [
    "[", "]", '"', "!", "{", "}", "(", ")", "[K:", "[M:3/0]", "(9", "(3:2:9", "-", ">>>",
    "<<", "[ceg]2/", "^^^", "__", "z0", "/0", "|:|:", ":|]", "[1", "&", "\\", "'''", ",,,,",
    "+trill", "y", "!fermata", "\"^", "[L:1/0]", "[Q:9/0=1]", "A0", "T:", "V:2\n",
]  # fmt: skip


def broken_tunes(n: int, seed: int = 20) -> list[str]:
    """`n` real tunes (O'Neill's 1850) broken at random: a header field spoiled, garbage put
    into the body, a stretch of the body cut out."""
    from rater.core.demo import music21_corpus_dir

    tunes = read_samples([str(music21_corpus_dir() / "oneills1850")])
    rng = random.Random(seed)
    out = []
    for k in range(n):
        text = tunes[k % len(tunes)].text
        lines = text.split("\n")
        how = k % 3
        if how == 0:
            letter = rng.choice(list(HEADER_GARBAGE))
            value = rng.choice(HEADER_GARBAGE[letter])
            at = next((i for i, x in enumerate(lines) if x.startswith(f"{letter}:")), 1)
            lines[at : at + (lines[at].startswith(f"{letter}:"))] = [f"{letter}:{value}"]
        else:
            body = [i for i, x in enumerate(lines) if x and not re.match(r"[A-Za-z]:", x)]
            for _ in range(rng.randint(1, 4)):
                i = rng.choice(body)
                pos = rng.randrange(len(lines[i]) + 1)
                if how == 1:
                    lines[i] = lines[i][:pos] + rng.choice(BODY_GARBAGE) + lines[i][pos:]
                else:
                    lines[i] = lines[i][:pos] + lines[i][pos + rng.randint(1, 12) :]
        out.append("\n".join(lines))
    return out


@pytest.mark.slow
def test_fuzz_broken_abc_reasons_are_words(tmp_path: Path) -> None:
    """240 broken real tunes read by the renderer in this process, and 40 of them through
    the render pool: no reason or detail names an exception class."""
    from rater.audio.pipeline import judge_all
    from rater.audio.synth import find_soundfont

    texts = broken_tunes(240)
    broken: list[Sample] = []
    for n, text in enumerate(texts, 1):
        s = sample(text, n)
        render = parse_one(s, SETTINGS)
        verdict = judge(s, render, CHECKS, audio=False)
        broken += [] if verdict.ok else [s]
        said = [render.detail, *verdict.reasons, *verdict.details]
        assert not any(PYTHON_TEXT.search(x) for x in said), (said, text)
    # the shared reader never fails (music21 did, on 40 and more of these): the checks
    # judge the reading, and do find many of them broken
    assert len(broken) >= 40
    settings = RenderSettings(soundfont=find_soundfont(), time_limit=10.0, clip_seconds=3.0)
    some = broken[:20] + [sample(t, n) for n, t in enumerate(texts[:20], 1)]
    judged = judge_all(some, settings, CHECKS, workers=2, cache_dir=tmp_path)
    said = [x for j in judged for x in (*j.verdict.reasons, *j.verdict.details)]
    assert not any(PYTHON_TEXT.search(x) for x in said), said
    assert all(not j.verdict.ok for j in judged[:20])  # through the pool as in this process

"""checks: degenerate tunes fail with the right reason, real tunes pass, render reasons."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from rater.core.checks import CheckSettings, default_settings, judge, load_blacklist, text_verdict
from rater.core.corpus import read_samples, sample_id
from rater.core.demo import degenerate_examples, music21_corpus_dir
from rater.core.errors import CorpusError
from rater.core.records import Render, Sample

SETTINGS = default_settings()


def sample(text: str, kind: str = "abc") -> Sample:
    return Sample(id=sample_id(text), text=text, source="t", number=1, kind=kind)


@pytest.fixture(scope="module")
def real_tunes() -> list[Sample]:
    base = music21_corpus_dir()
    tunes = read_samples([str(base / "oneills1850"), str(base / "ryansMammoth")])
    return random.Random(3).sample(tunes, 150)


@pytest.mark.parametrize("name", sorted(degenerate_examples()))
def test_degenerate_samples_fail_with_the_right_reason(name: str) -> None:
    text, reason = degenerate_examples()[name]
    v = text_verdict(sample(text), SETTINGS)
    assert not v.ok
    assert reason in v.reasons
    assert len(v.details) == len(v.reasons)


def test_real_tunes_pass(real_tunes: list[Sample]) -> None:
    failed = [
        (s.source, s.title, text_verdict(s, SETTINGS).details)
        for s in real_tunes
        if not text_verdict(s, SETTINGS).ok
    ]
    assert failed == []


def test_bar_loops_are_one_rule_on_the_notes() -> None:
    """Whole bars repeating is `loop` (bar-level, on the notes); `repetitive` is only a
    short stretch of characters, so a bar loop is not reported twice under two names."""
    head = "X:1\nM:4/4\nL:1/8\nK:D\n"
    loop = text_verdict(sample(head + "DFAd fdAF|GBdg bgdB|" * 12), SETTINGS)
    assert "loop" in loop.reasons and "repetitive" not in loop.reasons
    long_bar = "d2fd cdec d2fd cdec B2GB|"  # 28 chars: longer than the period check sees
    run = text_verdict(sample(head + "ABcd efga|" + long_bar * 9), SETTINGS)
    assert "loop" in run.reasons and "repetitive" not in run.reasons
    assert "the same bar 9 times" in " ".join(run.details)
    short = text_verdict(sample(head + "GABc|" * 40), SETTINGS)
    assert "repetitive" in short.reasons and "loop" in short.reasons


def test_compressible_without_short_period() -> None:
    rng = random.Random(5)
    phrase = "".join(rng.choice("ABCDEFGabcdefg") + rng.choice(["", "2", "/"]) for _ in range(40))
    text = "X:1\nM:4/4\nL:1/8\nK:C\n" + (phrase + "\n") * 12
    # the lines have no bar lines (one 12-line bar): off-meter too, unless that is turned off
    isolated = replace(SETTINGS, max_bar_fullness=1e9)
    v = text_verdict(sample(text), isolated)
    assert v.reasons == ("compressible",)


def test_blacklist_hit_names_the_snippet(tmp_path: Path) -> None:
    bl = tmp_path / "bl.txt"
    bl.write_text("\nFoo Bar\n\n|GB\\n|GB\n", encoding="utf-8")
    snippets = load_blacklist([str(bl)])
    assert snippets == ("foo bar", "|gb\n|gb")
    s = CheckSettings(blacklist=snippets)
    v = text_verdict(sample("X:1\nK:G\nAB|GB\n|gb c|]"), s)
    assert v.reasons == ("blacklist",) and "|gb" in v.details[0]
    assert text_verdict(sample("hello FOO BAR", kind="text"), s).reasons == ("blacklist",)


def test_load_blacklist_defaults_none_and_missing(tmp_path: Path) -> None:
    assert len(load_blacklist(None)) > 100  # the repository's blacklists/*.txt
    assert load_blacklist(["none"]) == ()
    with pytest.raises(CorpusError, match="nope.txt: blacklist file not found"):
        load_blacklist([str(tmp_path / "nope.txt")])


def test_too_long() -> None:
    text = "X:1\nK:C\n" + "CDEF GABc|" * 4000
    assert text_verdict(sample(text), SETTINGS).reasons == ("too-long",)


def test_text_kind_skips_abc_checks() -> None:
    poem = "The sea is calm tonight.\nThe tide is full, the moon lies fair"
    assert text_verdict(sample(poem, kind="text"), SETTINGS).ok
    assert text_verdict(sample("   ", kind="text"), SETTINGS).reasons == ("empty",)
    loop = text_verdict(sample("the end " * 40, kind="text"), SETTINGS)
    assert loop.reasons == ("repetitive",)


def render(**kw) -> Render:
    base = dict(
        sample_id="x",
        wav_path="/tmp/x.wav",
        clip_seconds=10.0,
        music_seconds=30.0,
        peak=0.4,
        rms=0.05,
    )
    base.update(kw)
    return Render(**base)


TUNE = "X:1\nT:t\nM:4/4\nL:1/8\nK:D\nDFAd fdAF|GBdg bgdB|AFDF GFEF|D8|]"


def test_judge_render_reasons() -> None:
    s = sample(TUNE)
    assert judge(s, render(), SETTINGS).ok
    assert judge(s, None, SETTINGS).ok
    assert judge(s, render(peak=0.0, rms=0.0), SETTINGS).reasons == ("silent",)
    assert judge(s, render(music_seconds=0.5, clip_seconds=0.5), SETTINGS).reasons == ("too-short",)
    for code in ("unparseable", "unrenderable", "timeout", "no-notes"):
        v = judge(s, render(wav_path=None, error=code, detail="why"), SETTINGS)
        assert v.reasons == (code,) and v.details == ("why",) and not v.ok


def test_judge_keeps_text_reasons() -> None:
    text, _ = degenerate_examples()["one note x200"]
    v = judge(sample(text), render(peak=0.0, rms=0.0), SETTINGS)
    assert v.reasons[-1] == "silent" and "repetitive" in v.reasons


def test_folk_rnn_samples_all_get_verdicts(folk_rnn_dir: Path) -> None:
    samples = read_samples([str(folk_rnn_dir)])
    verdicts = [text_verdict(s, SETTINGS) for s in samples]
    assert len(verdicts) == 256
    assert all(v.sample_id == s.id for v, s in zip(verdicts, samples, strict=True))
    assert all(v.ok == (not v.reasons) and len(v.details) == len(v.reasons) for v in verdicts)
    # plausible generator output: the text checks fail only a few (the blacklist's "b b b b")
    assert sum(v.ok for v in verdicts) >= 240


@pytest.mark.parametrize(
    "change",
    [
        "L:1/8>L:1000/1",
        "L:1/8>L:1/100000",
        "L:1/8>L:1/0",
        "M:4/4>M:1000000/1",
        "M:4/4>M:0/0",
        "L:1/8>Q:1/4=100000000",
        "L:1/8>Q:1/4=0",
        "L:1/8>Q:-5",
        "DFAd>DFAd99999999",
    ],
)
def test_absurd_fields_and_lengths_are_unparseable(change: str) -> None:
    old, new = change.split(">")
    v = text_verdict(sample(TUNE.replace(old, new)), SETTINGS)
    assert v.reasons[0] == "unparseable" and "absurd" in v.details[0]
    # a huge unit or note length also makes a bar hundreds of times the meter
    assert set(v.reasons) <= {"unparseable", "off-meter"}


def test_sane_fields_and_ignorable_characters_pass() -> None:
    tune = TUNE.replace("L:1/8", "L:1/16\nQ:1/4=120").replace("DFAd", "D`F`A`d")
    assert text_verdict(sample(tune), SETTINGS).ok
    padded = TUNE.replace("|D8|]", "|" + "  |" * 50 + "D8|]")  # Essen-style empty bars
    assert text_verdict(sample(padded), SETTINGS).ok


def test_the_repeated_unit_is_found_the_same_way_at_every_length() -> None:
    """Short texts take every period at once, long ones one at a time: same answers,
    including where runs tie (the first period with the most repeats, its first run)."""
    import numpy as np

    from rater.core import checks

    rng = random.Random(25)
    for t in range(400):
        n = rng.randrange(2, 300) if t % 2 else rng.randrange(900, 1100)
        s = "".join(rng.choice("abcd|" if t % 3 else "ab") for _ in range(n))
        k = rng.randrange(len(s))
        s = s[:k] + s[k : k + rng.randint(1, 9)] * rng.randint(1, 30) + s[k:]
        a = np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32)
        periods = np.arange(1, min(24, len(a) - 1) + 1)
        assert checks.longest_period_run(s, 24) == checks._period_by_period(a, periods), s
    unit = "abcde"
    p, span, repeats, start = checks.longest_period_run("xy" + unit * 300 + "z", 24)
    assert (p, span, repeats, start) == (5, 1500, 300.0, 2)

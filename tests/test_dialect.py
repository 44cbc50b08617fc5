"""Generator dialects: folk-rnn's token form is recognised and read as the tune it meant;
standard ABC never is."""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

import pytest

from rater.core.abc import Dialect, detect, parse, perform, standard
from rater.core.checks import text_verdict
from rater.core.corpus import read_samples
from rater.core.demo import music21_corpus_dir
from rater.core.records import Sample
from rater.core.settings import CheckSettings

FOLK = "M:2/4\nK:Cdor\nc 2 (3 B c d | e 2< f 2 | G /2 A /2 B c d :| |2 c 4 |\n"


def test_folk_rnn_tokens_are_joined_with_an_eighth_for_the_unit() -> None:
    assert detect(FOLK) is Dialect.FOLKRNN
    assert standard(FOLK, Dialect.FOLKRNN) == (
        "M:2/4\nL:1/8\nK:Cdor\nc2(3Bcd | e2<f2 | G/2A/2Bcd :| |2 c4 |\n"
    )
    tune = parse(FOLK)
    assert tune.dialect == "folkrnn"
    assert [b.duration for b in tune.bars] == [F(1, 2)] * 4  # every bar adds up in 2/4
    # read as written, a length after a space belongs to no note and 2/4 means L:1/16
    as_written = parse(FOLK, Dialect.ABC)
    assert as_written.dialect == "abc" and as_written.unread > 0
    assert [b.duration for b in as_written.bars][:2] == [F(3, 16), F(1, 8)]


def test_a_meter_change_token_is_an_inline_field() -> None:
    text = "M:6/8\nK:Cmaj\nG C M:3/2 G C A c B G G F D E F |\n"
    assert "[M:3/2]" in standard(text, Dialect.FOLKRNN)
    assert [n.pitch for n in perform(parse(text)).notes][:5] == [67, 60, 67, 60, 69]


def test_a_folk_rnn_sample_that_stops_is_still_folk_rnn() -> None:
    assert detect("M:4/4\nK:Cmaj\nA G E G C E G 2 | G E A E G C E 2 | E G A G E G C") == (
        Dialect.FOLKRNN
    )
    assert detect("M:6/8\nK:Cmin\nc 4") is Dialect.FOLKRNN  # a length apart and a Cmin key
    chords = "M:4/4\nK:Cmaj\nG c E f [ c e ] d | G f d G c E |\n"  # chords as tokens too
    assert detect(chords) is Dialect.FOLKRNN


@pytest.mark.parametrize(
    "text",
    [
        "X:1\nM:2/4\nL:1/8\nK:C\nc 2 d e | f 2 g a |\n",  # an L: field: written for the standard
        "X:1\nM:2/4\nK:C\nc A G E | G E E D | C E A G |\n",  # no length apart, no Cmaj key
        "X:1\nM:6/8\nK:G\nGAB c2d|efg a2b|\n",  # tokens of several notes
        "X:1\nK:Gmaj\nG A",  # too short to tell
    ],
)
def test_standard_abc_is_read_as_written(text: str) -> None:
    assert detect(text) is Dialect.ABC


@pytest.mark.slow
def test_no_tune_of_music21s_collections_is_taken_for_folk_rnn() -> None:
    base = music21_corpus_dir()
    tunes = read_samples([str(p) for p in sorted(base.iterdir()) if any(p.glob("**/*.abc"))])
    assert len(tunes) > 12_000
    taken = [(t.source, t.number) for t in tunes if detect(t.text) is not Dialect.ABC]
    assert taken == []


def test_every_folk_rnn_sample_is_read_in_its_dialect(folk_rnn_dir: Path) -> None:
    samples = read_samples([str(folk_rnn_dir)])
    assert len(samples) == 256
    assert {detect(s.text) for s in samples} == {Dialect.FOLKRNN}


def test_the_verdict_says_which_dialect_was_read() -> None:
    sample = Sample("f", FOLK, "folk.abc", 0)
    assert "dialect: folkrnn" in text_verdict(sample, CheckSettings()).notes
    forced = text_verdict(sample, CheckSettings(dialect="abc"))
    assert not any(n.startswith("dialect") for n in forced.notes)
    real = Sample("r", "X:1\nM:2/4\nL:1/8\nK:C\nc2de|f2ga|]\n", "real.abc", 0)
    assert not any(n.startswith("dialect") for n in text_verdict(real, CheckSettings()).notes)


def test_the_commands_that_read_samples_take_a_dialect(tmp_path: Path) -> None:
    import json

    from test_cli import run_cli

    path = tmp_path / "folk.abc"
    path.write_text(FOLK.replace(":| |2 c 4 |", "| c 4 | e 2 d c | B 4 |" * 3))
    auto = run_cli("check", str(path), "--json", "--blacklist", "none", cwd=tmp_path)
    assert auto.returncode == 0, auto.stderr
    assert "dialect: folkrnn" in json.loads(auto.stdout)["notes"]
    forced = run_cli("check", str(path), "--json", "--dialect", "abc", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    verdict = json.loads(forced.stdout)
    assert "unparseable" in verdict["reasons"]  # read as written: stray lengths everywhere
    wrong = run_cli("render", str(path), "--dialect", "klingon", cwd=tmp_path)
    assert wrong.returncode == 2 and "invalid choice: 'klingon'" in wrong.stderr

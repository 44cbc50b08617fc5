"""musiccheck: loops, bars that do not add up, music in header fields, cut-off notes.

Each new reason fails crafted degenerate samples in the shapes a diverged generator writes
and passes real tunes from music21's corpus; the thresholds come from CheckSettings.
"""

from __future__ import annotations

import random

import pytest

from rater.core.abc import parse
from rater.core.checks import text_verdict
from rater.core.corpus import read_samples, sample_id
from rater.core.demo import music21_corpus_dir
from rater.core.features import cut_off, features
from rater.core.musiccheck import problems
from rater.core.records import Sample
from rater.core.settings import CheckSettings

SETTINGS = CheckSettings()
HEAD = "X:1\nT:t\nM:4/4\nL:1/8\nK:G\n"


def verdict(text: str):
    return text_verdict(Sample(sample_id(text), text, "t", 0), SETTINGS)


def reasons(text: str) -> list[str]:
    return [r for r, _ in problems(text, SETTINGS)[0]]


@pytest.fixture(scope="module")
def real_tunes() -> list[Sample]:
    base = music21_corpus_dir()
    tunes = read_samples(
        [str(base / d) for d in ("oneills1850", "ryansMammoth", "airdsAirs", "miscFolk")]
    )
    return random.Random(15).sample(tunes, 400)


def test_real_tunes_pass(real_tunes: list[Sample]) -> None:
    failed = [(s.source, s.title, problems(s.text, SETTINGS)[0]) for s in real_tunes]
    assert [f for f in failed if f[2]] == []


# The issue's short loop: ~200 characters, 14 bars from 3 distinct bars, one bar 4 times
# in a row, stopping mid-bar where the generator's length limit hit.
A, B, C = "GABc dedB", "c2ec BcdB", "AGFG A2D2"
SHORT_LOOP = HEAD + "|".join([A, B, A, A, A, A, C, B, A, A, A, C, B, A]) + "|GAB"


def test_short_bar_loop_cut_off_is_a_loop() -> None:
    assert 150 < len(SHORT_LOOP) < 250
    v = verdict(SHORT_LOOP)
    # only the bar-level check catches it: too short to compress, runs too short for the
    # text-level repetition check (what the held-out set of real degenerate samples showed)
    assert v.reasons == ("loop",)
    assert "stops mid-bar" in v.details[0] or "distinct" in v.details[0]


def test_respelled_copies_are_the_same_bar() -> None:
    """`c/c/f/c/` and `c/ c/ f/ c/` are one bar: spacing must not hide a loop."""
    spellings = ["c/c/f/c/ c/c/f/c/", "c/ c/ f/ c/ c/ c/ f/ c/", "c/c/ f/c/ c/2c/2f/2c/2"]
    loop = HEAD + "|".join(spellings[i % 3] + " c2d2" for i in range(13)) + "|c/c"
    f = features(parse(loop))
    assert f.distinct == 1 and f.longest_run == 14
    assert "loop" in reasons(loop)
    distinct_texts = {b.strip() for b in loop.split("\n")[-1].split("|")[:-1]}
    assert len(distinct_texts) == 3  # as text, three different bars


def test_phrase_written_out_three_times_and_cut_is_a_loop() -> None:
    phrase = ["GABc dedB", "c2ec BcdB", "AGFG A2D2", "G2B2 G4"]
    text = HEAD + "|".join(phrase * 3) + "|GA"
    v = verdict(text)
    assert v.reasons == ("loop",) and "4-bar phrase" in v.details[0]


def test_a_strophic_song_that_ends_properly_is_not_a_loop() -> None:
    """Real songs write a phrase out three or four times; they end on a bar line or on a
    bar that completes the opening pickup, not mid-bar."""
    song = "X:1\nM:2/4\nL:1/8\nK:F\nA2|G2FE|FGA2|" + "A2GA|B2A2|G2GA|F2FG|" * 3 + "A2GA|F2\n"
    assert not cut_off(parse(song))
    assert "loop" not in reasons(song)
    assert "loop" in reasons(song.replace("|F2\n", "|F"))  # the same, cut mid-bar


def test_a_whole_sample_that_is_one_phrase_written_out_three_times_is_a_loop() -> None:
    """Not cut off, but nothing else: a 4-bar (or 2-bar) phrase three times in a row making
    up at least 80% of the sample; real songs that write a phrase out three times have a
    verse of other bars around it (Essen, `bench/signs.py`)."""
    phrase = ["GABc dedB", "c2ec BcdB", "AGFG A2D2", "G2B2 G4"]
    whole = HEAD + "|".join(phrase * 3) + "|]\n"
    v = verdict(whole)
    assert v.reasons == ("loop",) and "4-bar phrase 3 times in a row, 100%" in v.details[0]
    assert "loop" in reasons(HEAD + "D2|" + "|".join(phrase[:2] * 4) + "|]\n")  # 2 bars x4
    twice = HEAD + "|".join(phrase * 2) + "|]\n"
    assert "loop" not in reasons(twice)
    verse = ["g2fe dcBA", "B2d2 c2A2", "GABG E2D2", "G6 z2"]
    song = HEAD + "|".join(verse + phrase * 3 + verse[:1]) + "|]\n"  # 12 of 17 bars: 71%
    assert "loop" not in reasons(song)


def test_long_run_of_one_bar_is_a_loop_even_when_whole() -> None:
    text = HEAD + "GABc dedB|" + "d2B2 d2B2|" * 8 + "G8|]\n"
    assert "loop" in reasons(text)
    # a canon or a children's song repeats a bar up to 6 times (Essen)
    assert "loop" not in reasons(HEAD + "GABc dedB|" + "d2B2 d2B2|" * 6 + "G8|]\n")


def test_cumulative_song_is_not_a_loop() -> None:
    """The Twelve Days of Christmas writes one 2-bar phrase out six times in a row."""
    verse = "c2 A c | B G z2 |"
    song = "X:1\nM:2/4\nL:1/8\nK:G\nD|G2 GA|GF ED|GGBG|d4|" + verse * 6 + "d2 d2|G3|]\n"
    assert features(parse(song)).phrase[1] >= 6
    assert "loop" not in reasons(song)


def test_cut_off_alone_is_a_note_not_a_failure() -> None:
    tune = HEAD + "GABc dedB|c2ec BcdB|AGFG A2D2|G2B2 G4|dBGB dBGB|c2A2 F2A2|GA"
    v = verdict(tune)
    assert v.ok and v.notes == ("cut-off: the text stops inside a bar",)
    ends = {
        "bar line": tune[:-3] + "|]",
        "pickup completed": tune.replace("K:G\n", "K:G\nD2|")[:-2] + "G6",
        "a rest": tune + "z",
    }
    for name, text in ends.items():
        assert verdict(text).notes == (), name


def test_music_in_a_key_field_is_a_bad_header() -> None:
    real_body = "GABc dedB|c2ec BcdB|AGFG A2D2|G2B2 G4|]\n"
    issue = "X:1\nM:6/8\nL:1/8\nK:d/d/aae/d/|^cA(B/^c/)d2c|\n" + real_body
    assert verdict(issue).reasons == ("bad-header",)
    assert "K:" in verdict(issue).details[0]
    for field in ("M:6/8 GABc|dedB|", "L:1/8 GAB cde", "Q:1/4=120 |:GABc", "K:gfeg fedB"):
        head = HEAD.replace("K:G", f"{field}\nK:G")
        assert "bad-header" in reasons(head + real_body), field
    # not a key, but not music either: players fall back to C; the tune is fine
    assert verdict("X:1\nM:4/4\nL:1/8\nK:Bn\n" + real_body).ok
    for words in ("D Lydian sharp", "D (Mixolydian)"):
        assert verdict(f"X:1\nM:4/4\nL:1/8\nK:{words}\n" + real_body).ok, words


def test_bars_that_do_not_add_up_are_off_meter() -> None:
    rng = random.Random(3)
    notes = "ABcdefg"
    bars = ["".join(rng.choice(notes) for _ in range(rng.randint(2, 11))) for _ in range(16)]
    text = HEAD + "|".join(bars) + "|]\n"
    v = verdict(text)
    assert "off-meter" in v.reasons
    # irregular but not random (two bar lengths, as in old songs): not off-meter
    mixed = HEAD + "|".join(["GABc dedB", "GABc de"] * 8) + "|]\n"
    assert "off-meter" not in reasons(mixed)
    # no bar lines at all in a long note dump
    dump = HEAD + " ".join(rng.choice(notes) for _ in range(120)) + "\n"
    assert "off-meter" in reasons(dump)


def test_bars_in_many_lengths_are_off_meter_two_or_three_lengths_are_not() -> None:
    """Most inner bars miss the meter in four or more lengths: off-meter, even when the
    spread of lengths is small (one odd bar each); two or three lengths, as in songs with
    an unwritten change of meter, are not."""
    four = ["GABc dedB", "GABc de", "GABc d", "GABc dedB g", "GABc"]
    text = HEAD + "|".join(["G8"] + four * 3 + ["G8"]) + "|]\n"
    v = verdict(text)
    assert "off-meter" in v.reasons and "in 5 different lengths" in " ".join(v.details)
    three = ["GABc dedB", "GABc de", "GABc d", "GABc de", "GABc d"]
    assert "off-meter" not in reasons(HEAD + "|".join(["G8"] + three * 3 + ["G8"]) + "|]\n")


# A plausible tune whose bars add up, and weak signs that a generator's patchwork shows.
GOOD = HEAD + "GABc dedB|c2ec BcdB|AGFG A2D2|G2B2 G4|dBGB dBGB|c2A2 F2A2|G2B2 d4|c2A2 G4|"
SIGNS = {
    "rhythm": lambda t: t.replace("c2ec BcdB|AGFG A2D2|G2B2", "c2ec B|AGFG A2D2 GA|G2B2 G"),
    "truncated": lambda t: t + "GA",
    "slur": lambda t: t.replace("dBGB dBGB", "(dBGB dBGB"),
    "short repeat": lambda t: t.replace("|c2A2 F2A2|", "|:c2A2 F2A2:|"),
}


def test_one_weak_sign_passes_two_are_incoherent() -> None:
    assert verdict(GOOD).ok
    for name, add in SIGNS.items():
        v = verdict(add(GOOD))
        assert "incoherent" not in v.reasons, name
    names = list(SIGNS)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            v = verdict(SIGNS[b](SIGNS[a](GOOD)))
            assert "incoherent" in v.reasons, (a, b)
            assert v.details[v.reasons.index("incoherent")].count(";") == 1


def test_a_fragment_and_bars_that_agree_on_the_wrong_length_are_signs() -> None:
    """A short song (Essen has 4-bar ballad tunes) and a tune notated under the wrong meter
    pass; a generator's fragment or its loop of half-bars with an unbalanced slur does not."""
    short = "X:1\nM:3/4\nL:1/8\nK:G\nG2|B2G2B2|d4BB|d2c2BA|G4|]\n"
    assert verdict(short).ok
    assert "incoherent" in reasons(short.replace("|d4BB|", "|(d4BB|"))
    bars = ["d2 dc", "d2 Bd", "d2 fd", "d2 AB", "e2 dc", "B2 cd", "A2 FA", "d2 AF", "G2 Bd"]
    halves = "X:1\nM:6/8\nL:1/8\nK:D\n" + "|".join(bars + bars[:3])
    assert verdict(halves + "|d4|]\n").ok  # every bar 4/8 under 6/8: the wrong meter
    v = verdict(halves.replace("d2 Bd", "d2 (Bd", 1) + "|d4|]\n")
    assert v.reasons == ("incoherent",)
    assert "inner bars add up to the meter" in v.details[0]


def test_rhythm_is_one_sign_however_much_of_it_shows() -> None:
    """Irregular barring shows as a low fit, many lengths and a long bar together (Essen);
    that is one sign, not three."""
    ragged = HEAD + "|".join(["G8", "GA", "BcdefgaB", "c", "dBGAB", "GABcdef"] * 2) + "|"
    ragged += "GABc dedB GABc dedB GABc dedB|G8|]\n"
    v = verdict(ragged)
    assert "off-meter" in v.reasons and "incoherent" not in v.reasons
    assert "incoherent" in reasons(ragged.replace("|GA|", "|(GA|", 1))


def test_unreadable_body_is_unparseable() -> None:
    text = HEAD + "GABc dedB|@@@ ### ;;; ??? GABc|]\n"
    assert "unparseable" in reasons(text)
    assert "unparseable" not in reasons(HEAD + "GABc dedB|c2ec BcdB|]\n")

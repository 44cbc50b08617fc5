"""features: the bar-level statistics the music checks judge - truncation, phrase loops and
their share of the sample, the lengths inner bars come in."""

from __future__ import annotations

from rater.core.abc import parse
from rater.core.abc.fields import beat_length
from rater.core.features import features, truncated

HEAD = "X:1\nT:t\nM:4/4\nL:1/8\nK:G\n"
BODY = "GABc dedB|c2ec BcdB|AGFG A2D2|G2B2 G4|dBGB dBGB|c2A2 F2A2|"


def test_beats_of_meters() -> None:
    assert [beat_length(m) for m in ("C", "C|", "6/8", "3/4", "2/2")] == [
        1 / 4,
        1 / 2,
        1 / 8,
        1 / 4,
        1 / 2,
    ]
    assert beat_length("none") is None


def test_a_text_cut_by_a_length_limit_is_truncated_a_song_end_is_not() -> None:
    """A generator stops wherever its length ran out: on a short note or on something it
    began; a song that lacks its final bar line ends on a long note."""
    for cut in ("GA", "G (", 'G2 "A', "G2 [GB", "G2 A>", "G2 A-"):
        f = features(parse(HEAD + BODY + cut))
        assert f.cut_off and f.truncated, cut
    long_end = features(parse(HEAD + BODY + "G6"))  # cut off (no pickup to complete) ...
    assert long_end.cut_off and not long_end.truncated  # ... but on a note a beat or longer
    whole = parse(HEAD + BODY + "G8|]")
    assert not features(whole).cut_off and not features(whole).truncated
    # Essen: no meter field, no beat - only an opening symbol tells
    assert truncated(parse("X:1\nK:G\nGABc dedB|GA (")) is True
    assert truncated(parse("X:1\nK:G\nGABc dedB|GA")) is False


def test_a_phrase_loop_and_its_share_of_the_sample() -> None:
    phrase = "GABc dedB|c2ec BcdB|AGFG A2D2|G2B2 G4|"
    looped = features(parse(HEAD + phrase * 3))
    assert looped.phrase == (4, 3.0) and looped.phrase_share == 1.0
    framed = features(parse(HEAD + "D2|" + "g2fe dcBA|" * 2 + phrase * 3 + "c2A2 F2A2|G8|]"))
    assert framed.phrase == (4, 3.0) and framed.phrase_share == 12 / 17
    assert features(parse(HEAD + BODY)).phrase_share == 0.0


def test_inner_bars_lengths_fit_and_kinds() -> None:
    ragged = HEAD + "G2|GABc dedB|GABc de|GABc d|GA|GABc dedB g2|G8|]"
    f = features(parse(ragged))
    assert (f.inner, f.length_kinds) == (5, 5)
    assert f.meter_fit == 1 / 5  # only GABc dedB adds up
    assert features(parse(HEAD + BODY + "G8|]")).length_kinds == 1

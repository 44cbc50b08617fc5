"""The reading as played, rule by rule, with abc2midi as the oracle: each small tune below
plays note for note (onset and pitch, every voice, the tempo map) as abc2midi plays it."""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

import pytest
from conformance import bench, need_abc2midi

from rater.core.abc import parse, perform

HEAD = "X:1\nM:4/4\nL:1/4\nK:C\n"

RULES = {
    "repeat": HEAD + "C|:DE:|F|]",
    "double repeat": HEAD + "|:C::D:|F|]",
    "endings": HEAD + "|:C|1D:|2E|F|]",
    "bracket endings": HEAD + "|:C[1D:|[2E|]F|]",
    "ending of two bars": HEAD + "|:C|1D|E:|2F|G|]",
    "ending list": HEAD + "|:C|[1,3D:|[2E:|F|]",
    "ending range": HEAD + "|:C|1-3D:|4E|F|]",
    "repeat from the start": HEAD + "CD|E:|F|]",
    "repeat from the last repeat": HEAD + "C:|D|E:|F|]",
    "repeat from a double bar after a repeat": HEAD + "C:|D||E:|F|]",
    "an open repeat opened again": HEAD + "|:C|:D:|F|]",
    "part order": "X:1\nM:4/4\nL:1/4\nP:ABA\nK:C\nP:A\nCDEF|]\nP:B\nGABc|]",
    "part order with groups": "X:1\nM:4/4\nL:1/4\nP:(AB)2C\nK:C\nP:A\nC4|]\nP:B\nD4|]\nP:C\nE4|]",
    "parts with repeats": "X:1\nM:4/4\nL:1/4\nP:AB\nK:C\nP:A\n|:C4:|\nP:B\n|:D4|1E4:|2F4|]",
    "accidentals through the bar, every octave": "X:1\nM:4/4\nL:1/8\nK:G\nDE=F F f2 F2|F8|]",
    "tie": "X:1\nM:4/4\nL:1/8\nK:C\nA4-A4|A2-B2 c2-|c2 d2 e2 f2|]",
    "a tie keeps its note over the bar line": HEAD + "^F-|=F G|]",
    "a tie never swallows a later note": "X:1\nM:4/4\nL:1/8\nK:C\nA2-B2 A2 c2|]",
    "broken rhythm": "X:1\nM:4/4\nL:1/8\nK:C\nA > B c < d e>>f g<<a|]",
    "broken rhythm across slur ends": "X:1\nM:4/4\nL:1/8\nK:C\n(AG>)(B c) d4|]",
    "tuplets": "X:1\nM:4/4\nL:1/8\nK:C\n(3ABc (3:2:2A2B d4|]",
    "tuplets in a compound meter": "X:1\nM:6/8\nL:1/8\nK:C\n(2AB (5ABcde (3ABc|]",
    "chords": "X:1\nM:4/4\nL:1/8\nK:C\n[CEG]2 [C2E4G] A [CE]/2B/2 |]",
    "x rests": "X:1\nM:4/4\nL:1/8\nK:C\nA x2 B z B4|]",
    "decorations": "X:1\nM:4/4\nL:1/8\nK:C\nHg>e ~f2 .g !trill!a T b u c|]",
    "quoted text": 'X:1\nM:4/4\nL:1/8\nK:C\n">"e3 "Am"f "^text"g3|]',
    "grace notes": "X:1\nM:4/4\nL:1/8\nK:C\n{g}A2 {ag}B2 c4|]",
    "inline fields": "X:1\nM:4/4\nL:1/8\nK:C\nCD [K:G] F [M:3/4] [L:1/4] F G [Q:1/4=60] A B|]",
    "tempo 1/4=": "X:1\nM:4/4\nL:1/8\nQ:1/4=100\nK:C\nCDEF|]",
    "tempo of a dotted beat": "X:1\nM:6/8\nL:1/8\nQ:3/8=60\nK:C\nCDEF|]",
    "tempo as a number": "X:1\nM:4/4\nL:1/16\nQ:120\nK:C\nCDEF|]",
    "tempo of the unit": "X:1\nM:4/4\nL:1/8\nQ:C=120\nK:C\nCDEF|]",
    "tempo word": 'X:1\nM:6/8\nL:1/8\nQ:"Andantino"\nK:C\nCDEF|]',
    "tempo with words": 'X:1\nM:4/4\nL:1/8\nQ:"Allegro" 1/4=132\nK:C\nCDEF|]',
    "default unit under 2/4": "X:1\nM:2/4\nK:C\nCDEF|]",
    "voices": "X:1\nM:4/4\nL:1/4\nK:C\nV:1\n|:CDEF:|\nV:2\nC,4|D,4|]\nV:1\nG4|]\nV:2\nE,4|]",
    "several voices repeat back to the start only": (
        "X:1\nM:4/4\nL:1/4\nK:C\nV:1\nC4:|D4:|F4|]\nV:2\nC,4:|D,4:|F,4|]"
    ),
    "overlay": HEAD + "CDEF & c4|G4|]",
    "transpose": "X:1\nM:4/4\nL:1/4\n%%MIDI transpose -12\nK:C\nCDEF|]",
    "accidentals for one note (nobarlines)": "X:1\nM:4/4\nL:1/4\n%%MIDI nobarlines\nK:C\n^FF^ff|]",
    "broken rhythm between unequal notes": "X:1\nM:4/4\nL:1/8\nK:C\nF>F3 G>A2 B<c/ d|]",
    "broken rhythm ratio": "X:1\nM:4/4\nL:1/8\n%%MIDI ratio 2 1\nK:C\nA>B c>d e4|]",
    "a line end is no bar line for accidentals": "X:1\nM:4/4\nL:1/8\nK:D\ne2=cBA4\nd4c2B2|]",
    "a chord cut by a line break": "X:1\nM:2/4\nL:1/16\nK:D\n[F4d4] [Ge][\nAf][Ge][Fd]|]",
}


@pytest.mark.parametrize("name", list(RULES))
def test_plays_as_abc2midi_plays_it(name: str, tmp_path: Path) -> None:
    need_abc2midi()
    case = bench.Case("rules", name, RULES[name], bench.reference_text(RULES[name]))
    theirs, log = bench.abc2midi(case.reference, tmp_path)
    assert theirs is not None and theirs.notes, log
    category, example = bench.difference(bench.rater_notes(case), theirs, None)
    assert category is None, f"{name}: {category}: {example}"


def onsets(text: str) -> list[tuple[F, int]]:
    return [(n.start, n.pitch) for n in perform(parse(text)).notes]


def test_endings_and_repeats_in_playing_order() -> None:
    # the oracle above agrees; spelled out once so the order itself is on record
    c, d, e, f = 60, 62, 64, 65
    played = [p for _, p in onsets(HEAD + "|:C|1D:|2E|F|]")]
    assert played == [c, d, c, e, f]
    assert [p for _, p in onsets(HEAD + "C|:DE:|F|]")] == [c, d, e, d, e, f]


def test_broken_rhythm_of_unequal_notes_plays_them_as_written() -> None:
    """ABC 2.1, 4.4: broken rhythm between notes of unequal lengths "will produce undefined
    results"; abc2midi plays both unchanged ('Notes not equal durations'), and so does
    rater (the oracle above agrees; spelled out for the record)."""
    notes = onsets("X:1\nM:4/4\nL:1/8\nK:C\nF>F3 G>G|]")
    assert [t for t, _ in notes] == [F(0), F(1, 8), F(1, 2), F(11, 16)]


def test_the_written_bars_do_not_play_repeats_out() -> None:
    """The checks judge the bars as written: a `:|` is not a written-out loop."""
    tune = parse(HEAD + "|:CDEF|GABc:|")
    assert len(tune.bars) == 2 and len(perform(tune).notes) == 16

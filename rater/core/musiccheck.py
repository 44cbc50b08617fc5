"""Checks on what the music is, bar by bar (`rater.core.features`): loops, bars that do not
add up, header fields that hold music, text pieced together from fragments; a note for
samples cut off mid-bar.

A diverged generator's short loops (~200 characters, 12-16 bars from two or three distinct
bars, one bar written out 3-5 times in a row or a 4-bar phrase three times, stopping mid-bar
where its length limit hit) slip under the text checks: too short for the compression check,
runs too short for the text-level repetition check. Here repetition is counted on the notes
as played (so spacing and spelling do not hide a copy) and measured against the sample's
length (the share of distinct bars, the share of the sample a phrase loop makes up).

Real songs repeat too: Essen's canons and children's songs have one bar six times in a
row, a 2-bar phrase written out eight times, 4 distinct bars in 16; cumulative songs (The
Twelve Days of Christmas) a phrase six times. What they rarely do is stop in the middle of
a bar, or consist of nothing but one phrase written out (3 of 4,308 Essen songs, none of
the 3,056 reels and airs). So the loop rule has tiers: loose thresholds for a sample whose
text stops inside a bar (`cut_off`); for any sample, strict ones, and a phrase written out
three times only when it makes up at least 80% of the sample.

The cut-off choice: a text that stops inside a bar gets the note `cut-off`, which does not
fail it. folk-rnn, a generator of human quality, stops mid-bar in 1 of 9 samples (its length
limit), and 2 of the 2,510 tuning tunes do; a cut-off only lowers the bar for `loop` and
counts as one weak sign for `incoherent`.

`incoherent` is combined evidence: weak signs (bars that do not add up, a text that ends on
a short note or an opening symbol inside a bar, unbalanced slurs, repeat sections of one or
two bars, fewer than 16 notes) each occur in real tunes now and then - Essen's irregular
barring and 4-bar ballad tunes, a slur a transcriber forgot to close - but two together
almost never (2 of 7,364 development tunes),
while an order-k Markov chain's patchworks of real tune fragments show two or more in
most samples (`bench/signs.py` prints both).

`problems(text, settings)` turns the features into (reason, detail) pairs plus non-failing
notes. Thresholds are `CheckSettings` fields; the comments there give the real-tune figures
behind each default.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rater.core.abc import Dialect, Tune, fields, parse
from rater.core.features import Features, features
from rater.core.records import Note, Reason

if TYPE_CHECKING:
    from rater.core.settings import CheckSettings

HEADER_FIELDS = ("K", "M", "L", "Q")


def header_problem(tune: Tune) -> str | None:
    """A detail string when a K:, M:, L: or Q: field holds music instead of its value.

    A value outside its field's grammar that holds no music (`K:Bn`, `M:FREI4/4` in real
    collections) is left alone: players fall back to a default and the tune is fine.
    """
    for name, value in tune.fields:
        if name not in HEADER_FIELDS or fields.valid(name, value):
            continue
        if holds_music(value):
            return f"{name}: holds music ({value[:40]!r})"
    return None


def holds_music(value: str) -> bool:
    """A bar line in a field value, or three or more notes that come with lengths or
    accidentals or make up most of its letters (`gfeg fedB`). Words read as a few notes
    too (`D Lydian sharp`: D, d, a, a) but are mostly other letters."""
    if "|" in value:
        return True
    inner = parse("X:1\nK:C\n" + value, Dialect.ABC)
    if sum(len(b.notes) for b in inner.bars) < 3:
        return False
    letters = [c for c in value if c.isalpha()]
    notes = sum(1 for c in letters if c in "ABCDEFGabcdefg")
    return any(c in value for c in "/0123456789^_=") or notes >= 0.8 * len(letters)


def problems(
    text: str, settings: CheckSettings, tune: Tune | None = None
) -> tuple[list[tuple[str, str]], list[str]]:
    """(failing (reason, detail) pairs, non-failing notes) for one ABC sample, read in
    `settings.dialect`."""
    tune = tune if tune is not None else parse(text, settings.dialect)
    fails: list[tuple[str, str]] = []
    notes: list[str] = []
    header = header_problem(tune)
    if header:
        fails.append((Reason.BAD_HEADER, header))
    if tune.unread >= settings.min_unread_chars:
        share = tune.unread / max(1, tune.chars)
        if share > settings.max_unread_share:
            fails.append((Reason.UNPARSEABLE, f"{share:.0%} of the body is not ABC music"))
    f = features(tune, settings.max_phrase_bars)
    loop = _loop(f, settings)
    if loop:
        fails.append((Reason.LOOP, loop))
    off = _off_meter(f, settings)
    if off:
        fails.append((Reason.OFF_METER, off))
    incoherent = _incoherent(f, settings)
    if incoherent:
        fails.append((Reason.INCOHERENT, incoherent))
    if f.cut_off:
        notes.append(f"{Note.CUT_OFF}: the text stops inside a bar")
    if tune.dialect != Dialect.ABC:
        notes.append(f"{Note.DIALECT}: {tune.dialect}")
    return fails, notes


def _loop(f: Features, s: CheckSettings) -> str | None:
    """A detail string when the bars loop: strict thresholds for any sample, loose ones
    for a sample cut off mid-bar (see the module docstring)."""
    p, copies = f.phrase
    enough = f.bars >= s.min_loop_bars
    if f.longest_run >= s.max_same_bars:
        return f"the same bar {f.longest_run} times in a row"
    if copies >= s.whole_phrase_copies and f.phrase_share >= s.whole_phrase_share:
        return f"a {p}-bar phrase {copies:.3g} times in a row, {f.phrase_share:.0%} of the sample"
    if enough and f.distinct_share <= s.max_distinct_share:
        return f"only {f.distinct} distinct bars in {f.bars}"
    if enough and f.longest_run >= s.cut_same_bars and f.distinct_share <= s.few_distinct_share:
        return f"only {f.distinct} distinct bars in {f.bars}, one {f.longest_run} times in a row"
    if not f.cut_off:
        return None
    why = "and stops mid-bar"
    if f.longest_run >= s.cut_same_bars:
        return f"the same bar {f.longest_run} times in a row {why}"
    if copies >= s.cut_phrase_copies:
        return f"a {p}-bar phrase {copies:.3g} times in a row {why}"
    if enough and f.distinct_share <= s.cut_distinct_share:
        return f"only {f.distinct} distinct bars in {f.bars} {why}"
    return None


def _off_meter(f: Features, s: CheckSettings) -> str | None:
    """A detail string when the bars do not add up: most inner bars miss the meter (and
    the usual bar length) and come in many different lengths - old and non-European songs
    with irregular barring have two or three lengths - or a bar runs on for several bars'
    worth."""
    if _low_fit(f, s) and _many_lengths(f, s):
        return (
            f"only {f.meter_fit:.0%} of {f.inner} inner bars add up to the meter, "
            f"in {f.length_kinds} different lengths"
        )
    if f.longest_bar > s.max_bar_fullness:
        return f"a bar {f.longest_bar:.1f} times as long as the meter"
    return None


def _low_fit(f: Features, s: CheckSettings) -> bool:
    return f.inner >= s.min_meter_bars and (f.meter_fit or 0.0) <= s.off_meter_fit


def _many_lengths(f: Features, s: CheckSettings) -> bool:
    return f.inner >= s.min_meter_bars and f.length_kinds >= s.min_length_kinds


def signs(f: Features, s: CheckSettings) -> list[str]:
    """The weak signs of a text pieced together from fragments, one detail string each.

    Rhythm is one sign however much of it shows: either half of the off-meter rule, most
    inner bars missing the meter itself (even when they agree on another length), or a
    bar `weak_bar_fullness` times the meter (they go together in Essen's irregularly barred
    songs). Each sign alone occurs in real tunes.
    """
    found: list[str] = []
    rhythm = []
    if _low_fit(f, s):
        rhythm.append(f"{f.meter_fit:.0%} of {f.inner} inner bars add up")
    elif f.inner >= s.min_meter_bars and (f.meter_share or 0.0) <= s.weak_meter_share:
        rhythm.append(f"{f.meter_share:.0%} of {f.inner} inner bars add up to the meter")
    if _many_lengths(f, s):
        rhythm.append(f"inner bars in {f.length_kinds} different lengths")
    if f.longest_bar >= s.weak_bar_fullness:
        rhythm.append(f"a bar {f.longest_bar:.1f} times the meter")
    if rhythm:
        found.append(", ".join(rhythm))
    if f.truncated:
        found.append("stops inside a bar on a short note or an opening symbol")
    if f.slurs:
        found.append(f"{f.slurs} unbalanced slur{'s' if f.slurs > 1 else ''}")
    if f.short_repeats:
        found.append(f"{f.short_repeats} repeat section(s) of 1-2 bars")
    if f.notes < s.weak_notes:
        found.append(f"a fragment of {f.notes} notes")
    return found


def _incoherent(f: Features, s: CheckSettings) -> str | None:
    """A detail string when `incoherent_signs` or more weak signs show together."""
    found = signs(f, s)
    return "; ".join(found) if len(found) >= s.incoherent_signs else None

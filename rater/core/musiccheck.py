"""Checks on what the music is, bar by bar (`rater.core.bars`): loops, bars that do not add up,
header fields that hold music, samples cut off mid-bar.

A diverged generator's short loops (~200 characters, 12-16 bars from two or three distinct
bars, one bar written out 3-5 times in a row or a 4-bar phrase three times, stopping mid-bar
where its length limit hit) slip under the text checks: too short for the compression check,
runs too short for the text-level repetition check. Here repetition is counted on the notes
as played (so spacing and spelling do not hide a copy) and measured against the sample's
length (the share of distinct bars).

Real songs repeat too: Essen's canons and children's songs have one bar six times in a
row, a 2-bar phrase written out eight times, 4 distinct bars in 16; cumulative songs (The
Twelve Days of Christmas) a phrase six times. What they do not do is stop in the middle of
a bar. So the loop rule has two tiers: loose thresholds for a sample whose text stops inside
a bar (`cut_off`), strict ones (and none on phrase copies) for any sample. A cut-off alone
only earns a note, not a failure: folk-rnn, a generator of human quality, stops mid-bar in
1 of 9 samples.

`features(tune)` computes the statistics; `problems(text, settings)` turns them into
(reason, detail) pairs plus non-failing notes. Thresholds are `CheckSettings` fields; the
comments there give the real-tune figures behind each default.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rater.core import fields
from rater.core.abc_reader import parse
from rater.core.bars import Bar, Tune

if TYPE_CHECKING:
    from rater.core.settings import CheckSettings

HEADER_FIELDS = ("K", "M", "L", "Q")


@dataclass(frozen=True)
class Features:
    """Bar-level statistics of one sample (counts over the played bars: complete bars with
    notes, plus a cut-off last bar that starts like an earlier bar - a copy cut short)."""

    bars: int
    distinct: int  # distinct bars among them (same notes and lengths = same bar)
    longest_run: int  # most copies of one bar in a row
    phrase: tuple[int, float]  # (bars per phrase, copies in a row) of the longest phrase loop
    meter_fit: float | None  # share of inner bars that add up (to the meter or the usual bar)
    inner: int  # inner bars the meter fit is measured on
    length_spread: float  # entropy (bits) of the inner bars' lengths: 0 = all alike
    longest_bar: float  # longest bar / its meter (1.0 = full; 0 when there is no meter)
    cut_off: bool  # the text stops inside a bar (see `cut_off`)

    @property
    def distinct_share(self) -> float:
        return self.distinct / self.bars if self.bars else 1.0


def played_bars(tune: Tune) -> list[tuple]:
    """Bars as comparable keys (their events); a cut-off last bar whose notes begin like an
    earlier bar's (the last note may be cut short too) counts as that bar."""
    keys = [b.events for b in tune.bars if b.closed and b.notes]
    last = tune.bars[-1] if tune.bars else None
    if last is not None and not last.closed and last.notes:
        head, tail = last.events[:-1], last.events[-1]
        for k in reversed(keys):
            if len(k) > len(head) and k[: len(head)] == head and k[len(head)][0] == tail[0]:
                keys.append(k)
                break
    return keys


def _phrase_loops(bars: list[tuple], max_phrase: int) -> tuple[int, float]:
    """(p, copies): the phrase of 2..max_phrase bars (not all alike) written out most times
    in a row; a last, partial copy counts by its share of bars (two and a half = 2.5)."""
    best: tuple[int, float] = (0, 1.0)
    for p in range(2, max_phrase + 1):
        run = 0
        for i in range(p, len(bars)):
            run = run + 1 if bars[i] == bars[i - p] else 0
            copies = (run + p) / p
            if run and copies > best[1] and len(set(bars[i - run - p + 1 : i - run + 1])) > 1:
                best = (p, copies)
    return best


def _meter(tune: Tune) -> tuple[float | None, int, float]:
    """(fit, inner bars, spread): the share of inner bars that add up - to the meter, or to
    the tune's most common bar length when that fits more (a tune notated under the wrong
    meter is not broken) - and the entropy of their lengths."""
    inner = tune.inner_bars()
    if not inner:
        return None, 0, 0.0
    lengths = Counter(b.duration for b in inner)
    fit = max(sum(1 for b in inner if b.full), lengths.most_common(1)[0][1]) / len(inner)
    spread = -sum(n / len(inner) * math.log2(n / len(inner)) for n in lengths.values())
    return fit, len(inner), spread


def features(tune: Tune, max_phrase: int = 4) -> Features:
    keys = played_bars(tune)
    run = longest = 1 if keys else 0
    for prev, cur in zip(keys, keys[1:], strict=False):
        run = run + 1 if cur == prev else 1
        longest = max(longest, run)
    fit, inner, spread = _meter(tune)
    return Features(
        bars=len(keys),
        distinct=len(set(keys)),
        longest_run=longest,
        phrase=_phrase_loops(keys, max_phrase),
        meter_fit=fit,
        inner=inner,
        length_spread=spread,
        longest_bar=max((_fullness(b) for b in tune.bars), default=0.0),
        cut_off=cut_off(tune),
    )


def cut_off(tune: Tune) -> bool:
    """Whether the text stops inside a bar, the way a generator stops at its length limit.

    Not a cut: a last bar that is full, ends on a rest, or completes the opening pickup
    (most of Essen ends without a final bar line on such a bar).
    """
    if not tune.stops_in_bar or not tune.bars:
        return False
    first, last = tune.bars[0], tune.bars[-1]
    if last.closed and last.barline:  # only a chord symbol, slur... after the bar line
        return True
    if last.meter is None or last.full or len(tune.bars) < 2 or last.events[-1][0] is None:
        return False
    return first.duration + last.duration != last.meter


def _fullness(bar: Bar) -> float:
    return float(bar.duration / bar.meter) if bar.meter else 0.0


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
    inner = parse("X:1\nK:C\n" + value)
    if sum(len(b.notes) for b in inner.bars) < 3:
        return False
    letters = [c for c in value if c.isalpha()]
    notes = sum(1 for c in letters if c in "ABCDEFGabcdefg")
    return any(c in value for c in "/0123456789^_=") or notes >= 0.8 * len(letters)


def problems(
    text: str, settings: CheckSettings, tune: Tune | None = None
) -> tuple[list[tuple[str, str]], list[str]]:
    """(failing (reason, detail) pairs, non-failing notes) for one ABC sample."""
    tune = tune if tune is not None else parse(text)
    fails: list[tuple[str, str]] = []
    notes: list[str] = []
    header = header_problem(tune)
    if header:
        fails.append(("bad-header", header))
    if tune.unread >= settings.min_unread_chars:
        share = tune.unread / max(1, tune.chars)
        if share > settings.max_unread_share:
            fails.append(("unparseable", f"{share:.0%} of the body is not ABC music"))
    f = features(tune, settings.max_phrase_bars)
    loop = _loop(f, settings)
    if loop:
        fails.append(("loop", loop))
    off = _off_meter(f, settings)
    if off:
        fails.append(("off-meter", off))
    if f.cut_off:
        notes.append("cut-off: the text stops inside a bar")
    return fails, notes


def _loop(f: Features, s: CheckSettings) -> str | None:
    """A detail string when the bars loop: strict thresholds for any sample, loose ones
    for a sample cut off mid-bar (see the module docstring)."""
    p, copies = f.phrase
    enough = f.bars >= s.min_loop_bars
    if f.longest_run >= s.max_same_bars:
        return f"the same bar {f.longest_run} times in a row"
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
    the usual bar length) and their lengths are all over the place - old and non-European
    songs with irregular barring have two or three lengths, not a spread - or a bar runs
    on for several bars' worth."""
    if f.meter_fit is not None and f.inner >= s.min_meter_bars:
        if f.meter_fit <= s.off_meter_fit and f.length_spread >= s.min_length_spread:
            return (
                f"only {f.meter_fit:.0%} of {f.inner} inner bars add up to the meter, "
                f"their lengths spread over {f.length_spread:.1f} bits"
            )
    if f.longest_bar > s.max_bar_fullness:
        return f"a bar {f.longest_bar:.1f} times as long as the meter"
    return None

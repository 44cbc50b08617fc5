"""What a sample's music looks like, bar by bar, as numbers: the statistics the music checks
(`rater.core.musiccheck`) judge, kept apart from the judging so that anything else that wants
bar-level features of a sample (a preference model) can use them too.

Counted on the bars as written (`rater.core.abc.records`), so spacing and spelling do not hide a
copy: repetition (distinct bars, runs, phrase loops and how much of the sample they make up),
rhythm (how many inner bars add up, how many lengths they come in, the longest bar), how
the text ends (cut off inside a bar; truncated on a short note or an opening symbol), and
what the reader noticed of the text's own structure (unbalanced slurs, repeat sections of
one or two bars).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from rater.core.abc import Bar, Tune
from rater.core.abc.fields import beat_length

# A text that stops on one of these stopped where something was begun: `(` a slur or
# tuplet, `[` a chord, `"` a chord symbol, `{` grace notes, `!` a decoration, `-` a tie,
# `<`/`>` broken rhythm, `/` a length, accidentals, `\` a continued line.
OPENERS = frozenset('([{"!-<>/\\.~^_=&')


@dataclass(frozen=True)
class Features:
    """Bar-level statistics of one sample (counts over the played bars: complete bars with
    notes, plus a cut-off last bar that starts like an earlier bar - a copy cut short)."""

    bars: int
    distinct: int  # distinct bars among them (same notes and lengths = same bar)
    longest_run: int  # most copies of one bar in a row
    phrase: tuple[int, float]  # (bars per phrase, copies in a row) of the longest phrase loop
    meter_fit: float | None  # share of inner bars that add up (to the meter or the usual bar)
    meter_share: float | None  # share of inner bars that add up to the meter itself
    inner: int  # inner bars the meter fit is measured on
    length_spread: float  # entropy (bits) of the inner bars' lengths: 0 = all alike
    length_kinds: int  # how many different lengths the inner bars come in
    longest_bar: float  # longest bar / its meter (1.0 = full; 0 when there is no meter)
    cut_off: bool  # the text stops inside a bar (see `cut_off`)
    truncated: bool  # ... on a note shorter than a beat or on an opening symbol
    notes: int  # notes played (rests left out), all bars
    slurs: int  # unbalanced slurs (`Tune.slurs`)
    short_repeats: int  # repeat sections of one or two bars (`Tune.short_repeats`)

    @property
    def distinct_share(self) -> float:
        return self.distinct / self.bars if self.bars else 1.0

    @property
    def phrase_share(self) -> float:
        """The share of the played bars that the longest phrase loop makes up."""
        p, copies = self.phrase
        return min(1.0, p * copies / self.bars) if self.bars and p else 0.0


def features(tune: Tune, max_phrase: int = 4) -> Features:
    keys = played_bars(tune)
    run = longest = 1 if keys else 0
    for prev, cur in zip(keys, keys[1:], strict=False):
        run = run + 1 if cur == prev else 1
        longest = max(longest, run)
    fit, share, inner, spread, kinds = _meter(tune)
    cut = cut_off(tune)
    return Features(
        bars=len(keys),
        distinct=len(set(keys)),
        longest_run=longest,
        phrase=_phrase_loops(keys, max_phrase),
        meter_fit=fit,
        meter_share=share,
        inner=inner,
        length_spread=spread,
        length_kinds=kinds,
        longest_bar=max((_fullness(b) for b in tune.bars), default=0.0),
        cut_off=cut,
        truncated=cut and truncated(tune),
        notes=sum(len(b.notes) for b in tune.bars),
        slurs=tune.slurs,
        short_repeats=tune.short_repeats,
    )


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


def _meter(tune: Tune) -> tuple[float | None, float | None, int, float, int]:
    """(fit, share, inner bars, spread, kinds): the share of inner bars that add up - to the
    meter, or to the tune's most common bar length when that fits more (a tune notated
    under the wrong meter is not broken) - the share that add up to the meter itself, the
    entropy of their lengths, and how many lengths."""
    inner = tune.inner_bars()
    if not inner:
        return None, None, 0, 0.0, 0
    lengths = Counter(b.duration for b in inner)
    full = sum(1 for b in inner if b.full)
    fit = max(full, lengths.most_common(1)[0][1]) / len(inner)
    spread = -sum(n / len(inner) * math.log2(n / len(inner)) for n in lengths.values())
    return fit, full / len(inner), len(inner), spread, len(lengths)


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


def truncated(tune: Tune) -> bool:
    """Whether the text ends the way a length limit ends it rather than the way a tune does:
    on a symbol that begins something (`OPENERS`), or on a note shorter than the meter's
    beat. Real tunes that end without a bar line end on a long note (Essen); a generator's
    text stops wherever its length ran out. Meaningful for a text that is `cut_off`."""
    if tune.last_char in OPENERS:
        return True
    meters = tune.field_values("M")
    beat = beat_length(meters[-1]) if meters else None
    last = next((b for b in reversed(tune.bars) if b.events), None)
    if beat is None or last is None:
        return False
    pitch, duration = last.events[-1]
    return pitch is not None and duration < beat


def _fullness(bar: Bar) -> float:
    return float(bar.duration / bar.meter) if bar.meter else 0.0

"""A `Tune` in playing order: repeats, variant endings and parts played out, ties joined,
every voice from the start, the tempo map - the notes as abc2midi plays them.

The playing order, per voice (measured against abc2midi, `bench/conformance.py`):

- `|: ... :|` is played twice; a `:|` with no `|:` before it goes back to the start of the
  tune, or to the bar line after the previous repeat, or to a double or thick bar line
  (`||`, `|]`, `[|`) after it; each `:|` repeats once; `::` and `:|:` end one repeated
  section and start the next. In a tune of several voices, abc2midi repeats a `:|` only
  back to a `|:` or the start of the tune, and so does this.
- A variant ending (`|1`, `:|2`, `[1`, `[1,3`, `[1-3`) is played on the passes it names
  and skipped on the others; it runs until the next ending, a `:|`, a double or thick bar
  line, or a `|:` (ABC 2.1, 4.9). A `:|` inside an ending goes back for another pass as
  long as there is one; a pass that no ending names skips them all.
- With `P:` in the header (`P:ABA`, `P:(AB)2C`), the parts named by `P:` lines in the body
  are played in that order, each with its own repeats; a part the body does not have is
  skipped; bars before the first `P:` label are played first.

Ties join a note to the next note of the same pitch starting where it ends (across a bar
line, a tie keeps its note's pitch: `^F-|F` is one F#). Overlaid voices (`&`) sound from the
start of their bar. Tempo changes come from the first voice.
"""

from __future__ import annotations

from fractions import Fraction

from rater.core.abc.records import Bar, Mark, Note, Performance, Tempo, Tune, Voice

MAX_PLAYED_BARS = 5_000  # per voice: far more than any real tune with its repeats
MAX_PASSES = 17  # of one repeated section: one more than the highest variant ending


def perform(tune: Tune, seconds: float | None = None) -> Performance:
    """Every note of `tune` in playing order (see the module docstring); with `seconds`, only
    the notes of bars that start within that many seconds of the start at the fastest tempo
    the tune has (a clip needs no more; `end` and `sounding` are still the whole tune's)."""
    notes: list[Note] = []
    tempos = [Tempo(Fraction(0), tune.tempo)]
    end = sounding = Fraction(0)
    bars: list[Fraction] = []
    limit = None if seconds is None else _reach(tune, seconds)
    for index, voice in enumerate(tune.voices):
        t = Fraction(0)
        open_ties: dict[int, int] = {}  # pitch -> index in `notes` of a note tied onwards
        for k in order(voice, tune.parts, several=len(tune.voices) > 1):
            bar = voice.bars[k]
            if index == 0:
                tempos.extend(Tempo(t + at, qpm) for at, qpm in bar.tempos)
                if limit is None or t <= limit:
                    bars.append(t)
            if bar.sounds:
                sounding = max(sounding, t + bar.sounding)
            if limit is not None and t > limit:
                t += bar.duration
                continue
            for s in bar.sounds:
                start = t + s.at
                held = open_ties.pop(s.pitch, None)
                if held is not None and notes[held].start + notes[held].length == start:
                    old = notes[held]
                    notes[held] = Note(old.start, old.length + s.length, old.pitch, index)
                    if s.tie:
                        open_ties[s.pitch] = held
                    continue
                notes.append(Note(start, s.length, s.pitch, index))
                if s.tie:
                    open_ties[s.pitch] = len(notes) - 1
            t += bar.duration
        end = max(end, t)
    notes.sort(key=lambda n: (n.start, n.voice, n.pitch))
    return Performance(tuple(notes), _tempo_map(tempos), end, sounding, tuple(bars))


def _reach(tune: Tune, seconds: float) -> Fraction:
    """Whole notes of written time that `seconds` can hold at the tune's fastest tempo."""
    fastest = max([tune.tempo] + [q for v in tune.voices for b in v.bars for _, q in b.tempos])
    return Fraction(seconds * fastest / 240.0).limit_denominator(1000) + 1


def _tempo_map(tempos: list[Tempo]) -> tuple[Tempo, ...]:
    """By time, the last of several at one moment winning; repeats of a tempo dropped."""
    out: list[Tempo] = []
    for t in sorted(tempos, key=lambda t: t.at):
        if out and out[-1].at == t.at:
            out[-1] = t
        elif not out or out[-1].qpm != t.qpm:
            out.append(t)
    while len(out) > 1 and out[-1].qpm == out[-2].qpm:
        out.pop()
    return tuple(out)


def order(voice: Voice, parts: str = "", several: bool = False) -> list[int]:
    """The indices of `voice.bars` in the order they are played; `several`: the tune has
    more than one voice (abc2midi then repeats a `:|` only back to a `|:` or the start)."""
    bars = voice.bars
    marks = [b.mark for b in bars] + [voice.end]
    spans = _parts(bars) if parts else {}
    if not spans:
        return _expand(marks, 0, len(bars), several)
    played: list[int] = []
    first = min(start for start, _ in spans.values())
    played += _expand(marks, 0, first, several)  # bars before the first part label
    for name in parts:
        if name in spans and len(played) < MAX_PLAYED_BARS:
            played += _expand(marks, *spans[name], several)
    return played[:MAX_PLAYED_BARS]


def _parts(bars: tuple[Bar, ...]) -> dict[str, tuple[int, int]]:
    """Part label -> (first bar, bar after its last) as written (the first such part)."""
    starts = [(k, b.mark.part) for k, b in enumerate(bars) if b.mark.part]
    spans: dict[str, tuple[int, int]] = {}
    for (k, name), nxt in zip(starts, starts[1:] + [(len(bars), "")], strict=True):
        spans.setdefault(name, (k, nxt[0]))
    return spans


def _expand(marks: list[Mark], begin: int, stop: int, several: bool = False) -> list[int]:
    """Bars `begin..stop-1` with their repeats and variant endings played out; `marks[k]`
    stands before bar k (`marks[stop]` after the last)."""
    played: list[int] = []
    section, passes = begin, 1
    opened = True  # the section began with `|:` or at the start
    taken: set[int] = set()  # the plain `:|` already repeated (each repeats once)
    through = False  # a repeated section was played through: a double bar starts the next
    k, jumped, skipped = begin, False, False
    while k <= stop and len(played) < MAX_PLAYED_BARS:
        mark = marks[k]
        # Coming back to a section's start, its signs were dealt with on the way in; coming
        # to a `:|2` past a skipped ending, the `:|` belongs to the ending skipped.
        if k > begin and mark.close and not jumped and not (skipped and mark.ending):
            again = _again(marks, section, k, passes, taken) and (opened or not several)
            if not skipped and again:
                taken.add(k)
                passes += 1
                k, jumped = section, True
                continue
            section, passes, through, opened = k, 1, True, mark.open
        elif not jumped and (mark.open or (mark.stop and through)):
            section, passes, opened = k, 1, mark.open
        jumped = skipped = False
        if mark.ending and passes not in mark.ending:
            k, skipped = _skip_ending(marks, k, stop), True
            continue
        if k == stop:
            break
        played.append(k)
        k += 1
    return played


def _again(marks: list[Mark], section: int, k: int, passes: int, taken: set[int]) -> bool:
    """Whether the `:|` before bar k sends the music back to `section` once more: a plain
    `:|` the first time it is reached; one that ends a variant ending always (as abc2midi:
    the pass after the last ending named skips the endings and goes on)."""
    if passes >= MAX_PASSES:
        return False
    return _in_ending(marks, section, k) or k not in taken


def _in_ending(marks: list[Mark], section: int, k: int) -> bool:
    """Whether bar k-1 belongs to a variant ending of the section starting at bar `section`."""
    for j in range(k - 1, section - 1, -1):
        m = marks[j]
        if m.ending:
            return True
        if m.close or m.stop or m.open:
            return False
    return False


def _skip_ending(marks: list[Mark], k: int, stop: int) -> int:
    """Where to go on when the variant ending starting at bar k is not for this pass: the
    next ending, or the bar line where this one ends (ABC 2.1, 4.9: at `:|`, `||`, `|]`,
    `[|`; or `|:`)."""
    j = k + 1
    while j <= stop:
        m = marks[j]
        if m.ending or m.close or m.stop or m.open:
            return j
        j += 1
    return stop + 1

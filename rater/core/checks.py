"""Auto-fail checks: which samples are too broken to spend a person's attention on.

A rater's minutes are the scarce resource, so anything a machine can tell is broken (empty,
unparseable, silent, degenerate repetition, a known-bad snippet) is failed here with a
machine-readable reason and never played. The thresholds are `CheckSettings` fields; their
defaults were set from the distributions of each statistic over the real tunes shipped with
music21 (O'Neill's 1850, Ryan's Mammoth, Nottingham; checked against Essen, Aird's Airs and
miscFolk as a hold-out) with a wide margin, so human-written tunes essentially never fail
while loops and noise do; `bench/false_broken.py` measures the false-broken rate.

Text checks need no audio and run first, so a text-broken sample is never rendered. They
include the bar-level checks of `musiccheck` (loop, off-meter, bad-header, incoherent, and
unparseable for a body the bar reader cannot read), on the notes as played.

A sample whose text stops inside a bar is not failed for that alone: it gets the note
`cut-off` (`Verdict.notes`), since good generators stop at their length limit too (how
often: `musiccheck`); what a cut-off changes is how much repetition `loop` accepts, and a
stop on a short note or an opening symbol is one weak sign for `incoherent`.
"""

from __future__ import annotations

import re
import zlib
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import NamedTuple

from rater.core import musiccheck, prose
from rater.core import paths as paths_mod
from rater.core.abc import Tune, parse
from rater.core.errors import CorpusError
from rater.core.records import Reason, Render, Sample, Verdict
from rater.core.settings import CheckSettings


def default_settings(
    blacklist: list[str] | None = None, dialect: str = CheckSettings.dialect
) -> CheckSettings:
    """Default thresholds with the blacklist loaded (files as given; None: the built-in)."""
    return CheckSettings(blacklist=load_blacklist(blacklist), dialect=dialect)


def load_blacklist(paths: list[str] | None = None) -> tuple[str, ...]:
    """Snippets from blacklist files: lower-cased fixed strings, one per line.

    None reads every built-in list (`blacklists/*.txt`, package data); ["none"] disables it.
    A literal `\\n` in a snippet stands for a newline (the starter list uses it).
    """
    files: list[Traversable]
    if paths is None:
        files = paths_mod.data_files("blacklists", ".txt")
    elif [p.lower() for p in paths] == ["none"]:
        return ()
    else:
        files = [Path(p) for p in paths if p.lower() != "none"]
    snippets: list[str] = []
    for f in files:
        try:
            text = f.read_bytes().decode("utf-8", errors="replace")
        except FileNotFoundError:
            raise CorpusError(f"{f}: blacklist file not found") from None
        except OSError as exc:
            raise CorpusError(f"{f}: cannot read blacklist ({exc.strerror or exc})") from None
        for line in text.splitlines():
            line = line.rstrip("\r\n")
            if line.strip():
                snippets.append(line.replace("\\n", "\n").lower())
    return tuple(dict.fromkeys(snippets))


_QUOTED = re.compile(r'"[^"\n]*"')
_DECORATION = re.compile(r"![^!\n]*!|\+[^+\n]*\+")
_HEADER = re.compile(r"^\s*[A-Za-z]:")
_INLINE_FIELD = re.compile(r"\[[A-Za-z]:[^\]\n]*\]")
_COMMENT = re.compile(r"%.*$")
_NOTE = re.compile(r"[A-Ga-g]")
_SPACE = re.compile(r"\s+")
_BAR_RUN = re.compile(r"\|{3,}")  # runs of empty bars (Essen pads lines with them)
# Characters that make up ABC music once chord symbols and decorations are removed.
_ABC_CHARS = frozenset(
    "ABCDEFGabcdefgzxZ0123456789/|:[](){}<>^_=,'-.~` \t\n\\&$*#;?@"
    "HIJKLMNOPRSTUVWXYhijklmnopqrstuvwy"  # decoration shorthands and inline-field letters
)


def body(text: str) -> str:
    """The music of a tune: header and comment lines dropped; for compression ratios."""
    lines = []
    for line in text.split("\n"):
        if _HEADER.match(line) or line.lstrip().startswith("%"):
            continue
        lines.append(_COMMENT.sub("", line))
    return "\n".join(lines).strip()


def music(body_text: str) -> str:
    """Body without chord symbols, decorations, inline fields, whitespace, empty bars."""
    s = _QUOTED.sub("", body_text)
    s = _DECORATION.sub("", s)
    s = _INLINE_FIELD.sub("", s)
    return _BAR_RUN.sub("||", _SPACE.sub("", s))


_EMPTY_BARS = re.compile(r"\|[\s|]*\|")
_BLANKS = re.compile(r"[ \t]+")


def squeeze(body_text: str) -> str:
    """Body with runs of blanks and of empty bars collapsed: some transcriptions (Essen)
    pad lines with dozens of `|  |  |`, which compresses well but is not degenerate music."""
    return _BLANKS.sub(" ", _EMPTY_BARS.sub("|", body_text))


def compress_ratio(text: str) -> float:
    data = text.encode("utf-8")
    if not data:
        return 0.0
    return len(data) / len(zlib.compress(data, 9))


class PeriodRun(NamedTuple):
    """A stretch of text made of one unit repeated: `repeats` copies of `period` chars,
    `span` chars from `start`."""

    period: int
    span: int
    repeats: float
    start: int


_MATRIX_CHARS = 1_000  # up to this many chars all periods at once; longer, one at a time


def longest_period_run(s: str, max_period: int) -> PeriodRun:
    """The longest stretch of `s` made of one repeated unit (by its number of copies).

    For each period p the stretch where s[i] == s[i+p] holds is a repetition of a p-char
    unit; of the periods, the first with the most repeats wins, and of its longest runs the
    first. A tune's body (under `_MATRIX_CHARS`) takes every period at once, as rows of one
    boolean matrix: a few array operations per call instead of a few per period, about
    twice as fast where most samples are. Longer texts take one period at a time, which
    keeps memory linear (and is faster there) even for megabyte inputs.
    """
    import numpy as np

    if len(s) < 2:
        return PeriodRun(0, 0, 0.0, 0)
    a = np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32)
    n = len(a)
    periods = np.arange(1, min(max_period, n - 1) + 1)
    if n > _MATRIX_CHARS:
        return _period_by_period(a, periods)
    same = np.zeros((len(periods), n - 1), dtype=bool)  # row p-1: a[i] == a[i + p]
    for row, p in enumerate(periods):
        same[row, : n - p] = a[p:] == a[:-p]
    counted = np.cumsum(same, axis=1, dtype=np.int32)
    restart = np.maximum.accumulate(np.where(same, 0, counted), axis=1)
    runs = counted - restart  # length of the run of True ending at each place
    longest = runs.max(axis=1)
    if not longest.any():
        return PeriodRun(0, 0, 0.0, 0)
    ends = runs.argmax(axis=1)  # where each row's first longest run ends
    spans = longest + periods
    repeats = np.where(longest > 0, spans / periods, 0.0)
    k = int(repeats.argmax())
    start = int(ends[k] - longest[k] + 1)
    return PeriodRun(int(periods[k]), int(spans[k]), float(repeats[k]), start)


def _period_by_period(a, periods) -> PeriodRun:  # type: ignore[no-untyped-def]
    """`longest_period_run` of the code points `a`, one period at a time."""
    import numpy as np

    best = PeriodRun(0, 0, 0.0, 0)
    for p in (int(p) for p in periods):
        eq = np.concatenate(([0], (a[p:] == a[:-p]).astype(np.int8), [0]))
        edges = np.flatnonzero(np.diff(eq))
        if len(edges) == 0:
            continue
        runs = edges[1::2] - edges[0::2]
        k = int(runs.argmax())
        span = int(runs[k]) + p
        repeats = span / p
        if repeats > best.repeats:
            best = PeriodRun(p, span, repeats, int(edges[2 * k]))
    return best


def _repetition(text: str, settings: CheckSettings) -> str | None:
    """A detail string when one short stretch of the text repeats many times in a row.

    This is the text-level half of the repetition rule: a unit of a few characters (a note,
    a word, a bar shorter than `max_period`) written out over and over, which holds for any
    kind of sample. Repetition of whole bars and phrases is judged once, on the notes as
    played, by `musiccheck`'s `loop` with its own thresholds (spelling and spacing cannot
    hide a copy there).
    """
    period, span, repeats, start = longest_period_run(text, settings.max_period)
    if repeats > settings.max_period_repeats and span >= settings.min_period_span:
        unit = text[start : start + period]
        return f"{unit!r} repeated {repeats:.0f} times in a row"
    return None


_FIELD_VALUE = re.compile(r"^\s*([LMQ]):(.*)$|\[([LMQ]):([^\]\n]*)\]", re.MULTILINE)
_NUMBER = re.compile(r"\d+")
_NOTE_LENGTH = re.compile(r"(?:[A-Ga-gzxZX][,']*|/)(\d+)")


def absurd_field(text: str, settings: CheckSettings) -> str | None:
    """A detail string when an L:, M: or Q: value or a note length cannot be real music.

    Real tunes use L:1/8 or 1/16, meters up to 12/8, tempos up to a few hundred, note
    lengths up to ~30 (measured on the music21 collections); values far outside these are
    not music (`L:1000/1` makes one note last hours; music21, the renderer's parser before
    rater's own reader, was seen to hang on them), so they are failed here, before any
    render is attempted.
    """
    limit = settings.max_field_number
    for m in _FIELD_VALUE.finditer(text):
        name = m.group(1) or m.group(3)
        value = (m.group(2) if m.group(1) else m.group(4)).strip()
        nums = [int(n) for n in _NUMBER.findall(value[:200])]
        if name == "Q":
            bad = any(n > 10_000 for n in nums) or (nums and nums[-1] == 0) or "-" in value
        else:
            bad = any(n > limit for n in nums) or (name == "L" and 0 in nums[:2])
            bad = bad or (name == "M" and "/" in value and 0 in nums)
        if bad:
            return f"absurd field {name}:{value[:30]}"
    notes = _QUOTED.sub("", body(text))
    longest = max((int(n) for n in _NOTE_LENGTH.findall(notes)[:100_000]), default=0)
    if longest > settings.max_note_length:
        return f"absurd note length {longest}"
    return None


def text_verdict(sample: Sample, settings: CheckSettings) -> Verdict:
    """Checks that need no audio: empty, too long, blacklisted, not music (prose or code,
    `rater.core.prose`), garbage, compressible, repetitive, and the bar-level checks. Text
    samples (poems, replies) get only empty / too-long / blacklist / repetition checks,
    since they have no ABC body."""
    return reading_verdict(sample, settings)[0]


def reading_verdict(sample: Sample, settings: CheckSettings) -> tuple[Verdict, Tune | None]:
    """`text_verdict` and the reading of the tune the bar-level checks judged (None when the
    checks stopped before reading it), so the clip's notes come from the same reading."""
    reasons: list[str] = []
    tune: Tune | None = None
    details: list[str] = []

    def fail(reason: str, detail: str) -> None:
        reasons.append(reason)
        details.append(detail)

    text = sample.text
    if len(text) > settings.max_chars:
        fail(Reason.TOO_LONG, f"{len(text)} chars (limit {settings.max_chars})")
        return _verdict(sample, reasons, details), tune
    low = text.lower()
    for snippet in settings.blacklist:
        if snippet in low:
            fail(Reason.BLACKLIST, f"contains {snippet!r}")
            break
    if sample.kind == "text":
        if not text.strip():
            fail(Reason.EMPTY, "no text")
        else:
            rep = _repetition(_SPACE.sub(" ", text), settings)
            if rep:
                fail(Reason.REPETITIVE, rep)
        return _verdict(sample, reasons, details), tune

    prose_detail = prose.not_music(text, settings)
    if prose_detail:
        fail(Reason.UNPARSEABLE, prose_detail)
        return _verdict(sample, reasons, details), tune
    b = body(text)
    m = music(b)
    if not _NOTE.search(m):
        fail(Reason.EMPTY, "no notes in the tune body" if text.strip() else "no text")
        return _verdict(sample, reasons, details), tune
    absurd = absurd_field(text, settings)
    if absurd:
        fail(Reason.UNPARSEABLE, absurd)
    stripped = _DECORATION.sub("", _QUOTED.sub("", b))
    if stripped:
        good = sum(1 for c in stripped if c in _ABC_CHARS) / len(stripped)
        if good < settings.min_abc_fraction and not absurd:
            fail(Reason.UNPARSEABLE, f"not ABC: only {good:.0%} of the body are ABC symbols")
    if len(b) >= settings.min_compress_chars:
        ratio = compress_ratio(squeeze(b))
        if ratio > settings.max_compress_ratio:
            limit = settings.max_compress_ratio
            fail(Reason.COMPRESSIBLE, f"body compresses {ratio:.1f}x (limit {limit})")
    rep = _repetition(m, settings)
    if rep:
        fail(Reason.REPETITIVE, rep)
    tune = parse(text, settings.dialect)
    bar_fails, notes = musiccheck.problems(text, settings, tune)
    for reason, detail in bar_fails:
        if reason not in reasons:  # e.g. unparseable by both the text and the bar reader
            fail(reason, detail)
    return _verdict(sample, reasons, details, notes), tune


def _verdict(
    sample: Sample, reasons: list[str], details: list[str], notes: list[str] | tuple = ()
) -> Verdict:
    return Verdict(
        sample_id=sample.id,
        ok=not reasons,
        reasons=tuple(reasons),
        details=tuple(details),
        notes=tuple(notes),
    )


def judge(
    sample: Sample,
    render: Render | None,
    settings: CheckSettings,
    audio: bool = True,
    text: Verdict | None = None,
) -> Verdict:
    """Text checks plus what the render shows: failed, silent or too short.

    `audio=False`: the render was only read (`audio.render.parse_one`, no clip synthesised:
    the verdicts of `rater check`, of a session's judging, of `rater model score`), so
    silence cannot be judged and a missing WAV is not a failure; `silent` comes when the
    clip is made. `text`: the sample's `text_verdict`, when the caller has it already.
    """
    v = text if text is not None else text_verdict(sample, settings)
    if render is None or sample.kind == "text":
        return v
    reasons, details = list(v.reasons), list(v.details)
    if render.error:
        if render.error not in reasons:
            reasons.append(render.error)
            details.append(render.detail or render.error)
    elif render.wav_path is None and audio:
        reasons.append(Reason.UNRENDERABLE)
        details.append(render.detail or "no audio was produced")
    else:
        silent = render.peak < settings.silent_peak or render.rms < settings.silent_rms
        if audio and silent:
            reasons.append(Reason.SILENT)
            details.append(f"peak {render.peak:.4f}, rms {render.rms:.5f}")
        seconds = render.music_seconds or render.clip_seconds
        if seconds < settings.min_seconds:
            reasons.append(Reason.TOO_SHORT)
            details.append(f"{seconds:.2f} s of music (minimum {settings.min_seconds} s)")
    return _verdict(sample, reasons, details, v.notes)

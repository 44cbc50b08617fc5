"""ABC text -> notes (music21) -> MIDI (mido) -> WAV clip (fluidsynth), one sample at a time.

music21 is used only as a parser: its own MIDI writer is several times slower than its parser
and raises on a few percent of real tunes, so notes are walked here and written with mido.
Only the first `clip_seconds` of music become audio, because that is all a rater hears.
This module knows one sample; `rater.audio.pipeline.render_stream` runs it for a corpus,
through the process pool (`rater.audio.pool`) and the cache (`rater.audio.cache`).
"""

from __future__ import annotations

import os
import re
import signal
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from rater.core import abc_reader, scratch
from rater.core.errors import MACHINE_ERRORS, SetupError, StorageError
from rater.core.failures import Stage, failure
from rater.core.records import NoteEvent, Render, Sample
from rater.core.settings import RenderSettings

MAX_CHARS = 20_000  # never parse more than this; real tunes are < 5,000 characters
HEAD_CHARS = 1_500  # body characters parsed first; most tunes fit whole, long ones need less
DEFAULT_QPM = 120.0  # abc2midi's tempo when a tune has no Q: field
# Playable written tempos, in quarter notes per minute. Real tunes use 40..360 (measured on
# music21's collections and folk-rnn's samples); far outside this a tune is not music a
# rater can judge (`Q:1/4=1` puts one note in a 10 s clip), so it fails as "unrenderable"
# with the tempo named, instead of being clamped into something the tune never said.
MIN_QPM, MAX_QPM = 10.0, 2000.0
TICKS = 10_000  # MIDI ticks per beat; the clip's MIDI has one tempo: a beat is one second
_FIELD = re.compile(r"^\s*([A-Za-z]):")


class RenderTimeout(BaseException):
    """Raised by SIGALRM; a BaseException so music21's broad `except Exception` can't eat it."""


def prepare_abc(text: str) -> tuple[str, str]:
    """Split a sample into (header, body), adding `X:` and a unit length if missing.

    Generator output often lacks `X:` (folk-rnn) and sometimes both `L:` and `M:`; the ABC
    standard says the unit length is then 1/8.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    fields: set[str] = set()
    end = 0
    for i, line in enumerate(lines):
        m = _FIELD.match(line)
        if not m and line.strip() and not line.lstrip().startswith("%"):
            break
        end = i + 1
        if m:
            fields.add(m.group(1))
            if m.group(1) == "K":
                break
    header, body = lines[:end], "\n".join(lines[end:])
    extra = [] if "L" in fields or "M" in fields else ["L:1/8"]
    if "X" in fields:
        x = next(i for i, line in enumerate(header) if line.strip().startswith("X:"))
        header[x + 1 : x + 1] = extra
    else:
        header = ["X:1", *extra, *header]
    return "\n".join(header) + "\n", body


def body_head(body: str, budget: int) -> str:
    """The start of `body`, about `budget` characters, cut at a line end or else a bar line.

    Parsing time grows faster than linearly with tune length in music21 (a 200-line body
    takes seconds), while a 10 s clip needs a few bars; cutting keeps absurd inputs cheap.
    """
    if len(body) <= budget:
        return body
    cut = body.rfind("\n", 0, budget)
    if cut < budget // 4:
        cut = body.rfind("|", 0, budget) + 1
    return body[: cut if cut > 0 else budget]


def _parse(abc: str) -> Any:
    """music21's ABC import, minus beaming: beams are engraving, not sound, and computing them
    is two thirds of the import time."""
    import music21

    stream_class = music21.stream.Stream
    original = stream_class.makeBeams
    stream_class.makeBeams = _no_beams  # type: ignore[method-assign]
    try:
        parsed = music21.converter.parse(abc, format="abc")
    finally:
        stream_class.makeBeams = original  # type: ignore[method-assign]
    if isinstance(parsed, music21.stream.Opus):
        scores = list(parsed.scores)
        if not scores:
            raise ValueError("no tune in the text")
        parsed = scores[0]
    return parsed


def _no_beams(self: Any, *args: Any, **kwargs: Any) -> Any:
    return None if kwargs.get("inPlace") else self


def _walk(score: Any) -> tuple[list[list[float]], list[tuple[float, float]]]:
    """Notes as [start, end, pitch] in quarter lengths, ties merged, grace notes and chord
    symbols dropped; and tempo changes as (offset, quarter notes per minute)."""
    flat = score.flatten()
    notes: list[list[float]] = []
    open_ties: dict[int, int] = {}
    for el in flat.notes:
        ql = float(el.quarterLength)
        if ql <= 0 or el.duration.isGrace or "ChordSymbol" in el.classes:
            continue
        start = float(el.offset)
        members = list(el.notes) if el.isChord else [el]
        for member in members:
            pitch = int(member.pitch.midi)
            if not 0 <= pitch <= 127:
                continue
            tie = member.tie if member.tie is not None else el.tie
            kind = tie.type if tie is not None else None
            if kind in ("stop", "continue") and pitch in open_ties:
                notes[open_ties[pitch]][1] = start + ql
                if kind == "stop":
                    del open_ties[pitch]
                continue
            notes.append([start, start + ql, pitch])
            if kind in ("start", "continue"):
                open_ties[pitch] = len(notes) - 1
    tempos: list[tuple[float, float]] = []
    for mark in flat.getElementsByClass("MetronomeMark"):
        qpm = mark.getQuarterBPM()
        if qpm and qpm > 0:
            tempos.append((float(mark.offset), float(qpm)))
    if not tempos or tempos[0][0] > 0:
        tempos.insert(0, (0.0, DEFAULT_QPM))
    return notes, tempos


def _seconds_fn(tempos: list[tuple[float, float]]) -> Any:
    """Quarter-length offset -> seconds at the written tempo (piecewise over tempo changes)."""
    starts = [0.0]
    for (q0, qpm0), (q1, _) in zip(tempos, tempos[1:], strict=False):
        starts.append(starts[-1] + (q1 - q0) * 60.0 / qpm0)

    def seconds(q: float) -> float:
        i = len(tempos) - 1
        while i > 0 and tempos[i][0] > q:
            i -= 1
        return starts[i] + (q - tempos[i][0]) * 60.0 / tempos[i][1]

    return seconds


def _bad_tempo(tempos: list[tuple[float, float]]) -> str | None:
    for _, qpm in tempos:
        if not MIN_QPM <= qpm <= MAX_QPM:
            return (
                f"tempo of {qpm:g} quarter notes per minute (Q:) is outside the playable "
                f"{MIN_QPM:g}..{MAX_QPM:g}"
            )
    return None


def _midi(timed: list[tuple[float, float, int]], program: int) -> Any:
    """A one-track mido file of notes at their clip times in seconds (speed-up included, so
    pitch is unchanged).

    The written tempo and the speed-up are already in the times, so the file has one fixed
    tempo (a beat is a second) rather than the tune's: MIDI's tempo field cannot hold a beat
    longer than 16.8 s, which a slow tempo played slower would need.
    """
    import mido

    events: list[tuple[int, int, Any]] = [(0, 0, mido.MetaMessage("set_tempo", tempo=10**6))]
    for start, end, pitch in timed:
        on = round(start * TICKS)
        off = max(round(end * TICKS), on + 1)
        events.append((on, 2, mido.Message("note_on", note=int(pitch), velocity=80)))
        events.append((off, 1, mido.Message("note_off", note=int(pitch), velocity=0)))
    events.sort(key=lambda e: (e[0], e[1]))  # at equal ticks: tempo, then offs, then ons
    track = mido.MidiTrack([mido.Message("program_change", program=program, time=0)])
    now = 0
    for tick, _, msg in events:
        track.append(msg.copy(time=tick - now))
        now = tick
    midi = mido.MidiFile(ticks_per_beat=TICKS)
    midi.tracks.append(track)
    return midi


def failed(sample: Sample, error: str, detail: str) -> Render:
    return Render(sample_id=sample.id, wav_path=None, error=error, detail=detail[:200])


def render_one(
    sample: Sample, settings: RenderSettings, out_dir: str | Path | None = None
) -> Render:
    """Render one sample to `out_dir/<id>.wav`; failures come back as `Render.error`.

    Without `out_dir` the clip goes to this process's private folder (`scratch.private_dir`).
    The time limit uses SIGALRM, which only works on the main thread; elsewhere (a TUI
    thread) the caller's own watchdog is the only limit. SetupError (no fluidsynth, bad
    SoundFont) and StorageError (the clip cannot be written: disk full, read-only folder) are
    raised: neither is this sample's fault, and a verdict must never say otherwise.
    """
    folder = Path(out_dir) if out_dir else None
    return _limited(
        sample, settings, lambda: _render(sample, settings, folder or scratch.private_dir())
    )


def parse_one(sample: Sample, settings: RenderSettings) -> Render:
    """The notes of the clip `render_one` would play, without synthesising it: a Render with
    no WAV (or the failure), under the same time limit. For readers of the notes only (the
    preference model, `audio.notes`), where writing audio would cost time and disk for
    nothing."""
    return _limited(sample, settings, lambda: _clip(sample, settings)[1])


def _limited(sample: Sample, settings: RenderSettings, work: Callable[[], Render]) -> Render:
    """`work()` under the SIGALRM time limit (main thread only); a timeout is a verdict."""
    use_alarm = settings.time_limit > 0 and threading.current_thread() is threading.main_thread()
    previous: Any = None
    if use_alarm:

        def on_alarm(signum: int, frame: Any) -> None:
            raise RenderTimeout()

        previous = signal.signal(signal.SIGALRM, on_alarm)
        # Re-fire every 0.25 s: music21 has broad `except:` clauses that can swallow one.
        signal.setitimer(signal.ITIMER_REAL, settings.time_limit, 0.25)
    try:
        return work()
    except RenderTimeout:
        return failed(sample, "timeout", f"took longer than {settings.time_limit:g} s")
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _parse_enough(header: str, body: str, clip: float) -> tuple[Any, Any, Any, str]:
    """Parse the shortest head of the body that covers `clip` seconds of music.

    Returns (notes, tempos, seconds-fn, the head of the body parsed). If a head fails to parse
    (a cut inside a chord spanning lines, say), the whole capped body gets one try before the
    tune is called unparseable.
    """
    capped = body_head(body, MAX_CHARS)
    whole_voices = re.search(r"^\s*V:", capped, re.M) is not None  # voices come in blocks
    budget = len(capped) if whole_voices else HEAD_CHARS
    while True:
        part = body_head(capped, budget)
        try:
            notes, tempos = _walk(_parse(header + part))
        except (Exception, RecursionError):
            if len(part) >= len(capped):
                raise
            budget = len(capped)
            continue
        seconds = _seconds_fn(tempos)
        done = len(part) >= len(capped)
        if done or (notes and seconds(max(n[1] for n in notes)) >= clip):
            return notes, tempos, seconds, part
        budget *= 4


def _clip(sample: Sample, settings: RenderSettings) -> tuple[list[Any], Render]:
    """(the clip's MIDI-timed notes, a Render with its notes and no audio, or the failure)."""
    header, body = prepare_abc(sample.text)
    try:
        notes, tempos, seconds, part = _parse_enough(header, body, settings.clip_seconds)
        fraction = len(part) / max(1, len(body))
    except MACHINE_ERRORS:
        raise  # out of memory, a broken install: the machine's problem, not the tune's
    except (Exception, RecursionError) as exc:
        return [], failed(sample, *failure(exc, sample.text, Stage.READ))
    if not notes:
        return [], failed(sample, "no-notes", "the tune has no playable notes")
    bad_tempo = _bad_tempo(tempos)
    if bad_tempo:
        return [], failed(sample, "unrenderable", bad_tempo)
    speed = settings.speed
    parsed_end = seconds(max(end for _, end, _ in notes))
    clip_music = min(parsed_end, settings.clip_seconds)
    music_end = parsed_end / fraction if fraction < 1 else parsed_end  # estimate when cut
    in_clip = sorted(n for n in notes if seconds(n[0]) < clip_music)
    events = tuple(
        NoteEvent(seconds(s) / speed, min(seconds(e), clip_music) / speed, int(p))
        for s, e, p in in_clip
    )
    # MIDI times: notes ringing past the clip end a second after it (the clip is cut anyway)
    tail = clip_music / speed + 1.0
    timed = [(seconds(s) / speed, min(seconds(e) / speed, tail), int(p)) for s, e, p in in_clip]
    parsed = Render(
        sample_id=sample.id,
        wav_path=None,
        clip_seconds=clip_music / speed,
        music_seconds=music_end / speed,
        notes=events,
        bars=_bars(header + part, seconds, clip_music, speed),
    )
    return timed, parsed


def _bars(text: str, seconds: Any, clip_music: float, speed: float) -> tuple[float, ...]:
    """Where the tune's own bars start in the clip (clip seconds): the bar reader's bars (the
    reading the checks judge) of the text music21 read, timed by the tempo map of the notes
    heard, so the note picture's bar lines are the ones written in the tune."""
    starts = (seconds(float(at) * 4) for at in abc_reader.parse(text).starts())
    return tuple(t / speed for t in starts if t < clip_music)


def _render(sample: Sample, settings: RenderSettings, out_dir: Path) -> Render:
    timed, parsed = _clip(sample, settings)
    if parsed.error:
        return parsed
    wav_path = out_dir / f"{sample.id}.wav"
    try:
        midi = _midi(timed, settings.program)
        peak, rms = _write_clip(midi, wav_path, parsed.clip_seconds, settings)
    except (SetupError, StorageError, *MACHINE_ERRORS):
        raise  # the machine's problem, not the tune's
    except Exception as exc:
        return failed(sample, *failure(exc, sample.text, Stage.SOUND))
    return replace(parsed, wav_path=str(wav_path), peak=peak, rms=rms)


def _write_clip(
    midi: Any, wav_path: Path, seconds: float, settings: RenderSettings
) -> tuple[float, float]:
    """Synthesise into a new temporary file beside `wav_path`, then rename it into place.

    A failure to write (disk full, read-only or vanished folder) is StorageError: the tune
    rendered fine, the machine could not keep it. The temporary file never outlives a failure
    or a timeout.
    """
    from rater.audio import synth

    tmp: Path | None = None
    try:
        fd, tmp = scratch.new_file(wav_path.parent, f".{wav_path.name}.", ".tmp")
        with os.fdopen(fd, "wb") as out:
            peak, rms = synth.synthesise(
                midi, out, seconds, settings.soundfont, settings.sample_rate
            )
        os.replace(tmp, wav_path)
        tmp = None
    except OSError as exc:
        raise StorageError(
            f"cannot write a clip to {wav_path.parent}: {exc.strerror or exc}"
        ) from None
    finally:
        scratch.discard(tmp)
    return peak, rms

"""ABC text -> notes (rater's reader) -> MIDI (mido) -> WAV clip (fluidsynth), one sample at a time.

The notes are the ones every other stage reads: `rater.core.abc.parse` reads the text once
(the checks judge the same reading), `perform` plays its repeats, endings and parts out as
abc2midi does, and `clip` keeps the first `clip_seconds` of music at the written tempo, sped
up `speed` times (pitch unchanged). Only that clip becomes audio, because that is all a
rater hears. `tune_midi` writes the whole tune as read, at the written tempo, for
`rater render --out`. This module knows one sample; `rater.audio.pipeline.render_stream`
runs it for a corpus, through the process pool (`rater.audio.pool`) and the cache
(`rater.audio.cache`).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from rater.audio import synth
from rater.core import abc, scratch
from rater.core.errors import MACHINE_ERRORS, SetupError, StorageError
from rater.core.failures import Stage, failure
from rater.core.records import NoteEvent, Reason, Render, Sample
from rater.core.settings import RenderSettings

# Playable written tempos, in quarter notes per minute. Real tunes use 40..360 (measured on
# music21's collections and folk-rnn's samples); far outside this a tune is not music a
# rater can judge (`Q:1/4=1` puts one note in a 10 s clip), so it fails as "unrenderable"
# with the tempo named, instead of being clamped into something the tune never said.
MIN_QPM, MAX_QPM = 10.0, 2000.0
TICKS = 10_000  # clip MIDI ticks per beat; the clip's MIDI has one tempo: a beat is one second
TUNE_TICKS = 480  # ticks per quarter note in a whole tune's MIDI file (`tune_midi`)
VELOCITY = 80


class RenderTimeout(BaseException):
    """Raised by SIGALRM; a BaseException so no `except Exception` on the way can eat it."""


def read(sample: Sample, settings: RenderSettings) -> abc.Tune:
    """The sample's one reading, in the dialect the settings ask for."""
    return abc.parse(sample.text, settings.dialect)


def _bad_tempo(tempos: tuple[abc.Tempo, ...]) -> str | None:
    for t in tempos:
        if not MIN_QPM <= t.qpm <= MAX_QPM:
            return (
                f"tempo of {t.qpm:g} quarter notes per minute (Q:) is outside the playable "
                f"{MIN_QPM:g}..{MAX_QPM:g}"
            )
    return None


def _clip_midi(notes: tuple[NoteEvent, ...], program: int) -> Any:
    """A one-track mido file of the clip's notes at their clip times in seconds (speed-up
    included, so pitch is unchanged).

    The written tempo and the speed-up are already in the times, so the file has one fixed
    tempo (a beat is a second) rather than the tune's: MIDI's tempo field cannot hold a beat
    longer than 16.8 s, which a slow tempo played slower would need.
    """
    import mido

    events: list[tuple[int, int, Any]] = [(0, 0, mido.MetaMessage("set_tempo", tempo=10**6))]
    for n in notes:
        on = round(n.start * TICKS)
        off = max(round(n.end * TICKS), on + 1)
        events.append((on, 2, mido.Message("note_on", note=n.pitch, velocity=VELOCITY)))
        events.append((off, 1, mido.Message("note_off", note=n.pitch, velocity=0)))
    events.sort(key=lambda e: (e[0], e[1]))  # at equal ticks: tempo, then offs, then ons
    track = mido.MidiTrack([mido.Message("program_change", program=program, time=0)])
    now = 0
    for tick, _, msg in events:
        track.append(msg.copy(time=tick - now))
        now = tick
    midi = mido.MidiFile(ticks_per_beat=TICKS)
    midi.tracks.append(track)
    return midi


def tune_midi(performance: abc.Performance, program: int = 0) -> Any:
    """The whole tune as read (repeats played out) as a type-1 MIDI file at the written
    tempo: a tempo track with a `set_tempo` event at every change, then one track (and
    channel) per voice."""
    import mido

    def tick(at: Any) -> int:
        return round(at * 4 * TUNE_TICKS)

    midi = mido.MidiFile(type=1, ticks_per_beat=TUNE_TICKS)
    tempo_events = [(tick(t.at), mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(t.qpm)))
                    for t in performance.tempos]  # fmt: skip
    midi.tracks.append(_track(tempo_events))
    voices = sorted({n.voice for n in performance.notes})
    for k, voice in enumerate(voices):
        channel = k + (k >= 9)  # channel 10 (9) is percussion
        if channel > 15:
            break
        events: list[tuple[int, Any]] = [
            (0, mido.Message("program_change", channel=channel, program=program))
        ]
        for n in performance.notes:
            if n.voice != voice or not 0 <= n.pitch <= 127:
                continue
            on, off = tick(n.start), tick(n.start + n.length)
            events.append((on, mido.Message("note_on", channel=channel, note=n.pitch,
                                            velocity=VELOCITY)))  # fmt: skip
            events.append((max(off, on + 1), mido.Message("note_off", channel=channel,
                                                          note=n.pitch, velocity=0)))  # fmt: skip
        midi.tracks.append(_track(events))
    return midi


def _track(events: list[tuple[int, Any]]) -> Any:
    """A mido track of (absolute tick, message): offs before ons at one tick."""
    import mido

    events.sort(key=lambda e: (e[0], e[1].type == "note_on"))
    track = mido.MidiTrack()
    now = 0
    for at, msg in events:
        track.append(msg.copy(time=at - now))
        now = at
    return track


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
    return limited(
        sample, settings, lambda: _render(sample, settings, folder or scratch.private_dir())
    )


def parse_one(sample: Sample, settings: RenderSettings) -> Render:
    """The notes of the clip `render_one` would play, without synthesising it: a Render with
    no WAV (or the failure). For readers of the notes only, where writing audio would cost
    time and disk for nothing (`rater model score`'s verdicts)."""
    return limited(sample, settings, lambda: clip_notes(sample, settings))


def limited(sample: Sample, settings: RenderSettings, work: Callable[[], Any]) -> Any:
    """`work()` under the SIGALRM time limit (main thread only); a timeout is a verdict
    (a failed Render)."""
    use_alarm = settings.time_limit > 0 and threading.current_thread() is threading.main_thread()
    previous: Any = None
    if use_alarm:

        def on_alarm(signum: int, frame: Any) -> None:
            raise RenderTimeout()

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, settings.time_limit, 0.25)
    try:
        return work()
    except RenderTimeout:
        return failed(sample, Reason.TIMEOUT, f"took longer than {settings.time_limit:g} s")
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def clip_notes(sample: Sample, settings: RenderSettings, tune: abc.Tune | None = None) -> Render:
    """A Render with the clip's notes and no audio, or the failure (no time limit: the
    caller's). `tune`: the sample's reading in `settings.dialect`, when the caller has it."""
    tune = tune if tune is not None else read(sample, settings)
    performance = abc.perform(tune, settings.clip_seconds)
    if not any(0 <= n.pitch <= 127 for n in performance.notes):
        return failed(sample, Reason.NO_NOTES, "the tune has no playable notes")
    bad_tempo = _bad_tempo(performance.tempos)
    if bad_tempo:
        return failed(sample, Reason.UNRENDERABLE, bad_tempo)
    clip = abc.clip(performance, settings.clip_seconds, settings.speed)
    return Render(
        sample_id=sample.id,
        wav_path=None,
        clip_seconds=clip.seconds,
        music_seconds=clip.music_seconds,
        notes=clip.notes,
        bars=clip.bars,
    )


def _render(sample: Sample, settings: RenderSettings, out_dir: Path) -> Render:
    parsed = clip_notes(sample, settings)
    if parsed.error:
        return parsed
    wav_path = out_dir / f"{sample.id}.wav"
    try:
        midi = _clip_midi(parsed.notes, settings.program)
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

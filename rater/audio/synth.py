"""MIDI -> WAV clip with pyfluidsynth, offline and in-process.

Loading a SoundFont takes ~0.1 s and tens of MB, so each process keeps one synthesiser with
the font loaded and reuses it for every clip. No audio driver is started: samples are pulled
with `get_samples`, which works on machines without a sound card and is faster than real time.
"""

from __future__ import annotations

import glob
import os
import wave
from dataclasses import dataclass, replace
from typing import Any, BinaryIO

from rater.core import paths
from rater.core.errors import SetupError
from rater.core.settings import RenderSettings

# `{field}` is where the `soundfont` setting is named (the CLI shows its flag there).
SOUNDFONT_HINT = (
    "install one with `sudo apt-get install timgm6mb-soundfont`, "
    "or name a .sf2 file with {field} or $RATER_SOUNDFONT"
)
FLUIDSYNTH_HINT = "install it with `sudo apt-get install libfluidsynth3`"
SYSTEM_SOUNDFONTS = (
    "/usr/share/sounds/sf2/TimGM6mb.sf2",
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/sounds/sf2/default-GM.sf2",
)
SOUNDFONT_DIRS = ("/usr/share/soundfonts",)
GAIN = 1.0
VELOCITY = 80
_FLUSH_SECONDS = 0.5  # reverb tail of the previous clip, rendered and thrown away


def dropped_soundfonts() -> list[str]:
    """SoundFonts dropped into the `soundfonts/` folder (package data)."""
    return [str(f) for f in paths.data_files("soundfonts", ".sf2")]


def _candidates() -> list[str]:
    """Dropped-in ones first, then the system's."""
    found = dropped_soundfonts() + list(SYSTEM_SOUNDFONTS)
    for folder in SOUNDFONT_DIRS:
        found += sorted(glob.glob(os.path.join(folder, "*.sf2")))
    return found


def find_soundfont(explicit: str | None = None) -> str:
    """The SoundFont to use; an explicit choice that does not exist is an error, not a fallback.

    Silently falling back would render with a different instrument than the user asked for,
    and the cache key (which includes the font) would hide that.
    """
    for label, chosen in (
        ("{field}", explicit),
        ("RATER_SOUNDFONT", os.environ.get("RATER_SOUNDFONT")),
    ):
        if chosen:
            if not os.path.isfile(chosen):
                raise SetupError(
                    f"SoundFont not found: {chosen} (from {label}); {SOUNDFONT_HINT}",
                    field="soundfont",
                )
            return chosen
    for path in _candidates():
        if os.path.isfile(path):
            return path
    raise SetupError(f"no SoundFont found: {SOUNDFONT_HINT}", field="soundfont")


def resolve_soundfont(settings: RenderSettings) -> RenderSettings:
    """`settings` naming the SoundFont to use (`find_soundfont` of its own choice, if any).

    Called before any work starts, so a missing font is one error with an install hint
    rather than thousands of failed renders.
    """
    return replace(settings, soundfont=find_soundfont(settings.soundfont or None))


def require_fluidsynth() -> Any:
    """Import pyfluidsynth, turning a missing shared library into an install hint.

    pyfluidsynth prints where it found the library on stdout at import when $CI is set; that
    line would corrupt `rater check --json` and the TUI's screen, so it goes nowhere.
    """
    import contextlib
    import io

    try:
        with contextlib.redirect_stdout(io.StringIO()):
            import fluidsynth
    except (ImportError, OSError) as exc:
        raise SetupError(f"libfluidsynth not found: {FLUIDSYNTH_HINT}") from exc
    return fluidsynth


@dataclass
class _Loaded:
    synth: Any
    sfid: int
    soundfont: str
    sample_rate: int


_LOADED: _Loaded | None = None


def get_synth(soundfont: str, sample_rate: int) -> _Loaded:
    """The process-wide synthesiser; rebuilt only when the font or sample rate changes."""
    global _LOADED
    if (
        _LOADED is not None
        and _LOADED.soundfont == soundfont
        and _LOADED.sample_rate == sample_rate
    ):
        return _LOADED
    fluidsynth = require_fluidsynth()
    if _LOADED is not None:
        _LOADED.synth.delete()
        _LOADED = None
    synth = fluidsynth.Synth(
        gain=GAIN,
        samplerate=float(sample_rate),
        channels=16,
        **{"synth.chorus.active": 0},
    )
    sfid = synth.sfload(soundfont)
    if sfid < 0:
        synth.delete()
        raise SetupError(f"cannot load SoundFont {soundfont}: not a valid .sf2 file")
    _LOADED = _Loaded(synth, sfid, soundfont, sample_rate)
    return _LOADED


def _reset(loaded: _Loaded) -> None:
    synth = loaded.synth
    for chan in range(16):
        synth.all_sounds_off(chan)
    synth.system_reset()
    synth.get_samples(int(_FLUSH_SECONDS * loaded.sample_rate))


def synthesise(
    midi: Any,
    wav: str | os.PathLike[str] | BinaryIO,
    seconds: float,
    soundfont: str,
    sample_rate: int = RenderSettings.sample_rate,
) -> tuple[float, float]:
    """Play a mido MidiFile (or its bytes) into a mono 16-bit WAV of exactly `seconds`.

    `wav` is a path or a file open for writing (the render opens its temporary file itself,
    safely: `rater.audio.scratch.new_file`). An OSError here is the machine's (disk full,
    read-only folder), never the tune's.

    Only `seconds` of audio are synthesised, however long the MIDI is: the clip is all a rater
    hears, and synthesis time is proportional to it. Returns (peak, rms), both 0..1.
    """
    import numpy as np

    if isinstance(midi, bytes | bytearray):
        import io

        import mido

        midi = mido.MidiFile(file=io.BytesIO(midi))
    loaded = get_synth(soundfont, sample_rate)
    synth = loaded.synth
    _reset(loaded)
    synth.program_select(0, loaded.sfid, 0, 0)
    total = max(0, int(round(seconds * sample_rate)))
    chunks: list[Any] = []
    done = 0
    now = 0.0
    for msg in midi:  # iterating a MidiFile yields messages with delta times in seconds
        now += msg.time
        due = min(total, int(round(now * sample_rate)))
        if due > done:
            chunks.append(synth.get_samples(due - done))
            done = due
        if done >= total:
            break
        if msg.type == "note_on" and msg.velocity > 0:
            synth.noteon(msg.channel, msg.note, msg.velocity)
        elif msg.type in ("note_off", "note_on"):
            synth.noteoff(msg.channel, msg.note)
        elif msg.type == "program_change":
            synth.program_select(msg.channel, loaded.sfid, 0, msg.program)
    if total > done:
        chunks.append(synth.get_samples(total - done))
    stereo = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
    mono = stereo.reshape(-1, 2).astype(np.int32).sum(axis=1) // 2
    pcm = mono.astype(np.int16)
    _write_wav(wav, pcm, sample_rate)
    if pcm.size == 0:
        return 0.0, 0.0
    as_float = pcm.astype(np.float64) / 32768.0
    peak = float(np.max(np.abs(as_float)))
    rms = float(np.sqrt(np.mean(as_float * as_float)))
    return peak, rms


def _write_wav(wav: str | os.PathLike[str] | BinaryIO, pcm: Any, sample_rate: int) -> None:
    target = os.fspath(wav) if isinstance(wav, str | os.PathLike) else wav
    with wave.open(target, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm.astype("<i2").tobytes())

"""SoundFont lookup and offline synthesis with the real fluidsynth and SoundFont."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from rater.audio import synth
from rater.core.errors import SetupError

SF = synth.find_soundfont()


def _midi(notes: list[tuple[float, float, int]], qpm: float = 120.0):
    import mido

    ticks = 480
    events = []
    for start, end, pitch in notes:
        events.append((round(start * ticks), mido.Message("note_on", note=pitch, velocity=90)))
        events.append((round(end * ticks), mido.Message("note_off", note=pitch, velocity=0)))
    events.sort(key=lambda e: e[0])
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(qpm))])
    now = 0
    for tick, msg in events:
        track.append(msg.copy(time=tick - now))
        now = tick
    midi = mido.MidiFile(ticks_per_beat=ticks)
    midi.tracks.append(track)
    return midi


def _read(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2"), w.getframerate()


def test_explicit_soundfont_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "mine.sf2"
    other.write_bytes(Path(SF).read_bytes()[:1024])
    monkeypatch.setenv("RATER_SOUNDFONT", SF)
    assert synth.find_soundfont(str(other)) == str(other)
    assert synth.find_soundfont() == SF


def test_missing_explicit_soundfont_is_an_error_with_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RATER_SOUNDFONT", raising=False)
    with pytest.raises(SetupError, match="apt-get install timgm6mb-soundfont") as exc:
        synth.find_soundfont("/nonexistent/font.sf2")
    assert "/nonexistent/font.sf2" in str(exc.value)
    monkeypatch.setenv("RATER_SOUNDFONT", "/nonexistent/env.sf2")
    with pytest.raises(SetupError, match="RATER_SOUNDFONT"):
        synth.find_soundfont()


def test_no_soundfont_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RATER_SOUNDFONT", raising=False)
    monkeypatch.setattr(synth, "SYSTEM_SOUNDFONTS", ())
    monkeypatch.setattr(synth, "SOUNDFONT_DIRS", (str(tmp_path),))
    monkeypatch.setattr(synth, "dropped_soundfonts", lambda: [])
    with pytest.raises(SetupError, match="no SoundFont found.*apt-get install"):
        synth.find_soundfont()
    (tmp_path / "b.sf2").write_bytes(b"x")
    assert synth.find_soundfont() == str(tmp_path / "b.sf2")


def test_synthesised_note_has_length_level_and_pitch(tmp_path: Path) -> None:
    wav = tmp_path / "a4.wav"
    # A4 (440 Hz) for 1.5 s of a 2.0 s clip, then silence.
    peak, rms = synth.synthesise(_midi([(0.0, 3.0, 69)]), wav, 2.0, SF, 22050)
    pcm, rate = _read(wav)
    assert rate == 22050
    assert len(pcm) == 2 * 22050
    assert 0.05 < peak <= 1.0 and 0 < rms < peak
    assert peak == pytest.approx(np.abs(pcm).max() / 32768, rel=1e-3)
    held = pcm[2000:30000].astype(float)
    spectrum = np.abs(np.fft.rfft(held * np.hanning(len(held))))
    freq = np.fft.rfftfreq(len(held), 1 / rate)[spectrum.argmax()]
    assert freq == pytest.approx(440, rel=0.03)


def test_only_the_clip_is_synthesised(tmp_path: Path) -> None:
    wav = tmp_path / "short.wav"
    long_tune = _midi([(q, q + 1, 60 + q % 12) for q in range(400)])  # 200 s of music
    synth.synthesise(long_tune, wav, 1.25, SF, 16000)
    pcm, rate = _read(wav)
    assert rate == 16000 and len(pcm) == 20000


def test_no_notes_is_silent_and_clips_do_not_bleed(tmp_path: Path) -> None:
    loud = tmp_path / "loud.wav"
    synth.synthesise(_midi([(0.0, 8.0, 48), (0.0, 8.0, 55)]), loud, 1.0, SF)
    peak, rms = synth.synthesise(_midi([]), tmp_path / "quiet.wav", 1.0, SF)
    # The previous clip's held notes are cut and its reverb tail flushed: what is left is a
    # few LSBs, far below anything audible or the "silent" check's threshold.
    assert peak < 0.001 and rms < 0.0001
    again = synth.synthesise(_midi([(0.0, 8.0, 48), (0.0, 8.0, 55)]), loud, 1.0, SF)
    assert again[0] > 0.05


def test_midi_bytes_accepted_and_synth_reused(tmp_path: Path) -> None:
    import io

    buf = io.BytesIO()
    _midi([(0.0, 1.0, 72)]).save(file=buf)
    first = synth.get_synth(SF, 22050)
    peak, _ = synth.synthesise(buf.getvalue(), tmp_path / "b.wav", 0.5, SF, 22050)
    assert peak > 0.01
    assert synth.get_synth(SF, 22050) is first

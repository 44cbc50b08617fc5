"""Players: the schedule (play position), the recording fake, and the silent fallback."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import FakeClock, RecordingPlayer, write_wav

from rater.audio import player as player_mod
from rater.audio.player import (
    NO_DEVICE_NOTICE,
    SILENT_NOTICE,
    ScheduledPlayer,
    SimpleAudioPlayer,
    make_player,
    wav_seconds,
)


def test_wav_seconds_reads_the_header(tmp_path: Path) -> None:
    assert wav_seconds(write_wav(tmp_path / "a.wav", 2.5)) == pytest.approx(2.5, abs=1e-3)


def test_recording_player_records_a_then_b_with_gap(tmp_path: Path) -> None:
    a = write_wav(tmp_path / "a.wav", 2.0)
    b = write_wav(tmp_path / "b.wav", 3.0)
    clock = FakeClock()
    p = RecordingPlayer(clock=clock)
    p.play_sequence([a, b], gap=1.0)
    assert len(p.calls) == 1
    call = p.calls[0]
    assert call.paths == (a, b)
    assert call.durations == pytest.approx((2.0, 3.0), abs=1e-3)
    assert call.gap == 1.0
    # The schedule: A for 2 s, a 1 s gap, then B for 3 s, then idle.
    pos = p.position()
    assert pos is not None and pos.index == 0 and pos.seconds == 0.0
    clock.now += 1.5
    pos = p.position()
    assert pos is not None and pos.index == 0 and pos.seconds == pytest.approx(1.5)
    clock.now += 1.0
    pos = p.position()
    assert pos is not None and pos.in_gap
    clock.now += 1.0
    pos = p.position()
    assert pos is not None and pos.index == 1 and pos.seconds == pytest.approx(0.5, abs=1e-3)
    clock.now += 3.0
    assert p.position() is None


def test_stop_ends_playback_at_once(tmp_path: Path) -> None:
    clip = write_wav(tmp_path / "a.wav", 5.0)
    clock = FakeClock()
    p = RecordingPlayer(clock=clock)
    p.play_sequence([clip])
    p.stop()
    assert p.position() is None
    assert p.stops == 1 and p.stopped_while_playing == 1
    p.stop()  # idle: counted, but not as interrupting anything
    assert p.stops == 2 and p.stopped_while_playing == 1


def test_a_new_sequence_replaces_the_old(tmp_path: Path) -> None:
    a = write_wav(tmp_path / "a.wav", 5.0)
    b = write_wav(tmp_path / "b.wav", 1.0)
    clock = FakeClock()
    p = RecordingPlayer(clock=clock)
    p.play_sequence([a])
    clock.now += 2.0
    p.play_sequence([b])
    pos = p.position()
    assert pos is not None and pos.duration == pytest.approx(1.0, abs=1e-3)
    assert pos.seconds == 0.0


def test_silent_flag_forces_a_silent_player() -> None:
    p = make_player(silent=True)
    assert not p.available
    assert p.notice == SILENT_NOTICE


def test_no_audio_device_falls_back_to_silent_with_notice() -> None:
    if player_mod._probe_simpleaudio() == "":
        pytest.skip("this machine has an audio device")
    p = make_player()
    assert isinstance(p, ScheduledPlayer) and not isinstance(p, SimpleAudioPlayer)
    assert not p.available
    assert p.notice == NO_DEVICE_NOTICE


def test_simpleaudio_player_survives_a_missing_device(tmp_path: Path) -> None:
    clip = write_wav(tmp_path / "a.wav", 0.5)
    p = SimpleAudioPlayer()
    p.play_sequence([clip, clip], gap=0.1)
    assert p.position() is not None  # the schedule runs even if the device refuses
    p.stop()
    assert p.position() is None
    if p._thread is not None:
        p._thread.join(timeout=2.0)
        assert not p._thread.is_alive()


class FakePlay:
    """Stands in for simpleaudio's PlayObject (no audio device here): plays until stopped."""

    def __init__(self) -> None:
        self.playing = True

    def is_playing(self) -> bool:
        return self.playing

    def stop(self) -> None:
        self.playing = False


def test_stop_while_a_clip_is_starting_stops_that_clip(tmp_path: Path, monkeypatch) -> None:
    """stop() lands while play_buffer is starting the clip: that clip must not play on."""
    import threading

    import simpleaudio

    entered, release = threading.Event(), threading.Event()
    plays: list[FakePlay] = []

    def play_buffer(*args: object) -> FakePlay:
        entered.set()
        release.wait(2.0)
        plays.append(FakePlay())
        return plays[-1]

    monkeypatch.setattr(simpleaudio, "play_buffer", play_buffer)
    clip = write_wav(tmp_path / "a.wav", 0.5)
    p = SimpleAudioPlayer()
    p.play_sequence([clip, clip], gap=0.05)
    assert entered.wait(2.0)
    p.stop()
    release.set()
    assert p._thread is not None
    p._thread.join(timeout=2.0)
    assert not p._thread.is_alive()
    assert len(plays) == 1 and not plays[0].playing


def test_rapid_replays_leave_nothing_playing_and_no_thread_errors(
    tmp_path: Path, monkeypatch
) -> None:
    import random
    import threading
    import time

    import simpleaudio

    errors: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: errors.append(args.exc_value))
    plays: list[FakePlay] = []

    def play_buffer(*args: object) -> FakePlay:
        time.sleep(random.random() * 0.002)
        plays.append(FakePlay())
        return plays[-1]

    monkeypatch.setattr(simpleaudio, "play_buffer", play_buffer)
    clip = write_wav(tmp_path / "a.wav", 0.5)
    p = SimpleAudioPlayer()
    threads = []
    rng = random.Random(1)
    for _ in range(60):
        p.play_sequence([clip, clip], gap=0.01)  # a replay key: the old sequence must end
        threads.append(p._thread)
        time.sleep(rng.random() * 0.004)
    p.stop()
    for t in threads:
        t.join(timeout=2.0)
        assert not t.is_alive()
    assert errors == []
    assert plays and [x for x in plays if x.playing] == []

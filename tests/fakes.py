"""Test fakes, kept out of the package. A fake stands in for the audio device only: the
real player (`SimpleAudioPlayer`, the same `ScheduledPlayer` schedule) is tested in
`test_player.py`."""

from __future__ import annotations

import time
import wave
from dataclasses import dataclass
from pathlib import Path

from rater.audio.player import Clock, ScheduledPlayer


@dataclass(frozen=True)
class PlayCall:
    """One recorded play request: what a person would have heard, in order."""

    paths: tuple[str, ...]
    durations: tuple[float, ...]
    gap: float


class RecordingPlayer(ScheduledPlayer):
    """Test fake: records every request and stop, with durations read from the WAV headers."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        super().__init__(notice="recording player (test): running silent", clock=clock)
        self.calls: list[PlayCall] = []
        self.stops = 0
        self.stopped_while_playing = 0

    def _start_audio(self, paths: list[str], durations: list[float], gap: float) -> None:
        self.calls.append(PlayCall(tuple(paths), tuple(durations), gap))

    def stop(self) -> None:
        if self.position() is not None:
            self.stopped_while_playing += 1
        self.stops += 1
        super().stop()


class FakeClock:
    """A clock the test moves (`clock.now += 3.0`): player schedules and sessions read it."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def write_wav(path: Path, seconds: float, rate: int = 22050) -> str:
    """A silent WAV of `seconds`: the player reads clip lengths from the header."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * int(seconds * rate))
    return str(path)

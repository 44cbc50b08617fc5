"""Test fakes, kept out of the package. A fake stands in for the audio device only: the
real player (`SimpleAudioPlayer`, the same `ScheduledPlayer` schedule) is tested in
`test_player.py`."""

from __future__ import annotations

import time
from dataclasses import dataclass

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

"""Playing clips: A, a one-second gap, then B; stoppable at once by a deciding key.

The rating screen only talks to the `Player` protocol, so the same screen runs with real
sound (simpleaudio), silently (no audio device: tests, CI, servers) or with the tests'
recording fake (`tests/fakes.py`), which lets them check what would have been heard.
Every player keeps the schedule of what it is (or would be) playing, so the play position
is shown even when nothing is audible.
"""

from __future__ import annotations

import os
import threading
import time
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from rater.core.settings import RateSettings

Clock = Callable[[], float]

NO_DEVICE_NOTICE = (
    "no audio device: running silent (connect an output and check `aplay -l` to hear clips)"
)
SILENT_NOTICE = "silent mode (--silent): clips are not played"
NO_SIMPLEAUDIO_NOTICE = "simpleaudio missing: running silent (pip install simpleaudio-patched)"


def wav_seconds(path: str | os.PathLike[str]) -> float:
    """Duration from the WAV header; cheap, so the schedule is known before playing.

    0.0 for a clip that cannot be read (gone, cut to nothing, not a WAV): the cache checks
    clips before handing them out, but a file can still change under a running session, and
    a damaged clip must cost its sound, not the screen."""
    try:
        with wave.open(str(path), "rb") as wav:
            rate = wav.getframerate()
            return wav.getnframes() / rate if rate else 0.0
    except (OSError, EOFError, wave.Error):
        return 0.0


@dataclass(frozen=True)
class Position:
    """What is playing now: which clip of the sequence, how far into it, and its length."""

    index: int
    seconds: float
    duration: float
    in_gap: bool = False


class Player(Protocol):
    """What the rating screen needs from an audio backend."""

    available: bool  # True when clips are actually audible
    notice: str  # shown on screen when not available ("" otherwise)

    def play_sequence(
        self, wav_paths: Sequence[str], gap: float = RateSettings.gap_seconds
    ) -> None:
        """Start playing the clips in order with `gap` seconds between; returns at once."""
        ...

    def stop(self) -> None:
        """Stop at once (a decision was made); a no-op when nothing plays."""
        ...

    def position(self) -> Position | None:
        """The current play position, or None when idle."""
        ...

    def played(self) -> tuple[float, ...]:
        """Seconds of each clip of the last sequence that have played, by its schedule: up to
        now, or up to when it was stopped; () before the first sequence."""
        ...

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the sequence is over and its sound has left the process; False when
        `timeout` seconds ran out first. A program that exits after playing needs this: the
        audio thread is a daemon, and the device still holds the end of the last clip."""
        ...


class ScheduledPlayer:
    """A player that plays nothing but keeps the schedule: the silent player and base class.

    The schedule (start time, clip durations, gap) gives the play position from the clock, so
    a silent session still shows the rater where a real one would be.
    """

    available = False

    def __init__(self, notice: str = NO_DEVICE_NOTICE, clock: Clock = time.monotonic) -> None:
        self.notice = notice
        self._clock = clock
        self._lock = threading.Lock()
        self._started: float | None = None
        self._durations: list[float] = []
        self._gap = 1.0
        self._begun: float | None = None  # start of the last sequence, kept after a stop
        self._ended: float | None = None  # when the last sequence was stopped

    def play_sequence(
        self, wav_paths: Sequence[str], gap: float = RateSettings.gap_seconds
    ) -> None:
        self._halt()
        durations = [wav_seconds(p) for p in wav_paths]
        with self._lock:
            self._durations = durations
            self._gap = gap
            self._started = self._clock() if durations else None
            self._begun, self._ended = self._started, None
        self._start_audio(list(wav_paths), durations, gap)

    # Alias matching the module map in DESIGN.md.
    def play(self, wav_paths: Sequence[str], gap: float = RateSettings.gap_seconds) -> None:
        self.play_sequence(wav_paths, gap)

    def stop(self) -> None:
        self._halt()

    def _halt(self) -> None:
        with self._lock:
            if self._started is not None:
                self._ended = self._clock()
            self._started = None
        self._stop_audio()

    def position(self) -> Position | None:
        with self._lock:
            if self._started is None:
                return None
            elapsed = self._clock() - self._started
            durations, gap = self._durations, self._gap
        for index, duration in enumerate(durations):
            if elapsed < duration:
                return Position(index, elapsed, duration)
            elapsed -= duration
            if index < len(durations) - 1:
                if elapsed < gap:
                    return Position(index, duration, duration, in_gap=True)
                elapsed -= gap
        return None

    def played(self) -> tuple[float, ...]:
        """What has been heard of the last sequence: the schedule cut at now or at the stop.

        The listening data of a rating (`rater.rating.listening`) comes from here, so a
        silent session counts exactly as the play position shows."""
        with self._lock:
            if self._begun is None:
                return ()
            end = self._ended if self._ended is not None else self._clock()
            elapsed = end - self._begun
            durations, gap = self._durations, self._gap
        out: list[float] = []
        for duration in durations:
            out.append(min(duration, max(0.0, elapsed)))
            elapsed -= duration + gap
        return tuple(out)

    def wait(self, timeout: float | None = None) -> bool:
        end = None if timeout is None else time.monotonic() + timeout
        while self.position() is not None:
            if end is not None and time.monotonic() >= end:
                return False
            time.sleep(0.02)
        return self._wait_audio(None if end is None else max(0.0, end - time.monotonic()))

    def _start_audio(self, paths: list[str], durations: list[float], gap: float) -> None:
        return None

    def _stop_audio(self) -> None:
        return None

    def _wait_audio(self, timeout: float | None) -> bool:
        return True


class SimpleAudioPlayer(ScheduledPlayer):
    """Real sound through simpleaudio, played in a thread so the screen never waits."""

    available = True

    def __init__(self, clock: Clock = time.monotonic) -> None:
        super().__init__(notice="", clock=clock)
        self._cancel = threading.Event()
        self._current: Any = None  # the play object of the live sequence, under _audio_lock
        self._audio_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def _start_audio(self, paths: list[str], durations: list[float], gap: float) -> None:
        self._cancel = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(paths, gap, self._cancel), daemon=True, name="player"
        )
        self._thread.start()

    def _run(self, paths: list[str], gap: float, cancel: threading.Event) -> None:
        import simpleaudio

        for index, path in enumerate(paths):
            if cancel.is_set():
                return
            try:
                with wave.open(path, "rb") as wav:
                    frames = wav.readframes(wav.getnframes())
                    channels, width = wav.getnchannels(), wav.getsampwidth()
                    rate = wav.getframerate()
            except (OSError, EOFError, wave.Error):
                continue  # damaged since it was checked (see wav_seconds): the next clip
            try:
                play = simpleaudio.play_buffer(frames, channels, width, rate)
            except Exception:  # simpleaudio's C error type: the device went away mid-session
                return  # the schedule still shows the position
            # stop() may have run while play_buffer started the clip: it could not see this
            # play object, so it is stopped here, under the lock stop() takes as well.
            with self._audio_lock:
                if cancel.is_set():
                    play.stop()
                    return
                self._current = play
            while play.is_playing() and not cancel.wait(0.02):
                pass
            with self._audio_lock:
                if self._current is play:
                    self._current = None
            if cancel.is_set() or (index < len(paths) - 1 and cancel.wait(gap)):
                return

    def _stop_audio(self) -> None:
        with self._audio_lock:
            self._cancel.set()
            current, self._current = self._current, None
        if current is not None:
            current.stop()

    def _wait_audio(self, timeout: float | None) -> bool:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True


def _probe_simpleaudio() -> str:
    """ "" when a clip can be played, else the notice to show.

    ALSA prints its complaints straight to file descriptor 2, which is the terminal the TUI
    draws on, so the probe runs (before the TUI starts) with fd 2 pointed at /dev/null.
    """
    try:
        import simpleaudio
    except ImportError:
        return NO_SIMPLEAUDIO_NOTICE
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        try:
            play = simpleaudio.play_buffer(b"\x00\x00" * 64, 1, 2, 22050)
            play.stop()
        except Exception:  # simpleaudio raises its own error type from C; any means no device
            return NO_DEVICE_NOTICE
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    return ""


def make_player(silent: bool = False) -> ScheduledPlayer:
    """The best player this machine supports; silent (with a notice saying why) otherwise."""
    if silent:
        return ScheduledPlayer(notice=SILENT_NOTICE)
    problem = _probe_simpleaudio()
    if problem:
        return ScheduledPlayer(notice=problem)
    return SimpleAudioPlayer()

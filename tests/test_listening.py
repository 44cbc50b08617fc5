"""Listening data: the player's schedule (`played`) and what `Listening` makes of it.

Real WAV files on disk (their headers give the clip lengths, as in a session) and the real
`ScheduledPlayer`, the silent player a session without a sound card runs with, on a clock
the test moves, so every figure is exact.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import FakeClock, write_wav

from rater.audio.player import ScheduledPlayer
from rater.rating.listening import Listening


@pytest.fixture
def clips(tmp_path: Path) -> tuple[str, str]:
    return write_wav(tmp_path / "a.wav", 8.0, 1000), write_wav(tmp_path / "b.wav", 6.0, 1000)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def listening(clock: FakeClock, **kw) -> Listening:
    return Listening(ScheduledPlayer(notice="", clock=clock), clock, **kw)


def test_played_follows_the_schedule_and_stops_with_stop(clips, clock) -> None:
    player = ScheduledPlayer(notice="", clock=clock)
    assert player.played() == ()
    player.play_sequence(list(clips), gap=1.0)
    clock.now += 3.0
    assert player.played() == (3.0, 0.0)
    clock.now += 6.5  # A done (8), 1 s gap, 0.5 s of B
    assert player.played() == (8.0, 0.5)
    player.stop()
    clock.now += 100.0  # nothing more is heard after the stop
    assert player.played() == (8.0, 0.5)
    player.play_sequence([clips[1]], gap=1.0)
    clock.now += 2.0
    assert player.played() == (2.0,)
    clock.now += 60.0  # a sequence that ended by itself counts whole clips
    assert player.played() == (6.0,)


def test_key_after_three_seconds_of_a(clips, clock) -> None:
    heard = listening(clock)
    heard.show((8.0, 6.0))
    heard.play([0, 1], clips, 1.0)
    clock.now += 3.0
    assert heard.fields() == {"decide_seconds": 3.0, "heard": [3.0, 0.0], "replays": 0}


def test_replays_add_up_per_side(clips, clock) -> None:
    heard = listening(clock)
    heard.show((8.0, 6.0))
    heard.play([0, 1], clips, 1.0)
    clock.now += 2.0  # 2 s of A, then `b`
    heard.play([1], [clips[1]], 1.0, replay=True)
    clock.now += 4.0  # 4 s of B, then space: A and B again
    heard.play([0, 1], clips, 1.0, replay=True)
    clock.now += 10.0  # all of A (8), the gap, 1 s of B
    assert heard.heard() == (10.0, 5.0)
    assert heard.playing() is not None and heard.playing()[0] == 1
    assert heard.fields()["replays"] == 2
    assert heard.fields()["decide_seconds"] == 16.0


def test_a_new_pair_starts_from_zero(clips, clock) -> None:
    heard = listening(clock)
    heard.show((8.0, 6.0))
    heard.play([0, 1], clips, 1.0, replay=True)
    heard.note = "too fast"
    clock.now += 12.0
    heard.player.stop()
    heard.show((8.0, 6.0))  # the next pair, not played yet (no autoplay)
    clock.now += 1.0
    assert heard.fields() == {"decide_seconds": 1.0, "heard": [0.0, 0.0], "replays": 0}


def test_text_samples_have_no_listening_fields(clock) -> None:
    heard = listening(clock, audio=False, min_heard=5.0)
    heard.show()
    clock.now += 4.25
    heard.note = "second one rhymes"
    assert heard.unheard() == ""  # nothing to hear, nothing to wait for
    assert heard.fields() == {"decide_seconds": 4.25, "note": "second one rhymes"}


def test_min_heard_says_what_is_missing(clips, clock) -> None:
    heard = listening(clock, min_heard=3.0)
    heard.show((8.0, 2.0))  # B's clip is shorter than 3 s: all of it is enough
    heard.play([0, 1], clips, 1.0)
    clock.now += 2.0
    why = heard.unheard()
    assert "A 2.0 of 3.0 s" in why and "B 0.0 of 2.0 s" in why and "min-heard 3" in why
    clock.now += 8.0 + 1.0 + 2.0 - 2.0  # A done, the gap, 2 s of B
    assert heard.unheard() == ""


def test_min_heard_off_never_waits(clips, clock) -> None:
    heard = listening(clock)
    heard.show((8.0, 6.0))
    assert heard.unheard() == ""

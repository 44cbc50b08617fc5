"""What the rater gave the pair on screen: seconds of each clip heard, time to decide,
replays, and a note. These go into the pair's record (training code ignores them) so a
considered choice can be told from a key pressed after two seconds of clip A.

The screen feeds this and nothing else computes it: the app starts every sequence through
`play`, so each clip's seconds are known per side, and asks `fields()` at the key press.
Seconds heard come from the player's schedule (`Player.played`), the same schedule the
play position is drawn from, so a silent session counts what a real one would have played.
Replays add up: A heard twice for 3 s is 6 s of A.

`min_heard` (off at 0) is the optional strictness rule: `unheard()` says why a deciding key
must wait until both clips have played that long (a clip shorter than that: all of it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from rater.audio.player import Player, Position

# A WAV holds whole samples, so a clip can end a few ms short of its nominal length.
SLACK_SECONDS = 0.05
SIDES = "AB"


class Listening:
    """The listening data of the pair on screen; `show` starts a new pair from zero."""

    def __init__(
        self,
        player: Player,
        clock: Callable[[], float] = time.monotonic,
        *,
        audio: bool = True,
        min_heard: float = 0.0,
    ) -> None:
        self.player = player
        self.clock = clock
        self.audio = audio  # False for text samples: nothing plays, nothing is heard
        self.min_heard = min_heard
        self.note = ""
        self.replays = 0
        self.sides: tuple[int, ...] = ()  # the side (0 = A, 1 = B) of each clip last started
        self._shown = clock()
        self._clips = (0.0, 0.0)
        self._done = [0.0, 0.0]  # seconds of finished (or replaced) sequences, per side
        self._live = False  # the player's last sequence belongs to this pair, not yet counted

    def show(self, clip_seconds: tuple[float, float] = (0.0, 0.0)) -> None:
        """A pair appears (again, after undo): the clock starts, nothing heard, no note."""
        self._shown = self.clock()
        self._clips = clip_seconds
        self._done = [0.0, 0.0]
        self._live = False
        self.sides = ()
        self.replays = 0
        self.note = ""

    def play(
        self, sides: Sequence[int], paths: Sequence[str], gap: float, *, replay: bool = False
    ) -> None:
        """Start playing these clips (side of each, WAV of each); the previous sequence's
        seconds are counted first, as far as it got."""
        self._fold()
        if replay:
            self.replays += 1
        if paths:
            self.sides = tuple(sides)
            self._live = True
            self.player.play_sequence(list(paths), gap=gap)

    def _fold(self) -> None:
        if self._live:
            for side, seconds in zip(self.sides, self.player.played(), strict=False):
                self._done[side] += seconds
            self._live = False

    def heard(self) -> tuple[float, float]:
        """Seconds of clip A and of clip B played since the pair appeared, replays included."""
        total = list(self._done)
        if self._live:
            for side, seconds in zip(self.sides, self.player.played(), strict=False):
                total[side] += seconds
        return total[0], total[1]

    def decide_seconds(self) -> float:
        return max(0.0, self.clock() - self._shown)

    def playing(self) -> tuple[int, Position] | None:
        """The side playing now and where it is (for the position display)."""
        position = self.player.position()
        if position is None or not self._live or position.index >= len(self.sides):
            return None
        return self.sides[position.index], position

    def unheard(self) -> str:
        """Why a deciding key must wait (`min_heard`), or "" when it need not."""
        if not self.audio or self.min_heard <= 0:
            return ""
        heard = self.heard()
        short = []
        for k, name in enumerate(SIDES):
            need = min(self.min_heard, self._clips[k])
            if heard[k] + SLACK_SECONDS < need:
                short.append(f"{name} {heard[k]:.1f} of {need:.1f} s")
        if not short:
            return ""
        return (
            f"listen first: heard {', '.join(short)} (min-heard {self.min_heard:g} s; "
            "space replays, a/b play one side)"
        )

    def fields(self) -> dict[str, Any]:
        """The record's listening fields, as of now (call it at the key press)."""
        out: dict[str, Any] = {"decide_seconds": round(self.decide_seconds(), 2)}
        if self.audio:
            out["heard"] = [round(x, 2) for x in self.heard()]
            out["replays"] = self.replays
        if self.note:
            out["note"] = self.note
        return out

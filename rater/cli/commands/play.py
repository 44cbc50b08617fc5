"""`rater play`: listen to tunes without rating them, through the same player the TUI uses.

This is also how a user checks their sound: with no audio device it says so in one line
(and how to look at the devices ALSA sees) and exits 2, before rendering anything.
Clips are rendered through the cache as they are needed, so the first one plays as soon as
it is ready while the render processes work ahead on the next ones.
"""

from __future__ import annotations

import argparse
import time
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from rater.audio.pipeline import render_stream
from rater.audio.player import NO_SIMPLEAUDIO_NOTICE, make_player, wav_seconds
from rater.cli.options import render_settings, warn
from rater.core.corpus import read_samples
from rater.core.errors import RaterError, SetupError
from rater.core.printable import printable
from rater.core.settings import RateSettings, check_option

if TYPE_CHECKING:
    from rich.progress import Progress

    from rater.audio.player import Player
    from rater.core.records import Render

NO_DEVICE = (
    "no audio device to play on: connect an output, then check that ALSA lists it with "
    "`aplay -l` (Debian package alsa-utils)"
)
NO_SIMPLEAUDIO = (
    "simpleaudio is not installed: `pip install simpleaudio-patched` (it builds with gcc, "
    "python3-dev and libasound2-dev)"
)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn
    from rich.text import Text

    check_option("limit", args.limit)
    player = make_player()
    if not player.available:
        raise SetupError(NO_SIMPLEAUDIO if player.notice == NO_SIMPLEAUDIO_NOTICE else NO_DEVICE)
    settings = render_settings(args, "abc")  # checked first
    samples = read_samples(args.samples, kind="abc", text_field=args.text_field)[: args.limit]
    gap = RateSettings.gap_seconds  # between clips, as in the rating screen
    out = Console(highlight=False)
    ready: dict[str, Render] = {}
    played = failed = 0
    position = 0  # index in `samples` of the next clip to play
    with (
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:4.1f} / {task.total:.1f} s"),
            console=out,
            transient=True,
            disable=not out.is_terminal,
        ) as progress,
        closing(render_stream(samples, settings, warn=warn)) as renders,
    ):
        try:
            for result in renders:
                ready[result.sample_id] = result
                while position < len(samples) and samples[position].id in ready:
                    sample, render = samples[position], ready.pop(samples[position].id)
                    position += 1
                    head = Text(f"{position}/{len(samples)} ")
                    head.append(printable(sample.title) or "(untitled)", style="bold")
                    where = f"{Path(sample.source).name}#{sample.number}"
                    head.append(f"  {printable(where)}", style="dim")
                    if not render.ok or render.wav_path is None:
                        failed += 1
                        out.print(
                            head.append(f"  not playable: {printable(render.error)}", style="red")
                        )
                        continue
                    if played:
                        time.sleep(gap)
                    out.print(head.append(f"  {render.clip_seconds:.1f} s"))
                    _play_one(player, render.wav_path, progress)
                    played += 1
        finally:
            player.stop()
    if not played:
        raise RaterError(f"none of the {len(samples)} samples could be rendered to play")
    skipped = f", {failed} not playable" if failed else ""
    out.print(f"played {played} clip{'s' if played != 1 else ''}{skipped}")
    return 0


def _play_one(player: Player, wav_path: str, progress: Progress) -> None:
    """Start the clip, move the bar with the player's position, return once it is heard."""

    duration = wav_seconds(wav_path)
    task = progress.add_task("playing", total=duration)
    player.play_sequence([wav_path])
    while (now := player.position()) is not None:
        progress.update(task, completed=now.seconds)
        time.sleep(0.1)
    player.wait()
    progress.update(task, completed=duration)
    progress.remove_task(task)

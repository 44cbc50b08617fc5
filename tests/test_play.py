"""`rater play` as a user runs it: a real process, real renders, the real player, and ALSA's
file plugin standing in for the sound card (tests/alsa_sink.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import alsa_sink
import pytest

from rater.cli.commands.play import NO_DEVICE, NO_SIMPLEAUDIO
from rater.core import corpus

pytestmark = pytest.mark.audio
REPO = Path(__file__).resolve().parent.parent
CLIP = ["--clip-seconds", "1.5"]  # of music: 1.36 s heard at 1.1x


@pytest.fixture(scope="module")
def tunes(two_tunes: Path) -> list[str]:
    """Two real tunes, then one with nothing to play."""
    bad = two_tunes.parent / "bad.abc"
    bad.write_text("X:9\nT:Rests\nK:C\nz8|z8|]\n")
    return [str(two_tunes), str(bad)]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


def play(*argv: str, env: dict[str, str], cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rater", "play", *argv],
        cwd=REPO,
        env={**env, "RATER_CACHE_DIR": str(cache)},
        capture_output=True,
        text=True,
        timeout=180,
    )


def clip_paths(cache: Path) -> dict[str, Path]:
    """Rendered clips in the cache, by sample id."""
    return {p.stem: p for p in cache.rglob("*.wav")}


@pytest.mark.slow
def test_two_clips_play_in_order_to_the_end(tunes: list[str], cache: Path, tmp_path: Path) -> None:
    out = tmp_path / "played"
    done = play(*tunes, "--limit", "2", *CLIP, env=alsa_sink.paced_env(out), cache=cache)
    assert done.returncode == 0, done.stderr
    # The device was drained and closed before the process ended: nothing is still playing.
    assert not list(out.glob("*.part"))
    samples = corpus.read_samples(tunes)
    lines = done.stdout.splitlines()
    assert lines[0] == f"1/2 {samples[0].title}  two.abc#1  1.4 s"
    assert lines[1] == f"2/2 {samples[1].title}  two.abc#2  1.4 s"
    assert lines[-1] == "played 2 clips"
    # The device took every frame of both clips, in order.
    rendered = clip_paths(cache)
    played = [alsa_sink.frames(p)[0] for p in alsa_sink.captures(out)]
    assert played == [alsa_sink.frames(rendered[s.id])[0] for s in samples[:2]]


def test_a_tune_that_does_not_render_is_named_and_skipped(tunes, cache, tmp_path) -> None:
    out = tmp_path / "out.wav"
    done = play(*tunes, *CLIP, env=alsa_sink.plain_env(out), cache=cache)
    assert done.returncode == 0, done.stderr
    assert "3/3 Rests  bad.abc#1  not playable: no-notes" in done.stdout.splitlines()
    assert done.stdout.splitlines()[-1] == "played 2 clips, 1 not playable"
    second = corpus.read_samples(tunes)[1]
    assert alsa_sink.frames(out)[0] == alsa_sink.frames(clip_paths(cache)[second.id])[0]


def test_no_audio_device_is_one_line_and_exit_2(tunes: list[str], tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    done = play(*tunes, env=alsa_sink.no_device_env(tmp_path), cache=cache)
    assert done.returncode == 2
    assert done.stderr == f"rater: {NO_DEVICE}\n" and "aplay -l" in done.stderr
    assert done.stdout == ""
    assert not cache.exists()  # said before any rendering started


def test_missing_simpleaudio_says_how_to_install_it(tunes: list[str], tmp_path: Path) -> None:
    """A simpleaudio that cannot be imported (as when its build failed) shadows the real one."""
    (tmp_path / "simpleaudio").mkdir()
    (tmp_path / "simpleaudio" / "__init__.py").write_text("raise ImportError('no _simpleaudio')")
    env = {**alsa_sink.plain_env(tmp_path / "o.wav"), "PYTHONPATH": str(tmp_path)}
    done = play(*tunes, env=env, cache=tmp_path / "cache")
    assert done.returncode == 2
    assert done.stderr == f"rater: {NO_SIMPLEAUDIO}\n" and "simpleaudio-patched" in done.stderr


def test_titles_reach_the_terminal_as_plain_text(cache: Path, tmp_path: Path) -> None:
    tune = tmp_path / "evil.abc"
    title = "\x1b]0;owned\x07\x1b[2J[bold red]Loud[/] \u202eevil"
    tune.write_text(f"X:1\nT:{title}\nM:4/4\nL:1/4\nK:C\nCDEF|GABc|cBAG|FEDC|]\n")
    done = play(str(tune), *CLIP, env=alsa_sink.plain_env(tmp_path / "o.wav"), cache=cache)
    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0]
    assert first.startswith("1/1 ]0;owned[2J[bold red]Loud[/] evil  evil.abc#1")
    assert not any(ch in done.stdout for ch in "\x1b\x07\u202e")


def test_limit_must_be_positive(tunes: list[str], tmp_path: Path) -> None:
    out = tmp_path / "out.wav"
    done = play(*tunes, "--limit", "0", env=alsa_sink.plain_env(out), cache=tmp_path)
    assert done.returncode == 2
    assert done.stderr == "rater: --limit must be at least 1, got 0\n"

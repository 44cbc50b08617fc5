"""The real player (simpleaudio -> libasound) through ALSA's file plugin: the twin of every
test that uses the recording player. Each case runs in a subprocess (tests/alsa_cases.py)
whose ALSA configuration, set before libasound starts, makes `default` a recorder
(tests/alsa_sink.py). Clips are real fluidsynth renders, kept short: the paced sink plays
them in real time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import alsa_sink
import pytest

from rater.audio import pipeline
from rater.audio.player import NO_DEVICE_NOTICE, wav_seconds
from rater.audio.synth import resolve_soundfont
from rater.core import corpus
from rater.core.settings import RenderSettings

pytestmark = pytest.mark.audio
CASES = Path(__file__).resolve().parent / "alsa_cases.py"
CLIP_SECONDS = 4.0  # of music; 3.6 s heard at the default 1.1x


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def clips(two_tunes: Path, cache: Path) -> list[str]:
    """Both tunes rendered into the cache the child processes use (1.5 s of music each)."""
    rs = resolve_soundfont(RenderSettings(clip_seconds=1.5))
    samples = corpus.read_samples([str(two_tunes)])
    stream = pipeline.render_stream(samples, rs, workers=1, cache_dir=cache)
    done = {r.sample_id: r for r in stream}
    paths = [done[s.id].wav_path for s in samples]
    assert all(paths)
    return [str(p) for p in paths]


def child(case: str, *args: str, env: dict[str, str], cache: Path) -> dict:
    done = subprocess.run(
        [sys.executable, str(CASES), case, *args],
        env={**env, "RATER_CACHE_DIR": str(cache)},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_plain_sink_receives_exactly_the_clips_frames(clips, cache, tmp_path: Path) -> None:
    out = tmp_path / "out.wav"
    result = child("sequence", "-", *clips, env=alsa_sink.plain_env(out), cache=cache)
    assert result["player"] == "SimpleAudioPlayer" and result["finished"]
    # Each opening of the device rewrites the file: it holds the last clip, sample for sample.
    got, n, rate = alsa_sink.frames(out)
    want, m, want_rate = alsa_sink.frames(clips[-1])
    assert (n, rate) == (m, want_rate) and got == want


def test_paced_sink_plays_every_clip_in_real_time(clips, cache, tmp_path: Path) -> None:
    out = tmp_path / "played"
    result = child("sequence", str(out), *clips, env=alsa_sink.paced_env(out), cache=cache)
    assert result["player"] == "SimpleAudioPlayer" and result["finished"]
    assert result["still_playing"] == []  # wait() returned once the device had closed
    played = alsa_sink.captures(out)
    assert [alsa_sink.frames(p)[0] for p in played] == [alsa_sink.frames(c)[0] for c in clips]
    # wait() returned only after the device had taken both clips and the gap between them.
    assert result["seconds"] >= sum(wav_seconds(c) for c in clips) + 0.2 - 0.05


@pytest.mark.slow
def test_a_deciding_key_stops_the_real_player_mid_clip(two_tunes, cache, tmp_path) -> None:
    out = tmp_path / "played"
    journal = tmp_path / "r.jsonl"
    args = (str(journal), str(two_tunes), str(CLIP_SECONDS))
    result = child("decide-mid-clip", *args, env=alsa_sink.paced_env(out), cache=cache)
    assert result["player"] == "SimpleAudioPlayer"
    assert result["after_key"] and result["state"] == "done"
    [played] = alsa_sink.captures(out)  # clip A only: B never started
    heard, n, rate = alsa_sink.frames(played)
    clip, m, _ = alsa_sink.frames(result["clip_a"])
    assert clip.startswith(heard)  # the start of clip A, as rendered
    assert 0.5 < result["pressed_at"] <= n / rate < m / rate - 1.0, (n / rate, m / rate)
    [record] = [json.loads(line) for line in journal.read_text().splitlines()]
    assert record["best"] == 0


def test_no_device_gives_the_silent_notice_on_screen(two_tunes, cache, tmp_path: Path) -> None:
    args = (str(tmp_path / "r.jsonl"), str(two_tunes))
    result = child("notice", *args, env=alsa_sink.no_device_env(tmp_path), cache=cache)
    assert result["player"] == "ScheduledPlayer"
    assert result["notice"] == NO_DEVICE_NOTICE
    assert result["shown"] == NO_DEVICE_NOTICE


def test_the_probe_keeps_alsa_messages_off_the_terminal(tmp_path: Path) -> None:
    """ALSA complains on fd 2 when the device is missing; the TUI draws on that terminal."""
    code = "from rater.audio.player import make_player; print(make_player().notice)"
    env = alsa_sink.no_device_env(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == NO_DEVICE_NOTICE
    assert done.stderr == "", done.stderr

"""Clips rendered in this process (the rating screen's first pairs) go into the cache, or a
private folder removed at exit: never a shared, predictable temp folder, never through a
planted symlink, and nothing is left in TMPDIR after a session. Real renders, real files,
the real `rater rate` in tmux."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pytest
from terminal import Terminal, pair_on_screen

from rater.audio.synth import resolve_soundfont
from rater.core import scratch
from rater.core.corpus import read_samples
from rater.core.settings import CheckSettings, RenderSettings
from rater.rating.clips import Clips
from rater.rating.judging import Judging

REPO = Path(__file__).resolve().parent.parent
VICTIM_TEXT = "someone else's file\n"


def first_pair(samples, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Judging:
    """The in-process first-pair render, as the rating screen starts it, with TMPDIR=tmp."""
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() looks again
    monkeypatch.setattr(scratch, "_PRIVATE", None)  # as in a new process
    render = resolve_soundfont(RenderSettings(clip_seconds=2.0))
    judging = Judging(samples, render, CheckSettings())
    clips = Clips(judging)  # the session's clip maker: the first pair's clips, in-process
    clips.want(samples[:2])
    end = time.monotonic() + 60
    while not all(clips.ready(s) for s in samples[:2]):
        assert time.monotonic() < end, "the first pair was not rendered"
        time.sleep(0.05)
    clips.close()
    assert all(judging.judged_of(s.id).verdict.ok for s in samples[:2])
    return judging


def test_planted_symlinks_are_not_followed(two_tunes, tmp_path: Path, monkeypatch) -> None:
    """Symlinks to a victim file at every temporary name the old code used (its shared
    `$TMPDIR/rater-clips-<uid>` folder and the cache's `.<id>.<pid>.*tmp` names): the
    victim is unchanged after the first pair is rendered."""
    samples = read_samples([str(two_tunes)])
    victim = tmp_path / "victim.txt"
    victim.write_text(VICTIM_TEXT)
    tmp, cache = tmp_path / "tmp", tmp_path / "cache"
    monkeypatch.setenv("RATER_CACHE_DIR", str(cache))
    bucket = cache / resolve_soundfont(RenderSettings(clip_seconds=2.0)).key()
    shared = tmp / f"rater-clips-{os.getuid()}"
    for folder in (shared, bucket):
        folder.mkdir(parents=True)
        for s in samples:
            for suffix in ("tmp", "wavtmp", "jsontmp"):
                (folder / f".{s.id}.{os.getpid()}.{suffix}").symlink_to(victim)
    judging = first_pair(samples, tmp, monkeypatch)
    assert victim.read_text() == VICTIM_TEXT
    for s in samples[:2]:
        clip = Path(judging.judged_of(s.id).render.wav_path)
        assert clip.parent == bucket and clip.is_file() and not clip.is_symlink()
    assert sorted(p.name for p in shared.iterdir()) == sorted(
        f".{s.id}.{os.getpid()}.{x}" for s in samples for x in ("tmp", "wavtmp", "jsontmp")
    )  # nothing written to the shared folder


def test_no_shared_folder_is_used_even_without_a_cache(two_tunes, tmp_path, monkeypatch):
    """With the cache unwritable the clips go to a new private folder (mode 0700, a random
    name), not to an existing `rater-clips-<uid>` someone else made."""
    samples = read_samples([str(two_tunes)])
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("RATER_CACHE_DIR", str(blocker / "cache"))
    tmp = tmp_path / "tmp"
    shared = tmp / f"rater-clips-{os.getuid()}"
    shared.mkdir(parents=True)
    if os.geteuid() == 0:
        os.chown(shared, 12345, 12345)  # made by another user
    shared.chmod(0o777)
    judging = first_pair(samples, tmp, monkeypatch)
    assert list(shared.iterdir()) == []
    folder = Path(judging.judged_of(samples[0].id).render.wav_path).parent
    assert folder == scratch.private_dir() and folder.parent == tmp
    assert folder.stat().st_mode & 0o777 == 0o700 and folder.stat().st_uid == os.getuid()
    assert any("cannot create the render cache" in w for w in judging.warnings)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
@pytest.mark.parametrize("cache", ["writable", "unwritable"])
def test_nothing_is_left_in_tmpdir_after_a_session(two_tunes, tmp_path: Path, cache) -> None:
    """`rater rate` in a real terminal: rate a pair, exit; TMPDIR is as empty as before,
    with the cache usable (clips in the cache) and not (clips in a private folder, removed
    at exit)."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    cache_dir = tmp_path / "cache" if cache == "writable" else blocker / "cache"
    env = {k: v for k, v in os.environ.items() if k not in ("RATER_SOUNDFONT", "TMUX")}
    command = " ".join(
        [
            f"cd {shlex.quote(str(REPO))} &&",
            f"TMPDIR={shlex.quote(str(tmp))}",
            f"RATER_CACHE_DIR={shlex.quote(str(cache_dir))}",
            shlex.quote(sys.executable),
            "-m rater rate",
            shlex.quote(str(two_tunes)),
            "--silent --clip-seconds 2 --ratings",
            shlex.quote(str(tmp_path / "r.jsonl")),
        ]
    )
    term = Terminal(command, tmp_path / "status", env=env)
    try:
        seen, screen = term.wait_for(pair_on_screen, 90)
        assert seen, screen
        time.sleep(0.5)
        term.press("1")
        term.press("x")
        assert term.wait_exit(30) == 0, term.screen()
    finally:
        term.close()
    assert (tmp_path / "r.jsonl").read_text().count("\n") == 1
    assert list(tmp.iterdir()) == []

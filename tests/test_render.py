"""ABC -> WAV clips with rater's reader, real mido, fluidsynth and SoundFont; cache and pool."""

from __future__ import annotations

import multiprocessing
import time
import wave
from dataclasses import replace
from pathlib import Path

import music21
import pytest

from rater.audio import cache, pipeline, render
from rater.audio.pool import Pool
from rater.audio.synth import find_soundfont
from rater.core import paths
from rater.core.records import NoteEvent, Render, Sample
from rater.core.settings import RenderSettings

SCALE = (
    "X:1\nT:Scale\nM:4/4\nL:1/4\nQ:1/4=120\nK:C\n" + "C D E F | G A B c | c B A G | F E D C |\n" * 4
)  # 64 quarter notes at 120 per minute: 32 s of music, C4 first, G4 at 2.0 s
ONEILL = Path(music21.__file__).parent / "corpus" / "oneills1850" / "0001-0050.abc"
FOLKRNN = "M:6/8\nK:Cmaj\nD E 2 D E 2 | F E D C A, 2 | G, C 2 C E 2 | E G 2 E D 2 |\n"
EMPTY = "X:1\nK:C\n| | |]\n"  # bar lines and nothing to play
# A 180 s clip of chords: synthesising it takes far longer than the 10 ms allowed below.
SLOW = "X:1\nM:4/4\nL:1/8\nK:C\n" + ("[ceg][dfa][egb][fac'] " * 8 + "|\n") * 100


def sample(text: str, sid: str = "s") -> Sample:
    return Sample(id=sid, text=text, source="test.abc", number=1)


@pytest.fixture
def settings() -> RenderSettings:
    return RenderSettings(soundfont=find_soundfont(), clip_seconds=4.0, speed=1.1)


def frames(path: str) -> tuple[int, int]:
    with wave.open(path) as w:
        return w.getnframes(), w.getframerate()


def test_known_tune_clip_length_level_and_notes(settings: RenderSettings, tmp_path: Path) -> None:
    r = render.render_one(sample(SCALE), settings, tmp_path)
    assert r.ok, r.detail
    n, rate = frames(r.wav_path)
    assert rate == settings.sample_rate
    assert n / rate == pytest.approx(4.0 / 1.1, abs=0.01)
    assert r.clip_seconds == pytest.approx(4.0 / 1.1, abs=0.01)
    assert r.music_seconds == pytest.approx(32.0 / 1.1, abs=0.05)
    assert r.peak > 0.05 and r.rms > 0.005
    first, fifth = r.notes[0], r.notes[4]
    assert (first.pitch, first.start) == (60, 0.0)
    assert first.end == pytest.approx(0.5 / 1.1)
    assert fifth.pitch == 67 and fifth.start == pytest.approx(2.0 / 1.1)
    assert len(r.notes) == 8 and max(x.end for x in r.notes) <= r.clip_seconds + 1e-9


def test_speed_scales_length_not_pitch(settings: RenderSettings, tmp_path: Path) -> None:
    slow = render.render_one(sample(SCALE), replace(settings, speed=1.0), tmp_path / "a")
    (tmp_path / "b").mkdir()
    fast = render.render_one(sample(SCALE), settings, tmp_path / "b")
    ratio = frames(slow.wav_path)[0] / frames(fast.wav_path)[0]
    assert ratio == pytest.approx(1.1, rel=0.01)
    assert [x.pitch for x in slow.notes] == [x.pitch for x in fast.notes]


@pytest.fixture(autouse=True)
def _dirs(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir(exist_ok=True)


def test_ties_chords_grace_notes_and_default_tempo(
    settings: RenderSettings, tmp_path: Path
) -> None:
    tune = "X:1\nM:4/4\nL:1/4\nK:C\n{g}C2- C [EG] | z4 |\n"
    r = render.render_one(sample(tune), settings, tmp_path)
    assert r.ok, r.detail
    # No Q: field -> 120 quarter notes per minute; the tied C lasts 3 quarters = 1.5 s.
    assert [(x.pitch, round(x.start * 1.1, 3), round(x.end * 1.1, 3)) for x in r.notes] == [
        (60, 0.0, 1.5),
        (64, 1.5, 2.0),
        (67, 1.5, 2.0),
    ]
    assert r.music_seconds == pytest.approx(2.0 / 1.1)
    assert r.clip_seconds == pytest.approx(2.0 / 1.1)


def test_real_and_generated_tunes_render(settings: RenderSettings, tmp_path: Path) -> None:
    text = ONEILL.read_text().split("\n\n\n")[0]
    for i, t in enumerate([text, FOLKRNN]):
        r = render.render_one(sample(t, f"t{i}"), settings, tmp_path)
        assert r.ok, r.detail
        assert r.peak > 0.01 and len(r.notes) > 5


@pytest.mark.parametrize(
    ("text", "error"),
    [(EMPTY, "no-notes"), ("", "no-notes"), ("X:1\nK:C\n]]]@@@\n", "no-notes")],
)
def test_bad_tunes_become_errors(
    settings: RenderSettings, tmp_path: Path, text: str, error: str
) -> None:
    r = render.render_one(sample(text), settings, tmp_path)
    assert r.error == error and r.wav_path is None and r.detail
    assert not list(tmp_path.glob("*.wav"))


# The alarm can land inside a gc callback (hypothesis installs one when the fuzz tests ran
# in this process); Python reports that raise as ignored, and the alarm fires again 0.25 s
# later, which is what this test checks.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_time_limit_stops_a_slow_render_promptly(settings: RenderSettings, tmp_path: Path) -> None:
    start = time.monotonic()
    slow = replace(settings, clip_seconds=180.0, time_limit=0.01)
    r = render.render_one(sample(SLOW), slow, tmp_path)
    assert r.error == "timeout"
    assert time.monotonic() - start < 3.0


def test_absurd_line_is_cheap(settings: RenderSettings, tmp_path: Path) -> None:
    r = render.render_one(sample("X:1\nL:1/8\nK:C\n" + "cdef|" * 1_000_000), settings, tmp_path)
    assert r.ok and r.clip_seconds == pytest.approx(4.0 / 1.1)
    assert r.music_seconds > 1000  # of the first 20,000 characters, all a reading reads


def test_cache_round_trip_and_env_dir(
    settings: RenderSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RATER_CACHE_DIR", str(tmp_path / "env-cache"))
    assert paths.cache_dir() == tmp_path / "env-cache"
    r = render.render_one(sample(SCALE, "abc123"), settings, cache.bucket(None, settings))
    cache.put(r, settings)
    hit = cache.get("abc123", settings)
    assert hit is not None and hit.cached and not r.cached
    assert replace(hit, cached=False) == r
    assert Path(hit.wav_path).parent.parent == tmp_path / "env-cache"
    assert cache.get("abc123", replace(settings, speed=1.2)) is None
    Path(hit.wav_path).unlink()
    assert cache.get("abc123", settings) is None  # an entry whose WAV is gone is a miss


def test_stream_renders_then_hits_cache(
    settings: RenderSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RATER_CACHE_DIR", str(tmp_path / "c"))
    samples = [sample(SCALE, "scale"), sample(EMPTY, "empty"), sample(FOLKRNN, "folk")]
    cold = {r.sample_id: r for r in pipeline.render_stream(samples, settings, workers=2)}
    assert set(cold) == {"scale", "empty", "folk"}
    assert not any(r.cached for r in cold.values())
    assert cold["empty"].error == "no-notes" and cold["scale"].ok and cold["folk"].ok
    wav_bytes = Path(cold["scale"].wav_path).read_bytes()
    warm = list(pipeline.render_stream(samples, settings, workers=2))
    assert [r.sample_id for r in warm] == ["scale", "empty", "folk"]  # input order
    assert all(r.cached for r in warm)
    assert warm[1].error == "no-notes"  # failures are cached too
    assert Path(warm[0].wav_path).read_bytes() == wav_bytes
    assert warm[0].notes == cold["scale"].notes


def test_stream_closed_early_stops_workers(settings: RenderSettings, tmp_path: Path) -> None:
    samples = [sample(SCALE.replace("Scale", f"Scale {i}"), f"s{i}") for i in range(12)]
    stream = pipeline.render_stream(samples, settings, workers=2, cache_dir=tmp_path)
    first = next(stream)
    assert isinstance(first, Render) and first.sample_id in {"s0", "s1"}
    assert multiprocessing.active_children()
    stream.close()
    assert not [p for p in multiprocessing.active_children() if p.is_alive()]
    assert len(list(tmp_path.rglob("*.json"))) < 12


def test_watchdog_replaces_a_stuck_worker(settings: RenderSettings, tmp_path: Path) -> None:
    # No in-worker alarm (time_limit 0), so only the parent's watchdog can end the slow render.
    pool = Pool(replace(settings, time_limit=0, clip_seconds=180.0), tmp_path, workers=1)
    pool.watchdog = 0.5
    try:
        results = list(pool.run([sample(SLOW, "slow"), sample(SCALE, "scale")]))
    finally:
        pool.close()
    by_id = {r.sample_id: r for r in results}
    assert by_id["slow"].error == "timeout" and "stuck" in by_id["slow"].detail
    assert by_id["scale"].ok  # a fresh worker took over


def test_in_process_mode(settings: RenderSettings, tmp_path: Path) -> None:
    out = list(
        pipeline.render_stream([sample(FOLKRNN, "f")], settings, workers=0, cache_dir=tmp_path)
    )
    assert len(out) == 1 and out[0].ok and not multiprocessing.active_children()


def test_stream_and_render_one_work_from_a_thread(settings: RenderSettings, tmp_path: Path) -> None:
    """The TUI renders from a worker thread: no SIGALRM there, and no fork of a threaded app."""
    import threading

    out: dict[str, object] = {}

    def work() -> None:
        out["stream"] = list(
            pipeline.render_stream([sample(FOLKRNN, "f")], settings, cache_dir=tmp_path)
        )
        out["one"] = render.render_one(sample(SCALE, "s"), settings, tmp_path)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(60)
    assert [r.ok for r in out["stream"]] == [True]  # type: ignore[attr-defined]
    assert out["one"].ok  # type: ignore[attr-defined]


@pytest.mark.parametrize("q", ["Q:1/4=1", "Q:1/4=9", "Q:1/2=2000", "Q:3/8=9000"])
def test_absurd_tempos_fail_with_a_named_reason(
    settings: RenderSettings, tmp_path: Path, q
) -> None:
    """Far outside real tempos (40..360 quarter notes per minute), a tune fails as
    unrenderable with the tempo named, not with a MIDI library's range error."""
    r = render.render_one(sample(SCALE.replace("Q:1/4=120", q)), settings, tmp_path)
    assert r.error == "unrenderable"
    assert r.detail.startswith("tempo of ") and "quarter notes per minute (Q:)" in r.detail
    assert f"{render.MIN_QPM:g}..{render.MAX_QPM:g}" in r.detail


def test_slow_tempos_at_any_speed(settings: RenderSettings, tmp_path: Path) -> None:
    """A slow real tempo played 10x slower needs a beat longer than MIDI's tempo field can
    hold (16.8 s); the clip's MIDI carries the note times instead, as the piano roll has
    them."""
    slow = render.render_one(
        sample(SCALE.replace("Q:1/4=120", "Q:1/4=30")), replace(settings, speed=0.1), tmp_path
    )
    assert slow.ok, slow.detail
    assert slow.notes[1].start == pytest.approx(2.0 / 0.1)  # a quarter at 30 is 2 s
    timed = (NoteEvent(0.0, 0.5, 60), NoteEvent(1 / 3, 20.0, 64), NoteEvent(20.0, 4000.0, 67))
    now, heard = 0.0, []
    for msg in render._clip_midi(timed, 0):
        now += msg.time
        if msg.type in ("note_on", "note_off"):
            heard.append((msg.type, msg.note, now))
    assert sorted(heard, key=lambda h: h[2]) == [
        ("note_on", 60, 0.0),
        ("note_on", 64, pytest.approx(1 / 3, abs=1e-4)),
        ("note_off", 60, 0.5),
        ("note_off", 64, 20.0),
        ("note_on", 67, 20.0),
        ("note_off", 67, 4000.0),
    ]


def test_tune_midi_is_the_whole_tune_at_its_written_tempo() -> None:
    """`rater render --out`'s MIDI: repeats played out, tempo changes as set_tempo events."""
    from rater.core import abc

    text = "X:1\nM:4/4\nL:1/4\nQ:1/4=120\nK:C\n|:CDEF:|[Q:1/4=60]G4|]\n"
    midi = render.tune_midi(abc.perform(abc.parse(text)))
    ons = [m.note for t in midi.tracks for m in t if m.type == "note_on" and m.velocity]
    assert ons == [60, 62, 64, 65] * 2 + [67]
    ticks = []
    for t in midi.tracks:
        now = 0
        for m in t:
            now += m.time
            if m.type == "set_tempo":
                ticks.append((now, m.tempo))
    assert ticks == [(0, 500_000), (8 * render.TUNE_TICKS, 1_000_000)]
    assert midi.length == pytest.approx(8.0)  # 8 quarters at 120, then 4 at 60

"""judge_stream / judge_all with real checks, readings, renders and cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from rater.audio import pipeline
from rater.audio.synth import find_soundfont
from rater.cli import build_parser, options
from rater.core.records import Sample
from rater.core.settings import CheckSettings, RenderSettings

GOOD = "X:1\nT:Good\nM:6/8\nL:1/8\nK:D\nd2A FAd | f2d e2c | dcB AGF | GFE D3 |\n" * 2
SHORT = "M:6/8\nK:Cmin\nc 4\n"
GARBAGE = "X:1\nT:broken\nK:C\nCDEF|GABc|cd@@@@@@@@@@;;;;;;;;####|gabc|\n"  # not ABC
REPEAT = "X:1\nT:Loop\nM:4/4\nL:1/8\nK:C\n" + "cccc cccc | " * 40 + "\n"


def s(text: str, sid: str, kind: str = "abc") -> Sample:
    return Sample(id=sid, text=text, source="mixed.abc", number=1, kind=kind)


@pytest.fixture
def settings() -> RenderSettings:
    return RenderSettings(soundfont=find_soundfont(), clip_seconds=3.0)


MIXED = [
    s(GOOD, "good"),
    s(REPEAT, "loop"),
    s("a short poem\nof two lines", "poem", "text"),
    s(GARBAGE, "garbage"),
    s(SHORT, "short"),
]


@pytest.mark.parametrize("workers", [2, 0])
def test_by_default_every_verdict_comes_from_the_reading_alone(
    settings: RenderSettings, tmp_path: Path, workers: int
) -> None:
    """No audio and nothing written: the verdicts the text and the notes give, in order."""
    judged = list(
        pipeline.judge_stream(MIXED, settings, CheckSettings(), workers=workers, cache_dir=tmp_path)
    )
    assert [j.sample.id for j in judged] == ["good", "loop", "poem", "garbage", "short"]
    by_id = {j.sample.id: j for j in judged}
    good = by_id["good"]
    assert good.verdict.ok and good.render.wav_path is None
    assert good.render.clip_seconds == pytest.approx(3.0 / 1.1)  # 3 s of music, sped up
    assert by_id["loop"].render is None and "repetitive" in by_id["loop"].verdict.reasons
    assert by_id["poem"].render is None and by_id["poem"].verdict.ok
    assert by_id["garbage"].verdict.reasons == ("unparseable",)
    assert by_id["short"].verdict.reasons == ("too-short",)
    assert not list(tmp_path.iterdir())  # nothing synthesised, nothing cached


def test_with_audio_text_broken_and_text_kind_are_never_rendered(
    settings: RenderSettings, tmp_path: Path
) -> None:
    stream = pipeline.judge_stream(
        MIXED, settings, CheckSettings(), workers=2, cache_dir=tmp_path, audio=True
    )
    judged = {j.sample.id: j for j in stream}
    assert set(judged) == {"good", "loop", "poem", "garbage", "short"}
    assert judged["good"].verdict.ok and judged["good"].render.ok
    assert judged["loop"].render is None and "repetitive" in judged["loop"].verdict.reasons
    assert judged["poem"].render is None and judged["poem"].verdict.ok
    # unparseable is the reading's verdict: decided before anything is rendered
    assert judged["garbage"].render is None
    assert judged["garbage"].verdict.reasons == ("unparseable",)
    assert judged["short"].verdict.reasons == ("too-short",)
    rendered = {p.stem for p in tmp_path.rglob("*.json")}
    assert rendered == {"good", "short"}


def test_judge_all_keeps_input_order(settings: RenderSettings, tmp_path: Path) -> None:
    samples = [s(GARBAGE, "g"), s(REPEAT, "r"), s(GOOD, "a"), s(SHORT, "b")]
    out = pipeline.judge_all(
        samples, settings, CheckSettings(), workers=2, cache_dir=tmp_path, audio=True
    )
    assert [j.sample.id for j in out] == ["g", "r", "a", "b"]
    again = pipeline.judge_all(samples, settings, CheckSettings(), cache_dir=tmp_path, audio=True)
    assert [j.verdict for j in again] == [j.verdict for j in out]
    assert all(j.render.cached for j in again if j.render is not None)


def test_stopping_early_stops_the_render_pool(settings: RenderSettings, tmp_path: Path) -> None:
    import multiprocessing

    samples = [s(GOOD.replace("Good", f"Good {i}"), f"g{i}") for i in range(10)]
    stream = pipeline.judge_stream(samples, settings, CheckSettings(), cache_dir=tmp_path)
    first = next(stream)
    assert first.sample.id in {"g0", "g1"} and first.verdict.ok
    stream.close()
    assert not [p for p in multiprocessing.active_children() if p.is_alive()]


def test_text_samples_need_no_soundfont(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATER_SOUNDFONT", str(tmp_path / "missing.sf2"))
    args = build_parser().parse_args(["check", "poems.txt", "--kind", "text"])
    rs, _ = options.render_and_checks(args, args.kind)
    texts = [s("A poem about the sea", "p1", kind="text"), s("", "p2", kind="text")]
    judged = pipeline.judge_all(texts, rs, CheckSettings(), workers=2, cache_dir=tmp_path)
    assert [j.render for j in judged] == [None, None]
    assert [j.verdict.ok for j in judged] == [True, False]

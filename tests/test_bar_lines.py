"""The note picture's bar lines are the tune's own bars: on the demo corpus, every bar line
of a real tune's clip falls on a note the rater hears start (the shared reading's bars as
played, repeats and endings played out, `Performance.bars`), and the picture draws each
as a column."""

from __future__ import annotations

import json

import pytest

from rater.audio.render import parse_one
from rater.core import corpus, demo
from rater.core.settings import RenderSettings
from rater.tui.pianoroll import BRAILLE_BASE, note_picture


@pytest.fixture(scope="module")
def demo_clips(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[bool, object]]:
    folder = tmp_path_factory.mktemp("demo")
    samples = corpus.read_samples([str(demo.demo_corpus(folder))])
    origins = json.loads((folder / "origins.json").read_text())
    settings = RenderSettings(time_limit=0)
    return [("markov" not in origins[s.id], parse_one(s, settings)) for s in samples]


def onsets_hit(render) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    starts = [n.start for n in render.notes]
    inner = [t for t in render.bars if t > 0]
    return sum(any(abs(t - s) < 0.01 for s in starts) for t in inner), len(inner)


def test_bar_lines_fall_on_the_notes_of_real_tunes(demo_clips) -> None:  # type: ignore[no-untyped-def]
    real = [r for is_real, r in demo_clips if is_real and not r.error]
    assert len(real) == 40
    hit = total = 0
    for render in real:
        assert render.bars and render.bars[0] == 0.0
        assert all(0 <= t < render.clip_seconds for t in render.bars)
        h, n = onsets_hit(render)
        hit, total = hit + h, total + n
    assert total > 200 and hit == total  # measured: 313 of 313


def test_generated_tunes_mostly_too(demo_clips) -> None:  # type: ignore[no-untyped-def]
    """Markov tunes: a bar may start on a rest or a tie (measured: 273 of 273 on notes)."""
    made = [r for is_real, r in demo_clips if not is_real and not r.error]
    hit = total = 0
    for render in made:
        h, n = onsets_hit(render)
        hit, total = hit + h, total + n
    assert total > 100 and hit >= 0.95 * total


def test_the_picture_draws_each_bar_of_a_real_tune(demo_clips) -> None:  # type: ignore[no-untyped-def]
    render = next(r for is_real, r in demo_clips if is_real and not r.error and len(r.bars) > 4)
    picture = note_picture(render.notes, 60, 7, render.clip_seconds, render.bars)
    music = [line[picture.gutter :] for line in picture.lines[:-1]]
    dots_x = 2 * picture.cells
    for t in render.bars[1:]:
        x = int(t / picture.span * dots_x)
        bit = 0x10 if x % 2 else 0x02  # the second dot row of each cell, in column x
        assert all((ord(row[x // 2]) - BRAILLE_BASE) & bit for row in music if row[x // 2] != " ")
        assert all(row[x // 2] != " " for row in music)
    assert picture.lines[-1][picture.gutter :].split()[:3] == ["1", "2", "3"]

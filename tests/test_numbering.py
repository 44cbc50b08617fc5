"""One number per sample, the same everywhere: `rater check`'s table, `check --json`, the
rating screen (with its source shown), the journal and `rank --csv` (a tune was #42 in
`rater check`, #41 on the screen and `"index": 41` in --json).

The samples file is what a diverged sampler writes: one tune 41 times, then another, so the
second sample read is the file's 42nd.
"""

from __future__ import annotations

import asyncio
import csv
import html
import json
import time
from pathlib import Path

import pytest
from fakes import RecordingPlayer

from rater.cli import main
from rater.core.checks import text_verdict
from rater.core.corpus import read_samples
from rater.core.demo import music21_corpus_dir
from rater.core.settings import CheckSettings, PairingSettings, RateSettings, RenderSettings


@pytest.fixture()
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RATER_CACHE_DIR", str(tmp_path / "cache"))
    tunes = read_samples([str(music21_corpus_dir() / "oneills1850")])
    a, b = [t.text for t in tunes if text_verdict(t, CheckSettings()).ok][:2]
    path = tmp_path / "gen.abc"
    path.write_text(
        "".join(f"X:{n}\n{a.split(chr(10), 1)[1]}\n\n" for n in range(1, 42)) + b + "\n",
        encoding="utf-8",
    )
    return path


def test_one_number_everywhere(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    samples = read_samples([str(corpus)])
    assert [s.number for s in samples] == [1, 42]
    first, second = samples

    assert main(["check", str(corpus), "--json", "--workers", "0", "--blacklist", "none"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(x["id"], x["number"]) for x in lines] == [(first.id, 1), (second.id, 42)]
    assert all("index" not in x for x in lines)

    monkeypatch.setenv("COLUMNS", "100")
    assert main(["check", str(corpus), "--workers", "0", "--blacklist", "none"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert next(x for x in table if x.startswith(second.id)).split()[2] == "gen.abc#42"
    assert next(x for x in table if x.startswith(first.id)).split()[2] == "gen.abc#1"

    journal = tmp_path / "r.jsonl"
    screen = rate_one_pair(samples, journal)
    assert "gen.abc #42" in screen and "gen.abc #1" in screen and "#41" not in screen
    (record,) = [json.loads(line) for line in journal.read_text().splitlines()]
    numbers = dict(zip(record["ids"], record["numbers"], strict=True))
    assert numbers == {first.id: 1, second.id: 42}

    out = tmp_path / "scores.csv"
    assert main(["rank", str(journal), "--csv", str(out)]) == 0
    rows = {r["id"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert rows[second.id]["number"] == "42" and rows[first.id]["number"] == "1"
    assert "gen.abc#42" in capsys.readouterr().out  # rank's table too


def rate_one_pair(samples: list, journal: Path) -> str:
    """The rating screen on the two samples (sources shown): its text, after pressing 1."""
    from rater.audio.synth import resolve_soundfont
    from rater.tui.build import make_app

    settings = RateSettings(
        rater="tester",
        pairing=PairingSettings("halves"),
        render=resolve_soundfont(RenderSettings()),
        checks=CheckSettings(),
        min_view_seconds=0.0,
        show_source=True,  # the screen is blind by default (issue 21)
    )
    app = make_app(samples, journal, settings, player=RecordingPlayer())
    seen: list[str] = []

    async def run() -> None:
        async with app.run_test(size=(160, 48)) as pilot:
            end = time.monotonic() + 60
            while app.session.state == "waiting":
                assert time.monotonic() < end, "no pair became ready"
                await pilot.pause(0.05)
            seen.append(html.unescape(app.export_screenshot()).replace("\xa0", " "))
            await pilot.press("1")
            await pilot.pause(0.2)
            await pilot.press("x")

    asyncio.run(run())
    return seen[0]

"""What the rating screen shows, read as text from the real app driven by Pilot (issue 21):
blind panels (ab pairing, a hidden re-check on screen), undo's message and returning note,
the resume line, counters that never say "?", and small terminals (80x24, 120x40, 200x60).
Real tunes rendered once per module into a private cache; a recording player."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path

import pytest
from fakes import FakeClock, RecordingPlayer
from screen_text import screen_text, shows

from rater.audio.synth import resolve_soundfont
from rater.core import checks, corpus, demo
from rater.core.records import Pair
from rater.core.settings import PairingSettings, RateSettings, RenderSettings
from rater.tui.app import RaterApp
from rater.tui.build import make_app
from rater.tui.keys import KEYS, key_label

SIZES = ((80, 24), (120, 40), (200, 60))


@pytest.fixture(scope="module")
def generators(cache: Path, tmp_path_factory: pytest.TempPathFactory) -> list:
    """Two 'generators' of six good demo tunes each, with X: numbers and titles."""
    base = tmp_path_factory.mktemp("gens")
    settings = checks.default_settings()
    good = [
        s.text
        for s in corpus.read_samples([str(demo.demo_corpus(base / "demo"))])
        if checks.text_verdict(s, settings).ok
    ][:12]
    folder = base / "gens"
    folder.mkdir()
    for name, tunes in (("model_a.abc", good[:6]), ("model_b.abc", good[6:])):
        numbered = [re.sub(r"^X:\d+", f"X:{k + 1}", t) for k, t in enumerate(tunes)]
        (folder / name).write_text("\n\n".join(numbered) + "\n")
    return corpus.read_samples([str(folder / "model_a.abc"), str(folder / "model_b.abc")])


def settings_for(strategy: str = "ab", **kw: object) -> RateSettings:
    kw.setdefault("min_view_seconds", 0.0)
    kw.setdefault("rater", "tester")
    return RateSettings(
        pairing=PairingSettings(strategy, seed=0),
        render=resolve_soundfont(RenderSettings()),
        checks=checks.default_settings(),
        **kw,  # type: ignore[arg-type]
    )


async def showing(pilot, app: RaterApp, timeout: float = 90.0) -> None:
    end = time.monotonic() + timeout
    while app.session.state != "showing":
        assert app.return_code is None, app.error
        assert time.monotonic() < end, "no pair became ready"
        await pilot.pause(0.05)


def toasts(screen: str) -> str:
    """The text of the notifications on screen (boxes at the right, lines wrapped)."""
    return "\n".join(
        re.split(r"[│╯╮─]", line.split("▌ ", 1)[1])[0]
        for line in screen.splitlines()
        if "▌ " in line
    )


def squash(text: str) -> str:
    """Without white space: a wrapped line reads as the line it was."""
    return re.sub(r"\s+", "", text)


def records(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def assert_blind(screen: str, pair: Pair) -> None:
    """Nothing on screen says where either sample came from."""
    for s in (pair.a, pair.b):
        source = Path(s.source)
        for told in (s.id, source.name, source.stem, str(source.parent)):
            assert told not in screen, (told, screen)
    assert not re.search(r"#\s*\d", screen), screen  # no "#5": a sample's number
    assert "X:" not in screen, screen  # a tune's X: is its number in its file


def test_blind_ab_pairs_and_a_hidden_recheck(generators, tmp_path: Path) -> None:
    """With ab pairing, every pair on screen, a hidden re-check among them, names neither
    file, number nor id; the records keep every source."""
    journal = tmp_path / "r.jsonl"
    app = make_app(generators, journal, settings_for(recheck=1.0), player=RecordingPlayer())
    seen: list[bool] = []

    async def run() -> None:
        async with app.run_test(size=(160, 48), notifications=True) as pilot:
            for k in range(6):
                await showing(pilot, app)
                await pilot.pause(0.1)
                pair = app.session.current
                assert_blind(screen_text(app), pair)
                seen.append(bool(pair.recheck_of))
                await pilot.press("1" if k % 2 else "2")
            await pilot.press("x")

    asyncio.run(run())
    assert any(seen), "no re-check came up"
    got = records(journal)
    people = [r for r in got if not r.get("broken")]
    assert len(people) == 6 and any("recheck_of" in r for r in people)
    for r in people:  # the record keeps the sources; the screen was blind
        assert {Path(x).name for x in r["sources"]} == {"model_a.abc", "model_b.abc"}
        assert "show_source" not in r


def test_show_source_names_the_files_and_the_record_says_so(generators, tmp_path: Path) -> None:
    journal = tmp_path / "r.jsonl"
    app = make_app(generators, journal, settings_for(show_source=True), player=RecordingPlayer())

    async def run() -> None:
        async with app.run_test(size=(160, 48)) as pilot:
            await showing(pilot, app)
            await pilot.pause(0.1)
            pair = app.session.current
            screen = screen_text(app)
            for s in (pair.a, pair.b):
                assert f"{Path(s.source).name} #{s.number}" in screen
            await pilot.press("1")
            await pilot.press("x")

    asyncio.run(run())
    (record,) = [r for r in records(journal) if not r.get("broken")]
    assert record["show_source"] is True


def test_undo_says_what_it_took_back_and_the_note_comes_back(generators, tmp_path: Path):
    journal = tmp_path / "r.jsonl"
    clock = FakeClock()
    app = make_app(
        generators, journal, settings_for("halves", recheck=0.0), player=RecordingPlayer(clock),
        clock=clock,
    )  # fmt: skip

    async def run() -> None:
        async with app.run_test(size=(160, 48), notifications=True) as pilot:
            await showing(pilot, app)
            await pilot.press("1")  # pair 1 (A wins), no note
            await showing(pilot, app)
            second = app.session.current
            await pilot.press("c")
            await pilot.press(*"too fast")
            await pilot.press("enter")
            await shows(pilot, app, "note: too fast")
            await pilot.press("2")  # pair 2: B wins, with the note
            await showing(pilot, app)
            assert app.session.current != second
            await pilot.press("u")
            screen = await shows(pilot, app, "undid: B wins, pair 2")
            assert app.session.current == second  # the pair is back ...
            assert "note: too fast" in screen  # ... with its note
            await pilot.press("1")  # decided again: the note goes into the new record
            await showing(pilot, app)
            await pilot.press("x")

    asyncio.run(run())
    people = [r for r in records(journal) if not r.get("broken")]
    assert [r["best"] for r in people] == [0, 0]
    assert "note" not in people[0] and people[1]["note"] == "too fast"


def test_resuming_says_which_journal_its_decisions_and_yours(generators, tmp_path: Path):
    journal = tmp_path / "r.jsonl"

    async def sitting(keys: str, rater: str) -> str:
        app = make_app(
            generators, journal, settings_for("halves", rater=rater, recheck=0.0),
            player=RecordingPlayer(),
        )  # fmt: skip
        async with app.run_test(size=(160, 48), notifications=True) as pilot:
            await showing(pilot, app)
            screen = screen_text(app)
            if records(journal):
                screen = await shows(pilot, app, "resuming")
            for key in keys:
                await pilot.press(key)
                await showing(pilot, app)
            status = screen_text(app).splitlines()[0]
            await pilot.press("x")
        return screen + "\n" + status

    first = asyncio.run(sitting("12", "ann"))
    assert "resuming" not in first and "rated 2/2" in first
    second = asyncio.run(sitting("1", "bob"))
    people = len([r for r in records(journal) if not r.get("broken")])
    total = len({r["decision"] for r in records(journal)})
    assert people == 3
    # before bob's key: ann's 2 decisions (and any automatic ones) were in the journal
    said = f"resuming {journal}: {total - 1} decisions so far (2 by people, {total - 3} "
    said += "automatic), 0 of them yours (bob)"
    assert squash(said) in squash(toasts(second)), second
    assert "rated 1/1" in second  # this session / yours in the journal


@pytest.mark.parametrize("strategy", ["halves", "model"])
def test_remaining_is_a_number_an_estimate_or_a_word(generators, tmp_path: Path, strategy):
    app = make_app(generators, tmp_path / "r.jsonl", settings_for(strategy, recheck=0.0),
                   player=RecordingPlayer())  # fmt: skip

    async def run() -> str:
        async with app.run_test(size=(160, 48)) as pilot:
            await showing(pilot, app)
            status = screen_text(app).splitlines()[0]
            await pilot.press("x")
        return status

    status = asyncio.run(run())
    left = re.search(r"left (\S+)", status)
    assert left is not None and "?" not in status, status
    assert re.fullmatch(r"\d+" if strategy == "halves" else r"~\d+|open", left.group(1))


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_small_and_large_terminals_show_every_key_and_8_lines(generators, tmp_path, size):
    """At 80x24 every key of the bar is visible (it takes two rows) and each tune shows at
    least 8 lines; a tune longer than its pane has a scrollbar and PgDn scrolls it."""
    long_tune = "X:1\nT:Long one\nM:4/4\nL:1/8\nK:G\n" + "".join(
        f"|:{a}B{c}d e2dB|{c}BAG A2GA:|\n" for a in "GAB" for c in "cdefgab"
    )  # 21 distinct lines
    path = tmp_path / "long.abc"
    path.write_text(long_tune + "\n" + "\n\n".join(s.text for s in generators[:5]) + "\n")
    samples = corpus.read_samples([str(path)])
    long_id = next(s.id for s in samples if s.title == "Long one")
    app = make_app(samples, tmp_path / "r.jsonl", settings_for("halves", recheck=0.0),
                   player=RecordingPlayer())  # fmt: skip

    async def run() -> None:
        async with app.run_test(size=size) as pilot:
            for _ in range(3):  # to the pair with the long tune
                await showing(pilot, app)
                if long_id in (app.session.current.a.id, app.session.current.b.id):
                    break
                await pilot.press("1")
            else:
                pytest.fail("the long tune never came up")
            await pilot.pause(0.2)
            screen = screen_text(app)
            for k in KEYS:
                if k.bar:
                    assert f"{key_label(k.key)}  {k.description}" in screen, (k, screen)
            for view in app.query(".abc"):
                assert view.size.height >= 8, (size, view.size, screen)
            side = "a" if app.session.current.a.id == long_id else "b"
            view = app.query_one(f"#panel-{side} .abc")
            last = "|:BBbd e2dB|bBAG A2GA:|"
            if view.size.height < 25:  # the tune (25 lines shown) is longer than its pane
                assert view.show_vertical_scrollbar and view.scrollbar_size_vertical >= 1
                assert last not in screen  # the last line: below the pane
                await pilot.press("pagedown", "pagedown", "pagedown")
                assert last in screen_text(app)
            else:  # it fits: nothing to scroll, no scrollbar
                assert not view.show_vertical_scrollbar and last in screen
            await pilot.press("question_mark")
            help_screen = screen_text(app)
            assert "PgDn" in help_screen and "scroll" in help_screen
            await pilot.press("escape", "x")

    asyncio.run(run())


def test_the_summary_names_a_journal_only_once_it_is_written(generators, tmp_path: Path):
    """`rater demo` used to say `-> ratings/demo.jsonl` when no file was written."""
    journal = tmp_path / "r.jsonl"
    tunes = [s for s in generators if s.source.endswith("model_a.abc")]  # good ones only

    async def sitting(keys: str) -> str:
        app = make_app(tunes, journal, settings_for("halves", recheck=0.0),
                       player=RecordingPlayer())  # fmt: skip
        async with app.run_test(size=(160, 48)) as pilot:
            await showing(pilot, app)
            await pilot.press(*keys, "x")
        return app.return_value or ""

    said = asyncio.run(sitting(""))
    assert not journal.exists() or journal.stat().st_size == 0  # (the session's lock file)
    assert said.startswith("This session: 0 rated by you, 0 auto-rated, 0 skipped; nothing was ")
    assert said.endswith(("is empty).", "was not made).")) and " holds " not in said
    said = asyncio.run(sitting("1"))
    assert said.endswith(f"{journal} holds 1 decision (1 yours).")

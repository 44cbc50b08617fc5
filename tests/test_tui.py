"""The rating app driven by Pilot: keys -> journal lines on disk, with real rendering.

One small corpus (real tunes from the demo corpus, a short tune of known length and two
degenerate tunes) is rendered once per module into a private cache; every test then runs
the real app on it with a recording player, and reads the journal file after each key.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import time
from pathlib import Path

import pytest
from fakes import RecordingPlayer
from screen_text import screen_text, shows

from rater.audio import render
from rater.audio.synth import resolve_soundfont
from rater.core import corpus, demo
from rater.core.settings import CheckSettings, PairingSettings, RateSettings, RenderSettings
from rater.tui.app import RaterApp
from rater.tui.build import make_app

SHORT_TUNE = "X:1\nT:Four bars\nM:4/4\nL:1/4\nQ:1/4=120\nK:C\nCDEF|GABc|cBAG|FEDC|]\n"
LOOPS = [
    "X:1\nT:Loop one\nM:4/4\nL:1/8\nK:G\n" + "GABc dBAG|" * 60 + "\n",
    "X:1\nT:Loop two\nM:4/4\nL:1/8\nK:D\n" + "d2d2 d2d2|" * 60 + "\n",
]
SIZE = (160, 48)


@pytest.fixture(scope="module")
def samples(cache: Path, tmp_path_factory: pytest.TempPathFactory) -> list:
    base = tmp_path_factory.mktemp("corpus")
    tunes = demo.demo_corpus(base / "demo").read_text().split("\nX:")[:27]
    text = "\nX:".join(tunes) + "\n\n" + SHORT_TUNE + "\n" + "\n".join(LOOPS)
    path = base / "small.abc"
    path.write_text(text)
    return corpus.read_samples([str(path)])


@pytest.fixture(scope="module")
def settings() -> tuple:
    return resolve_soundfont(RenderSettings()), CheckSettings()  # no blacklist


def rate(settings: tuple, seed: int = 0, strategy: str = "halves", **kw) -> RateSettings:
    """The sitting these tests run: rater "tester", the module's render and check settings."""
    rs, cs = settings
    kw.setdefault("min_view_seconds", 0.0)  # these tests press keys as soon as a pair shows
    pairing = PairingSettings(strategy, seed=seed)
    return RateSettings(rater="tester", pairing=pairing, render=rs, checks=cs, **kw)


def new_app(samples: list, journal: Path, settings: tuple, player=None, **kw) -> RaterApp:
    return make_app(samples, journal, rate(settings, **kw), player=player or RecordingPlayer())


async def showing(pilot, app: RaterApp, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while app.session.state == "waiting":
        assert time.monotonic() < end, "no pair became ready"
        await pilot.pause(0.05)


async def exited(pilot, app: RaterApp, timeout: float = 60.0, why: str = "") -> None:
    end = time.monotonic() + timeout
    while app.return_code is None:
        assert time.monotonic() < end, why or "the app did not exit"
        await pilot.pause(0.05)


def records(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def human(path: Path) -> list[dict]:
    return [r for r in records(path) if not r.get("broken")]


def check_record(r: dict, shown) -> None:
    assert r["ids"] == [shown.a.id, shown.b.id]
    assert r["texts"] == [shown.a.text, shown.b.text]
    for key in ("sample0", "sample1"):
        assert r[key] and all(isinstance(t, int) and t >= 0 for t in r[key])
    assert r["query"] == [] and r["rater"] == "tester" and r["time"]


@pytest.mark.slow
def test_each_key_writes_what_spec_says(samples, settings, tmp_path: Path) -> None:
    journal = tmp_path / "ratings.jsonl"
    app = new_app(samples, journal, settings)
    final: list[dict] = []

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await showing(pilot, app)
            tie_ids: list[str] = []
            for key, best, tie in (("1", [0], False), ("2", [1], False), ("3", [0, 1], True)):
                shown = app.session.current
                before = len(records(journal))
                await pilot.press(key)
                new = records(journal)[before:]
                mine = new[: len(best)]
                assert [r["best"] for r in mine] == best
                for r in mine:
                    check_record(r, shown)
                    assert "broken" not in r
                    assert r.get("tie", False) is tie
                # Anything else written is the automatic rating of a pair never shown.
                assert all(r.get("broken") == 1 and r["reasons"] for r in new[len(best) :])
                if tie:
                    tie_ids = [shown.a.id, shown.b.id]
                await showing(pilot, app)
            assert [r["best"] for r in human(journal)] == [0, 1, 0, 1]
            # Enter skips: no human record, and a different pair is shown.
            shown = app.session.current
            await pilot.press("enter")
            await showing(pilot, app)
            assert len(human(journal)) == 4
            assert app.session.current != shown and app.session.skipped == 1
            # u takes back the last decision (the tie: both lines) and shows that pair again.
            await pilot.press("u")
            assert [r["best"] for r in human(journal)] == [0, 1]
            assert [app.session.current.a.id, app.session.current.b.id] == tie_ids
            final.extend(records(journal))
            await pilot.press("x")

    asyncio.run(run())
    assert app.return_code == 0
    assert final and records(journal) == final  # x writes nothing


def test_resume_skips_decided_pairs(samples, settings, tmp_path: Path) -> None:
    journal = tmp_path / "ratings.jsonl"
    decided: list[frozenset] = []

    async def first_session() -> None:
        app = new_app(samples, journal, settings)
        async with app.run_test(size=SIZE) as pilot:
            await showing(pilot, app)
            for key in "12":
                decided.append(frozenset((app.session.current.a.id, app.session.current.b.id)))
                await pilot.press(key)
                await showing(pilot, app)
            await pilot.press("x")

    async def second_session() -> None:
        app = new_app(samples, journal, settings)
        async with app.run_test(size=SIZE) as pilot:
            await showing(pilot, app)
            assert app.session.resumed == len(before)
            seen = frozenset((app.session.current.a.id, app.session.current.b.id))
            assert seen not in {frozenset(r["ids"]) for r in before}
            await pilot.press("x")

    asyncio.run(first_session())
    before = records(journal)
    assert [frozenset(r["ids"]) for r in human(journal)] == decided
    asyncio.run(second_session())


def test_r_asks_first_then_auto_rates_the_rest_and_exits(samples, settings, tmp_path: Path):
    journal = tmp_path / "ratings.jsonl"
    app = new_app(samples, journal, settings)
    kept: list[dict] = []  # the journal when r was pressed

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await showing(pilot, app)
            await pilot.press("1")
            await showing(pilot, app)
            before = records(journal)
            kept.extend(before)
            await pilot.press("r")
            await shows(pilot, app, "auto-rate the rest and quit? y/n")
            await pilot.press("2")  # a rating key is not an answer: nothing happens
            await pilot.press("n")  # no: back to the pair, nothing written
            await pilot.pause(0.2)
            assert "auto-rate the rest and quit?" not in screen_text(app)
            assert records(journal) == before and app.return_code is None
            assert app.session.state == "showing"
            await pilot.press("r", "y")
            await exited(pilot, app)

    asyncio.run(run())
    assert app.return_code == 0
    got = records(journal)
    verdict = {sid: j.verdict for sid, j in app.session.judged.items()}
    decided = {tuple(r["ids"]) for r in got}
    from rater.rating.pairing import halves

    pairs = halves(samples, 0)
    for p in pairs:
        broken = not (verdict[p.a.id].ok and verdict[p.b.id].ok)
        # Every pair with a broken sample has its automatic record; good pairs wait for people.
        assert ((p.a.id, p.b.id) in decided) == broken or (
            not broken and any(r["ids"] == [p.a.id, p.b.id] and not r.get("broken") for r in got)
        )
    assert len(human(journal)) == 1
    # its summary is one plain sentence, then the sitting's
    auto = len({r["decision"] for r in got[len(kept) :]})
    said = app.return_value or ""
    first = said[: said.index(".") + 1]
    assert re.fullmatch(
        rf"Auto-rated {auto} more pairs? that had a broken sample and left \d+ pairs of two "
        r"good samples for a person\.",
        first,
    ), said
    assert f"{journal} holds {len({r['decision'] for r in got})} decisions (1 yours)" in said


def test_playback_a_then_b_and_a_key_stops_it(samples, settings, tmp_path: Path) -> None:
    player = RecordingPlayer()
    app = new_app(samples, tmp_path / "r.jsonl", settings, player=player)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await showing(pilot, app)
            ja, jb = app.session.verdicts()
            call = player.calls[-1]
            assert call.paths == (ja.render.wav_path, jb.render.wav_path)
            assert call.gap == 1.0
            assert call.durations[0] == pytest.approx(ja.render.clip_seconds, abs=0.01)
            assert player.position() is not None  # still playing A
            await pilot.press("b")
            assert player.calls[-1].paths == (jb.render.wav_path,)
            await pilot.press("space")
            assert player.calls[-1].paths == call.paths
            interrupted = player.stopped_while_playing
            await pilot.press("2")
            assert player.stopped_while_playing == interrupted + 1
            await showing(pilot, app)
            await pilot.press("x")

    asyncio.run(run())


def test_played_clip_is_the_sped_up_render(samples, settings, tmp_path: Path) -> None:
    """The clip heard is the 1.1x render: ~1/1.1 of the same tune rendered at speed 1.0."""
    from rater.core.checks import text_verdict

    short = next(s for s in samples if s.title == "Four bars")
    other = next(
        s for s in samples if s.title.startswith("Demo") and text_verdict(s, settings[1]).ok
    )
    player = RecordingPlayer()
    app = new_app([short, other], tmp_path / "r.jsonl", settings, player=player)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await showing(pilot, app)
            await pilot.pause(0.05)
            await pilot.press("x")

    asyncio.run(run())
    played = dict(zip(player.calls[0].paths, player.calls[0].durations, strict=True))
    clip = played[app.session.judged[short.id].render.wav_path]
    rs = dataclasses.replace(settings[0], speed=1.0)
    plain = render.render_one(short, rs, out_dir=tmp_path)
    assert plain.ok
    from rater.audio.player import wav_seconds

    assert clip / wav_seconds(plain.wav_path) == pytest.approx(1 / 1.1, rel=0.02)


def test_text_kind_has_no_audio(tmp_path: Path, settings) -> None:
    path = tmp_path / "poems.txt"
    path.write_text("first small poem about rain\n===\nsecond one, about the sea\n")
    player = RecordingPlayer()
    samples = corpus.read_samples([str(path)], kind="text")
    app = make_app(samples, tmp_path / "r.jsonl", rate(settings), player=player)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await showing(pilot, app)
            assert not app.query(".roll")
            await pilot.press("1")
            await pilot.press("x")

    asyncio.run(run())
    got = records(tmp_path / "r.jsonl")
    assert len(got) == 1 and got[0]["best"] == 0
    assert player.calls == []


def test_help_screen_lists_every_key_and_closes(samples, settings, tmp_path: Path) -> None:
    from rater.tui.keys import KEYS
    from rater.tui.screens import HelpScreen
    from rater.tui.widgets import STATUS_HELP

    app = new_app(samples, tmp_path / "r.jsonl", settings, min_view_seconds=0.3)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await showing(pilot, app)
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            screen = screen_text(app)
            assert "rater: keys" in screen
            for k in KEYS:
                # Once in the key bar ("A wins"), once more in the help table; the scroll
                # keys are in the help only.
                assert screen.count(k.description) >= (2 if k.bar else 1), k.description
            for name, _ in STATUS_HELP:  # every figure of the status line is explained
                assert name in screen, name
            assert "too soon" in screen and "scrollbar" in screen
            await pilot.press("1")  # rating keys wait while a dialog is open
            assert human(tmp_path / "r.jsonl") == []
            await pilot.press("escape")
            assert not isinstance(app.screen, HelpScreen)
            await pilot.press("x")

    asyncio.run(run())
    assert app.return_code == 0


def test_cli_refuses_bad_corpus_before_the_screen(tmp_path: Path) -> None:
    import subprocess
    import sys

    one = tmp_path / "one.abc"
    one.write_text("X:1\nT:Alone\nK:C\nCDEF|GABc|\n")
    for target in (str(tmp_path / "missing.abc"), str(one)):
        proc = subprocess.run(
            [sys.executable, "-m", "rater", "rate", target, "--silent"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
        assert proc.returncode == 2
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("rater: ") and target in lines[0]
        assert "Traceback" not in proc.stderr
    assert not (tmp_path / "ratings").exists()


def test_default_journal_and_rater(monkeypatch: pytest.MonkeyPatch) -> None:
    from rater.cli.commands.rate import default_journal
    from rater.cli.options import default_rater

    assert default_journal(["data/gen-7.abc", "more.abc"]) == Path("ratings/gen-7.jsonl")
    assert default_journal(["samples/"]) == Path("ratings/samples.jsonl")
    monkeypatch.setenv("USER", "ada")
    assert default_rater() == "ada"
    monkeypatch.delenv("USER")
    assert default_rater() == "anonymous"


def test_render_setup_failure_ends_the_session_with_a_message(
    samples, settings, tmp_path: Path
) -> None:
    """A SoundFont that vanished after start-up: one clear error and exit 2, never a hang."""
    gone = tmp_path / "gone.sf2"
    gone.write_bytes(b"not a soundfont")
    rs = dataclasses.replace(settings[0], soundfont=str(gone), clip_seconds=3.0)
    gone.unlink()
    app = make_app(
        samples,
        tmp_path / "r.jsonl",
        rate((rs, settings[1]), min_view_seconds=RateSettings.min_view_seconds),
        player=RecordingPlayer(),
    )

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await exited(pilot, app, 30, "the app kept waiting for renders")

    asyncio.run(run())
    assert app.return_code == 2
    assert "SoundFont" in app.error and "\n" not in app.error


def test_a_failed_write_keeps_the_pair_and_the_app(samples, settings, tmp_path: Path) -> None:
    journal = tmp_path / "r.jsonl"
    app = new_app(samples, journal, settings)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await showing(pilot, app)
            shown = app.session.current
            journal.unlink(missing_ok=True)
            journal.mkdir()  # the journal path can no longer be written
            await pilot.press("1")
            assert app.return_code is None  # still running
            assert app.session.current == shown and app.session.rated == 0
            journal.rmdir()
            await pilot.press("1")  # the person retries: now it is saved
            assert [r["ids"] for r in human(journal)] == [[shown.a.id, shown.b.id]]
            await pilot.press("x")

    asyncio.run(run())
    assert app.return_code == 0


def test_a_key_too_soon_flashes_and_is_not_taken(samples, settings, tmp_path: Path) -> None:
    """Key auto-repeat or a double press: the second key arrives just after the next pair
    is drawn; with the view guard on (the default), it must not rate that unseen pair, and
    the screen says so. The app's clock is injected: no real waiting."""
    from fakes import FakeClock

    journal = tmp_path / "r.jsonl"
    clock = FakeClock()
    guard = RateSettings.min_view_seconds
    app = make_app(
        samples, journal, rate(settings, min_view_seconds=guard), player=RecordingPlayer(clock),
        clock=clock,
    )  # fmt: skip

    async def run() -> None:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await showing(pilot, app)
            shown = app.session.current
            await pilot.press("1")  # at once: too soon
            assert human(journal) == [] and app.session.current == shown
            await shows(pilot, app, "too soon")
            clock.now += guard + 0.01
            await pilot.press("1", "1")  # the second lands on the new pair at once
            assert [r["ids"] for r in human(journal)] == [[shown.a.id, shown.b.id]]
            await showing(pilot, app)
            second = app.session.current
            assert second != shown and len(human(journal)) == 1
            clock.now += guard + 0.01  # looked at it long enough: this one counts
            await pilot.press("2")
            assert [r["ids"] for r in human(journal)][-1] == [second.a.id, second.b.id]
            assert len(human(journal)) == 2
            await pilot.press("x")

    asyncio.run(run())


def text_app(tmp_path: Path, settings, texts: list[str], seed: int = 0, **kw) -> RaterApp:
    path = tmp_path / "poems.txt"
    path.write_text("\n===\n".join(texts) + "\n")
    samples = corpus.read_samples([str(path)], kind="text")
    return make_app(
        samples, tmp_path / "r.jsonl", rate(settings, seed, **kw), player=RecordingPlayer()
    )


GOOD_TEXTS = [
    "the river bends where the old mill stood, and the heron waits",
    "a quiet morning; frost on the gate and smoke from one chimney",
    "we counted the boats coming in until the light went out",
    "under the bridge the water speaks in a language of stones",
]
BROKEN_TEXTS = ["la la la " * 40, "ok ok ok ok " * 30]


def active_text_app(tmp_path: Path, settings, min_view_seconds: float = 0.0) -> RaterApp:
    """Active pairing without hidden re-checks: these tests look into the ActiveSource."""
    texts = [f"{t} ({k})" for k, t in enumerate(GOOD_TEXTS * 3)]
    return text_app(
        tmp_path, settings, texts, strategy="active", min_view_seconds=min_view_seconds, recheck=0
    )


def test_keys_work_while_a_refit_runs_off_the_event_loop(settings, tmp_path: Path):
    """The pairing's refit is a job on a worker thread: held up there (a refit over
    thousands of samples), it never stops the keys; its result arrives afterwards."""
    import threading

    app = active_text_app(tmp_path, settings)
    release = threading.Event()
    threads: list[str] = []

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await showing(pilot, app)
            source = app.session.source
            real = source.prepare

            def slow_prepare():
                job = real()
                if job is None:
                    return None

                def held():
                    threads.append(threading.current_thread().name)
                    release.wait(30)
                    return job()

                return held

            source.prepare = slow_prepare
            await pilot.press("1")
            await showing(pilot, app)
            await pilot.pause(0.1)
            assert threads and threading.main_thread().name not in threads  # the job is out
            for key in "212":  # keys while the refit is held up: every one is written
                await pilot.press(key)
                await showing(pilot, app)
            assert len(human(tmp_path / "r.jsonl")) == 4
            assert not any(source.scores().values())  # the fit is not in yet
            release.set()
            end = time.monotonic() + 30
            while not any(source.scores().values()):  # adopted on the loop when it is done
                assert time.monotonic() < end, "the refit never arrived"
                await pilot.pause(0.05)
            await pilot.press("x")

    asyncio.run(run())
    assert app.return_code == 0


def notices(app: RaterApp) -> list[str]:
    return [n.message for n in app._notifications]


def test_saved_rating_then_failed_auto_rating_is_reported_truthfully(settings, tmp_path: Path):
    from rater.rating.pairing import halves

    journal = tmp_path / "r.jsonl"
    texts = GOOD_TEXTS[:2] + BROKEN_TEXTS
    samples = corpus.read_samples([str(_write(tmp_path / "poems.txt", texts))], kind="text")
    good = {x.id for x in samples if x.text in GOOD_TEXTS}
    seed = next(
        k for k in range(100) if {halves(samples, k)[0].a.id, halves(samples, k)[0].b.id} == good
    )
    app = text_app(tmp_path, settings, texts, seed=seed)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await showing(pilot, app)
            assert {app.session.current.a.id, app.session.current.b.id} == good
            real_record = app.session.source.record

            def record_then_break_the_disk(written) -> None:
                real_record(written)
                if written and not written[0].broken:
                    journal.rename(tmp_path / "saved.jsonl")
                    journal.mkdir()  # the auto-rating after the person's line fails

            app.session.source.record = record_then_break_the_disk
            await pilot.press("1")
            assert [r["best"] for r in records(tmp_path / "saved.jsonl")] == [0]
            said = " ".join(notices(app))
            assert "your rating was saved" in said and "rating NOT saved:" not in said
            assert app.session.current is None and app.session.rated == 1
            assert not app.query_one("#pair").display  # the decided pair is not left up
            journal.rmdir()
            (tmp_path / "saved.jsonl").rename(journal)
            await pilot.pause(0.3)  # the retry timer (armed by the failure) writes it now
            assert app.session.state == "done"
            await pilot.press("x")

    asyncio.run(run())
    assert [r.get("broken", 0) for r in records(journal)] == [0, 1, 1]


def _write(path: Path, texts: list[str]) -> Path:
    path.write_text("\n===\n".join(texts) + "\n")
    return path


def test_undo_of_another_writers_line_is_a_notice_not_a_crash(settings, tmp_path: Path) -> None:
    from rater.core.records import Pair
    from rater.rating import outcome
    from rater.rating.journal import Journal

    journal = tmp_path / "r.jsonl"
    app = text_app(tmp_path, settings, GOOD_TEXTS)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await showing(pilot, app)
            await pilot.press("1")
            await showing(pilot, app)
            shown = app.session.current
            a, b = app.session.samples[:2]
            Journal(journal).append(outcome.decide(Pair(a=a, b=b), 1, "someone-else"))
            before = records(journal)
            await pilot.press("u")
            assert records(journal) == before and app.session.current == shown
            assert any("undo failed" in n and "not yours" in n for n in notices(app))
            assert app.return_code is None
            await pilot.press("x")

    asyncio.run(run())
    assert app.return_code == 0


def test_r_with_a_failing_disk_ends_with_one_line_and_status_2(samples, settings, tmp_path):
    journal = tmp_path / "r.jsonl"
    app = new_app(samples, journal, settings)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await showing(pilot, app)
            await pilot.press("1")
            await showing(pilot, app)
            journal.unlink()
            journal.mkdir()  # disk full, read-only...: every write fails from now on
            await pilot.press("r", "y")
            await exited(pilot, app)

    asyncio.run(run())
    assert app.return_code == 2
    assert app.error.startswith("auto-rating the rest failed: ")
    assert str(journal) in app.error and "none of the rest was auto-rated" in app.error
    assert "\n" not in app.error


def test_cli_bad_ratings_path_is_one_line_and_status_2(tmp_path: Path) -> None:
    import subprocess
    import sys

    tunes = tmp_path / "two.abc"
    tunes.write_text("X:1\nT:One\nK:C\nCDEF|GABc|\n\nX:2\nT:Two\nK:G\nGABc|dBAG|\n")
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder\n")
    target = blocker / "sub" / "r.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "rater", "rate", str(tunes), "--silent", "--ratings", str(target)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rater: ") and str(target) in lines[0]
    assert "Traceback" not in proc.stderr


def test_the_in_process_first_pair_wakes_the_app(settings, tmp_path: Path, monkeypatch) -> None:
    """One wake-up path: with the judging pool stalled, only the in-process first readings
    and clips deliver; the clips are made after the app is up, and they must arrive as
    SampleJudged messages (no timer polls the session, so without them the app would wait
    forever)."""
    import threading

    from rater.audio import pipeline

    mounted = threading.Event()
    real_render_one = render.render_one

    def after_mount(*args, **kwargs):
        mounted.wait(30)
        return real_render_one(*args, **kwargs)

    def stalled(*args, **kwargs):  # the pool never delivers anything
        app.stop_event.wait(60)
        return iter(())

    woken: list[str] = []
    on_judged = RaterApp.on_sample_judged

    def counting(self, message) -> None:
        woken.append(message.sample_id)
        on_judged(self, message)

    monkeypatch.setattr(render, "render_one", after_mount)
    monkeypatch.setattr(pipeline, "judge_stream", stalled)
    monkeypatch.setattr(RaterApp, "on_sample_judged", counting)
    tunes = [SHORT_TUNE.replace("T:Four bars", f"T:Tune {k}").replace("CDEF|", f"CDE{n}|")
             for k, n in enumerate("FGAB")]  # fmt: skip
    path = tmp_path / "four.abc"
    path.write_text("\n".join(tunes))
    app = new_app(corpus.read_samples([str(path)]), tmp_path / "r.jsonl", settings)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            made = [j for j in app.session.judged.values() if j.render and j.render.wav_path]
            assert app.session.state == "waiting" and not made  # read, no clip made yet
            mounted.set()
            await showing(pilot, app)
            shown = {app.session.current.a.id, app.session.current.b.id}
            assert shown <= set(woken)
            await pilot.press("x")

    asyncio.run(run())
    assert app.return_code == 0


def test_the_note_picture_has_a_playhead_that_follows_the_sound(
    samples, settings, tmp_path: Path
) -> None:
    """While A plays, A's piano roll marks the column of the time playing and moves it on;
    B's marks nothing until B plays."""
    from rater.tui.widgets import PianoRoll

    app = new_app(samples, tmp_path / "r.jsonl", settings)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await showing(pilot, app)
            roll_a = app.query_one("#panel-a .roll", PianoRoll)
            roll_b = app.query_one("#panel-b .roll", PianoRoll)
            end = time.monotonic() + 10
            while roll_a.playhead_column is None:
                assert time.monotonic() < end, "no playhead while A plays"
                await pilot.pause(0.05)
            first = roll_a.playhead_column
            assert roll_b.playhead_column is None
            await pilot.pause(1.5)
            assert roll_a.playhead_column is not None and roll_a.playhead_column > first
            await pilot.press("x")

    asyncio.run(run())

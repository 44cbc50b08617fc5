"""The live stats screen (`s`), driven by Pilot on the real app: it opens over the pair, the
rating keys still decide (records on disk), its charts follow every decision and undo, and
`s` or Esc goes back. Text samples: nothing to render, so every pair is ready at once."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
from pathlib import Path

from fakes import RecordingPlayer

from rater.analysis.live import LiveStats, Team, team_chart
from rater.analysis.plot.chart import text
from rater.core import corpus
from rater.core.records import Pair
from rater.core.settings import CheckSettings, PlotSettings, RateSettings
from rater.rating import outcome
from rater.rating.journal import Journal
from rater.tui.build import make_app
from rater.tui.stats import ChartPlot, StatsScreen

POEMS = [f"poem {k}: the river bends where the old mill stood, the heron {k}" for k in range(30)]


def app_on(tmp_path: Path, recheck: float = 0.0):  # type: ignore[no-untyped-def]
    path = tmp_path / "poems.txt"
    path.write_text("\n===\n".join(POEMS) + "\n")
    samples = corpus.read_samples([str(path)], kind="text")
    settings = RateSettings(
        rater="tester", checks=CheckSettings(), min_view_seconds=0.0, recheck=recheck
    )
    return make_app(samples, tmp_path / "r.jsonl", settings, player=RecordingPlayer())


async def until(pilot, done, why: str, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < end, why
        await pilot.pause(0.02)


async def stats_shown(pilot, app) -> StatsScreen:  # type: ignore[no-untyped-def]
    """`s` pressed over the first pair, and the first charts on the screen."""
    await until(pilot, lambda: app.session.state == "showing", "no pair")
    await pilot.press("s")
    screen = app.screen
    assert isinstance(screen, StatsScreen)
    await until(pilot, lambda: screen.updates >= 1, "no charts")
    return screen


def titles(screen: StatsScreen) -> list[str]:
    return [c.chart.title if c.chart else "" for c in screen.query(ChartPlot)]


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_stats_screen_follows_decisions_and_the_keys_still_rate(tmp_path: Path) -> None:
    asyncio.run(_follows(tmp_path))


async def _follows(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.session.state == "showing", "no pair")
        for key in "121":
            await pilot.press(key)
        await pilot.press("s")
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        await until(pilot, lambda: screen.updates >= 1, "no charts")
        assert titles(screen)[0].startswith("Your pace: 3 decisions")
        assert titles(screen)[1] == "Scores: 6 samples, 3 games"
        assert not screen.query_one("#chart-2", ChartPlot).chart.points  # no re-checks yet
        assert titles(screen)[3] == "Seconds to decide (3 decisions)"
        # a rating key on the stats screen decides the pair that is playing
        shown = app.session.current
        await pilot.press("2")
        written = lines(tmp_path / "r.jsonl")
        assert len(written) == 4 and written[-1]["ids"] == [shown.a.id, shown.b.id]
        assert written[-1]["best"] == 1
        await until(pilot, lambda: "4 decisions" in titles(screen)[0], "charts did not follow")
        pace = screen.query_one("#chart-0", ChartPlot).chart
        assert [p.y for p in pace.series[0].points] == [0, 1, 2, 3, 4]
        assert "rated 4" in str(screen.query_one("#stats-status").render())
        # undo there takes the decision back, and the charts with it
        await pilot.press("u")
        await until(pilot, lambda: "3 decisions" in titles(screen)[0], "undo not followed")
        assert len(lines(tmp_path / "r.jsonl")) == 3
        # what the widgets draw: every chart on screen, titles on their borders
        assert all(c.border_title for c in screen.query(ChartPlot))
        await pilot.press("s")
        assert not isinstance(app.screen, StatsScreen)
        await pilot.press("s")
        await pilot.press("escape")
        assert not isinstance(app.screen, StatsScreen)
        await pilot.press("x")


def test_another_writers_decisions_reach_the_charts(tmp_path: Path) -> None:
    """Another rater appends to the same journal while the screen is open: the session reads
    it before its next pair (`Journal.news`), and the scores chart counts it."""
    asyncio.run(_news(tmp_path))


async def _news(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.session.state == "showing", "no pair")
        await pilot.press("1")
        await pilot.press("s")
        screen = app.screen
        await until(pilot, lambda: titles(screen)[1] == "Scores: 2 samples, 1 game", "no charts")
        samples = app.session.samples
        on_screen = {app.session.current.a.id, app.session.current.b.id}
        others = [s for s in samples if s.id not in on_screen][-2:]
        Journal(tmp_path / "r.jsonl").append(
            outcome.decide(Pair(others[0], others[1]), 0, "someone else")
        )
        await pilot.press("2")  # the session reads the news before its next pair
        await until(pilot, lambda: titles(screen)[1] == "Scores: 6 samples, 3 games", "no news")
        assert titles(screen)[0].startswith("Your pace: 2 decisions")  # not someone else's
        await pilot.press("x")


def test_counting_waits_for_the_last_count_and_then_counts_once_more(tmp_path: Path) -> None:
    """Decisions faster than the charts are counted coalesce: never two counts at once, and
    the last charts include the last decision."""
    asyncio.run(_coalesce(tmp_path))


async def _coalesce(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await stats_shown(pilot, app)
        for key in "12121212":
            app.action_decide(int(key) - 1)  # what the key runs, without Pilot's waits
        await until(pilot, lambda: "8 decisions" in titles(screen)[0], "last decision missing")
        assert screen.updates <= 1 + 8
        await pilot.press("x")


def test_team_chart_and_live_charts_without_a_screen() -> None:
    chart = team_chart(Team(raters=3, done=1210, total=3000, decisions=2500))
    assert chart.title == "Team: 3 raters, 1,210/3,000 pairs (40%)"
    assert chart.series[0].points[0].y == 1210 / 3000
    drawn = text(chart, PlotSettings())
    assert "pairs decided" in drawn and "\x1b" not in drawn
    one = team_chart(Team(raters=1, done=0, total=0, decisions=7, open_ended=True))
    assert one.title == "Team: 1 rater, 7 decisions"
    live = LiveStats("me")
    assert [c.points for c in live.charts(Team(2, 1, 10, 3))][:3] == [0, 0, 0]
    assert live.charts(Team(2, 1, 10, 3))[3].title.startswith("Team: 2 raters")


def test_the_journal_before_this_sitting_is_charted_once(tmp_path: Path) -> None:
    """A session starts from the journal's side index (issue 25) without reading its records;
    the charts read them when first counted, and the sitting's own decisions, already told to
    the charts and in the file by then, are not counted twice."""
    asyncio.run(_before(tmp_path))


async def _before(tmp_path: Path) -> None:
    samples = corpus.read_samples([str(_poems(tmp_path))], kind="text")
    journal = Journal(tmp_path / "r.jsonl")
    for k in range(3):
        journal.append(outcome.decide(Pair(samples[2 * k], samples[2 * k + 1]), 0, "earlier"))
    app = app_on(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.session.state == "showing", "no pair")
        await pilot.press("1")
        await pilot.press("2")
        await pilot.press("u")
        await pilot.press("s")
        screen = app.screen
        await until(pilot, lambda: screen.updates >= 1, "no charts")
        assert titles(screen)[1].endswith(" samples, 4 games")  # 3 before, 1 now (1 undone)
        assert titles(screen)[0].startswith("Your pace: 1 decision")
        await pilot.press("x")


def _poems(tmp_path: Path) -> Path:
    path = tmp_path / "poems.txt"
    path.write_text("\n===\n".join(POEMS) + "\n")
    return path


def test_the_charts_come_back_when_their_child_process_is_killed(tmp_path: Path) -> None:
    """The charts are counted in a child process (`rating.offload`); the machine killing it
    is no end to them: that count is made in this process and the next starts a new child."""
    asyncio.run(_killed(tmp_path))


async def _killed(tmp_path: Path) -> None:
    app = app_on(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await stats_shown(pilot, app)
        children = multiprocessing.active_children()
        assert children, "the charts were not counted in a child process"
        for child in children:
            child.kill()
            child.join(10)
        for key in "12":
            seen = screen.updates
            await pilot.press(key)
            await until(pilot, lambda: screen.updates > seen, "no charts after the kill")  # noqa: B023
        await until(pilot, lambda: "2 games" in " ".join(titles(screen)), "not counted")
        for key in "1212":  # the child is replaced at a count after the one that found it dead
            if multiprocessing.active_children():
                break
            seen = screen.updates
            await pilot.press(key)
            await until(pilot, lambda: screen.updates > seen, "no charts")  # noqa: B023
        assert multiprocessing.active_children(), "no new child for the counts after"
        await pilot.press("x")

"""Counts in sentences: one plural rule (`core.words.counted`) for the team line, its chart and
the offline spool's count."""

from __future__ import annotations

from rater.analysis.live import Team, team_chart
from rater.core.words import counted
from rater.rating.store.team import Progress


def test_counted() -> None:
    assert counted(1, "rater") == "1 rater"
    assert counted(0, "rater") == "0 raters"
    assert counted(1024, "decision") == "1,024 decisions"
    assert counted(2, "query", "queries") == "2 queries"


def test_the_team_line_of_one_rater_and_one_decision() -> None:
    assert Progress(1, 1, 2, 1).line() == "team: 1 rater, 1/2 pairs"
    assert Progress(2, 0, 1, 0).line() == "team: 2 raters, 0/1 pair"
    assert Progress(1, 0, 0, 1, open_ended=True).line() == "team: 1 rater, 1 decision"
    assert Progress(3, 0, 0, 1200, open_ended=True).line() == "team: 3 raters, 1,200 decisions"
    chart = team_chart(Team(raters=1, done=0, total=0, decisions=1, open_ended=True))
    assert chart.title == "Team: 1 rater, 1 decision"

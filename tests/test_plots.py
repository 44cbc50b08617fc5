"""`--plot` on rank, ab-report, stats and model fit, as a user runs them, on a journal whose
figures are known (tests/plot_journal.py): what each chart shows (its points, its axis
labels, an interval's ends computed here by hand, found again in the drawing's columns),
and the piped form (no escape sequence, no braille, at most 80 columns)."""

from __future__ import annotations

import csv
import math
import os
import random
import re
from pathlib import Path

import plot_journal
import pytest
from model_data import write_journal

from rater.analysis.games import GameTable
from rater.analysis.plot.chart import Chart, Kind, Point, Series, text
from rater.analysis.plot.ranks import natural_key, progress_chart, top_chart
from rater.analysis.pooled import source_curve
from rater.analysis.rank import fit
from rater.analysis.timeline import histogram, pace
from rater.cli.main import main
from rater.cli.plotting import color_wanted, terminal_settings
from rater.core.corpus import read_samples
from rater.core.records import Sample
from rater.core.settings import PlotSettings
from rater.rating.reading import read_journals

Z = 1.959963984540054


@pytest.fixture(scope="module")
def known(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return plot_journal.write(tmp_path_factory.mktemp("known"))


@pytest.fixture(autouse=True)
def piped(monkeypatch: pytest.MonkeyPatch) -> None:
    """As under a pipe: 80 columns, no colour."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(list(args)) == 0
    return capsys.readouterr().out


def chart_lines(out: str, title: str) -> list[str]:
    """The lines of the chart under `title`, from its frame's top to its axis label."""
    lines = out.split("\n")
    start = next(k for k, line in enumerate(lines) if line.startswith(title))
    end = next(k for k in range(start + 1, len(lines)) if lines[k].lstrip().startswith("└"))
    return lines[start + 1 : end + 3]


def plain(out: str, first_title: str) -> None:
    """No escape sequence, no braille; the charts (from the first one's title on: the
    report's own sentences before them may be longer) within 80 columns."""
    assert "\x1b" not in out
    assert not any(0x2800 <= ord(c) <= 0x28FF for c in out), "braille in plain output"
    charts = out[out.index(first_title) :]
    assert max(map(len, charts.split("\n"))) <= 80


def whisker(lines: list[str], label: str) -> tuple[int, int]:
    """The canvas columns where the whisker on `label`'s row starts and ends."""
    row = next(line for line in lines if line.lstrip().startswith(label))
    left = row.index("┤") + 1
    cols = [k - left for k, c in enumerate(row) if k >= left and c in "-o"]
    return min(cols), max(cols)


def column(value: float, lines: list[str], limits: tuple[float, float]) -> int:
    """Where plotext draws `value` on a canvas of W columns: floor(0.5 + (W - 1) * share)."""
    width = lines[0].index("┐") - lines[0].index("┌") - 1
    lo, hi = limits
    return math.floor(0.5 + (width - 1) * (value - lo) / (hi - lo))


def wilson(k: int, n: int) -> tuple[float, float]:
    """By the textbook formula, written out again here."""
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


def test_ab_report_plot_win_rates_in_natural_order(known: Path, capsys) -> None:
    out = run(capsys, "ab-report", str(known), "--plot")
    plain(out, "Blind A/B")
    lines = chart_lines(out, "Blind A/B")
    labels = [line.split("┤")[0].strip() for line in lines if "┤" in line]
    # iter-2, iter-3, iter-10 (as text iter-10 would sort between them); k/n per generator:
    # iter-3 won 4 of 8 against iter-2, 4 of 5 against iter-10 (bob's four and alice's one)
    assert labels == ["iter-2.abc 7/18", "iter-3.abc 8/13", "iter-10.abc 8/15"]
    assert sum(line.count("o") for line in lines[1:-3]) == 3
    assert "win rate" in lines[-1] and "0.50" in lines[-2]
    # Wilson 95% for 8 of 13 by hand: p = 0.6154, z^2/n = 0.2955, centre 0.5891, half 0.2338
    assert wilson(8, 13) == pytest.approx((0.35523, 0.82291), abs=1e-4)
    expected = column(0.35523, lines, (0, 1)), column(0.82291, lines, (0, 1))
    assert whisker(lines, "iter-3.abc") == expected


def test_rank_plot_top_n_with_the_tables_intervals(known: Path, capsys, tmp_path: Path) -> None:
    scores = tmp_path / "s.csv"
    out = run(capsys, "rank", str(known), "--top", "5", "--plot", "--csv", str(scores))
    plain(out, "Bradley-Terry scores, top 5")
    lines = chart_lines(out, "Bradley-Terry scores, top 5 of 18")
    labels = [line.split("┤")[0].strip() for line in lines if "┤" in line]
    assert [label.split()[0] for label in labels] == ["#1", "#2", "#3", "#4", "#5"]
    assert sum(line.count("o") for line in lines[1:-3]) == 5
    assert lines[-1].strip() == "score (logits)"
    # the whisker of #1 is score +- 1.96 se of the csv's first row
    best = next(csv.DictReader(open(scores, newline="")))
    score, se = float(best["score"]), float(best["se"])
    chart = top_chart(fit(read_journals([str(known)], tokens=False)), 5)
    assert chart.series[0].points[0].lo == pytest.approx(score - Z * se, abs=1e-5)
    limits = chart.value_limits()  # the axis: every interval, with 5% room
    expected = column(score - Z * se, lines, limits), column(score + Z * se, lines, limits)
    assert whisker(lines, "#1 ") == expected


def test_rank_by_source_one_series_per_source(known: Path, capsys) -> None:
    out = run(capsys, "rank", str(known), "--by-source", "--top", "9", "--plot")
    plain(out, "Best 3 of each source")
    lines = chart_lines(out, "Best 3 of each source")
    marks = [m for line in lines[1:-3] if "┤" in line for m in line.split("┤")[1] if m in "ox+"]
    assert marks == ["o"] * 3 + ["x"] * 3 + ["+"] * 3  # iter-2, iter-3, iter-10: top down
    key = out.split("\n")[out.split("\n").index(lines[-1]) + 1]
    assert key == "key: o iter-2.abc   x iter-3.abc   + iter-10.abc"
    assert "Win rate of each source against the others" in out


def test_rank_by_source_plot_draws_the_progress_curve(known: Path, capsys) -> None:
    out = run(capsys, "rank", str(known), "--by-source", "--plot")
    title = "Each source's mean score"
    plain(out, title)
    lines = chart_lines(out, title)
    axis = lines[-2]  # the x ticks: the sources, in natural order
    at = [axis.index(name) for name in ("iter-2.abc", "iter-3.abc", "iter-10.abc")]
    assert at == sorted(at)
    assert sum(line.count("o") for line in lines[1:-3]) == 3  # one mean per source
    curve = source_curve(list(GameTable.collect(read_journals([str(known)], tokens=False))))
    chart = progress_chart(curve)
    assert [(p.y, p.lo, p.hi) for p in chart.series[0].points] == [
        (r.mean, r.lo, r.hi) for r in curve.rows
    ]
    table = out[out.index("Sources in order") : out.index(title)]
    for r in curve.rows:  # the chart's means are the table's
        assert f"{r.mean:+.2f}" in table


def test_stats_plot_pace_times_heard_and_self_agreement(known: Path, capsys) -> None:
    out = run(capsys, "stats", str(known), "--plot")
    plain(out, "Decisions per hour")
    # 20 + 5 re-checks by alice from 10:00, bob's 4 from 12:00 to 12:03: 123 minutes, 5-minute
    # bins; the first holds alice's first ten (one every 30 s): 10 per 5 minutes = 120 per hour
    pace_lines = chart_lines(out, "Decisions per hour (29 decisions, 5 min bins)")
    assert pace_lines[-1].strip() == "minutes since the first decision"
    decide = chart_lines(out, "Seconds to decide (25 decisions)")
    # the 25 decide times' 95% point (nearest rank, the 24th) is 30 s: 5 s bins, then >=30
    assert decide[-2].split() == ["0-5", "5-10", "10-15", "15-20", "20-25", "25-30", ">=30"]
    heard = chart_lines(out, "Seconds heard at the key (25 decisions)")
    assert "key: # clip A   = clip B" in out
    assert heard[-2].split()[0] == "0-1"
    agreement = chart_lines(out, "Self-agreement on re-checks")
    # alice answered 4 of her 5 re-checks as before; bob has none and is left out
    assert [line.split("┤")[0].strip() for line in agreement if "┤" in line] == ["alice 4/5"]
    assert wilson(4, 5) == pytest.approx((0.37553, 0.96378), abs=1e-4)  # by hand (module doc)
    ends = column(0.37553, agreement, (0, 1)), column(0.96378, agreement, (0, 1))
    assert whisker(agreement, "alice") == ends


def test_stats_chart_data(known: Path) -> None:
    """The numbers behind the stats charts, exactly, from the same analysis functions."""
    from rater.analysis.quality import rater_quality
    from rater.analysis.timeline import timeline
    from rater.cli.commands.stats import charts

    ratings = read_journals([str(known)], tokens=False)
    pace_c, decide_c, heard_c, agree_c = charts(timeline(ratings), rater_quality(ratings))
    rates = [p.y for p in pace_c.series[0].points]
    assert len(rates) == 25 and rates[:2] == [120.0, 120.0] and rates[-1] == 48.0
    assert [p.y for p in decide_c.series[0].points] == [4, 13, 4, 1, 0, 1, 2]
    assert [s.label for s in heard_c.series] == ["clip A", "clip B"]
    (point,) = agree_c.series[0].points
    assert (point.y, point.lo, point.hi) == pytest.approx((0.8, 0.37553, 0.96378), abs=1e-4)


def test_model_fit_plot_learning_curve_and_weights(tmp_path: Path, capsys) -> None:
    rng = random.Random(5)
    sea, land = ["wave", "tide", "shore", "salt"], ["stone", "field", "wheat", "barn"]
    poems = [" ".join(rng.choice(sea if k % 2 else land) for _ in range(8)) + f"\nline {k}"
             for k in range(60)]  # fmt: skip
    (tmp_path / "poems.txt").write_text("\n\n".join(poems) + "\n")
    samples = read_samples([str(tmp_path / "poems.txt")], kind="text")

    def sea_wins(a: Sample, b: Sample, rng: random.Random) -> int:
        wa, wb = any(w in a.text for w in sea), any(w in b.text for w in sea)
        return rng.randrange(2) if wa == wb else (0 if wa else 1)

    journal = write_journal(tmp_path / "r.jsonl", samples, 150, sea_wins)
    out = run(capsys, "model", "fit", str(journal), "--out", str(tmp_path / "m.json"),
              "--kind", "text", "--plot")  # fmt: skip
    plain(out, "Learning curve")
    curve = chart_lines(out, "Learning curve")
    # 25%, 50%, 100% of 150 decisions: 38 (37.5 rounded to even), 75, 150; one whisker each
    assert curve[-2].split() == ["38", "75", "150"]
    assert curve[-1].strip() == "decisions learned from"
    assert sum(line.count("o") for line in curve[1:-3]) == 3
    reported = re.findall(r"^\s+\d+% of the ratings: (\d\.\d+) \(95% CI", out, re.M)
    assert len(reported) == 3
    weights = chart_lines(out, "What the ratings reward")
    assert sum(1 for line in weights if "┤" in line) == 10  # the ten heaviest, one row each


def test_plot_out_keeps_the_piped_charts_and_refuses_what_is_not_a_file(
    known: Path, capsys, tmp_path: Path
) -> None:
    out = run(capsys, "ab-report", str(known), "--plot")
    kept = tmp_path / "charts.txt"
    run(capsys, "ab-report", str(known), "--plot-out", str(kept))
    assert kept.read_text() in out
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    for target, why in (("/dev/null", "is a device"), (str(fifo), "is a FIFO"),
                        (str(dangling), "symlink to nothing"), (str(tmp_path), "directory"),
                        (str(known), "is the input journal")):  # fmt: skip
        assert main(["stats", str(known), "--plot-out", target]) == 2
        err = capsys.readouterr()
        assert why in err.err and err.err.count("\n") == 1 and not err.out
    assert main(["stats", str(known), "--json", "--plot"]) == 2
    assert "--plot-out" in capsys.readouterr().err


def test_colour_only_on_a_terminal_that_wants_it(monkeypatch: pytest.MonkeyPatch) -> None:
    leader, follower = os.openpty()
    tty = os.fdopen(follower, "w")
    try:
        assert not color_wanted(tty)  # NO_COLOR (the autouse fixture)
        monkeypatch.delenv("NO_COLOR")
        assert color_wanted(tty)
        monkeypatch.setenv("TERM", "dumb")
        assert not color_wanted(tty)
    finally:
        tty.close()
        os.close(leader)
    with open(os.devnull, "w") as pipe:
        assert not color_wanted(pipe)
    monkeypatch.setenv("COLUMNS", "200")
    assert terminal_settings().columns == 120  # a wide terminal's charts stop growing
    monkeypatch.setenv("COLUMNS", "20")
    assert terminal_settings().columns == 40


def test_colour_form_and_untrusted_labels() -> None:
    chart = Chart(Kind.DOTS, "t", "x", (Series("s", (Point(1, 0.5, 0.2, 0.8),)),),
                  ticks=("\x1b[2Jevil title",), limits=(0.0, 1.0))  # fmt: skip
    coloured = text(chart, PlotSettings(color=True))
    assert "\x1b[" in coloured and "─" in coloured
    from rater.analysis.plot.sessions import agreement_chart
    from rater.analysis.quality import RaterQuality

    q = RaterQuality("\x1b]0;pwn\x07mallory", 3, 2, 1, 0, 0, None, 0, 0, None)
    shown = text(agreement_chart([q]), PlotSettings())
    assert "\x1b" not in shown and "\x07" not in shown and "mallory 1/2" in shown


def test_empty_charts_say_why(tmp_path: Path, capsys) -> None:
    from rater.analysis.plot.sessions import agreement_chart, decide_chart, pace_chart

    for chart in (pace_chart([]), decide_chart([]), agreement_chart([])):
        lines = text(chart, PlotSettings()).split("\n")
        assert len(lines) == 2 and lines[1].startswith("  (")


def test_histogram_and_pace_by_hand() -> None:
    bins = histogram([0.2, 1.0, 1.9, 2.0, 7.5], bins=12)  # 7.5 / 1 <= 12: 1 s bins, 8 of them
    assert [(b.lo, b.hi, b.count) for b in bins][:3] == [(0, 1, 1), (1, 2, 2), (2, 3, 1)]
    assert len(bins) == 8 and bins[-1].count == 1
    capped = histogram([1, 2, 3, 100], bins=6, cap=10)  # 10 / 2 <= 5: 2 s bins to 10, then >=10
    assert [b.label() for b in capped] == ["0-2", "2-4", "4-6", "6-8", "8-10", ">=10"]
    assert [b.count for b in capped] == [1, 2, 0, 0, 0, 1]
    p = pace([0, 30, 3599, 3600 * 5])  # 5 hours: 15-minute bins (10-minute ones would be 30)
    assert p is not None and p.bin_seconds == 900 and len(p.counts) == 21
    assert p.counts[0] == 2 and p.counts[3] == 1 and p.counts[-1] == 1
    assert sorted(["iter-10", "iter-2", "iter-1b", "Iter-3"], key=natural_key) == [
        "iter-1b", "iter-2", "Iter-3", "iter-10"
    ]  # fmt: skip

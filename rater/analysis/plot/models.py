"""Charts of `rater model fit`: the learning curve and the features that weigh most."""

from __future__ import annotations

from rater.analysis.model.learn import Report
from rater.analysis.plot.chart import Chart, Kind, Point, Series
from rater.core.printable import printable


def curve_chart(report: Report) -> Chart:
    """Held-out pairwise accuracy, with its Wilson 95% interval, against the number of
    decisions it was learned from; chance (0.5) marked."""
    points = tuple(Point(a.games, a.value, *a.interval) for a in report.curve if a.n and a.games)
    return Chart(
        Kind.CURVE,
        f"Learning curve: held-out pairwise accuracy, 95% intervals ({report.folds} folds)",
        "decisions learned from",
        (Series("accuracy", points),),
        reference=(0.5,),
        empty="too few ratings to test on held-out samples",
    )


def weights_chart(report: Report) -> Chart:
    """The heaviest features in words, logits per standard deviation (signed)."""
    points = tuple(Point(k, r.weight) for k, r in enumerate(report.reasons, 1))
    return Chart(
        Kind.WEIGHTS,
        "What the ratings reward: the heaviest features",
        "logits per standard deviation of the feature",
        (Series("weight", points),),
        ticks=tuple(printable(r.phrase) for r in report.reasons),
        empty="no feature carries weight",
    )

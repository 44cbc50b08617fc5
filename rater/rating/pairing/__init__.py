"""Pairing strategies: which two samples a person compares next.

A strategy is a name -> factory entry in `STRATEGIES` (the CLI's `--pairing` choices and
help come from it); each factory builds a `PairSource` (see `base`) from the samples, the
`PairingSettings` and the journal so far. Adding a strategy is one module and one entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from rater.core.errors import PairingError
from rater.core.records import Rating, Sample
from rater.core.settings import PairingSettings, RenderSettings
from rater.rating.history import History
from rater.rating.pairing.active import ActiveSource
from rater.rating.pairing.base import PairSource
from rater.rating.pairing.model import ModelSource
from rater.rating.pairing.schedule import ScheduleSource, ab_pairs, halves, prefix_pairs
from rater.rating.pairing.top import TopSource

__all__ = [
    "STRATEGIES",
    "PairSource",
    "ScheduleSource",
    "ActiveSource",
    "ModelSource",
    "TopSource",
    "Strategy",
    "source",
]


class SourceFactory(Protocol):
    def __call__(
        self,
        samples: Sequence[Sample],
        settings: PairingSettings,
        history: History,
        *,
        defer_refit: bool,
        wait_for_ready: bool,
        render: RenderSettings | None,
        offload: bool,
    ) -> PairSource: ...


@dataclass(frozen=True)
class Strategy:
    """One entry of the registry: its `--pairing` name, a few words for `--help`, a factory."""

    name: str
    help: str
    make: SourceFactory


def _halves(
    samples: Sequence[Sample], settings: PairingSettings, history: History, **_: object
) -> PairSource:
    pairs = halves(samples, settings.seed)
    return ScheduleSource(pairs, history, exclude_known_broken=False, limit=None)


def _active(
    samples: Sequence[Sample],
    settings: PairingSettings,
    history: History,
    *,
    defer_refit: bool,
    wait_for_ready: bool,
    **_: object,
) -> PairSource:
    return ActiveSource(
        samples,
        settings.seed,
        history.records(),  # it fits on every decision
        defer_refit=defer_refit,
        wait_for_ready=wait_for_ready,
    )


def _model(
    samples: Sequence[Sample],
    settings: PairingSettings,
    history: History,
    *,
    defer_refit: bool,
    wait_for_ready: bool,
    render: RenderSettings | None,
    offload: bool,
) -> PairSource:
    return ModelSource(
        samples,
        settings.seed,
        history.records(),  # it fits on every decision
        render=render,
        defer_refit=defer_refit,
        wait_for_ready=wait_for_ready,
        offload=offload,
    )


def _top(
    samples: Sequence[Sample],
    settings: PairingSettings,
    history: History,
    *,
    defer_refit: bool,
    wait_for_ready: bool,
    render: RenderSettings | None,
    offload: bool,
) -> PairSource:
    return TopSource(
        samples,
        settings.seed,
        history.records(),  # it fits on every decision
        best=settings.best,
        until=settings.until,
        render=render,
        defer_refit=defer_refit,
        wait_for_ready=wait_for_ready,
        offload=offload,
    )


def _ab(
    samples: Sequence[Sample], settings: PairingSettings, history: History, **_: object
) -> PairSource:
    return ScheduleSource(ab_pairs(samples, settings.seed), history)


def _prefix(
    samples: Sequence[Sample], settings: PairingSettings, history: History, **_: object
) -> PairSource:
    return ScheduleSource(prefix_pairs(samples, settings.seed, settings.prefix_chars), history)


STRATEGIES: dict[str, Strategy] = {
    s.name: s
    for s in (
        Strategy("halves", "each sample once", _halves),
        Strategy("active", "from the current fit", _active),
        Strategy("model", "preference model", _model),
        Strategy("top", "racing for the best K", _top),
        Strategy("ab", "two files, blind", _ab),
        Strategy("prefix", "same prompt", _prefix),
    )
}


def source(
    settings: PairingSettings,
    samples: Sequence[Sample],
    history: History | Sequence[Rating] = (),
    *,
    defer_refit: bool = False,
    wait_for_ready: bool = False,
    render: RenderSettings | None = None,
    offload: bool = False,
) -> PairSource:
    """The pair source of `settings.strategy`. `history`: the journal so far
    (`Journal.history`), or its records; `defer_refit`: the caller runs the idle work
    (`prepare` / `adopt`, or `settle`); `wait_for_ready`: the caller calls `mark_ready(ids)`
    as samples are judged (strategies that choose freely then pair only judged samples, see
    ActiveSource); `render`: the session's render settings (the `model` strategy reads the
    notes of the clips they play); `offload`: with `defer_refit`, the `model` strategy's
    jobs run in a child process."""
    strategy = STRATEGIES.get(settings.strategy)
    if strategy is None:
        known = ", ".join(STRATEGIES)
        raise PairingError(f"unknown pairing strategy {settings.strategy!r} ({known})")
    return strategy.make(
        samples,
        settings,
        History.of(history),
        defer_refit=defer_refit,
        wait_for_ready=wait_for_ready,
        render=render,
        offload=offload,
    )

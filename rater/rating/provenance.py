"""How a journal's pairs were chosen, so the next sitting on it pairs the same way.

Every record remembers the strategy and seed that paired it (`core.rules.pairing_fields`).
A second seed pairs the samples anew: a sample already compared (or found broken) under one
seed meets other partners under another, so `rater autorate` with the wrong seed used to
auto-rate other pairs of the same broken samples, 21 extra records in the report that led
here. So `rater rate` and `rater autorate` on an existing journal follow the pairing of its
last decision unless told otherwise, and say so; told otherwise, they say that this is a
new pass that pairs the samples again. Journals written before records remembered it read
as before (the defaults).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from rater.core.rules import pairing_of
from rater.core.settings import PairingSettings
from rater.rating.journal import Journal


@dataclass(frozen=True)
class Followed:
    """The pairing to use and one line saying why ("" when there is nothing to say)."""

    settings: PairingSettings
    line: str = ""


def journal_pairing(path: str | Path) -> tuple[str, int] | None:
    """(strategy, seed) of the journal's last decision, None when it has none that says."""
    if not Path(path).is_file():
        return None
    records = Journal(path, read_only=True).last_decision()
    return pairing_of(records[-1]) if records else None


def follow(
    path: str | Path, strategy: str | None, seed: int | None, prefix_chars: int | None = None
) -> Followed:
    """The pairing for a new sitting on the journal at `path`: what was asked (`strategy`,
    `seed`; None: not asked), else what the journal was paired with, else the defaults."""
    base = PairingSettings()
    if prefix_chars is not None:
        base = replace(base, prefix_chars=prefix_chars)
    found = journal_pairing(path)
    if found is None:
        asked = replace(
            base,
            strategy=strategy if strategy is not None else base.strategy,
            seed=seed if seed is not None else base.seed,
        )
        return Followed(asked)
    was_strategy, was_seed = found
    use = replace(
        base,
        strategy=strategy if strategy is not None else was_strategy,
        seed=seed if seed is not None else was_seed,
    )
    was = f"pairing {was_strategy}, seed {was_seed}"
    if (use.strategy, use.seed) == found:
        told = strategy is not None or seed is not None
        how = "as asked, the same as" if told else "as"
        return Followed(
            use, f"{was}: {how} {path} was paired (--pairing or --seed to pair otherwise)"
        )
    return Followed(
        use,
        f"pairing {use.strategy}, seed {use.seed}: a new pass over {path} (paired with {was} "
        "so far) that pairs the samples again",
    )

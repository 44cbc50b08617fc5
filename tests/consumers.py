"""Test helpers: ratings made through the real `Session`, and exports loaded the way their
consumers load them. Not a test module; the export tests import it.

Text samples (`kind="text"`) go through the real judge stream (text checks, no rendering),
the real journal on disk and the real GPT-2 BPE, so the records are exactly what a rating
session writes, in seconds.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Sequence
from itertools import cycle
from pathlib import Path

from rater.core import corpus
from rater.core.settings import PairingSettings, RateSettings
from rater.rating.journal import Journal
from rater.rating.session import Session, State

WORDS = (
    "river heron mill frost gate smoke chimney boats light bridge water stones letters tin "
    "box tea bus seafront rain roof swallows door blue market honey cart wheel lighthouse "
    "keeper cat lens morning evening harbour rope sail gull anchor lantern orchard pear "
    "apple hedge lane field plough furrow barley oats well bucket kettle hearth fiddle tune "
    "reel jig dance floor boots coat scarf wind hill cairn sheep dog shepherd whistle"
).split()


def prose(rng: random.Random, words: int) -> str:
    """Varied text (no checker calls it repetitive), `words` words long."""
    return " ".join(rng.choice(WORDS) for _ in range(words))


def write_corpus(path: Path, texts: Sequence[str]) -> Path:
    path.write_text("\n===\n".join(texts) + "\n", encoding="utf-8")
    return path


def halves_texts(seed: int = 0) -> list[str]:
    """Twelve good texts and three broken ones (repetitive), for `halves` pairing."""
    rng = random.Random(seed)
    good = [prose(rng, rng.randint(8, 30)) for _ in range(12)]
    return good + ["la la la " * 40, "ok ok ok ok " * 30, "buy now! " * 50]


def prefix_texts(seed: int = 1, long_prompt_words: int = 120) -> list[str]:
    """Completions of two prompts, for `prefix` pairing: a short one, and one of about
    `long_prompt_words` words (longer than the default 64-token query)."""
    rng = random.Random(seed)
    short = "Once upon a time, " + prose(rng, 3)
    long = "In the beginning: " + prose(rng, long_prompt_words)
    out = []
    for prompt in (short, long):
        out += [f"{prompt}. {prose(rng, rng.randint(10, 40))}" for _ in range(4)]
    return out


def rate(
    samples_file: Path,
    journal: Path,
    pairing: str = "halves",
    choices: Sequence[object] = (0, 1, "tie"),
    seed: int = 0,
) -> Journal:
    """Rate every pair a person would see, through the real Session, cycling `choices`
    (0 = A wins, 1 = B wins, "tie"); broken pairs are auto-rated on the way."""
    samples = corpus.read_samples([str(samples_file)], kind="text")
    j = Journal(journal)  # default settings: no blacklist; text needs no SoundFont
    settings = RateSettings(rater="tester", pairing=PairingSettings(pairing, seed=seed))
    s = Session(samples, j, settings)
    s.start_judging()
    picks = cycle(choices)
    end = time.monotonic() + 60
    while True:
        state = s.advance()
        if state == State.SHOWING:
            s.decide(next(picks))  # type: ignore[arg-type]
        elif state == "waiting":
            assert time.monotonic() < end, "judging never delivered the next pair"
            time.sleep(0.01)
        else:
            return j


def load_like_lm_human_preferences(
    path: Path, q: int, r: int, batch: int | None, pad: int = 50259
) -> list:
    """The checks lm-human-preferences' label loading and reward model imply for best_of_2
    files (train_reward.download_labels, label_types.PickBest, rewards.py, model.py)."""
    import numpy as np

    with open(path) as f:
        data = json.load(f)
    assert isinstance(data, list) and data
    for rec in data:
        assert set(rec) == {"query", "sample0", "sample1", "best"}
        for key, n in (("query", q), ("sample0", r), ("sample1", r)):
            assert isinstance(rec[key], list) and len(rec[key]) == n
            assert all(type(x) is int for x in rec[key])
        assert rec["best"] in (0, 1) and type(rec["best"]) is int
        # rewards.py scores concat(query, sample); model.py masks padding, takes the running
        # max of the positions left and asserts none is -1: a row may not start with padding.
        for k in (0, 1):
            assert (rec["query"] + rec[f"sample{k}"])[0] != pad, "row starts with padding"
    if batch:
        assert len(data) % batch == 0
    for key, n in (("query", q), ("sample0", r), ("sample1", r)):  # stacks into a tensor
        assert np.array([x[key] for x in data], dtype=np.int32).shape == (len(data), n)
    return data

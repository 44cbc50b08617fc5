"""Inputs the hostile tests share, made once per run through rater's own code: a file of
text samples, a journal of decisions on them, and a preference model fitted from it."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import pytest
from hostile import rater
from model_data import write_journal

from rater.core.corpus import read_samples

WORDS = "sea sky hill moor river stone heron frost gate smoke boat light bridge rain".split()


@dataclass(frozen=True)
class Inputs:
    folder: Path
    samples: Path  # 60 short poems (kind text)
    journal: Path  # 150 decisions on them
    model: Path  # `rater model fit` of the journal (text features)
    log: Path  # a training log with the poems in it (`rater extract`)


@pytest.fixture(scope="session")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    folder = tmp_path_factory.mktemp("hostile-inputs")
    rng = random.Random(22)
    poems = [
        f"poem {i}: the {' and the '.join(rng.sample(WORDS, 4))}, {rng.choice(WORDS)} at dusk"
        for i in range(60)
    ]
    samples = folder / "poems.txt"
    samples.write_text("\n===\n".join(poems) + "\n")
    journal = folder / "ratings.jsonl"
    texts = read_samples([str(samples)], kind="text")
    write_journal(journal, texts, 150, lambda a, b, r: 0 if "sea" in a.text else r.choice([1, 0]))
    model = folder / "model.json"
    done = rater(
        "model", "fit", str(journal), "--out", str(model), "--kind", "text",
        "--features", "text", "--workers", "0",
        env={"RATER_CACHE_DIR": str(folder / "cache")},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    log = folder / "log.txt"
    log.write_text("epoch 1 loss 0.3\n" + "\n\n".join(poems) + "\n")
    return Inputs(folder, samples, journal, model, log)

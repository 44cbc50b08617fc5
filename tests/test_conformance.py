"""A small tier of bench/conformance.py: real tunes and folk-rnn samples play, in the part a
rater hears, note for note as abc2midi plays them (the bench runs the full corpora)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conformance import bench, need_abc2midi

PER_COLLECTION = 12  # x 7 collections; the bench takes 250 of each
FOLK_RNN = 64  # of the 256


@pytest.mark.slow
def test_a_seeded_tier_plays_as_abc2midi_plays_it(folk_rnn_dir: Path) -> None:
    need_abc2midi()
    folk = bench.folkrnn_cases()
    cases = bench.real_cases(PER_COLLECTION, seed=19) + folk[:: len(folk) // FOLK_RNN]
    assert len(cases) >= 100
    results = bench.run(cases, workers=2)
    assert not [r.case.name for r in results if r.heard == "abc2midi-failed"]
    apart = [r for r in results if r.deviation]  # where abc2midi breaks ABC 2.1 (its rules)
    differ = [
        f"{r.case.name}: {r.heard}: {r.example}" for r in results if r.heard and r not in apart
    ]
    assert differ == []
    assert len(apart) <= len(cases) // 20

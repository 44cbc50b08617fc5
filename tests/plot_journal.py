"""A journal whose every figure is known, for the chart tests (not a test module).

Three generators' files in an order that sorts wrongly as text (iter-2, iter-3, iter-10),
two raters, decisions 30 s apart with chosen decide times and listening data, and hidden
re-checks; written through the real journal (`Journal.append`), as a session writes it.

What it holds (the tests compute their expectations from these numbers by hand):
- alice: 20 decisions from 10:00:00, one every 30 s; iter-10 meets iter-2 ten times and
  wins 7 (1 tie besides, an eleventh game), iter-3 meets iter-2 eight times and wins 4;
- alice's decide times DECIDE and heard seconds HEARD, in order;
- 5 hidden re-checks of alice's first five decisions at 10:10:00.., 4 answered as before;
- bob: 4 decisions at 12:00, no listening data, no re-checks.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rater.core.corpus import read_samples
from rater.core.records import Pair, Rating, Sample
from rater.rating import outcome
from rater.rating.journal import Journal

START = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
DECIDE = [4.0, 6.5, 12.0, 3.0, 25.0, 8.0, 9.5, 14.0, 5.5, 7.0,
          2.0, 18.0, 11.0, 6.0, 150.0, 9.0, 4.5, 30.0, 8.5, 10.0]  # fmt: skip
HEARD = [(min(d, 9.0), min(max(0.0, d - 10.0), 9.0)) for d in DECIDE]  # A, then B, 9 s clips
SOURCES = ("gen/iter-2.abc", "gen/iter-3.abc", "gen/iter-10.abc")


def tune(source: str, k: int) -> str:
    notes = "ABcd efga bagf edcB".split()
    body = " ".join(notes[(k + j) % len(notes)] for j in range(8))
    return f"X:{k + 1}\nT:{Path(source).stem} tune {k + 1}\nM:4/4\nL:1/8\nK:D\n{body}|\n"


def write_samples(folder: Path) -> dict[str, list[Sample]]:
    """Six tunes per generator file, read back through the real corpus reader."""
    out = {}
    for source in SOURCES:
        path = folder / source
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(tune(source, k) for k in range(6)))
        out[source] = read_samples([str(path)])
    return out


def write(folder: Path) -> Path:
    samples = write_samples(folder)
    iter2, iter3, iter10 = (samples[s] for s in SOURCES)
    journal = Journal(folder / "known.jsonl")
    firsts = []
    # iter-10 against iter-2: 7 wins, 3 losses, 1 tie; iter-3 against iter-2: 4 wins, 4 losses
    games = [(iter10[k % 6], iter2[k % 6], 0 if k < 7 else 1) for k in range(10)]
    games.append((iter10[4], iter2[5], "tie"))
    games += [(iter3[k % 6], iter2[(k + 1) % 6], 0 if k < 4 else 1) for k in range(8)]
    games.append((iter3[5], iter10[5], 1))  # a twentieth: iter-10 beats iter-3
    for k, (a, b, best) in enumerate(games):
        extra = {"heard": list(HEARD[k]), "decide_seconds": DECIDE[k], "replays": 0}
        written = journal.append(
            _at(outcome.decide(Pair(a, b), best, "alice", extra=extra), k * 30)
        )
        firsts.append((a, b, best, written[0].extra["decision"]))
    for k, (a, b, best, decision) in enumerate(firsts[:5]):
        again = (1 - best) if k < 4 else best  # sides swapped: the same winner is 1 - best
        extra = {"recheck_of": decision, "decide_seconds": 5.0, "heard": [2.0, 2.0]}
        journal.append(_at(outcome.decide(Pair(b, a), again, "alice", extra=extra), 600 + k * 30))
    for k in range(4):
        late = outcome.decide(Pair(iter3[k], iter10[k]), 0, "bob")
        journal.append(_at(late, 7200 + k * 60))
    return journal.path


def _at(records: list[Rating], seconds: int) -> list[Rating]:
    """The records of one decision, as made at START + seconds."""
    stamp = (START + timedelta(seconds=seconds)).isoformat(timespec="seconds")
    return [replace(r, time=stamp) for r in records]

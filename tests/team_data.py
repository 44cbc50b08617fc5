"""Small corpora and helpers for the team tests and bench/team.py (not a test module)."""

from __future__ import annotations

from pathlib import Path

from rater.core.corpus import sample_id
from rater.core.records import Sample


def tune(n: int) -> str:
    """A short, distinct, well-formed ABC tune (what matters here is that ids differ)."""
    notes = "CDEFGABc"
    bar = "".join(notes[(n >> k) % 8] for k in range(0, 24, 3))
    return f"X:{n}\nT:Tune {n}\nM:4/4\nL:1/8\nK:C\n|:{bar}|{bar[::-1]}:|\n"


def samples(count: int, source: str = "team.abc") -> list[Sample]:
    out = []
    for n in range(1, count + 1):
        text = tune(n)
        out.append(
            Sample(id=sample_id(text), text=text, source=source, number=n, title=f"Tune {n}")
        )
    return out


def write_corpus(path: Path, count: int) -> Path:
    path.write_text("\n".join(tune(n) for n in range(1, count + 1)))
    return path

"""One reading of an ABC tune, for everything that reads one: the checks, the preference
model's features and the renderer all call `parse` and read its `Tune`.

    parse(text, dialect="auto") -> Tune      the text read once (`reader`, `dialect`)
    Tune.bars                                the first voice's bars as written (checks)
    perform(tune) -> Performance             the notes as played, repeats expanded (`playing`)
    clip(performance, seconds, speed) -> Clip  the notes a rater hears (`clip`)

Pure Python, no audio, and it never raises: what it cannot read is counted
(`Tune.unread`), which is what the checks' `unparseable` judges. How close it plays to
abc2midi is measured by `bench/conformance.py`.
"""

from __future__ import annotations

from rater.core.abc.clip import Clip, clip
from rater.core.abc.dialect import DIALECTS, Dialect, detect, resolve, standard
from rater.core.abc.playing import perform
from rater.core.abc.reader import read
from rater.core.abc.records import Bar, Event, Mark, Note, Performance, Sound, Tempo, Tune, Voice
from rater.core.abc.text import body_start, last_char

__all__ = [
    "DIALECTS", "Bar", "Clip", "Dialect", "Event", "Mark", "Note", "Performance", "Sound",
    "Tempo", "Tune", "Voice", "clip", "detect", "parse", "perform",
]  # fmt: skip


MAX_CHARS = 20_000  # never read more of a text (real tunes are under 5,000 characters)


def parse(text: str, dialect: str = Dialect.AUTO) -> Tune:
    """Read `text` once, in `dialect` (`auto`: the one it is written in); never raises.
    At most `MAX_CHARS` are read (cut at a line end): longer samples fail the checks as
    `too-long` before anything reads them, and nobody hears that far."""
    if len(text) > MAX_CHARS:
        cut = text.rfind("\n", 0, MAX_CHARS)
        text = text[: cut if cut > MAX_CHARS // 2 else MAX_CHARS]
    read_as = resolve(text, dialect)
    text = standard(text, read_as)
    data, tempo, parts = read(text)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    last = last_char(lines[body_start(lines) :])
    return Tune(
        **data,
        stops_in_bar=last not in ("", "|", "]", ":"),
        last_char=last,
        dialect=read_as.value,
        tempo=tempo,
        parts=parts,
    )

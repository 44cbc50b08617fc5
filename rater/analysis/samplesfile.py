"""Writing samples back out as a samples file that `rater` reads with the same ids: the best
of `model score --top N --out` and of `rank --best K --out`.

ABC tunes each start with an `X:` line (added where missing; ids ignore it); a tune's notes
(`rank`'s id, source and score) go in `%` comment lines before its `X:` line, where readers
of the file leave them out of the tune, so its id stays its own (`_comment`). Text samples
are separated by `===` lines; a name ending in .jsonl gives JSON lines (`text` and the notes
as fields).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import IO

from rater.core.errors import RaterError
from rater.core.files import write_output
from rater.core.printable import printable


def write_samples(
    texts: Sequence[str],
    path: str,
    error: type[RaterError],
    kind: str = "abc",
    notes: Sequence[Mapping[str, object]] = (),
) -> None:
    """`texts` as a samples file at `path` (through `core.files.write_output`); `notes[k]`:
    fields kept beside sample k (ABC comments, JSON fields; the text kind keeps none)."""
    jsonl = path.endswith((".jsonl", ".ndjson"))

    def write(f: IO[str]) -> None:
        put = f.write
        for n, text in enumerate(texts, 1):
            note = notes[n - 1] if n <= len(notes) else {}
            if jsonl:
                put(json.dumps({"text": text, **note}, ensure_ascii=False) + "\n")
            elif kind == "abc":
                for key, value in note.items():
                    put(f"% {_comment(key)}: {_comment(str(value))}\n")
                has_x = any(line.startswith("X:") for line in text.split("\n"))
                put(("" if has_x else f"X:{n}\n") + text.rstrip("\n") + "\n\n")
            else:
                put(text + "\n===\n")

    write_output(path, write, error)


def _comment(text: str) -> str:
    """One line of a `%` comment: the values are untrusted (a source named by a journal),
    so no line break, and no bar line, which would make the block between two tunes look
    like music that the reader keeps with the tune above (changing its id)."""
    return printable(text).replace("|", "\N{BROKEN BAR}")

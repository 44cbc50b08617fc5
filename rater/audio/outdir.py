"""`rater render --out DIR`: every playable sample's MIDI and clip in a folder of its own,
with an index, so the tunes can be listened to anywhere (another machine, a DAW, a phone).

For each sample that would be played (its verdict is ok):
- `<id>.mid`: the whole tune as rater reads it - repeats, endings and parts played out, at
  the written tempo with its tempo changes as `set_tempo` events, not sped up
  (`rater.audio.render.tune_midi`);
- `<id>.wav`: the clip exactly as it is played (the render's own file: cut and sped up).

`index.csv` lists them (`INDEX_COLUMNS`; `midi` and `wav` are names inside the folder,
`source` the samples file, `index` the sample's number in it, counting from 1, as every
command shows it). Files are written as new files renamed into place, so a name
in the folder that is a symlink or a FIFO is replaced, never written through.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from pathlib import Path

from rater.audio import render
from rater.core import abc, scratch
from rater.core.errors import RenderError, StorageError
from rater.core.records import Judged
from rater.core.settings import RenderSettings

INDEX_COLUMNS = ("id", "source", "index", "title", "dialect", "midi", "wav")
INDEX = "index.csv"


def prepare(path: str | os.PathLike[str]) -> Path:
    """The output folder, made if missing; a path that exists and is not a folder is refused
    (it is never overwritten)."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise RenderError(f"{folder} exists and is not a directory", field="out")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create {folder}: {exc.strerror or exc}") from None
    return folder


def write_all(folder: Path, judged: Iterable[Judged], settings: RenderSettings) -> int:
    """Each playable sample's files, then the index; returns how many were written."""
    rows: list[dict[str, object]] = []
    for j in judged:
        r = j.render
        if not j.verdict.ok or r is None or r.wav_path is None:
            continue
        tune = render.read(j.sample, settings)
        midi = render.tune_midi(abc.perform(tune), settings.program)
        buffer = io.BytesIO()
        midi.save(file=buffer)
        names = {"midi": f"{j.sample.id}.mid", "wav": f"{j.sample.id}.wav"}
        _write(folder / names["midi"], buffer.getvalue())
        _write(folder / names["wav"], Path(r.wav_path).read_bytes())
        s = j.sample
        rows.append(
            {
                "id": s.id,
                "source": s.source,
                "index": s.number,
                "title": s.title,
                "dialect": tune.dialect,
                **names,
            }
        )
    text = io.StringIO()
    out = csv.DictWriter(text, fieldnames=INDEX_COLUMNS, lineterminator="\n")
    out.writeheader()
    out.writerows(rows)
    _write(folder / INDEX, text.getvalue().encode("utf-8"))
    return len(rows)


def _write(dest: Path, payload: bytes) -> None:
    """A new file renamed into place (a symlink or FIFO of that name is replaced, never
    written through), readable by others like any file the user makes: a clip to share."""
    tmp: Path | None = None
    try:
        fd, tmp = scratch.new_file(dest.parent, f".{dest.name}.", ".tmp")
        os.fchmod(fd, 0o644)  # not the 0600 of a private temporary file
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
        os.replace(tmp, dest)
        tmp = None
    except OSError as exc:
        raise StorageError(f"cannot write {dest}: {exc.strerror or exc}") from None
    finally:
        scratch.discard(tmp)

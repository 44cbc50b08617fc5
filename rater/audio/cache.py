"""On-disk render cache: `<root>/<settings.key()>/<sample id>.wav` + `.json`.

Keys come from content hashes and render settings (including the SoundFont's identity), so a
cache never needs invalidating: changed settings simply land in another bucket. Failed
renders (except timeouts and crashes) are stored too, so a broken tune costs its parse time
once, not on every run. Writes go to a new temporary file and are renamed into place, so a
crash never leaves a half-written entry that a later run would trust, and a failed write
leaves no temporary file.

A failed write is StorageError: the machine, not the tune.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, replace
from pathlib import Path

from rater.core import scratch
from rater.core.errors import StorageError
from rater.core.paths import cache_dir
from rater.core.records import NoteEvent, Render
from rater.core.settings import RenderSettings

TRANSIENT_ERRORS = frozenset({"timeout", "crashed"})


def bucket(root: str | Path | None, settings: RenderSettings) -> Path:
    path = Path(root if root is not None else cache_dir()) / settings.key()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(
            f"cannot create the render cache {path}: {exc.strerror or exc} "
            "(set RATER_CACHE_DIR to a writable directory)"
        ) from None
    return path


def _meta_path(root: str | Path | None, settings: RenderSettings, sample_id: str) -> Path:
    return Path(root if root is not None else cache_dir()) / settings.key() / f"{sample_id}.json"


def get(sample_id: str, settings: RenderSettings, root: str | Path | None = None) -> Render | None:
    """The cached Render (`cached=True`), or None when absent, unreadable or its WAV is gone."""
    meta = _meta_path(root, settings, sample_id)
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
        notes = tuple(NoteEvent(float(s), float(e), int(p)) for s, e, p in data.pop("notes"))
        wav = data.pop("wav")
        wav_path = str(meta.parent / wav) if wav else None
        if wav_path is not None and not os.path.isfile(wav_path):
            return None
        return Render(**data, sample_id=sample_id, wav_path=wav_path, notes=notes, cached=True)
    except (OSError, ValueError, TypeError, KeyError):
        return None


def put(render: Render, settings: RenderSettings, root: str | Path | None = None) -> Render:
    """Store `render` (copying its WAV into the bucket unless a worker wrote it there).

    A timeout or a crashed worker is not stored: either may come from the machine (load, the
    OOM killer) rather than the tune, and a cached one would mark the tune broken for good.
    StorageError when the cache cannot be written; nothing half-written is left.
    """
    if render.error in TRANSIENT_ERRORS:
        return render
    folder = bucket(root, settings)
    try:
        return _put(render, folder)
    except OSError as exc:
        raise StorageError(
            f"cannot write to the render cache {folder}: {exc.strerror or exc}"
        ) from None


def _put(render: Render, folder: Path) -> Render:
    wav = None
    if render.wav_path is not None:
        src = Path(render.wav_path)
        dest = folder / f"{render.sample_id}.wav"
        if src.name != dest.name or src.parent.resolve() != folder.resolve():
            scratch.write_new(dest, src.read_bytes())
            render = replace(render, wav_path=str(dest))
        wav = dest.name
    data = asdict(render)
    for key in ("sample_id", "wav_path", "cached"):
        data.pop(key)
    data["notes"] = [[n.start, n.end, n.pitch] for n in render.notes]
    data["wav"] = wav
    meta = folder / f"{render.sample_id}.json"
    scratch.write_new(meta, json.dumps(data, separators=(",", ":")).encode())
    return render

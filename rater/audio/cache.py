"""On-disk render cache: `<root>/<settings.key()>/<sample id>.wav` + `.json`.

Keys come from content hashes and render settings (including the SoundFont's identity), so a
cache never needs invalidating: changed settings simply land in another bucket. Failed
renders (except timeouts and machine failures) are stored too, so a broken tune costs its
parse time once, not on every run. Writes go to a new temporary file and are renamed into
place, so a crash never leaves a half-written entry that a later run would trust, and a
failed write leaves no temporary file.

The cache folder may come from someone else, or be damaged (a full disk, a crash, a person
tidying up), so an entry is trusted only when it is exactly what `put` writes: known fields
of the right types, a reason a tune can cause, and a clip that is `<sample id>.wav`, a
regular file in the bucket (no path, no symlink) whose header matches the bucket's format
and whose data is all there for the length it claims. Anything else is a miss, and the
sample is rendered again. A failed write is StorageError: the machine, not the tune.

A hit marks its clip as used (its modification time), so the cap (`rater.audio.budget`)
evicts the clips nobody played for longest.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import struct
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from rater.core import scratch
from rater.core.errors import StorageError
from rater.core.files import make_folders, read_regular
from rater.core.jsonread import loads
from rater.core.paths import cache_dir
from rater.core.records import MACHINE_FAILURE, NoteEvent, Reason, Render
from rater.core.settings import RenderSettings

MAX_ENTRY_BYTES = 8 << 20  # an entry of a 180 s clip's notes is well under 1 MB
TRANSIENT_ERRORS = frozenset({Reason.TIMEOUT, MACHINE_FAILURE})
CACHED_ERRORS = frozenset(
    {Reason.UNPARSEABLE, Reason.UNRENDERABLE, Reason.NO_NOTES}
)  # the tune's own
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
_NUMBERS = ("clip_seconds", "music_seconds", "peak", "rms")
_FIELDS = frozenset({*_NUMBERS, "notes", "bars", "error", "detail", "wav"})


def bucket(root: str | Path | None, settings: RenderSettings) -> Path:
    path = Path(root if root is not None else cache_dir()) / settings.key()
    try:
        make_folders(path)
    except OSError as exc:
        raise StorageError(
            f"cannot create the render cache {path}: {exc.strerror or exc} "
            "(set RATER_CACHE_DIR to a writable directory)"
        ) from None
    return path


def _meta_path(root: str | Path | None, settings: RenderSettings, sample_id: str) -> Path:
    return Path(root if root is not None else cache_dir()) / settings.key() / f"{sample_id}.json"


def get(sample_id: str, settings: RenderSettings, root: str | Path | None = None) -> Render | None:
    """The cached Render (`cached=True`), or None when absent, unreadable or not valid."""
    if not _SAFE_ID.fullmatch(sample_id):
        return None
    meta = _meta_path(root, settings, sample_id)
    raw = read_regular(meta, MAX_ENTRY_BYTES)  # a FIFO, a device, a symlink: a miss
    if raw is None:
        return None
    try:
        hit = _entry(loads(raw, MAX_ENTRY_BYTES), sample_id, meta.parent, settings)
    except (ValueError, TypeError, KeyError):
        return None
    if hit is not None and hit.wav_path is not None:
        used(Path(hit.wav_path))
    return hit


def used(clip: Path) -> None:
    """Mark a clip as just used: its modification time is its last use, the order in which
    the cache's cap evicts (`rater.audio.budget`). Never through a symlink; a cache that
    cannot be written keeps its old times."""
    try:
        os.utime(clip, follow_symlinks=False)
    except OSError:
        pass


def _no_follow(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK)


def _entry(data: Any, sample_id: str, folder: Path, settings: RenderSettings) -> Render | None:
    """The Render an entry describes, if it is exactly what `put` writes; else None."""
    if not isinstance(data, dict) or set(data) != _FIELDS:
        return None
    if not all(_finite(data[k]) and data[k] >= 0 for k in _NUMBERS):
        return None
    numbers = {k: float(data[k]) for k in _NUMBERS}
    error, detail, wav = data["error"], data["detail"], data["wav"]
    if not isinstance(detail, str) or not isinstance(data["notes"], list):
        return None
    bars = data["bars"]
    if not isinstance(bars, list) or not all(_finite(t) and t >= 0 for t in bars):
        return None
    notes = tuple(note_event(n) for n in data["notes"])
    if error is not None:
        if error not in CACHED_ERRORS or wav is not None:
            return None
        wav_path = None
    else:
        wav_path = folder / f"{sample_id}.wav"
        if wav != wav_path.name:  # a name, never a path: "../../etc/passwd" is a miss
            return None
        if not _clip_matches(wav_path, numbers["clip_seconds"], settings.sample_rate):
            return None
    return Render(
        sample_id,
        None if wav_path is None else str(wav_path),
        **numbers,
        notes=notes,
        error=error,
        detail=detail,
        cached=True,
        bars=tuple(float(t) for t in bars),
    )


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def note_event(value: Any) -> NoteEvent:
    """A cached [start, end, pitch]: finite times, a MIDI pitch; ValueError for anything else."""
    if not isinstance(value, list) or len(value) != 3:
        raise ValueError("not a note")
    start, end, pitch = value
    if not (_finite(start) and _finite(end) and type(pitch) is int and 0 <= pitch <= 127):
        raise ValueError("not a note")
    return NoteEvent(float(start), float(end), pitch)


def _clip_matches(path: Path, seconds: float, sample_rate: int) -> bool:
    """A regular file (not a symlink) in the format `synth` writes, with every frame its
    header claims present, lasting `seconds`."""
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            return False
        with open(path, "rb", opener=_no_follow) as f:
            head = f.read(4096)
    except OSError:
        return False
    layout = wav_layout(head)
    if layout is None:
        return False
    channels, rate, width, offset, size = layout
    if (channels, rate, width) != (1, sample_rate, 2) or st.st_size < offset + size:
        return False
    return abs(size / (width * rate) - seconds) <= 1.0 / rate + 1e-6


def wav_layout(head: bytes) -> tuple[int, int, int, int, int] | None:
    """(channels, frame rate, bytes per sample, data offset, data size) of a PCM WAV from its
    first bytes, or None when they are not one. Read here rather than by `wave`, which says
    nothing about data missing at the end of a cut file."""
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    at, fmt = 12, None
    while at + 8 <= len(head):
        kind, size = head[at : at + 4], struct.unpack_from("<I", head, at + 4)[0]
        body = at + 8
        if kind == b"fmt " and size >= 16 and body + 16 <= len(head):
            tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", head, body)
            fmt = (channels, rate, bits // 8) if tag == 1 and bits % 8 == 0 else None
        elif kind == b"data":
            return None if fmt is None else (*fmt, body, size)
        at = body + size + (size & 1)
    return None


def put(render: Render, settings: RenderSettings, root: str | Path | None = None) -> Render:
    """Store `render` (copying its WAV into the bucket unless a worker wrote it there).

    A timeout or a machine failure is not stored: either may come from the machine (load,
    the OOM killer) rather than the tune, and a cached one would mark the tune broken for good.
    Nor is a render for an id that cannot be a file name. StorageError when the cache cannot
    be written; nothing half-written is left.
    """
    if render.error in TRANSIENT_ERRORS or not _SAFE_ID.fullmatch(render.sample_id):
        return render
    folder = bucket(root, settings)
    try:
        return _put(render, folder)
    except OSError as exc:
        raise StorageError(
            f"cannot write to the render cache {folder}: {exc.strerror or exc}"
        ) from None


def files(render: Render, settings: RenderSettings, root: str | Path | None = None) -> list[Path]:
    """The files `put` keeps for `render` (none for what it does not store): what the
    cache's cap counts."""
    if render.error in TRANSIENT_ERRORS or not _SAFE_ID.fullmatch(render.sample_id):
        return []
    meta = _meta_path(root, settings, render.sample_id)
    return [meta] + ([meta.with_suffix(".wav")] if render.wav_path is not None else [])


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

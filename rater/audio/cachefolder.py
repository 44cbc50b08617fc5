"""The cache folder as a whole: how much it holds, and emptying it (`rater cache`).

Everything in it is rebuilt on demand: render buckets (`<16 hex digits>/`, one per render
settings, holding `<sample id>.wav` + `.json`), the preference model's notes of earlier
versions (`notes-<16 hex digits>/<sample id>.json`), the GPT-2 merge table (`bpe/`) and
the demo corpus (`demo/`). Its size is capped (`RenderSettings.cache_max_bytes`, 2 GB by
default; a clip of 10 s is about 0.45 MB): the least recently used clips go first
(`rater.audio.budget`), so the clips a session plays stay. `rater cache --size` shows the
use against the cap, `--clear` empties it.

`$RATER_CACHE_DIR` may name any folder (a home folder, by mistake), so only files rater
makes are counted and removed, by name and place; symlinks are never followed or removed,
and whatever else is there is left and counted.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from rater.core.bpe import CACHE_SUBDIR as BPE_SUBDIR
from rater.core.errors import StorageError
from rater.core.paths import cache_dir

_BUCKET = re.compile(r"[0-9a-f]{16}")
_NOTES = re.compile(r"notes-[0-9a-f]{16}")  # the notes cache earlier versions kept


def _names(kept: str) -> re.Pattern[str]:
    """A kept file's name, or a temporary one beside it: `.<name>.<random>.tmp` now,
    `.<id>.<pid>.{tmp,wavtmp,jsontmp}` and `<name>.<pid>.tmp` in older versions."""
    temp = rf"\..+\.(?:tmp|wavtmp|jsontmp)|(?:{kept})\.\d+\.tmp"
    return re.compile(rf"{kept}|{temp}")


OURS = {
    "bucket": _names(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\.(?:wav|json)"),
    BPE_SUBDIR: _names(r"gpt2-[0-9a-f]{12}-[0-9a-f]{12}\.(?:ranks|pkl)"),
    "demo": _names(r"demo-v\d+\.abc|origins\.json"),
    "notes": _names(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\.json"),
}


@dataclass(frozen=True)
class CacheUsage:
    """What the cache folder holds (or what `clear` removed)."""

    root: Path
    files: int  # rater's files
    size: int  # their bytes
    clips: int  # of them, rendered clips
    buckets: int  # render buckets (one per render settings)
    other: int  # files and folders rater did not make (a folder counts once): never touched


def usage(root: str | Path | None = None) -> CacheUsage:
    return _walk(Path(root) if root is not None else cache_dir(), remove=False)


def clear(root: str | Path | None = None) -> CacheUsage:
    """Remove rater's files (and folders left empty); the usage of what was removed, with
    `other` counting what was left. Meant for when no session is running: a clip removed
    under a session costs its sound, not the session."""
    return _walk(Path(root) if root is not None else cache_dir(), remove=True)


def _walk(root: Path, remove: bool) -> CacheUsage:
    files = size = clips = buckets = 0
    found = folders(root)
    other = len(entries(root)) - len(found)
    for folder, kind in found:
        buckets += kind == "bucket"
        for entry in entries(folder):
            if not entry.is_file(follow_symlinks=False) or not OURS[kind].fullmatch(entry.name):
                other += 1
                continue
            try:
                bytes_ = entry.stat(follow_symlinks=False).st_size
                if remove:
                    os.unlink(entry.path)
            except FileNotFoundError:
                continue  # gone meanwhile (another rater replacing an entry)
            except OSError as exc:
                raise StorageError(
                    f"cannot clear the cache {root}: {exc.strerror or exc} "
                    f"({files} files removed before that)"
                ) from None
            files += 1
            size += bytes_
            clips += entry.name.endswith(".wav")
        if remove:
            try:
                folder.rmdir()
            except OSError:
                pass  # not empty: what is left is counted in `other`
    return CacheUsage(root, files, size, clips, buckets, other)


def folders(root: Path) -> list[tuple[Path, str]]:
    """rater's folders in `root`: render buckets, `notes-<key>/`, `bpe/`, `demo/` (real
    folders only)."""
    found = []
    for entry in entries(root):
        if not entry.is_dir(follow_symlinks=False):
            continue
        if _BUCKET.fullmatch(entry.name):
            found.append((Path(entry.path), "bucket"))
        elif _NOTES.fullmatch(entry.name):
            found.append((Path(entry.path), "notes"))
        elif entry.name in (BPE_SUBDIR, "demo"):
            found.append((Path(entry.path), entry.name))
    return found


def entries(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as it:
            return sorted(it, key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        return []


def human_size(size: int) -> str:
    for factor, unit in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} bytes"

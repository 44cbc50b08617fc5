"""The render cache's cap: when rater's files in the cache folder pass `cache_max_bytes`,
the least recently used clips go.

A clip's last use is its WAV's modification time: `cache.get` touches it on every hit, so a
clip a session plays is the newest however old its render. A run keeps a running estimate
of the folder's size (one scan at its first write, then what it adds), and when the
estimate passes the cap it scans the folder again (other runs write there too) and removes
whole entries, oldest use first, down to `LOW_WATER` of the cap, so a scan comes once per
tenth of the cap written, not at every clip. Clips go first; the small entries of tunes that
could not be rendered (their verdict) only when clips alone cannot make room. The GPT-2 table
and the demo corpus are counted but never removed. Temporary files (a clip being written)
are left alone, and only files rater makes are touched (`cachefolder.OURS`): the folder is
untrusted, symlinks are never followed.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from rater.audio import cachefolder

LOW_WATER = 0.9  # an eviction makes room down to this share of the cap


@dataclass
class _Entry:
    """One rendered sample in a bucket: its clip (if any) and its entry file."""

    folder: str
    stem: str
    size: int = 0
    used: float = 0.0  # the clip's last use (its mtime), else the entry's
    clip: bool = False


class Budget:
    """Keeps `root` under `cap` bytes for one run (see the module docstring)."""

    def __init__(self, root: Path, cap: int) -> None:
        self.root = root
        self.cap = cap
        self.used: int | None = None  # the estimate; None until the first write
        self.evicted = 0  # entries this run removed
        self._lock = threading.Lock()

    def added(self, paths: list[Path]) -> None:
        """These files were just written to the cache: evict if the cap is passed."""
        size = 0
        for path in paths:
            try:
                size += os.lstat(path).st_size
            except OSError:
                continue
        with self._lock:
            if self.used is None:
                self.used = cachefolder.usage(self.root).size
            else:
                self.used += size
            if self.used > self.cap:
                self.used = self._evict(int(self.cap * LOW_WATER))

    def _evict(self, target: int) -> int:
        """Remove entries, least recently used first, until rater's files take at most
        `target` bytes; returns what they take then."""
        entries, total = _scan(self.root)
        entries.sort(key=lambda e: (not e.clip, e.used))  # clips first, oldest first
        for entry in entries:
            if total <= target:
                break
            for suffix in (".wav", ".json"):
                path = os.path.join(entry.folder, entry.stem + suffix)
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    continue  # another run evicted it meanwhile
                except OSError:
                    break  # a read-only folder: nothing to gain here
            else:
                total -= entry.size
                self.evicted += 1
        return total


def _scan(root: Path) -> tuple[list[_Entry], int]:
    """Every render entry in `root`'s buckets, and the bytes of all rater's files."""
    found: dict[tuple[str, str], _Entry] = {}
    total = 0
    for folder, kind in cachefolder.folders(root):
        for item in cachefolder.entries(folder):
            if not item.is_file(follow_symlinks=False):
                continue
            if not cachefolder.OURS[kind].fullmatch(item.name):
                continue
            try:
                st = item.stat(follow_symlinks=False)
            except OSError:
                continue
            total += st.st_size
            stem, dot, suffix = item.name.rpartition(".")
            if kind != "bucket" or item.name.startswith(".") or suffix not in ("wav", "json"):
                continue  # the GPT-2 table, the demo, temporary files: kept
            entry = found.setdefault((str(folder), stem), _Entry(str(folder), stem))
            entry.size += st.st_size
            if suffix == "wav":
                entry.clip, entry.used = True, st.st_mtime
            elif not entry.clip:
                entry.used = st.st_mtime
    return list(found.values()), total

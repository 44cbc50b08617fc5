"""Where one run's clips go: the render cache while it can be written, else a private folder.

A full, read-only or unwritable cache is the machine's problem, never a verdict on a tune
(SPEC, trust boundaries). So the first failed write (a clip, an entry, the bucket itself)
switches the run to this process's private temporary folder (`scratch.private_dir`): the
tunes are still rendered and judged, nothing more is written to the cache, and `warn` is
told once, so the CLI prints one line and the TUI shows a notice. Without `warn` (`rater
render`, whose whole job is filling the cache) the StorageError is raised instead. Only a
failure in the private folder as well ends the run, with StorageError.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from rater.audio import cache, render
from rater.audio.budget import Budget
from rater.core import scratch
from rater.core.errors import StorageError
from rater.core.paths import cache_dir
from rater.core.records import Render, Sample
from rater.core.settings import RenderSettings

Warn = Callable[[str], object]


class Store:
    """The cache for `settings` under `root`, with the fallback described above."""

    def __init__(
        self, settings: RenderSettings, root: str | Path | None = None, warn: Warn | None = None
    ) -> None:
        self.settings = settings
        self.root = Path(root) if root is not None else cache_dir()
        self.warn = warn
        self.caching = True  # False once a write failed: clips go to the private folder
        self.budget = Budget(self.root, settings.cache_max_bytes)
        self._folder: Path | None = None
        self._lock = threading.Lock()

    def get(self, sample_id: str) -> Render | None:
        return cache.get(sample_id, self.settings, self.root)

    def folder(self) -> Path:
        """Where clips are written now (the bucket is made on first use)."""
        with self._lock:
            if self._folder is None:
                try:
                    self._folder = cache.bucket(self.root, self.settings)
                except StorageError as exc:
                    self._stop_caching(exc)
            assert self._folder is not None
            return self._folder

    def put(self, result: Render) -> Render:
        """`result` stored in the cache (`cached` stays False), or as it is once caching
        stopped; a failed write stops caching (see the module docstring)."""
        if not self.caching:
            return result
        try:
            stored = cache.put(result, self.settings, self.root)
        except StorageError as exc:
            with self._lock:
                if self.caching:
                    self._stop_caching(exc)
            return result
        written = cache.files(stored, self.settings, self.root)
        if written:
            self.budget.added(written)  # past the cap: the least recently used clips go
        return stored

    def write_failed(self, folder: str | Path, message: str) -> Path:
        """A clip could not be written to `folder`: the folder to use from now on. Raises
        StorageError when that was the private folder already."""
        with self._lock:
            if self.caching:
                self._stop_caching(StorageError(message))
            elif Path(folder) == self._folder:
                raise StorageError(message)
            assert self._folder is not None
            return self._folder

    def render_one(self, sample: Sample) -> Render:
        """One sample in this process: from the cache, else rendered and stored."""
        hit = self.get(sample.id)
        if hit is not None:
            return hit
        folder = self.folder()
        try:
            result = render.render_one(sample, self.settings, folder)
        except StorageError as exc:
            result = render.render_one(sample, self.settings, self.write_failed(folder, str(exc)))
        return self.put(result)

    def _stop_caching(self, exc: StorageError) -> None:
        """Under the lock: from now on clips go to the private folder, nothing is cached."""
        if self.warn is None:
            raise exc
        self.caching = False
        self._folder = scratch.private_dir()
        self.warn(f"{exc}; rendering without the cache this run (nothing is cached)")

"""Where rater finds its packaged data and keeps its caches.

Data files (the blacklists, the SoundFont drop folder) are read as package data through
`importlib.resources`, so an installed wheel finds them wherever it is installed; in the
repository `rater/data/<name>` are symlinks to the top-level folders people edit.
"""

from __future__ import annotations

import os
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path


def cache_dir() -> Path:
    """`$RATER_CACHE_DIR`, else the platform's user cache directory + `rater`."""
    env = os.environ.get("RATER_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rater"


def data(name: str) -> Traversable:
    """A folder of the package data (`blacklists`, `soundfonts`)."""
    return resources.files("rater").joinpath("data", name)


def data_files(name: str, suffix: str) -> list[Traversable]:
    """The files of a package-data folder ending in `suffix`, sorted by name."""
    folder = data(name)
    if not folder.is_dir():
        return []
    return sorted(
        (f for f in folder.iterdir() if f.is_file() and f.name.endswith(suffix)),
        key=lambda f: f.name,
    )

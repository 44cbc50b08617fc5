"""bench/conformance.py for tests (not a test module): loaded by path, since bench/ is not a
package, so the tests compare with abc2midi exactly as the bench does."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent


def _load() -> ModuleType:
    sys.path.insert(0, str(REPO / "bench"))  # the bench imports its neighbour _shared_data
    spec = importlib.util.spec_from_file_location("conformance", REPO / "bench" / "conformance.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _load()


def need_abc2midi() -> None:
    """abc2midi is a test-time dependency (Debian abcmidi; `scripts/setup --dev`)."""
    assert shutil.which("abc2midi"), "abc2midi not found: `scripts/setup --dev` installs abcmidi"

"""The shared-data helper for tests (not a test module): bench/_shared_data.py, the one place
that knows where `../shared/data` is (next to the checkout, or next to the main checkout of
a git worktree), loaded by path since bench/ is not a package. `tests/conftest.py` turns it
into the `folk_rnn_dir` fixture."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "_shared_data", REPO / "bench" / "_shared_data.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


helper = _load()

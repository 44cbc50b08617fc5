"""Starting worker processes that import nothing from the caller's script or folder.

Every stage that starts processes (the render pool, the preference model's feature rows,
the rating screen's offloaded refits) starts them through `clean_start`: one rule, kept in
core so that analysis may start workers without the audio layer.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from rater.core.errors import StorageError

_START = threading.Lock()  # the environment is the process's: one start at a time


@contextmanager
def clean_start() -> Iterator[None]:
    """Processes started inside import nothing from the caller's script or working folder.

    spawn and forkserver children normally re-import `__main__` by path; an unguarded script
    (or a notebook) would then run again inside every worker. They also start as `python -c`,
    which puts the working folder first on `sys.path`: the forkserver then preloads numpy
    and mido from there, so a `mido.py` beside the samples ran inside every worker and its
    errors became cached verdicts. PYTHONSAFEPATH (Python 3.11+) keeps that entry off; the
    workers need nothing from either. A start that fails for want of a temporary folder (or
    any other OSError) is a StorageError: one line, not multiprocessing's traceback.
    """
    with _START:
        main = sys.modules.get("__main__")
        had_file, file = hasattr(main, "__file__"), getattr(main, "__file__", None)
        spec = getattr(main, "__spec__", None)
        if main is not None:
            if had_file:
                del main.__file__
            main.__spec__ = None
        safe = os.environ.get("PYTHONSAFEPATH")
        os.environ["PYTHONSAFEPATH"] = "1"
        try:
            yield
        except OSError as exc:  # multiprocessing's own folder and sockets: the machine's
            raise StorageError(
                f"cannot start worker processes: {exc.strerror or exc}"
                + (f" ({exc.filename})" if exc.filename else "")
                + "; set TMPDIR to a writable folder, or run with {field} 0",
                field="workers",
            ) from None
        finally:
            if safe is None:
                del os.environ["PYTHONSAFEPATH"]
            else:
                os.environ["PYTHONSAFEPATH"] = safe
            if main is not None:
                main.__spec__ = spec
                if had_file:
                    main.__file__ = file
